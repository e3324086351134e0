"""`glr ontology`: the ontology as a file artefact.

* ``glr ontology export [--check]`` regenerates ontology/glr.owl (RDF/XML,
  Protégé's native format) from ontology/glr.ttl; with --check it writes
  nothing and exits 1 when glr.owl is out of date.
* ``glr ontology case-view CASE [-o FILE] [--as-of DATE]`` writes one
  self-contained RDF/XML file for Protégé: the ontology, the defined classes
  and the case after time normalisation, in the OWL view (dates as
  xsd:dateTime, distinct individuals). Open it and run HermiT to see the
  patient classified.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ontology", help="export the ontology to RDF/XML; write a case for Protégé")
    sub = parser.add_subparsers(dest="ontology_command", metavar="ACTION")
    sub.required = True
    export = sub.add_parser("export", help="regenerate ontology/glr.owl from ontology/glr.ttl")
    export.add_argument("--ontology-dir", type=Path, default=None, help="directory holding glr.ttl (default: the bundled ontology)")
    export.add_argument("--check", action="store_true", help="write nothing; exit 1 if glr.owl is out of date")
    export.set_defaults(func=run)
    view = sub.add_parser("case-view", help="write a case + ontology + defined classes as one RDF/XML file for Protégé/HermiT")
    view.add_argument("case", help="case graph file")
    view.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    view.add_argument("--as-of", metavar="YYYY-MM-DD", help="assess the case at this date (default: the case's glr:asOf, else today)")
    view.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..kb import ontology as ot
    from ..paths import ONTOLOGY_DIR

    if args.ontology_command == "export":
        directory = args.ontology_dir or ONTOLOGY_DIR
        ttl = directory / ot.ONTOLOGY_TTL
        if not ttl.is_file():
            from ..errors import UsageError

            raise UsageError(f"no {ot.ONTOLOGY_TTL} in {directory}.")
        owl = directory / ot.ONTOLOGY_OWL
        if args.check:
            if ot.rdfxml_in_sync(ttl, owl):
                sys.stdout.write(f"{owl} is in sync with {ttl}.\n")
                return 0
            sys.stdout.write(f"{owl} is out of date: run `glr ontology export`.\n")
            return 1
        ot.export_rdfxml(ttl, owl)
        sys.stdout.write(f"wrote {owl}\n")
        return 0

    from rdflib import Graph

    from ..pipeline.loading import load_case
    from ..pipeline.timeline import elapsed_properties, normalise, parse_as_of_option, resolve_as_of

    loaded = load_case(args.case)
    ontology = ot.load_ontology()
    override = parse_as_of_option(args.as_of) if args.as_of else None
    as_of = resolve_as_of(loaded.graph, override=override)
    case = normalise(loaded.graph, as_of, elapsed_properties(ontology))
    merged = Graph()
    for prefix, ns in [*ontology.namespaces(), *loaded.graph.namespaces()]:
        merged.bind(prefix, ns, override=False)
    merged += ontology
    merged += ot.owl_view(case)
    text = ot.rdfxml_text(merged, note=f"Case {args.case} at as-of {as_of.describe()}, with the GLR ontology and defined classes. Open in Protégé and run HermiT.")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {args.output}\n")
    else:
        sys.stdout.write(text)
    return 0
