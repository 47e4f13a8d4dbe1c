"""Runs know what changed: fingerprints, the unchanged rerun, --full, incremental normalize."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from contactops.catalog import T
from contactops.cli.app import app
from contactops.config import load_pipeline
from contactops.contract import StageContext
from contactops.core import Context
from contactops.engine import Warehouse
from contactops.normalize import adapter
from contactops.testing.pipelines import crm_and_forms
from contactops.testing.writers import write_dataset

#: The normalize tables, each with the columns that order its rows.
TABLES = {T.normalized_records: ["record_id"], T.normalization_audit: ["record_id"],
          T.normalization_enrichments: ["record_id", "field"],
          T.normalization_changes: ["record_id", "field", "rule"]}


def pipeline_yaml(*, dedupe: bool = False, settings: str = "") -> str:
    return crm_and_forms(dedupe="" if dedupe else "dedupe: {enabled: false}\n",
                         settings=settings)


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    """Generated contacts (the project's generator), as raw strings."""
    folder = tmp_path_factory.mktemp("pool")
    info = write_dataset(folder, 400, seed=5)
    return pl.read_csv(info["files"]["contacts.csv"]["path"], infer_schema=False)


@pytest.fixture
def project(make_project: Callable[..., Path], pool: pl.DataFrame) -> Path:
    # max_shrink 1: random snapshots may shrink past the volume gate's default
    return make_project(pipeline_yaml(), {"data/crm.csv": _csv(pool.head(150)),
                                          "data/forms.csv": _csv(pool.slice(300, 20))},
                        settings="project: test\nwarehouse: wh/test.duckdb\nmax_shrink: 1\n")


def _csv(frame: pl.DataFrame) -> str:
    return frame.write_csv()


def _tables(path: Path) -> dict[str, pl.DataFrame]:
    with Warehouse(path, read_only=True) as wh:
        return {table.name: wh.pl(f"SELECT * FROM {table}").sort(order)
                for table, order in TABLES.items()}


def _stage_names(result: object) -> list[str]:
    return [s.record()["stage"] for s in result.stages]  # type: ignore[attr-defined]


def test_unchanged_rerun_does_no_stage_work_and_says_since_which_run(project: Path) -> None:
    ctx = Context.open(project)
    first = ctx.run()
    assert first.status == "success" and first.reason == "full run: first run"
    before = _tables(ctx.warehouse)
    with Warehouse(ctx.warehouse, read_only=True) as wh:
        written = wh.scalar(f"SELECT value FROM {T.meta} WHERE key = 'normalize_basis'")
    second = Context.open(project).run()
    assert second.status == "success"
    assert _stage_names(second) == ["ingest"]
    assert second.unchanged_since is not None and first.run_id in second.unchanged_since
    assert second.reason == f"nothing changed since {second.unchanged_since}"
    assert f"nothing changed since run {first.run_id}" in str(second)
    after = _tables(ctx.warehouse)
    for name, frame in before.items():
        assert_frame_equal(after[name], frame)
    with Warehouse(ctx.warehouse, read_only=True) as wh:
        assert wh.scalar(f"SELECT value FROM {T.meta} WHERE key = 'normalize_basis'") == written
        reason, inputs, fingerprint = wh.fetchall(
            f"SELECT reason, inputs_fingerprint, fingerprint FROM {T.runs} "
            "WHERE run_id = ?", [second.run_id])[0]
    assert reason == second.reason and inputs == first.inputs_fingerprint
    assert fingerprint == first.fingerprint


def test_cli_unchanged_rerun_json_and_runs_listing(project: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["run", str(project), "--quiet"]).exit_code == 0
    out = runner.invoke(app, ["run", str(project)])
    assert out.exit_code == 0, out.output
    assert "nothing changed since run" in out.output
    # no summary of a warehouse that did not change (it costs seconds at 1M records)
    assert "the warehouse is as that run left it" in out.output
    assert "Not ready to publish" not in out.output and "Ready to publish" not in out.output
    as_json = runner.invoke(app, ["run", str(project), "--json"])
    data = json.loads(as_json.stdout)
    assert data["reason"].startswith("nothing changed since run")
    assert [s["stage"] for s in data["stages"]] == ["ingest"]
    assert len(data["fingerprint"]) == 16
    runs = json.loads(runner.invoke(app, ["runs", "--pipeline", str(project), "--json"]).stdout)
    assert runs[0]["reason"] == data["reason"] and runs[2]["reason"] == "full run: first run"
    assert json.loads(runs[0]["fingerprint_parts"])["contactops"]


def test_full_flag_runs_every_stage_over_everything(project: Path) -> None:
    Context.open(project).run()
    result = Context.open(project).run(full=True)
    assert result.reason == "full run: --full"
    assert _stage_names(result) == ["ingest", "normalize", "dedupe", "validate"]
    normalize = result.stages[1]
    assert normalize.counts["records"] == 170  # 150 crm + 20 forms, all of them again
    assert "removed" not in normalize.counts  # a full normalize: nothing was kept to remove
    out = CliRunner().invoke(app, ["run", str(project), "--full", "--json"])
    assert json.loads(out.stdout)["reason"] == "full run: --full"


def test_settings_edit_changes_the_fingerprint_and_forces_a_full_run(
        project: Path, make_project: Callable[..., Path], pool: pl.DataFrame) -> None:
    first = Context.open(project).run()
    make_project(pipeline_yaml(settings="normalize: {phone_library_fallback: false}\n"),
                 settings="project: test\nwarehouse: wh/test.duckdb\n")
    second = Context.open(project).run()
    assert second.reason == "full run: settings changed: normalize"
    assert second.fingerprint != first.fingerprint
    assert second.stages[1].counts["records"] == 170
    make_project(pipeline_yaml(settings="normalize: {phone_library_fallback: false}\n"),
                 settings="project: test\nwarehouse: wh/test.duckdb\n"
                          "taxonomy: {tags: {vip: [very-important]}}\n")
    third = Context.open(project).run()
    assert third.reason == "full run: settings changed: vocabularies"
    # only the project's display name: no result changes, nothing to do
    make_project(pipeline_yaml(settings="normalize: {phone_library_fallback: false}\n"),
                 settings="project: renamed\nwarehouse: wh/test.duckdb\n"
                          "taxonomy: {tags: {vip: [very-important]}}\n")
    fourth = Context.open(project).run()
    assert fourth.unchanged_since is not None and third.run_id in fourth.unchanged_since


def test_new_load_normalizes_only_what_changed(project: Path, pool: pl.DataFrame) -> None:
    Context.open(project).run()
    edited = pool.head(150).with_columns(
        pl.when(pl.int_range(pl.len()) < 5).then(pl.lit("Zed")).otherwise(pl.col("First Name"))
        .alias("First Name")).slice(0, 140)  # 5 edited, 10 gone
    (project.parent.parent / "data" / "crm.csv").write_text(_csv(edited))
    result = Context.open(project).run()
    assert result.reason == "incremental: inputs changed"
    normalize = result.stages[1]
    # the snapshot is a new version of every crm record: the 5 edited are normalized again,
    # the 135 others only re-pointed to the new load, the forms records stay as they were
    # records counts the table (140 crm + 20 forms) as a full run would; normalized the work
    assert normalize.counts == {"records": 160, "normalized": 5,
                                "changes": normalize.counts["changes"],
                                "removed": 10, "changed": 5, "new": 0,
                                "unchanged_versions": 135}
    assert any("0 new, 5 changed, 10 removed" in note and "135 reloaded as they were" in note
               for note in normalize.notes)
    with Warehouse(Context.open(project).warehouse, read_only=True) as wh:
        # the audit names the current load of every record it holds
        stale = wh.scalar(f"SELECT count(*) FROM {T.normalization_audit} a "
                          f"JOIN {T.current_source_records} c USING (record_id) "
                          "WHERE a.load_id <> c.load_id")
    assert stale == 0


def _full_normalize_of_a_copy(path: Path, pipeline: Path, scratch: Path) -> dict[str, pl.DataFrame]:
    copy = scratch / "full.duckdb"
    shutil.copy(path, copy)
    project = load_pipeline(pipeline)
    with Warehouse(copy) as wh:
        result = adapter.run(StageContext(project, wh, "full-check"))
        assert isinstance(result, adapter.NormalizeResult)
    return _tables(copy)


def _step(rng: random.Random, pool: pl.DataFrame, data: Path, ctx: Context) -> str:
    """One random change: a new crm snapshot (rows gone, edited, added), a forms batch, an
    undo of a current load, or nothing."""
    action = rng.choice(["snapshot", "snapshot", "append", "append", "undo", "none"])
    if action == "snapshot":
        rows = pool.sample(rng.randint(60, 200), seed=rng.randint(0, 10**6))
        edit = rng.randint(0, 20)
        rows = rows.with_columns(pl.when(pl.int_range(pl.len()) < edit)
                                 .then(pl.col("E-mail").str.to_uppercase())
                                 .otherwise(pl.col("E-mail")).alias("E-mail"))
        (data / "crm.csv").write_text(_csv(rows))
    elif action == "append":
        rows = pool.sample(rng.randint(5, 40), seed=rng.randint(0, 10**6))
        (data / "forms.csv").write_text(_csv(rows.with_columns(
            pl.lit(f"note {rng.random()}").alias("Notes"))))
    elif action == "undo":
        loads = ctx.loads().filter(pl.col("status") == "loaded")
        if loads.height:
            ctx.undo_load(rng.choice(loads["load_id"].to_list()), "random undo")
    return action


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_normalize_equals_a_full_normalize(
        project: Path, pool: pl.DataFrame, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = project.parent.parent / "data"
    Context.open(project).run()
    kinds = set()
    for _ in range(7):
        ctx = Context.open(project)
        action = _step(rng, pool, data, ctx)
        result = Context.open(project).run()
        assert result.status == "success"
        if result.unchanged_since is None:
            kinds.add(result.reason)
        incremental = _tables(ctx.warehouse)
        full = _full_normalize_of_a_copy(ctx.warehouse, project, tmp_path)
        for name, frame in full.items():
            assert incremental[name].columns == frame.columns, (name, action)
            assert_frame_equal(incremental[name], frame)
    assert "incremental: inputs changed" in kinds
