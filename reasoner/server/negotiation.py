"""Content negotiation for SPARQL results (SPARQL 1.1 Protocol §2.1).

SELECT and ASK answer in the SPARQL results formats, CONSTRUCT and
DESCRIBE in RDF formats. The first entry of each table is the default
(for ``*/*`` or no ``Accept`` header).
"""

from __future__ import annotations

__all__ = ["RESULTS_TYPES", "GRAPH_TYPES", "parse_accept", "choose"]

#: media type → pyoxigraph QueryResultsFormat attribute name
RESULTS_TYPES: dict[str, str] = {
    "application/sparql-results+json": "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "application/json": "JSON",
    "application/xml": "XML",
    "text/xml": "XML",
}

#: media type → pyoxigraph RdfFormat attribute name
GRAPH_TYPES: dict[str, str] = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
    "text/plain": "N_TRIPLES",
    "application/x-turtle": "TURTLE",
    "application/json": "JSON_LD",
}


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges of an Accept header, best first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges: list[tuple[str, float, int]] = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranges.append((media, q, index))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(m, q) for m, q, _ in ranges if q > 0]


def choose(accept: str | None, table: dict[str, str]) -> str | None:
    """The media type to answer with, or None when nothing acceptable is offered."""
    offered = list(table)
    for media, _q in parse_accept(accept):
        if media == "*/*":
            return offered[0]
        if media.endswith("/*"):
            major = media[:-1]
            for candidate in offered:
                if candidate.startswith(major):
                    return candidate
            continue
        if media in table:
            return media
    return None
