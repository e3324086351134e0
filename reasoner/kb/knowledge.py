"""Load the knowledge base: ontology, case shapes and guideline modules.

Why: knowledge is data. A module is a directory holding module.ttl, any
other *.ttl (catalogue, evidence) and rules/<id>.rq + rules/<id>.ttl.
This module only reads what those files say; it knows no rule by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from .._runtime import safety
from ..errors import KnowledgeBaseError
from ..paths import ONTOLOGY_DIR, QUERIES_DIR, SHAPES_DIR
from .elapsed import ElapsedProperties, elapsed_properties
from .memo import memoised
from .packs import MAPPING_DATA_DIR, discover_packs, pack_files
from ..vocab import GLR, GLR_ONTOLOGY_IRI, OWL, RDF, RDFS

if TYPE_CHECKING:
    from .priorities import PriorityScale

__all__ = ["Rule", "Module", "KnowledgeBase", "load_knowledge_base", "discover_modules", "module_files", "MAPPING_DATA_DIR", "RESULT_SEGMENTS"]

#: remembered labels (the knowledge base's own few hundred, and case nodes asked in passing)
_MAX_LABELS = 20_000

#: result class → the IRI path segment rules use for result nodes
RESULT_SEGMENTS: dict[URIRef, str] = {
    GLR.Recommendation: "recommendation",
    GLR.NotRecommended: "not-recommended",
    GLR.Caution: "caution",
    GLR.InformationNeed: "information-need",
    GLR.Assessment: "assessment",
    GLR.Interaction: "interaction",
}


@dataclass(frozen=True)
class Rule:
    """One rule: a CONSTRUCT query and the metadata stated beside it."""

    iri: URIRef
    rule_id: str
    label: str
    result_type: URIRef
    produces: URIRef
    priority: URIRef | None
    stage: int
    evidence: tuple[URIRef, ...]
    query_path: Path
    query_text: str
    module: URIRef | None


@dataclass(frozen=True)
class Module:
    iri: URIRef
    label: str
    version: str
    directory: Path


@dataclass
class KnowledgeBase:
    """Everything the reasoner knows, loaded once and shared by every case."""

    ontology: Graph
    shapes: Graph
    knowledge: Graph
    rules: tuple[Rule, ...]
    modules: tuple[Module, ...]
    ontology_version: str
    #: prefix -> namespace as the loaded Turtle files declare them (core first, then packs; first declaration wins)
    prefixes: dict[str, str] = field(default_factory=dict)
    _labels: dict[Node, str] = field(default_factory=dict, repr=False)
    _elapsed: tuple[ElapsedProperties, ...] | None = field(default=None, repr=False)
    _rule_ontology: Graph | None = field(default=None, repr=False)  # see ontology_for_rules
    _mentioned: frozenset[URIRef] | None = field(default=None, repr=False)  # see iris_rules_mention
    _priorities: PriorityScale | None = field(default=None, repr=False)  # see priorities

    def priorities(self) -> PriorityScale:
        """The ontology's priority scale (reasoner/kb/priorities.py), read once per knowledge base."""
        if self._priorities is None:
            from .priorities import priority_scale

            self._priorities = priority_scale(self.ontology)
        return self._priorities

    def iris_rules_mention(self) -> frozenset[URIRef]:
        """Every IRI some rule's WHERE clause mentions (reasoner/kb/mentions.py).

        Computed lazily (only plans that list unconsidered findings need
        it), then kept in memory and in the on-disk cache keyed by the rule
        texts, so the parsed knowledge-base entry itself never changes.
        """
        if self._mentioned is None:
            from .cache import load_mentions, store_mentions
            from .mentions import rules_mention

            texts = [rule.query_text for rule in self.rules]
            found = load_mentions(texts)
            if found is None:
                found = frozenset(str(i) for i in rules_mention(_parsed_or_none(text) for text in texts))
                store_mentions(texts, found)
            self._mentioned = frozenset(URIRef(i) for i in found)
        return self._mentioned

    def elapsed_properties(self) -> tuple[ElapsedProperties, ...]:
        """The ontology's date → elapsed-time annotations, read once per knowledge base."""
        if self._elapsed is None:
            self._elapsed = elapsed_properties(self.ontology)
        return self._elapsed

    def ontology_for_rules(self, *, compute: bool = True) -> Graph:
        """What rule engines load beside each case: only the ontology triples rules can read.

        The footprint (reasoner/kb/footprint.py) comes from memory, then
        from the on-disk cache; otherwise it is computed (parsing every rule)
        when ``compute`` is true, and the whole ontology, which gives the
        same answers, is returned when it is not.
        """
        if self._rule_ontology is None:
            from .cache import load_footprint, store_footprint
            from .footprint import ontology_subset, rules_predicates

            texts = [rule.query_text for rule in self.rules]
            found, predicates = load_footprint(texts)
            if not found:
                if not compute:
                    return self.ontology
                predicates = rules_predicates(_parsed_or_none(text) for text in texts)
                store_footprint(texts, predicates)
            self._rule_ontology = ontology_subset(self.ontology, predicates)
        return self._rule_ontology

    def rule_inputs(self, *, compute: bool = True) -> Graph:
        """Everything a rule engine loads beside each case: the ontology footprint and the module statements rules may read."""
        return self.ontology_for_rules(compute=compute) + self.rule_readable_knowledge()

    def rule_readable_knowledge(self) -> Graph:
        """Module statements rules may read, as the ontology marks them with ``glr:readByRules``.

        Why: the interactions stage reads which care action each catalogue entry is about and
        the sourced effects of actions; every other module statement stays out of the rule
        stores, so no module rule sees more than before. A subject is read when it has a
        statement whose property is marked ``true`` (e.g. glr:aboutCareAction); then its
        statements with properties marked ``"alongside"`` (e.g. glr:catalogueId) come too.
        """
        marks = {p: str(v) for p, v in self.ontology.subject_objects(GLR.readByRules) if isinstance(p, URIRef)}
        anchors = sorted(p for p, v in marks.items() if v == "true")
        subjects = {s for p in anchors for s in self.knowledge.subjects(p, None)}
        found = Graph()
        for s in subjects:
            for p, o in self.knowledge.predicate_objects(s):
                if p in marks:
                    found.add((s, p, o))
        return found

    @property
    def version(self) -> str:
        mods = ", ".join(f"{m.directory.name} {m.version}" for m in self.modules)
        return f"ontology {self.ontology_version}; {mods}"

    def stages(self) -> list[int]:
        return sorted({r.stage for r in self.rules})

    def rules_in_stage(self, stage: int) -> list[Rule]:
        return sorted((r for r in self.rules if r.stage == stage), key=lambda r: r.rule_id)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    def catalogue_id(self, entry: Node) -> str:
        value = self.knowledge.value(entry, GLR.catalogueId)
        if value is None:
            raise KnowledgeBaseError(f"catalogue entry {entry} has no glr:catalogueId.")
        return str(value)

    def label(self, node: Node) -> str | None:
        """rdfs:label from the knowledge base or ontology (English preferred)."""
        if node in self._labels:
            return self._labels[node]
        found: str | None = None
        for graph in (self.knowledge, self.ontology):
            labels = list(graph.objects(node, RDFS.label))
            if labels:
                english = [l for l in labels if isinstance(l, Literal) and l.language in (None, "en")]
                found = str((english or labels)[0])
                break
        if len(self._labels) >= _MAX_LABELS:  # case nodes are asked too: a long batch must not grow it
            self._labels.clear()
        self._labels[node] = found or ""
        return found

    def text(self, entry: Node) -> str | None:
        value = self.knowledge.value(entry, GLR.text)
        return str(value) if value is not None else None


