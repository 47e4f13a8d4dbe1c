"""A publish killed with SIGKILL at any step: the next audiences command makes the manifest
and every target agree again — the old audience if any target was still old, else the new.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from contactops.audiences import apply, load_audience_config, make_plan
from contactops.cli.audiences import app as audiences_app
from contactops.config import load_project
from contactops.engine import Warehouse

from .conftest import AUDIENCES_YAML, contact, seed_warehouse

YAML = AUDIENCES_YAML.replace("targets:\n  news_csv:", """targets:
  news_parquet:
    type: parquet
    path: exports/{audience}.parquet
  news_csv:""").replace("targets: [news_csv, news_table]",
                        "targets: [news_csv, news_parquet, news_table]")

CHILD = textwrap.dedent("""
    import os, signal, sys
    import polars as pl
    from contactops.audiences import apply, load_audience_config, make_plan, manifest
    from contactops.config import load_project
    from contactops.engine import Warehouse
    from contactops.engine import warehouse as engine

    point = sys.argv[1]
    def die(*_):
        os.kill(os.getpid(), signal.SIGKILL)
    if point == "mid-csv":        # half of the staged CSV is on disk
        def half_csv(self, path, *a, **k):
            with open(path, "w") as f:
                f.write("contact_id,first_name\\no4,O4\\n"); f.flush(); os.fsync(f.fileno())
            die()
        pl.DataFrame.write_csv = half_csv
    elif point == "mid-table":    # inside the transaction that creates the staged table
        original = engine.Warehouse.replace_table
        def killing_replace(self, name, frame, catalog=None):
            original(self, name, frame, catalog)
            if "__staged_" in name:
                die()
        engine.Warehouse.replace_table = killing_replace
    else:
        manifest.step_hook = lambda step: die() if step == point else None
    project = load_project(".")
    cfg = load_audience_config(project)
    with Warehouse(project.warehouse_path) as wh:
        plan = make_plan(wh, cfg, "newsletter")   # repairs an interrupted publish first
        if len(sys.argv) < 3:
            apply(wh, cfg, plan)
    print("DONE", flush=True)
