"""Normalize in chunks: the same tables as in one piece, and the chunk size from the limit."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from contactops.catalog import T
from contactops.config.memory import MemoryLimit
from contactops.contract import StageContext
from contactops.core import Context
from contactops.engine import Warehouse
from contactops.normalize import adapter
from contactops.testing.writers import write_dataset


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> tuple[Context, Path]:
    """A generated hard-preset dataset (2,500 records) loaded, not yet normalized."""
    folder = tmp_path_factory.mktemp("chunks")
    info = write_dataset(folder, 2500, seed=7, preset="hard")
    ctx = Context.open(sources=[info["files"]["contacts.csv"]["path"]],
                       warehouse=folder / "wh.duckdb")
    result = ctx.run(until="ingest", warn_only=True)
    assert result.status == "success"
    return ctx, folder / "wh.duckdb"


def _normalize(ctx: Context, path: Path, rows: int | None
               ) -> tuple[adapter.NormalizeResult, pl.DataFrame, pl.DataFrame]:
    with Warehouse(path) as wh:
        stage_ctx = StageContext(ctx.project, wh, "test-run")
        result = adapter.run(stage_ctx, rows_per_chunk=rows)
        assert isinstance(result, adapter.NormalizeResult)
        records = wh.pl(f"SELECT * FROM {T.normalized_records}")
        changes = wh.pl(f"SELECT * FROM {T.normalization_changes}")
    return result, records, changes


def test_chunked_normalize_writes_the_same_tables_as_one_chunk(
        ingested: tuple[Context, Path]) -> None:
    ctx, path = ingested
    whole, records, changes = _normalize(ctx, path, None)
    chunked, chunk_records, chunk_changes = _normalize(ctx, path, 300)
    assert whole.timings["chunks"] == 1
    assert chunked.timings["chunks"] == 9 and chunked.timings["chunk_rows"] == 300
    assert chunked.counts["records"] == whole.counts["records"] == records.height == 2500
    assert chunked.counts["changes"] == whole.counts["changes"] == changes.height > 2500
    assert "normalized in 9 chunks of up to 300 records" in chunked.notes
    # records come out in record_id order either way: identical, row for row
    assert records["record_id"].is_sorted()
    assert_frame_equal(chunk_records, records)
    # the audit is grouped by field within a chunk: the same rows, in another order
    order = ["record_id", "field", "rule"]
    assert_frame_equal(chunk_changes.sort(order), changes.sort(order))


def test_chunks_are_read_in_record_id_order(ingested: tuple[Context, Path]) -> None:
    ctx, path = ingested
    _, first, _ = _normalize(ctx, path, 1000)
    _, again, _ = _normalize(ctx, path, 1000)
    assert first["record_id"].to_list() == again["record_id"].to_list()
    assert first["record_id"].is_sorted()


def test_chunk_size_follows_the_memory_limit() -> None:
    small = MemoryLimit(1500 * 1000**2, "--memory-limit", "1.5GB")
    large = MemoryLimit(12 * 1024**3, "default", "half of the machine")
    rows_small = adapter.chunk_rows(small, 10_000_000)
    rows_large = adapter.chunk_rows(large, 10_000_000)
    assert rows_small < rows_large
    # a large limit does not make chunks larger than pays off
    assert rows_large == adapter.MAX_CHUNK_ROWS
    # the chunk's frames fit in the limit's share for frames, past the process baseline
    assert rows_small * adapter.BYTES_PER_ROW + adapter.BASELINE_BYTES <= small.frame_bytes
    tiny = MemoryLimit(256 * 1024**2, "--memory-limit", "256MiB")
    assert adapter.chunk_rows(tiny, 10_000_000) == adapter.MIN_CHUNK_ROWS
    assert adapter.chunk_rows(None, 1234) == 1234
    assert adapter.chunk_rows(None, 0) == 1


def test_empty_warehouse_normalizes_to_empty_tables(tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("Email,First Name\n")
    ctx = Context.open(sources=[csv], warehouse=tmp_path / "wh.duckdb")
    result = ctx.run(until="normalize", warn_only=True)
    normalize = result.stages[-1]
    assert normalize.counts["records"] == 0 and normalize.timings["chunks"] == 1
    with Warehouse(tmp_path / "wh.duckdb") as wh:
        assert wh.scalar(f"SELECT count(*) FROM {T.normalized_records}") == 0
        assert "email" in wh.columns(T.normalized_records.name)
