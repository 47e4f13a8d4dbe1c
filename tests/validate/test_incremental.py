"""Incremental validation equals a full validation of the same warehouse.

Random sequences of crm snapshots (rows gone, edited, added), forms batches and undos of
generated contacts run through every stage; after each run, validation_issues and the run's
validation_summary are compared with a full validation of a copy of the warehouse. A small
``max_issues_per_rule`` makes the kept-issue windows fill up, so changes inside and past a
window are both exercised.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from contactops.catalog import T
from contactops.config import load_pipeline
from contactops.core import Context
from contactops.engine import Warehouse
from contactops.testing.pipelines import crm_and_forms
from contactops.testing.writers import write_dataset
from contactops.validate.stage import persist, validate

PIPELINE = crm_and_forms(validate="validate: {max_issues_per_rule: 40}\n")


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    folder = tmp_path_factory.mktemp("pool")
    info = write_dataset(folder, 2500, seed=11)
    return pl.read_csv(info["files"]["contacts.csv"]["path"], infer_schema=False)


@pytest.fixture
def project(make_project: Callable[..., Path], pool: pl.DataFrame) -> Path:
    return make_project(PIPELINE, {"data/crm.csv": pool.head(1500).write_csv(),
                                   "data/forms.csv": pool.slice(2000, 30).write_csv()},
                        settings="project: test\nwarehouse: wh/test.duckdb\nmax_shrink: 1\n")


def _results(path: Path, run_id: str | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """validation_issues and one run's summary (the latest), run ids left out, sorted."""
    with Warehouse(path, read_only=True) as wh:
        issues = wh.pl(f"SELECT * FROM {T.validation_issues}")
        run = run_id or wh.scalar(f"SELECT run_id FROM {T.validation_issues} LIMIT 1")
        summary = wh.pl(f"SELECT * FROM {T.validation_summary} WHERE run_id = ?", [run])
    ids = set(issues["run_id"].to_list())
    assert len(ids) <= 1, ids  # every kept row is this validation's
    return (issues.drop("run_id").sort(pl.all(), nulls_last=True),
            summary.drop("run_id").sort(pl.all(), nulls_last=True))


def _full_validation(path: Path, pipeline: Path, scratch: Path) -> tuple[pl.DataFrame, ...]:
    copy = scratch / "full.duckdb"
    shutil.copy(path, copy)
    project = load_pipeline(pipeline)
    assert project.pipeline is not None
    with Warehouse(copy) as wh:
        result = validate(wh, project, project.pipeline.validate_, "full-check")
        assert result.pending is not None and result.pending.full
        persist(wh, result)
    return _results(copy, "full-check")


