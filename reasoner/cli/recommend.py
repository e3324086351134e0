"""`glr recommend CASE`: validated, explained recommendations."""

from __future__ import annotations

import argparse
import sys

from ..pipeline.render.sanitize import clean_output, escape_in_rdf_text
from ._common import add_case_options, knowledge_base_from_args

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("recommend", help="derive and explain the next steps for a case")
    add_case_options(parser, case_required=False)
    parser.add_argument("--format", choices=("markdown", "json", "turtle", "jsonld", "fhir"), default="markdown", help="fhir: a FHIR R4 Bundle with a RequestGroup and its Provenance")
    parser.add_argument("--engine", choices=("rdflib", "oxigraph"), default="rdflib", help="rule engine (results are identical; oxigraph is faster)")
    from .remote import add_remote_arguments

    add_remote_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..pipeline.run import recommend
    from ..pipeline.render import render

    if args.endpoint:
        if args.case:
            raise UsageError("give either a case file or --endpoint, not both.")
        from .remote import run_remote

        return run_remote(args)
    if not args.case:
        raise UsageError("give a case file, or --endpoint URL with --graph IRI or --case-iri IRI.")
    kb = knowledge_base_from_args(args)
    imported = _fhir_import(args)
    case = imported.graph if imported is not None else args.case
    result = recommend(case, kb=kb, as_of=args.as_of, engine=args.engine, max_bytes=args.max_bytes, source=str(args.case))
    if not result.validation.conforms:
        if args.format == "json":
            sys.stdout.write(_json(result, imported))
        sys.stderr.write(
            f"glr: the case {result.source or ''} does not conform to the case shapes; no recommendations were derived.\n"
        )
        sys.stderr.write(clean_output(result.validation.to_text()))  # case text: escape control characters
        return 1
    if args.format == "json":
        sys.stdout.write(_json(result, imported))
        return 0
    if imported is not None:
        sys.stderr.write(imported.summary())
    if args.format == "fhir":
        from ..pipeline.render.fhir import render_fhir

        sys.stdout.write(render_fhir(result))
        return 0
    text = render(result, args.format)
    # JSON escapes control characters itself, Markdown is escaped by its renderer; Turtle needs it here
    sys.stdout.write(escape_in_rdf_text(text) if args.format == "turtle" else text)
    return 0


def _json(result, imported) -> str:
    """The JSON contract; a FHIR case adds the key ``fhir_import`` (what was and was not mapped)."""
    from ..pipeline.render import render

    if imported is None:
        return render(result, "json")
    import json

    document = result.to_json()
    document["fhir_import"] = imported.to_json()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _fhir_import(args: argparse.Namespace):  # -> FhirImport | None (imported lazily)
    """A FHIR R4 JSON case (told by its resourceType) is imported here so its report can be shown."""
    from pathlib import Path

    from .._runtime import safety

    path = Path(args.case)
    if path.suffix.lower() != ".json" or not path.is_file():
        return None
    from ..fhir import import_fhir_bytes, looks_like_fhir

    try:
        data = safety.read_bounded(path, max_bytes=args.max_bytes)
    except OSError:
        return None  # the ordinary loader reports it
    if not looks_like_fhir(data):
        return None
    return import_fhir_bytes(data, source=str(path))
