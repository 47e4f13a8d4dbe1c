"""The stage contract: every stage returns its typed result, the runner keeps them, and the
run record (``runs.stages``) is built from them in the shape the report reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from contactops.config import load_pipeline
from contactops.contract import RECORD_KEYS, StageInfo, StageResult
from contactops.dedupe.core import DedupeResult
from contactops.engine import Warehouse
from contactops.normalize.adapter import NormalizeResult
from contactops.pipeline import run_pipeline
from contactops.sources.stage import IngestResult
from contactops.validate.result import ValidationResult

PIPELINE = """\
name: t
sources:
  - name: crm
    type: csv
    kind: import
    path: data/crm.csv
    key: id
    auto_map: true
"""
CRM = ("id,First Name,Last Name,Email\n"
       "1,Ann,Lee,ann.lee@example.org\n"
       "2,Annie,Lee,Ann.Lee@Example.org\n"
       "3,Bob,Ray,bob@example.org\n")


def test_the_runner_keeps_typed_results_and_records_them(
        make_project: Callable[..., Path]) -> None:
    project = load_pipeline(make_project(PIPELINE, {"data/crm.csv": CRM}))
    result = run_pipeline(project, warn_only=True)
    assert [type(s) for s in result.stages] == [IngestResult, NormalizeResult, DedupeResult,
                                                ValidationResult]
    for stage in result.stages:
        assert isinstance(stage, StageResult) and stage.seconds > 0
        assert stage.stage == stage.name and stage.asdict()["stage"] == stage.name
        assert set(RECORD_KEYS) <= set(stage.asdict())
        assert not {"timings", "notes"} & set(stage.counts)  # timings are a field of their own
        assert str(stage) and stage._repr_html_().startswith("<")
    ingest, normalize, dedupe, validate = result.stages
    assert ingest.loads == result.loads and ingest.counts["rows_accepted"] == 3
    assert normalize.counts == {"records": 3, "changes": normalize.counts["changes"]}
    assert "collect_seconds" in normalize.timings  # per phase, as dedupe's
    assert dedupe.counts["contacts"] == 2 and dedupe.timings
    assert validate.timings["persist"] >= 0
    with Warehouse(project.warehouse_path) as wh:
        stored = json.loads(wh.scalar("SELECT stages FROM runs WHERE run_id = ?",
                                      [result.run_id]))
    assert [tuple(entry) for entry in stored] == [RECORD_KEYS] * 4
    assert stored == json.loads(json.dumps(result.asdict()["stages"], default=str))
    assert stored[2]["counts"] == json.loads(json.dumps(dedupe.counts, default=str))
    assert "stage dedupe" in str(result)


def test_a_disabled_stage_says_so(make_project: Callable[..., Path]) -> None:
    pipeline = PIPELINE + "dedupe:\n  enabled: false\n"
    project = load_pipeline(make_project(pipeline, {"data/crm.csv": CRM}))
    result = run_pipeline(project, until="dedupe")
    dedupe = result.stages[-1]
    assert isinstance(dedupe, StageInfo)
    assert dedupe.record() == {"stage": "dedupe", "seconds": dedupe.seconds, "counts": {},
                               "notes": ["disabled in the pipeline"], "timings": {}}


def test_stage_info_reads_like_the_others() -> None:
    info = StageInfo("dedupe", counts={"records": 0, "contacts": 0}, notes=["n"])
    assert str(info) == "dedupe        0.00 s  records 0, contacts 0\n  n"
    assert "<b>dedupe</b>" in info._repr_html_()
