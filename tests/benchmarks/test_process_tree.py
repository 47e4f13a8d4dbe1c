"""The whole-process measurement of benchmarks/run.py: the tree sampler counts what children
hold, and the run's timeline is cut into startup + stages + finish that add up to its wall."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

from attribution import RunRecord, read_run_record, stage_rows, stage_windows  # noqa: E402
from rss import Measured, Sample, measure  # noqa: E402

#: A child that holds ~200 MB (bytes written, so resident) for a second, then exits.
CHILD = "import time; block = b'x' * (200 * 2**20); time.sleep(1.0)"
#: A parent that only waits for that child: it never holds the memory itself.
PARENT = ("import subprocess, sys; "
          f"subprocess.run([sys.executable, '-c', {CHILD!r}], check=True)")


def test_tree_sampler_sees_a_childs_memory() -> None:
    measured = measure([sys.executable, "-c", PARENT])
    assert measured.exit_code == 0
    assert measured.peak_mb > 200, measured.peak_mb
    # the parent alone stayed small: the peak above is the child's, seen through the tree
    assert measured.root_peak_mb < 100, measured.root_peak_mb
    assert max(s.processes for s in measured.samples) >= 2
    assert measured.wall >= 1.0


def _measured(started: float, ended: float, samples: list[tuple[float, float]]) -> Measured:
    return Measured(("contactops", "run"), 0, started, ended,
                    tuple(Sample(at, mb, mb, 1) for at, mb in samples))


def test_stage_attribution_adds_up_to_the_wall() -> None:
    t0 = 1_000.0
    record = RunRecord("r", "success", (("ingest", 1.0), ("normalize", 2.0), ("dedupe", 3.0)),
                       started_at=t0 + 1.9, finished_at=t0 + 8.0)
    measured = _measured(t0, t0 + 9.5, [(t0 + 0.5, 100), (t0 + 2.5, 150), (t0 + 4.0, 300),
                                        (t0 + 6.0, 900), (t0 + 7.9, 400), (t0 + 9.0, 200)])
    rows = stage_rows(measured, record, 1_000)
    assert [r["stage"] for r in rows] == ["startup", "ingest", "normalize", "dedupe", "finish"]
    assert [r["seconds"] for r in rows] == [2.0, 1.0, 2.0, 3.0, 1.5]
    assert abs(sum(r["seconds"] for r in rows) - measured.wall) < 1e-6
    assert [r["peak_rss_mb"] for r in rows] == [100, 150, 300, 900, 200]
    assert [r["rows_per_s"] for r in rows] == [None, 1000, 500, 333, None]


def test_attribution_adds_up_when_the_clocks_disagree() -> None:
    record = RunRecord("r", "success", (("ingest", 1.0), ("validate", 2.0)),
                       started_at=None, finished_at=50.0)  # later than the process ended
    measured = _measured(10.0, 14.0, [(10.1, 50), (12.0, 80)])
    windows = stage_windows(measured, record)
    assert windows[0].start == 10.0 and windows[-1].end == 14.0
    assert all(a.end == b.start for a, b in zip(windows, windows[1:], strict=False))
    assert [round(w.seconds, 6) for w in windows] == [1.0, 1.0, 2.0, 0.0]


def test_a_window_between_samples_takes_the_samples_around_it() -> None:
    measured = _measured(0.0, 1.0, [(0.0, 120), (0.5, 340)])
    assert measured.peak_between(0.2, 0.3) == 340
    assert measured.peak_between(0.6, 0.9) == 340
    assert _measured(0.0, 1.0, []).peak_between(0.0, 1.0) is None


def test_run_record_times_are_the_instants_the_run_wrote(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "wh.duckdb"
    stages = [{"stage": "ingest", "seconds": 0.25, "counts": {}}]
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE runs (run_id VARCHAR, pipeline VARCHAR, status VARCHAR, "
                "started_at TIMESTAMP, finished_at TIMESTAMP, stages JSON)")
    con.execute("INSERT INTO runs VALUES ('r1', 'p', 'success', now(), now(), ?)",
                [json.dumps(stages)])
    con.close()
    record = read_run_record(path)
    assert record.run_id == "r1" and record.stages == (("ingest", 0.25),)
    assert record.finished_at is not None and abs(record.finished_at - time.time()) < 60
