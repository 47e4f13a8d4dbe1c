"""Parity: the demo pipeline over 20,000 generated contacts (nine sources in seven formats)
gives the same results on Spark local[2] as on DuckDB.

The same project runs on each engine from the same files: the same row accounting per load
(``rows_read = accepted + rejected``, the same rejected rows and reasons), the same
normalized records and normalization audit (normalize runs on Spark's executors), the same record
partition into contacts with the same ``contact_id``s, the same golden records and consent,
the same validation results per rule, the same audience members with the same exclusion
reasons, and the same published file. Then a load is undone on both and each runs again
(incremental): the split contacts must match too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from contactops.core import Context
from contactops.testing import write_dataset

REPO = Path(__file__).resolve().parents[3]
ROWS = 20_000

pytestmark = pytest.mark.slow


def _project(root: Path, engine: str) -> Context:
    for folder in ("config", "pipelines"):
        shutil.copytree(REPO / folder, root / folder)
    write_dataset(root / "data" / "demo", ROWS, seed=5, layout="sources")
    return Context.open(project=root, engine=engine)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, spark_session: object
         ) -> dict[str, dict[str, Any]]:
    mp = pytest.MonkeyPatch()
    mp.setenv("CONTACTOPS_SUPPRESSION_SALT", "pepper-for-tests")
    mp.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    out: dict[str, dict[str, Any]] = {}
    try:
        for engine in ("duckdb", "spark"):
            ctx = _project(tmp_path_factory.mktemp(engine), engine)
            first = ctx.run(warn_only=True, surface="notebook")
            plans = {name: ctx.plan(name) for name in ("monthly-newsletter",
                                                       "vip-event-invites",
                                                       "internal-staff")}
            published = ctx.publish("monthly-newsletter")
            out[engine] = {"ctx": ctx, "run": first, "plans": plans,
                           "published": published, "before": _tables(ctx)}
            with ctx.open_warehouse() as wh:
                load = wh.scalar("SELECT load_id FROM loads WHERE source = 'import_csv' "
                                 "AND status = 'loaded'")
            ctx.undo_load(load, reason="parity test")
            out[engine]["second"] = ctx.run(warn_only=True, surface="notebook")
            out[engine]["after"] = _tables(ctx)
    finally:
        mp.undo()
    return out


def _tables(ctx: Context) -> dict[str, set[tuple[Any, ...]]]:
    reads = {
        "loads": "SELECT source, status, rows_read, rows_accepted, rows_rejected FROM loads",
        "rejected": "SELECT source, row_number, line_number, field, reason_code, message "
                    "FROM rejected_records",
        "links": "SELECT record_id, contact_id FROM contact_links",
        "golden": "SELECT contact_id, record_count, email_key, phone_e164, company_key, "
                  "country, lifecycle_stage, contact_type, consent_email, consent_sms, "
                  "consent_phone FROM contacts",
        "summary": "SELECT rule, table_name, source, checked, failed, status "
                   "FROM validation_summary",
        "issues": "SELECT rule, record_id, contact_id, field FROM validation_issues",
        "reviews": "SELECT record_a, record_b FROM match_reviews",
        "normalized": "SELECT * FROM normalized_records",
        "changes": "SELECT * FROM normalization_changes",
    }
    with ctx.open_warehouse(read_only=True) as wh:
        return {name: {_row(r) for r in wh.fetchall(sql)} for name, sql in reads.items()}


def _row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row as a set member: list values (tags, flags) as tuples."""
    return tuple(tuple(v) if isinstance(v, list) else v for v in row)


@pytest.mark.parametrize("table", ["loads", "rejected", "normalized", "changes", "links",
                                   "golden", "summary", "issues", "reviews"])
def test_first_run_gives_the_same_tables(runs: dict[str, dict[str, Any]], table: str) -> None:
    duck, spark = runs["duckdb"]["before"][table], runs["spark"]["before"][table]
    assert duck, f"{table}: the DuckDB run left nothing to compare"
    assert spark == duck, (f"{table}: {len(spark - duck)} rows only on Spark, "
                           f"{len(duck - spark)} only on DuckDB")


def test_row_accounting_adds_up(runs: dict[str, dict[str, Any]]) -> None:
    for engine in ("duckdb", "spark"):
        for _, _, read, accepted, rejected in runs[engine]["before"]["loads"]:
            assert read == accepted + rejected, engine
    assert sum(r[2] for r in runs["spark"]["before"]["loads"]) >= ROWS


def test_the_same_contacts_and_ids(runs: dict[str, dict[str, Any]]) -> None:
    duck, spark = runs["duckdb"]["before"]["links"], runs["spark"]["before"]["links"]
    merged = len({r for r in duck}) - len({c for _, c in duck})
    assert merged > 1000, "the data should hold many duplicates"
    assert spark == duck


def test_the_same_audience_members(runs: dict[str, dict[str, Any]]) -> None:
    for name, plan in runs["duckdb"]["plans"].items():
        other = runs["spark"]["plans"][name]
        assert other.candidates == plan.candidates, name
        assert other.exclusions == plan.exclusions, name
        assert other.members["contact_id"].to_list() == plan.members["contact_id"].to_list()
        assert other.content_hash == plan.content_hash, name
    assert runs["duckdb"]["plans"]["monthly-newsletter"].size > 100


def test_the_same_published_file(runs: dict[str, dict[str, Any]]) -> None:
    files = {}
    for engine in ("duckdb", "spark"):
        root = runs[engine]["ctx"].root
        files[engine] = pl.read_parquet(root / "warehouse" / "exports"
                                        / "monthly-newsletter.parquet")
    assert files["spark"].equals(files["duckdb"])


@pytest.mark.parametrize("table", ["loads", "normalized", "changes", "links", "golden",
                                   "summary", "issues"])
def test_after_an_undo_and_an_incremental_run(runs: dict[str, dict[str, Any]],
                                              table: str) -> None:
    assert runs["spark"]["second"].reason == runs["duckdb"]["second"].reason
    duck, spark = runs["duckdb"]["after"][table], runs["spark"]["after"][table]
    assert spark == duck, (f"{table}: {len(spark - duck)} rows only on Spark, "
                           f"{len(duck - spark)} only on DuckDB")
    assert runs["duckdb"]["after"]["links"] != runs["duckdb"]["before"]["links"]
