"""Large tables reach GX as a deterministic sample; small ones whole (no GX import needed)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from contactops.validate.gx_suites import GxWorker

SPEC = {"name": "records", "meta": {"contactops_table": "normalized_records"},
        "expectations": [{"type": "expect_column_values_to_not_be_null",
                          "kwargs": {"column": "record_id"}}]}


def _submit(tmp_path: Path, rows: int, max_rows: int | None) -> tuple[dict[str, int], Path]:
    tmp_path.mkdir(parents=True)
    # a stand-in worker that just swallows the job, so no GX import is needed here
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                               stdin=subprocess.PIPE)
    worker = GxWorker(process, tmp_path, time.perf_counter(), workdir=tmp_path)
    frame = pl.DataFrame({"record_id": [f"r{i}" for i in range(rows)],
                          "other": list(range(rows))})
    sampled = worker.submit({"normalized_records": frame}, [SPEC], False, max_rows)
    process.wait(timeout=30)
    return sampled, tmp_path / "records.parquet"


def test_large_table_is_sampled_deterministically(tmp_path: Path) -> None:
    sampled, parquet = _submit(tmp_path / "a", 5_000, 1_000)
    assert sampled == {"normalized_records": 1_000}
    first = pl.read_parquet(parquet)
    assert first.height == 1_000 and first.columns == ["record_id"]   # only needed columns
    _, again = _submit(tmp_path / "b", 5_000, 1_000)
    assert pl.read_parquet(again)["record_id"].to_list() == first["record_id"].to_list()


def test_small_table_or_no_limit_goes_whole(tmp_path: Path) -> None:
    sampled, parquet = _submit(tmp_path / "a", 500, 1_000)
    assert sampled == {} and pl.read_parquet(parquet).height == 500
    sampled, parquet = _submit(tmp_path / "b", 5_000, None)
    assert sampled == {} and pl.read_parquet(parquet).height == 5_000
