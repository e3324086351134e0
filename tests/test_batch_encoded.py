"""Issue 17: workers send each record encoded (its NDJSON line and what the summary counts),
so the parent never pickles or re-encodes a record; the output and the summary are unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from reasoner.batch import BatchConfig, run_batch
from reasoner.batch.output import BatchSummary, EncodedRecord, read_done
from reasoner.batch.sources import CaseItem
from reasoner.batch.worker import process_chunk, process_item

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def test_a_chunk_comes_back_as_the_per_item_records_encoded() -> None:
    config = BatchConfig(engine="oxigraph", cases_per_store=1)
    items = [
        CaseItem(source="seed", path=str(EXAMPLES / "seed-case.ttl")),
        CaseItem(source="invalid", path=str(EXAMPLES / "invalid" / "finding-without-status.ttl")),
        CaseItem(source="broken", data=b"not turtle {{{", rdf_format="turtle"),
    ]
    encoded = process_chunk(items, config)
    assert all(isinstance(record, EncodedRecord) for record in encoded)
    records = [process_item(item, config).record for item in items]
    assert [e.line for e in encoded] == [json.dumps(r, ensure_ascii=False) + "\n" for r in records]
    assert [e.status for e in encoded] == ["ok", "invalid", "error"]
    assert encoded[0].ids and all(kind for kind, _ in encoded[0].ids)


def test_the_summary_counted_from_encoded_records_equals_the_one_read_back(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(EXAMPLES / "seed-case.ttl", cases / "a.ttl")
    shutil.copy(EXAMPLES / "invalid" / "finding-without-status.ttl", cases / "b.ttl")
    (cases / "c.ttl").write_text("@prefix broken", encoding="utf-8")
    out = tmp_path / "out.ndjson"
    summary = run_batch(cases, out, config=BatchConfig(engine="oxigraph"), workers=1)
    read_back = BatchSummary()
    read_done(out, read_back)
    keys = ("cases", "conforming", "invalid", "failed", "by_id")
    assert {k: summary.to_json()[k] for k in keys} == {k: read_back.to_json()[k] for k in keys}
    assert summary.by_kind["recommendations"] and summary.exit_code == read_back.exit_code == 2
