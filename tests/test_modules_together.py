"""Both guideline modules loaded at once: each speaks only about its own cases (issue 15).

Why: `glr recommend` runs every module under queries/. A module that does
not apply to a case must stay silent - the post-fusion module on an
opioid-prescribing case and the opioid module on the post-fusion seed case -
and every result carries its module (JSON ``module``; in Markdown, when more
than one module speaks, each item's Detail line names its module and a
closing section groups the plan by module, while the plan itself stays in
priority order across modules).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from reasoner import recommend
from reasoner.pipeline.render.markdown import render_markdown

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tests" / "rules"))
from test_rule_fixtures import split_fixture  # noqa: E402

OC = Namespace("https://w3id.org/glr/kb/opioids-cdc2022#")
GLR = Namespace("https://w3id.org/glr/ontology#")
KINDS = ("recommendations", "not_recommended", "cautions", "information_needs", "assessments")
OPIOID_CASE = ROOT / "tests" / "rules" / "cases" / "opioid-dosage-90-mme" / "fires-oxycodone-and-fentanyl-105-mme.ttl"


def _modules(result) -> set[str]:
    data = result.to_json()
    return {item["module"] for kind in KINDS for item in data[kind]}


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_post_fusion_module_is_silent_on_an_opioid_case(kb, engine: str) -> None:
    graph, _, _ = split_fixture(OPIOID_CASE)
    result = recommend(graph, kb=kb, engine=engine)
    assert result.validation.conforms
    assert _modules(result) == {"opioids-cdc2022"}
    assert "## By guideline module" not in render_markdown(result)  # one module: the usual layout


@pytest.mark.parametrize("engine", ["rdflib", "oxigraph"])
def test_opioid_module_is_silent_on_the_seed_case(kb, engine: str) -> None:
    result = recommend(ROOT / "examples" / "seed-case.ttl", kb=kb, engine=engine)
    assert _modules(result) == {"postfusion"}


def test_a_case_both_modules_apply_to_is_grouped_by_module(kb) -> None:
    """The seed patient with two current opioid orders (105 MME/day): both modules speak, each under its own heading."""
    seed = Graph().parse(ROOT / "examples" / "seed-case.ttl", format="turtle")
    patient = next(seed.subjects(RDF.type, GLR.Patient))
    opioid, _, _ = split_fixture(OPIOID_CASE)
    fixture_patient = next(opioid.subjects(RDF.type, GLR.Patient))
    for s, p, o in opioid:
        if s == fixture_patient:
            if p == OC.hasMedicationOrder:
                seed.add((patient, p, o))
        elif (s, RDF.type, GLR.Case) not in opioid:
            seed.add((s, p, o))
    result = recommend(seed, kb=kb, engine="oxigraph")
    assert _modules(result) == {"postfusion", "opioids-cdc2022"}
    data = result.to_json()
    assert all(item["module"] for kind in KINDS for item in data[kind])
    markdown = render_markdown(result)
    # one plan in priority order across modules (red flags lead), each item naming its module,
    # and a closing section that groups the plan by module
    assert "Detail: id opioid-dosage-90-mme · module opioids-cdc2022" in markdown
    grouped = markdown.split("## By guideline module")[1].split("## Sources")[0]
    assert "- **postfusion**: " in grouped and "- **opioids-cdc2022**: Offer naloxone; Opioid dosage of 90 MME/day or more" in grouped
    assert "oxycodone 10 mg x 3/day x 1.5 = 45 MME/day" in markdown
    assert "total MME per day = 105 MME/day" in markdown
    ranks = {"emergent": 0, "urgent": 1, "high": 2, "routine": 3}
    shown = [r.priority for r in result.recommendations]
    assert shown == sorted(shown, key=ranks.__getitem__)