def _step(rng: random.Random, pool: pl.DataFrame, data: Path, ctx: Context) -> str:
    action = rng.choice(["snapshot", "snapshot", "append", "append", "undo"])
    if action == "snapshot":  # most rows as they were, some gone, some edited, some new
        keep = pool.head(1500).sample(rng.randint(1200, 1500), seed=rng.randint(0, 10**6))
        new = pool.slice(1500, 500).sample(rng.randint(0, 60), seed=rng.randint(0, 10**6))
        edit = rng.randint(0, 40)
        rows = pl.concat([keep, new]).with_columns(
            pl.when(pl.int_range(pl.len()) < edit).then(pl.lit(None))
            .otherwise(pl.col("E-mail")).alias("E-mail"))
        (data / "crm.csv").write_text(rows.write_csv())
    elif action == "append":
        rows = pool.slice(2000, 500).sample(rng.randint(5, 40), seed=rng.randint(0, 10**6))
        (data / "forms.csv").write_text(rows.with_columns(
            pl.lit(f"note {rng.random()}").alias("Notes")).write_csv())
    else:
        loads = ctx.loads().filter(pl.col("status") == "loaded")
        if loads.height:
            ctx.undo_load(rng.choice(loads["load_id"].to_list()), "random undo")
    return action


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 4])
def test_incremental_validation_equals_a_full_validation(
        project: Path, pool: pl.DataFrame, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    data = project.parent.parent / "data"
    Context.open(project).run(warn_only=True)
    incremental_runs, notes = 0, []
    for _ in range(6):
        ctx = Context.open(project)
        action = _step(rng, pool, data, ctx)
        result = Context.open(project).run(warn_only=True)
        if result.unchanged_since is not None:
            continue
        validated = [s for s in result.stages if s.name == "validate"][0]
        notes.append((action, validated.notes))
        if any(n.startswith("records re-validated") for n in validated.notes):
            incremental_runs += 1
            assert validated.counts["records_validated"] < 1600
        issues, summary = _results(ctx.warehouse)
        full_issues, full_summary = _full_validation(ctx.warehouse, project, tmp_path)
        assert_frame_equal(summary, full_summary), action
        assert_frame_equal(issues, full_issues), action
    assert incremental_runs >= 3, notes


def test_a_settings_change_validates_everything_and_says_why(project: Path) -> None:
    Context.open(project).run(warn_only=True)
    (project.parent.parent / "data" / "forms.csv").write_text(
        "Record ID,First Name,E-mail\nf-new,Ann,ann@example.org\n")
    result = Context.open(project).run(warn_only=True)
    validated = [s for s in result.stages if s.name == "validate"][0]
    assert validated.counts["records_validated"] == 1
    assert validated.counts["records_removed"] == 0
    assert result.touched["records_normalized"] == 1
    assert result.touched["records_validated"] == 1
    assert "records validated 1" in str(result)
    # the standalone command validates everything on other settings: the state follows
    project.write_text(PIPELINE.replace("max_issues_per_rule: 40", "max_issues_per_rule: 7"))
    Context.open(project).validate()
    with Warehouse(Context.open(project).warehouse, read_only=True) as wh:
        kept = wh.scalar(f"SELECT max(n) FROM (SELECT count(*) AS n FROM "
                         f"{T.validation_issues} WHERE record_id IS NOT NULL AND origin = "
                         "'rule' GROUP BY rule, field)")
    assert kept == 7
    (project.parent.parent / "data" / "forms.csv").write_text(
        "Record ID,First Name,E-mail\nf-new2,Bob,bob@example.org\n")
    project.write_text(PIPELINE)
    result = Context.open(project).run(warn_only=True)
    validated = [s for s in result.stages if s.name == "validate"][0]
    # the run is incremental (its settings are the last run's), the stored state is not
    assert result.reason == "incremental: inputs changed"
    assert "full validation: validate settings, phone regions or contactops version " \
        "changed" in validated.notes
    assert validated.counts["records_validated"] > 1500


def test_a_fallback_after_rechecking_counts_nothing_twice(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Pandera failure that names no row (a column, a type) found among the re-checked
    records turns the validation into a full one, started afresh."""
    from contactops.validate.pandera_schemas import SchemaChecks

    Context.open(project).run(warn_only=True)
    (project.parent.parent / "data" / "forms.csv").write_text(
        "Record ID,First Name,E-mail\nf-new,Ann,ann@example.org\n")
    add = SchemaChecks.add

    def add_unplaced(self: SchemaChecks, frame: pl.DataFrame) -> SchemaChecks:
        add(self, frame)
        self.unplaced = True
        return self

    monkeypatch.setattr(SchemaChecks, "add", add_unplaced)
    result = Context.open(project).run(warn_only=True)
    validated = [s for s in result.stages if s.name == "validate"][0]
    assert "full validation: a Pandera check failed for a whole table" in validated.notes
    issues, summary = _results(Context.open(project).warehouse)
    full_issues, full_summary = _full_validation(Context.open(project).warehouse, project,
                                                 tmp_path)
    assert_frame_equal(summary, full_summary)
    assert_frame_equal(issues, full_issues)
