"""Export: the Turtle ontology as deterministic RDF/XML (Protégé's native format), and whether the two agree.

Why: the Turtle stays the source of truth; the RDF/XML is generated, byte
for byte the same on every run, so git shows no churn.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_canonical_graph
from rdflib.term import Node

from ...paths import ONTOLOGY_DIR
from ...vocab import RDF
from .files import ONTOLOGY_TTL

__all__ = ['export_rdfxml', 'rdfxml_text', 'rdfxml_in_sync']


_GENERATED_NOTE = (
    "<!-- Generated from glr.ttl by `glr ontology export` (reasoner/kb/ontology/export.py).\n"
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