def _parse_ttl(path: Path, graph: Graph, prefixes: dict[str, str] | None = None) -> Graph:
    """Parse one Turtle file into ``graph``; its own @prefix declarations go to ``prefixes`` (first one wins)."""
    try:
        part = Graph(bind_namespaces="none").parse(path, format="turtle")
    except Exception as exc:  # any parser failure is a broken knowledge base
        raise KnowledgeBaseError(f"cannot parse: {' '.join(str(exc).split())[:300]}", source=str(path)) from None
    graph += part
    if prefixes is not None:
        for prefix, namespace in part.namespaces():
            if prefix:
                prefixes.setdefault(prefix, str(namespace))
    return part


def module_files(directory: Path) -> list[Path]:
    """A module's Turtle files the knowledge base loads (fixtures and ``fhir/data/`` tables excepted; reasoner/kb/packs.py)."""
    return pack_files(directory).all_turtle()


def discover_modules(queries_dir: Path = QUERIES_DIR) -> list[Path]:
    """Every directory under queries/ that holds a module.ttl is a module (a pack, reasoner/kb/packs.py)."""
    return discover_packs(queries_dir)


def _one(graph: Graph, subject: Node, prop: URIRef, *, where: str, required: bool = True) -> Node | None:
    values = list(graph.objects(subject, prop))
    if len(values) > 1:
        raise KnowledgeBaseError(f"{subject} has {len(values)} values for {prop}; exactly one is allowed.", source=where)
    if not values:
        if required:
            raise KnowledgeBaseError(f"{subject} has no {prop}.", source=where)
        return None
    return values[0]


