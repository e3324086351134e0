"""Checks of the ontology as an artefact: lints, OWL 2 DL profile, HermiT, RDF/XML export, Protégé catalog."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from ... import ontology as ot
from ...problems import Problem, Severity
from ....vocab import OWL, RDF
from ...packs import pack_files
from ..loaded import LoadedKb, with_defined_classes
from ..report import CheckResult

__all__ = ["structure_and_documentation", "owl2_dl_profile", "dl_reasoner", "rdfxml_in_sync", "protege_catalog"]


def structure_and_documentation(kb: LoadedKb, result: CheckResult) -> None:
    """Structural OWL 2 DL lints, labels, definitions and the header (pure Python)."""
    result.problems.extend(ot.lint_ontology(with_defined_classes(kb, result.problems, result.name)))
    result.detail = f"{len(kb.ontology_terms)} glr: terms; declarations, datatypes, labels, definitions, header"


def owl2_dl_profile(kb: LoadedKb, result: CheckResult) -> None:
    """The OWL API's OWL2DLProfile over the core and the checked packs' ontologies (defined classes included); skipped with a warning when it cannot run."""
    report = ot.check_profile(with_defined_classes(kb, result.problems, result.name))
    if report.in_profile is None:
        result.skipped = report.note
        result.problems.append(Problem(result.name, f"OWL 2 DL profile not checked by the OWL API: {report.note}", severity=Severity.WARNING))
        return
    result.problems.extend(report.violations)
    result.detail = f"{report.checker}: " + ("in profile" if report.in_profile else "NOT in profile") + " (core + pack ontologies)"


def dl_reasoner(kb: LoadedKb, result: CheckResult) -> None:
    """HermiT: the ontology + defined classes are consistent and no named class is unsatisfiable."""
    report = ot.run_reasoner(with_defined_classes(kb, result.problems, result.name), reasoner="hermit")
    result.problems.extend(report.problems())
    if report.ok:
        result.detail = f"HermiT: consistent, no unsatisfiable classes (core + pack ontologies, {report.seconds:.1f} s)"


def rdfxml_in_sync(kb: LoadedKb, result: CheckResult) -> None:
    """glr.owl (for Protégé) states exactly the triples of glr.ttl."""
    ttl = kb.layout.ontology_dir / ot.ONTOLOGY_TTL
    owl = kb.layout.ontology_dir / ot.ONTOLOGY_OWL
    if not owl.is_file():
        result.problems.append(Problem(result.name, f"{owl.name} is missing; run `glr ontology export`.", source=str(owl)))
    elif not ot.rdfxml_in_sync(ttl, owl):
        result.problems.append(Problem(result.name, f"{owl.name} does not state the same triples as {ttl.name}; run `glr ontology export`.", source=str(owl)))
    else:
        result.detail = "glr.owl states exactly the triples of glr.ttl"


def protege_catalog(kb: LoadedKb, result: CheckResult) -> None:
    """catalog-v001.xml maps every ontology IRI and import to a local file that is that ontology:
    the core's beside glr.ttl, and each pack's beside its ontology extension (reasoner/kb/packs.py)."""
    core = set(kb.ontology.objects(None, OWL.imports))
    for directory in kb.modules:
        for ttl in pack_files(directory).ontology:
            core -= set(kb.module_files[ttl].objects(None, OWL.imports)) if ttl in kb.module_files else set()
    count = _check_catalog(kb.layout.ontology_dir / "catalog-v001.xml", {str(o) for o in core}, result)
    for directory in kb.modules:
        files = [f for f in pack_files(directory).ontology if f in kb.module_files]
        if files:
            imports = {str(o) for f in files for o in kb.module_files[f].objects(None, OWL.imports)}
            count += _check_catalog(directory / "ontology" / "catalog-v001.xml", imports, result)
    result.detail = f"{count} IRIs mapped to local files"


def _check_catalog(path: Path, imports: set[str], result: CheckResult) -> int:
    if not path.is_file():
        result.problems.append(Problem(result.name, "catalog-v001.xml is missing beside the ontology (Protégé resolves imports with it).", source=str(path)))
        return 0
    entries = ot.read_catalog(path)
    for name, target in entries:
        file = (path.parent / target).resolve()
        if not file.is_file():
            result.problems.append(Problem(result.name, f"the catalog maps {name} to {target}, which does not exist.", subject=name, source=str(path)))
            continue
        graph = Graph().parse(file, format="xml" if file.suffix in (".owl", ".rdf") else "turtle")
        ids = {str(s) for s in graph.subjects(RDF.type, OWL.Ontology)} | {str(o) for o in graph.objects(None, OWL.versionIRI)}
        if name not in ids:
            result.problems.append(Problem(result.name, f"the catalog maps {name} to {target}, but that file is not the ontology {name}.", subject=name, source=str(path)))
    mapped = {name for name, _ in entries}
    for iri in sorted(imports - mapped):
        result.problems.append(Problem(result.name, f"owl:imports {iri} is not mapped to a local file in catalog-v001.xml (Protégé would need the network).", subject=iri, source=str(path)))
    return len(entries)
