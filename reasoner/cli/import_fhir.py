"""`glr import fhir BUNDLE.json -o CASE.ttl`: a FHIR R4 Bundle as a case graph in Turtle.

Exit codes as for every command: 0 written; 2 unreadable or structurally
invalid FHIR (the message names the entry's fullUrl and the element path),
or no single patient to build a case about.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .._runtime.safety import DEFAULT_MAX_BYTES

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import", help="turn external clinical data (FHIR R4) into a case graph")
    kinds = parser.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    fhir = kinds.add_parser("fhir", help="a FHIR R4 Bundle (or one resource) in JSON")
    fhir.add_argument("bundle", type=Path, help="FHIR R4 JSON file")
    fhir.add_argument("-o", "--output", type=Path, help="write the case graph (Turtle) here; default: standard output")
    fhir.add_argument("--report", choices=("text", "json"), default="text", help="how to print the import summary on stderr")
    fhir.add_argument("--engine", choices=("oxigraph", "rdflib"), default="oxigraph", help="engine that runs the mapping rules (same result)")
    fhir.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help=f"refuse inputs larger than this (default {DEFAULT_MAX_BYTES})")
    fhir.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..fhir import import_fhir_file

    imported = import_fhir_file(args.bundle, max_bytes=args.max_bytes, engine=args.engine)
    imported.graph.bind("glr", "https://w3id.org/glr/ontology#")
    imported.graph.bind("prov", "http://www.w3.org/ns/prov#")
    header = f"# Case graph imported from the FHIR file {args.bundle.name} by `glr import fhir`.\n# Every fact names its FHIR resource with prov:wasDerivedFrom.\n"
    text = header + imported.graph.serialize(format="turtle")
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the case graph: {exc.strerror}.", source=str(args.output)) from None
    else:
        sys.stdout.write(text)
    if args.report == "json":
        sys.stderr.write(json.dumps({"fhir_import": imported.to_json()}, indent=2) + "\n")
    else:
        sys.stderr.write(imported.summary())
    return 0