def _rule_query(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    safety.reject_network_query(text, source=str(path))  # no SERVICE / LOAD / FROM: rules never reach the network
    return text


def _load_rules(meta_path: Path, part: Graph, module: URIRef | None) -> list[Rule]:
    rules = []
    for iri in part.subjects(RDF.type, GLR.Rule):
        if not isinstance(iri, URIRef):
            raise KnowledgeBaseError("a glr:Rule must have an IRI, not a blank node.", source=str(meta_path))
        where = str(meta_path)
        rule_id = str(_one(part, iri, GLR.ruleId, where=where))
        query_file = str(_one(part, iri, GLR.queryFile, where=where))
        query_path = (meta_path.parent / query_file).resolve()
        if not query_path.is_file():
            raise KnowledgeBaseError(f"rule '{rule_id}' names query file '{query_file}', which does not exist.", source=where)
        stage = _one(part, iri, GLR.stage, where=where)
        result_type = _one(part, iri, GLR.resultType, where=where)
        produces = _one(part, iri, GLR.produces, where=where)
        priority = _one(part, iri, GLR.priority, where=where, required=False)
        label = _one(part, iri, RDFS.label, where=where)
        if result_type not in RESULT_SEGMENTS:
            raise KnowledgeBaseError(f"rule '{rule_id}' has an unknown glr:resultType {result_type}.", source=where)
        try:
            stage_number = int(stage.toPython()) if isinstance(stage, Literal) else int(str(stage))
        except (TypeError, ValueError):
            raise KnowledgeBaseError(f"rule '{rule_id}' has a non-integer glr:stage '{stage}'.", source=where) from None
        rules.append(
            Rule(
                iri=iri,
                rule_id=rule_id,
                label=str(label),
                result_type=result_type,  # type: ignore[arg-type]
                produces=produces,  # type: ignore[arg-type]
                priority=priority if isinstance(priority, URIRef) else None,
                stage=stage_number,
                evidence=tuple(sorted(e for e in part.objects(iri, GLR.hasEvidence) if isinstance(e, URIRef))),
                query_path=query_path,
                query_text=_rule_query(query_path),
                module=module,
            )
        )
    return rules


def load_knowledge_base(
    *,
    modules: list[Path] | None = None,
    ontology_dir: Path = ONTOLOGY_DIR,
    shapes_dir: Path = SHAPES_DIR,
) -> KnowledgeBase:
    """Load the ontology, the case shapes and the given (or all bundled) modules.

    A load whose files are all unchanged is served from a cache keyed by
    their content (reasoner/kb/cache.py; ``GLR_NO_KB_CACHE=1`` turns it off).
    """
    from .cache import load_cached

    directories = [Path(d) for d in modules] if modules is not None else discover_modules()

    def inputs() -> list[Path]:
        files = [ontology_dir / "glr.ttl", *sorted((shapes_dir / "case").glob("*.ttl"))]
        for directory in directories:
            files.extend(pack_files(directory).all_turtle())
        return files

    kb = load_cached(
        inputs,
        lambda: _load_knowledge_base(modules=directories, ontology_dir=ontology_dir, shapes_dir=shapes_dir),
    )
    # read-only from here on, and read for every case's explanation: remember the answers (reasoner/kb/memo.py)
    kb.knowledge, kb.ontology = memoised(kb.knowledge), memoised(kb.ontology)
    return kb


def _load_knowledge_base(*, modules: list[Path], ontology_dir: Path, shapes_dir: Path) -> KnowledgeBase:
    ontology = Graph()
    prefixes: dict[str, str] = {}
    onto_file = ontology_dir / "glr.ttl"
    if not onto_file.is_file():
        raise KnowledgeBaseError("the ontology file is missing.", source=str(onto_file))
    _parse_ttl(onto_file, ontology, prefixes)
    version = ontology.value(URIRef(GLR_ONTOLOGY_IRI), OWL.versionInfo)

    shapes = Graph()
    for shape_file in sorted((shapes_dir / "case").glob("*.ttl")):
        _parse_ttl(shape_file, shapes)

    knowledge = Graph()
    knowledge.bind("glr", GLR)
    rules: list[Rule] = []
    mods: list[Module] = []
    for directory in modules:
        directory = Path(directory)
        module_file = directory / "module.ttl"
        if not module_file.is_file():
            raise KnowledgeBaseError("a module directory needs a module.ttl.", source=str(directory))
        files = pack_files(directory)
        for ttl in files.ontology:
            _parse_ttl(ttl, ontology, prefixes)
        for ttl in files.shapes:
            _parse_ttl(ttl, shapes)
        module_graph = Graph()
        parts: list[tuple[Path, Graph]] = []
        for ttl in files.knowledge:
            parts.append((ttl, _parse_ttl(ttl, module_graph, prefixes)))
        module_iris = list(module_graph.subjects(RDF.type, GLR.GuidelineModule))
        if len(module_iris) != 1:
            raise KnowledgeBaseError(f"module.ttl must describe exactly one glr:GuidelineModule (found {len(module_iris)}).", source=str(module_file))
        module_iri = module_iris[0]
        mods.append(
            Module(
                iri=module_iri,  # type: ignore[arg-type]
                label=str(module_graph.value(module_iri, RDFS.label) or directory.name),
                version=str(module_graph.value(module_iri, OWL.versionInfo) or "unversioned"),
                directory=directory,
            )
        )
        for path, part in parts:
            rules.extend(_load_rules(path, part, module_iri))  # type: ignore[arg-type]
        knowledge += module_graph
    ids = [r.rule_id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise KnowledgeBaseError(f"rule ids must be unique; duplicated: {', '.join(duplicates)}.")
    return KnowledgeBase(
        ontology=ontology,
        shapes=shapes,
        knowledge=knowledge,
        rules=tuple(sorted(rules, key=lambda r: (r.stage, r.rule_id))),
        modules=tuple(mods),
        ontology_version=str(version or "unversioned"),
        prefixes=prefixes,
    )


def _parsed_or_none(text: str) -> Any:
    """rdflib's prepared query, or None for a rule that does not parse (its run reports why)."""
    from .cache import prepare_query

    try:
        return prepare_query(text)
    except Exception:  # noqa: BLE001 - any parse failure: keep the whole ontology, report at run time
        return None
