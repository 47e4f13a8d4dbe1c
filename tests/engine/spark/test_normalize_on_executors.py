"""Normalize on Spark runs on the executors: the same normalize tables as on DuckDB, while the
records neither come to the driver as frames nor go back from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contactops.catalog import T
from contactops.contract import StageContext
from contactops.core import Context
from contactops.engine import Warehouse
from contactops.engine.spark import SparkWarehouse
from contactops.normalize import adapter
from contactops.normalize.batch import OUTPUTS
from contactops.testing.writers import write_dataset

pytestmark = pytest.mark.slow

RECORDS = 3_000

READS = {
    "records": f"SELECT * FROM {T.normalized_records}",
    "changes": f"SELECT * FROM {T.normalization_changes}",
    "versions": f"SELECT * FROM {T.normalized_versions}",
}


class DriverSpy:
    """Counts the rows the Spark warehouse hands the driver as frames (``_arrow``: every
    read that ends in Python) and the rows the driver writes as frames (``_write_frame``),
    and which tables frames are written to."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rows_read = self.rows_written = 0
        self.tables: list[str] = []
        self.batches = 0
        read, write = SparkWarehouse._arrow, SparkWarehouse._write_frame
        replace, append = SparkWarehouse.replace_table, SparkWarehouse.append_frame
        batches = SparkWarehouse.batches

        def spy_read(wh: Any, sql: str, params: Any) -> Any:
            table = read(wh, sql, params)
            self.rows_read += table.num_rows
            return table

        def spy_write(wh: Any, frame: Any, folder: Path) -> int:
            self.rows_written += frame.num_rows
            return write(wh, frame, folder)

        def spy_replace(wh: Any, name: str, frame: Any, catalog: str | None = None) -> int:
            self.tables.append(name)
            return replace(wh, name, frame, catalog)

        def spy_append(wh: Any, table: str, frame: Any) -> None:
            self.tables.append(table)
            append(wh, table, frame)

        def spy_batches(wh: Any, *args: Any, **kwargs: Any) -> Any:
            self.batches += 1
            return batches(wh, *args, **kwargs)

        monkeypatch.setattr(SparkWarehouse, "_arrow", spy_read)
        monkeypatch.setattr(SparkWarehouse, "_write_frame", spy_write)
        monkeypatch.setattr(SparkWarehouse, "replace_table", spy_replace)
        monkeypatch.setattr(SparkWarehouse, "append_frame", spy_append)
        monkeypatch.setattr(SparkWarehouse, "batches", spy_batches)


def _ingested(root: Path, engine: str, csv: Path) -> Path:
    path = root / ("wh.duckdb" if engine == "duckdb" else "wh")
    ctx = Context.open(sources=[csv], warehouse=path, engine=engine)
    assert ctx.run(until="ingest", warn_only=True).status == "success"
    return path


def _normalized(ctx: Context, wh: Any) -> tuple[adapter.NormalizeResult, dict[str, Any]]:
    result = adapter.run(StageContext(ctx.project, wh, "test-run"), rows_per_chunk=700)
    assert isinstance(result, adapter.NormalizeResult)
    tables = {name: sorted(map(repr, wh.fetchall(sql))) for name, sql in READS.items()}
    return result, tables


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, spark_session: object
         ) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("executors")
    csv = Path(write_dataset(root / "data", RECORDS, seed=11, preset="hard")
               ["files"]["contacts.csv"]["path"])
    out: dict[str, Any] = {}
    duck = _ingested(root, "duckdb", csv)
    ctx = Context.open(sources=[csv], warehouse=duck)
    with Warehouse(duck) as wh:
        out["duckdb"] = _normalized(ctx, wh)
    spark = _ingested(root, "spark", csv)
    ctx = Context.open(sources=[csv], warehouse=spark, engine="spark")
    monkeypatch = pytest.MonkeyPatch()
    spy = DriverSpy(monkeypatch)
    try:
        with SparkWarehouse(spark) as wh:
            out["spark"] = _normalized(ctx, wh)
            out["spy"] = spy, {name: wh.scalar(f"SELECT count(*) FROM {name}")
                               for name in OUTPUTS}
    finally:
        monkeypatch.undo()
    return out


def test_the_same_normalize_tables_as_on_duckdb(runs: dict[str, Any]) -> None:
    (duck, duck_tables), (spark, spark_tables) = runs["duckdb"], runs["spark"]
    assert len(duck_tables["records"]) == RECORDS
    assert len(duck_tables["changes"]) > RECORDS  # the hard preset changes many values
    for name in READS:
        assert spark_tables[name] == duck_tables[name], name
    assert spark.counts == duck.counts
    assert spark.counts["records"] == RECORDS


def test_the_records_do_not_pass_through_the_driver(runs: dict[str, Any]) -> None:
    spy, counts = runs["spy"]
    # the reads above hand every normalize row to Python on purpose; before them, during
    # the stage, the driver saw only counts and settings
    stage_reads = spy.rows_read - sum(len(t) for t in runs["spark"][1].values()) \
        - len(counts)
    # (>= 0: the spy saw the test's own reads, so it would have seen the stage's)
    assert 0 <= stage_reads < 20, f"{stage_reads} rows read by the driver during normalize"
    assert spy.rows_written == 0
    assert spy.batches == 0
    assert not set(spy.tables) & set(OUTPUTS)
    assert counts[T.normalized_records.name] == RECORDS
    assert runs["spark"][0].timings["chunks"] >= 2  # per partition, not one driver frame
