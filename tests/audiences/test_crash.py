"""A publish killed with SIGKILL mid-write leaves the old audience, never half of the new."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from contactops.audiences import apply, load_audience_config, make_plan
from contactops.config import load_project
from contactops.engine import Warehouse

from .conftest import contact, seed_warehouse

CHILD = textwrap.dedent("""
    import sys, time
    import polars as pl
    from contactops.audiences import apply, load_audience_config, make_plan
    from contactops.config import load_project
    from contactops.engine import Warehouse
    from contactops.engine import warehouse as engine

    stage = sys.argv[1]
    if stage == "csv":   # the temp file is complete, the rename has not happened yet
        original = pl.DataFrame.write_csv
        def slow_csv(self, path, *a, **k):
            original(self, path, *a, **k)
            print("WRITING", flush=True); time.sleep(60)
        pl.DataFrame.write_csv = slow_csv
    else:                # inside the transaction that replaces the DuckDB table
        original = engine.Warehouse.execute
        def slow_execute(self, sql, params=None):
            original(self, sql, params)
            if sql.startswith("CREATE OR REPLACE TABLE"):
                print("WRITING", flush=True); time.sleep(60)
        engine.Warehouse.execute = slow_execute
    project = load_project(".")
    cfg = load_audience_config(project)
    with Warehouse(project.warehouse_path) as wh:
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
    print("DONE", flush=True)
""")


def _snapshot(root: Path) -> tuple[str, list, int]:
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        rows = wh.fetchall("SELECT contact_id FROM aud_newsletter ORDER BY 1")
        publishes = int(wh.scalar("SELECT count(*) FROM publishes"))
    return (root / "exports" / "newsletter.csv").read_text(), rows, publishes


@pytest.mark.parametrize("stage", ["csv", "duckdb"])
def test_kill_9_mid_publish_leaves_old_or_new(project_dir, stage: str) -> None:
    root = project_dir()
    old = [contact(f"o{i}", lists=["monthly-newsletter"]) for i in range(50)]
    seed_warehouse(root, old)
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        cfg = load_audience_config(project)
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
        wh.execute("UPDATE contacts SET consent_email = 'opted_out' "
                   "WHERE contact_id IN ('o1', 'o2', 'o3')")
    before = _snapshot(root)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, stage], cwd=root, env=env,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "WRITING", line
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL
    killed = _snapshot(root)
    # the DuckDB table and the manifest are the old version, whole
    assert killed[1:] == before[1:]
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        cfg = load_audience_config(project)
        result = apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
    assert not result.noop and result.members == 47
    text, rows, publishes = _snapshot(root)
    assert len(rows) == 47 and publishes == 2 and text.count("\n") == 48
    # each target is old or new, never half: the CSV (written before the table) may
    # already be new when the kill hit the table's transaction
    assert killed[0] == (before[0] if stage == "csv" else text)