""")

OLD = sorted(f"o{i}" for i in range(50))
NEW = [c for c in OLD if c not in ("o1", "o2", "o3")]
#: (kill point, what the repair leaves: the old or the new audience)
POINTS = [("pending", OLD), ("mid-csv", OLD), ("staged:news_csv", OLD),
          ("staged:news_parquet", OLD), ("mid-table", OLD), ("staged:news_table", OLD),
          ("swapping", OLD), ("swapped:news_csv", OLD), ("swapped:news_parquet", OLD),
          ("swapped:news_table", NEW), ("cleaned", NEW), ("committed", NEW)]
QUICK = {"pending", "swapped:news_parquet", "swapped:news_table"}


def _state(root: Path) -> dict[str, object]:
    """What every target and the manifest hold, and any staging leftovers."""
    project = load_project(root)
    exports = root / "exports"
    with Warehouse(project.warehouse_path, read_only=True) as wh:
        committed = wh.pl("SELECT publish_id, members FROM publishes "
                          "WHERE status = 'committed' ORDER BY published_at DESC")
        last = committed.row(0, named=True)
        return {
            "csv": sorted(pl.read_csv(exports / "newsletter.csv")["contact_id"].to_list()),
            "parquet": sorted(pl.read_parquet(exports / "newsletter.parquet")["contact_id"]
                              .to_list()),
            "table": [r[0] for r in wh.fetchall(
                "SELECT contact_id FROM aud_newsletter ORDER BY 1")],
            "manifest": sorted(r[0] for r in wh.fetchall(
                "SELECT contact_id FROM audience_members WHERE publish_id = ?",
                [last["publish_id"]])),
            "manifest_count": last["members"],
            "committed": committed.height,
            "in_progress": wh.scalar("SELECT count(*) FROM publishes WHERE status IN "
                                     "('staging', 'swapping', 'rolling_back')"),
            "leftovers": sorted(p.name for p in exports.iterdir() if p.name.startswith("."))
            + [r[0] for r in wh.fetchall(
                "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '%\\_\\_%' "
                "ESCAPE '\\'")],
        }


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.registered_commands.extend(audiences_app.registered_commands)
    return app


def _kill_publish_at(root: Path, point: str, *, plan_only: bool = False) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")}
    args = [point, "plan-only"] if plan_only else [point]
    child = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=root, env=env,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr


def _published_then_changed(project_dir) -> Path:
    root = project_dir(YAML)
    seed_warehouse(root, [contact(c, lists=["monthly-newsletter"]) for c in OLD])
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        cfg = load_audience_config(project)
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
        wh.execute("UPDATE contacts SET consent_email = 'opted_out' "
                   "WHERE contact_id IN ('o1', 'o2', 'o3')")
    return root


@pytest.mark.parametrize(("point", "expected"), [
    pytest.param(p, e, marks=() if p in QUICK else pytest.mark.slow, id=p) for p, e in POINTS])
def test_kill_9_at_any_step_is_repaired_by_the_next_command(project_dir, point: str,
                                                            expected: list[str]) -> None:
    root = _published_then_changed(project_dir)
    _kill_publish_at(root, point)
    with Warehouse(load_project(root).warehouse_path, read_only=True) as wh:
        # until repaired, readers see only the last committed publish
        assert wh.scalar("SELECT members FROM publishes WHERE status = 'committed'") == 50
    out = CliRunner().invoke(_cli(), ["audiences"])
    assert out.exit_code == 0, out.output
    if point != "committed":
        assert "was interrupted" in out.output
    state = _state(root)
    assert state["in_progress"] == 0 and state["leftovers"] == []
    assert state["csv"] == state["parquet"] == state["table"] == state["manifest"] == expected
    assert state["manifest_count"] == len(expected)
    assert state["committed"] == (2 if expected is NEW else 1)
    # and the next publish brings everything to the new audience
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        cfg = load_audience_config(project)
        result = apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
    assert result.noop == (expected is NEW)
    state = _state(root)
    assert state["csv"] == state["parquet"] == state["table"] == state["manifest"] == NEW


def test_plan_repairs_too_and_the_rollback_is_audited(project_dir) -> None:
    root = _published_then_changed(project_dir)
    _kill_publish_at(root, "swapped:news_csv")
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        cfg = load_audience_config(project)
        plan = make_plan(wh, cfg, "newsletter")
        assert any("back at the last publish" in n for n in plan.notes)
        assert plan.removed == ["o1", "o2", "o3"]      # compared with the old audience
        rolled = wh.pl("SELECT * FROM publishes WHERE status = 'rolled_back'")
        assert rolled.height == 1
        assert wh.scalar("SELECT count(*) FROM audience_members WHERE publish_id = ?",
                         [rolled["publish_id"][0]]) == 0
        detail = json.loads(wh.scalar("SELECT detail FROM audit_log "
                                      "WHERE action = 'publish_rolled_back'"))
        assert detail == {"publish_id": rolled["publish_id"][0], "why": "interrupted"}
    assert _state(root)["csv"] == OLD


def test_the_report_repairs_before_it_reads(project_dir) -> None:
    from contactops.core import Context

    root = _published_then_changed(project_dir)
    _kill_publish_at(root, "cleaned")
    project = load_project(root)
    plans = Context(project).audience_plans()
    assert plans is not None
    newsletter = next(p for p in plans if p["audience"] == "newsletter")
    assert newsletter["unchanged"] is True        # the interrupted publish was rolled forward
    state = _state(root)
    assert state["in_progress"] == 0 and state["csv"] == state["manifest"] == NEW


def test_a_roll_back_killed_half_way_is_finished_not_undone(project_dir) -> None:
    root = _published_then_changed(project_dir)
    _kill_publish_at(root, "swapped:news_parquet")
    # the repair (by plan) is killed after the CSV was put back, before the Parquet file
    _kill_publish_at(root, "restored:news_csv", plan_only=True)
    with Warehouse(load_project(root).warehouse_path, read_only=True) as wh:
        assert wh.scalar("SELECT status FROM publishes WHERE status <> 'committed'") == (
            "rolling_back")
    out = CliRunner().invoke(_cli(), ["audiences"])
    assert out.exit_code == 0 and "back at the last publish" in out.output
    state = _state(root)
    assert state["in_progress"] == 0 and state["leftovers"] == []
    assert state["csv"] == state["parquet"] == state["table"] == state["manifest"] == OLD


@pytest.mark.parametrize("step", ["_stage", "_swap"])
def test_a_target_that_fails_rolls_the_others_back(project_dir, monkeypatch,
                                                   step: str) -> None:
    from contactops.audiences.targets import DuckdbTable, TargetError

    root = _published_then_changed(project_dir)

    def broken(self, *args):
        raise OSError("disk full")

    # the table is the last target: when its swap fails, CSV and Parquet were swapped
    monkeypatch.setattr(DuckdbTable, step, broken)
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        cfg = load_audience_config(project)
        with pytest.raises(TargetError, match="target 'news_table'.*disk full"):
            apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
    state = _state(root)
    assert state["in_progress"] == 0 and state["leftovers"] == []
    assert state["csv"] == state["parquet"] == state["table"] == state["manifest"] == OLD
