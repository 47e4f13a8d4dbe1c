"""Peak memory per stage of a ``contactops run`` measured as a whole process.

The run record (table ``runs``: ``stages`` JSON with each stage's seconds in order,
``started_at``, ``finished_at``) is read read-only once the process has ended, and the
process's RSS timeline (benchmarks/rss.py) is cut into windows:

* ``startup``: from the spawn to the first stage (interpreter, imports, project and
  warehouse opening, the run record's first write, the stages' warm-ups);
* one window per stage, back to back, each as long as the record says;
* ``finish``: from the end of the last stage to the reaping of the process (the run record's
  last write, the terminal summary ``contactops run`` prints, interpreter exit).

The stages are anchored on ``finished_at`` (written right after the last stage, so the last
stage ends there and the first begins the sum of the stage seconds earlier); without it (a
run that died) on ``started_at``. Either anchor is clamped into the process's lifetime, so
startup + stages + finish == wall always holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rss import Measured

from contactops.catalog import T


@dataclass(frozen=True)
class RunRecord:
    """The latest run of a warehouse: its stage (name, seconds) in order and epoch times."""

    run_id: str
    status: str
    stages: tuple[tuple[str, float], ...]
    started_at: float | None
    finished_at: float | None


@dataclass(frozen=True)
class Window:
    stage: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


def read_run_record(warehouse: Path) -> RunRecord:
    """The newest row of ``runs``, read with DuckDB directly (read-only)."""
    import duckdb

    spark = warehouse.is_dir()  # a Spark warehouse: Parquet folders, times in UTC
    con = duckdb.connect(":memory:" if spark else str(warehouse), read_only=not spark)
    runs = f"read_parquet('{warehouse / T.runs.name}/*.parquet')" if spark else T.runs
    zone = "'UTC'" if spark else "current_setting('TimeZone')"
    try:
        # TIMESTAMP columns hold now() in the session time zone (UTC on Spark); read in
        # that zone they give the instant again, as epoch seconds
        row = con.execute(
            f"SELECT run_id, status, stages, epoch(timezone({zone}, started_at)), "
            f"epoch(timezone({zone}, finished_at)) FROM {runs} "
            "ORDER BY started_at DESC LIMIT 1").fetchall()
    finally:
        con.close()
    row = row[0] if row else None
    if row is None:
        raise RuntimeError(f"no run recorded in {warehouse}")
    run_id, status, stages, started, finished = row
    parsed = [(s["stage"], float(s["seconds"])) for s in json.loads(stages or "[]")]
    return RunRecord(run_id, status, tuple(parsed), started, finished)


def stage_windows(measured: Measured, record: RunRecord) -> list[Window]:
    """startup, each stage of ``record``, finish: contiguous, covering the whole process."""
    total = sum(seconds for _, seconds in record.stages)
    if record.finished_at is not None:
        anchor = record.finished_at - total
    elif record.started_at is not None:
        anchor = record.started_at
    else:
        anchor = measured.started
    first = max(measured.started, min(anchor, measured.ended - total))
    windows = [Window("startup", measured.started, first)]
    at = first
    for name, seconds in record.stages:
        windows.append(Window(name, at, at + seconds))
        at += seconds
    windows.append(Window("finish", at, max(at, measured.ended)))
    return windows


def stage_rows(measured: Measured, record: RunRecord, rows: int) -> list[dict[str, Any]]:
    """One row per window: stage, seconds, peak RSS of the tree in it, rows/s (stages only)."""
    out = []
    for window in stage_windows(measured, record):
        timed = window.stage not in ("startup", "finish") and window.seconds > 0
        out.append({"stage": window.stage, "seconds": round(window.seconds, 3),
                    "peak_rss_mb": measured.peak_between(window.start, window.end),
                    "rows_per_s": round(rows / window.seconds) if timed else None})
    return out
