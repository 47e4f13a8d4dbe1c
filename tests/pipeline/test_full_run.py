"""A whole run on a small project, and undo reaching every derived table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from contactops.config import load_pipeline
from contactops.engine import Warehouse
from contactops.pipeline import run_pipeline
from contactops.sources.loads import undo_load

PIPELINE = """\
name: t
validate: {gx: {enabled: false}}
sources:
  - name: crm
    type: csv
    kind: connected_system
    path: data/crm.csv
    key: id
    auto_map: true
"""
CRM = ("id,First Name,Last Name,Email,Phone,Country,Newsletter\n"
       "1,Ann,Lee,ann.lee@example.org,(415) 555-0101,US,yes\n"
       "2,Annie,Lee,Ann.Lee@Example.org,415.555.0101,USA,no\n"
       "3,Bob,Ray,bob@example.org,,US,\n")


def test_full_run_then_undo_everything(make_project: Callable[..., Path]) -> None:
    project = load_pipeline(make_project(PIPELINE, {"data/crm.csv": CRM}))
    result = run_pipeline(project, warn_only=True)
    assert [s.stage for s in result.stages] == ["ingest", "normalize", "dedupe", "validate"]
    dedupe = next(s for s in result.stages if s.stage == "dedupe")
    assert dedupe.timings                       # per-phase timings reach the run record
    with Warehouse(project.warehouse_path) as wh:
        assert wh.scalar("SELECT count(*) FROM contacts") == 2
        # Ann's two records merged; her consent is the safety-first opt-out
        assert wh.scalar("SELECT consent_email FROM contacts WHERE first_name LIKE 'Ann%'") \
            == "opted_out"
        load_id = wh.scalar("SELECT load_id FROM loads")
        undo_load(wh, load_id, "test")
        assert wh.scalar("SELECT count(*) FROM normalized_records") == 0
        assert wh.scalar("SELECT count(*) FROM contact_links") == 0
    rerun = run_pipeline(project, warn_only=True)
    assert rerun.loads[0].skip_reason == "undone"   # an undo sticks until the file changes
    with Warehouse(project.warehouse_path) as wh:
        assert wh.scalar("SELECT count(*) FROM contacts") == 0
