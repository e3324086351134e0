"""Audit a guideline module against the source document it encodes.

Why: a module paraphrases one source (an article, a guideline). Whether
it is faithful can only be checked with the source at hand, and the
source may not be redistributable, so this is a command that takes the
source's path (``scripts/audit-source PATH``) rather than a test that
reads a file outside the repository. It checks that

* every statement of the source that cites references (a line ending in
  reference numbers, e.g. ``... pain source 2, 3``) is mapped to a row of
  the coverage table (``docs/seed-coverage.md``) that cites the same
  references and paraphrases it (shares at least a quarter of its
  content-word stems);
* the source cites exactly the references the module numbers
  (``glr:referenceNumber``);
* no text of the module, the ontology or the coverage table shares
  8 or more consecutive words with the source, except the source's title
  used as the ``rdfs:label`` of the source itself (a citation);
* no PMID, DOI, author list, evidence grade or terminology code is
  invented (:data:`INVENTED`), in the module or the ontology.

Exit codes: 0 no finding, 1 findings (each printed on one line), 2 the
source, module or table cannot be read.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDFS, Graph, Literal

from ..paths import knowledge_root
from ..vocab import GLR

__all__ = [
    "INVENTED",
    "MAX_SHARED_WORDS",
    "Finding",
    "Statement",
    "words",
    "ngrams",
    "cited_statements",
    "invented_identifiers",
    "audit",
    "main",
]

MAX_SHARED_WORDS = 7  # 8 consecutive words in common is a copy
MIN_STEM_OVERLAP = 0.25  # share of a statement's content-word stems its coverage row must repeat

#: What an invented identifier looks like, with what it would be.
INVENTED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bPMID\s*:?\s*\d", re.I), "a PMID"),
    (re.compile(r"\bPMC\d{4,}", re.I), "a PMC id"),
    (re.compile(r"\bdoi\s*:\s*\S", re.I), "a DOI"),
    (re.compile(r"\b10\.\d{4,9}/\S+"), "a DOI"),
    (re.compile(r"doi\.org|pubmed|ncbi\.nlm", re.I), "a bibliographic link"),
    (re.compile(r"\bet al\b", re.I), "an author list"),
    (re.compile(r"\b(dc|dcterms|schema|bibo|foaf):(creator|author|contributor|identifier|bibliographicCitation)\b"), "an author or identifier property"),
    (re.compile(r"\bGRADE\b|\bCEBM\b"), "an evidence grade"),  # upper case: the GRADE system, not the word
    (re.compile(r"\bgrade\s+[A-D1-4]\b|\blevel\s+(I{1,3}|IV|V|[1-5][a-c]?)\s+evidence\b|\bclass\s+(I{1,3}|IV)\b", re.I), "an evidence grade"),
    (re.compile(r"\b(SNOMED|LOINC|RxNorm|UMLS|MeSH|ICD-?(9|10|11))\b|\bC\d{7}\b|skos:notation|skos:exactMatch", re.I), "a terminology code"),
]

#: What the ontology may say that looks like an identifier: it names its own
#: creator, declares dcterms:creator and skos:notation, and uses skos:notation
#: only for the JSON names of its own priority scale.
_ONTOLOGY_ALLOWED = (
    'dcterms:creator "GLR project contributors"',
    "skos:notation a owl:AnnotationProperty",
    "dcterms:creator a owl:AnnotationProperty",
    # the priority scale's own JSON names are notations of its values, not codes
    'skos:notation "routine"',
    'skos:notation "high"',
    'skos:notation "urgent"',
    'skos:notation "emergent"',
)

_CITATION = re.compile(r"(?:^|\s)([1-9](?:,\s*[1-9])*)\s*$")
_STOP = frozenset("the a an of to and or in on for with is are be as at by that this it from not no its their than may can should if".split())


@dataclass(frozen=True)
class Statement:
    """A line of the source that cites references."""

    line: int
    text: str
    refs: frozenset[int]


@dataclass(frozen=True)
class Finding:
    """One thing the audit found wrong, with where."""

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.message}"


def words(text: str) -> list[str]:
    """Case-insensitive, punctuation-normalised words ("4-6" -> "4", "6"; "7.2%" stays)."""
    return re.findall(r"[a-z0-9]+(?:\.[0-9]+)?%?", text.lower())


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}


def cited_statements(source: str) -> list[Statement]:
    """Every line of more than five words that ends in reference numbers."""
    out = []
    for number, line in enumerate(source.splitlines(), 1):
        match = _CITATION.search(line)
        if match and len(line.split()) > 5:
            refs = frozenset(int(n) for n in re.findall(r"[1-9]", match.group(1)))
            out.append(Statement(number, _CITATION.sub("", line).strip(" •\t"), refs))
    return out


def _coverage_rows(table: str) -> list[tuple[str, str, frozenset[int]]]:
    """(row id, paraphrase, references) of every row of the coverage table."""
    rows = []
    for line in table.splitlines():
        match = re.match(r"\|\s*([0-9]+\.[0-9]+|[A-Z]-?\d+)\s*\|([^|]*)\|([^|]*)\|", line)
        if match:
            rows.append((match.group(1), match.group(2), frozenset(int(n) for n in re.findall(r"\d", match.group(3)))))
    return rows


def invented_identifiers(path: Path, text: str) -> list[Finding]:
    """What in ``text`` looks like an invented PMID, DOI, author, grade or code."""
    if path.name.endswith(".ttl") and "owl:Ontology" in text:
        for allowed in _ONTOLOGY_ALLOWED:
            text = text.replace(allowed, "")
    # A module's FHIR code maps (fhir/codes/*.ttl) exist to hold codes: each entry
    # names its public source and tests/test_fhir_codes.py verifies it there.
    code_map = path.parent.name == "codes" and path.parent.parent.name == "fhir"
    return [
        Finding("invented", str(path), f"contains what looks like {what}: {match.group(0)!r}")
        for pattern, what in INVENTED
        if not (code_map and what == "a terminology code") and (match := pattern.search(text))
    ]


def audit(source: str, module: Path, ontology: Path, coverage: Path) -> list[Finding]:
    """Every finding of the audit of ``module`` (and ``ontology``, ``coverage``) against ``source``."""
    findings: list[Finding] = []
    graph = Graph()
    module_files = sorted([*module.rglob("*.ttl"), *module.rglob("*.rq")])
    for ttl in (p for p in module_files if p.suffix == ".ttl"):
        graph.parse(ttl, format="turtle")
    table = coverage.read_text(encoding="utf-8")

    rows = _coverage_rows(table)
    statements = cited_statements(source)
    for st in statements:
        stems = _stems(st.text)
        candidates = [r for r in rows if st.refs <= r[2]]
        best = max((len(stems & _stems(r[1])) / max(1, len(stems)) for r in candidates), default=0.0)
        if best < MIN_STEM_OVERLAP:
            refs = ", ".join(map(str, sorted(st.refs)))
            findings.append(Finding("unmapped", f"source line {st.line}", f"no row of {coverage.name} citing reference(s) {refs} paraphrases: {st.text[:120]!r}"))

    cited = {n for st in statements for n in st.refs}
    numbered = {int(n) for n in graph.objects(None, GLR.referenceNumber)}
    if cited != numbered:
        findings.append(Finding("references", str(module), f"the source cites references {sorted(cited)}, the module numbers {sorted(numbered)}"))

    titles = {str(graph.value(s, RDFS.label)) for s in set(graph.objects(None, GLR.statedIn)) if graph.value(s, RDFS.label) is not None}
    for title in sorted(t for t in titles if t in source):
        holders = {s for s, _, o in graph if isinstance(o, Literal) and title.lower() in str(o).lower()}
        holders -= set(graph.objects(None, GLR.statedIn))
        for holder in sorted(holders):
            findings.append(Finding("title", str(holder), "repeats the source's title, which may only label the source itself"))

    n = MAX_SHARED_WORDS + 1
    source_grams = ngrams(words(source), n)
    for path in [*module_files, ontology, coverage]:
        text = path.read_text(encoding="utf-8")
        for title in titles:
            text = text.replace(f'"{title}"', '""')  # the title, used to cite the source
        tokens = words(text)
        copies = [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1) if tuple(tokens[i : i + n]) in source_grams]
        findings += [Finding("copy", str(path), f"repeats {n}+ consecutive words of the source: '{c}'") for c in copies]
        if path != coverage:
            findings += invented_identifiers(path, text)
    return findings


def _read_source(path: Path) -> str:
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise FileNotFoundError(f"{path}: no source document (a text file, or a directory of *.txt files).")
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def _default_module(root: Path) -> Path | None:
    modules = sorted(p.parent for p in (root / "queries").glob("*/module.ttl"))
    return modules[0] if len(modules) == 1 else None


def main(argv: list[str] | None = None, *, root: Path | None = None) -> int:
    """``audit-source PATH [--module DIR] [--coverage FILE]`` over the checkout at ``root``: 0 clean, 1 findings, 2 unreadable input."""
    root = root or knowledge_root()
    parser = argparse.ArgumentParser(prog="audit-source", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the source document: a text file or a directory of *.txt files")
    parser.add_argument("--module", type=Path, help="the guideline module (default: the only one under queries/)")
    parser.add_argument("--coverage", type=Path, default=root / "docs" / "seed-coverage.md", help="the coverage table")
    args = parser.parse_args(argv)
    module = args.module or _default_module(root)
    try:
        if module is None or not (module / "module.ttl").is_file():
            raise FileNotFoundError(f"{module or root / 'queries'}: name one guideline module with --module DIR (a directory with module.ttl).")
        source = _read_source(args.source)
        findings = audit(source, module, root / "ontology" / "glr.ttl", args.coverage)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        print(f"audit-source: cannot audit: {exc}", file=sys.stderr)
        return 2
    statements = len(cited_statements(source))
    print(f"audit-source: {args.source} against {module.name}: {statements} cited statement(s)")
    for finding in findings:
        print(f"  {finding}")
    if findings:
        print(f"FAILED: {len(findings)} finding(s).")
        return 1
    print("PASSED: every cited statement is mapped, no copied wording, no invented identifier.")
    return 0
