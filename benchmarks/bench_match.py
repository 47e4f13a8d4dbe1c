"""Benchmark match before create: per-record latency after start-up, and a fresh process.

Run: .venv/bin/python benchmarks/bench_match.py [--rows 100000] [--records 200]
     [--preset classic] [--cache /tmp/contactops-bench-match]
     or, on a warehouse built elsewhere (e.g. a 1M-contact run):
     .venv/bin/python benchmarks/bench_match.py --warehouse W.duckdb [--project DIR]
     [--pipeline pipelines/x.yaml]

On a warehouse of ``--rows`` generated contacts (built once with ``contactops run --source
contacts.csv`` and cached under ``--cache``), or on ``--warehouse``, it matches
``--records`` query records in one process through ``Context.matcher()`` — loaded records
with their last name misspelt (one letter dropped), and one in five a stranger — and prints
the start-up, the per-record latency (median, p95, mean, max), all records in one call (per
record) and how often the misspelt copy found its own contact first. Then it runs
``contactops match ... --json`` as a fresh process (``--fresh`` times) and prints its wall
time and peak RSS (``/usr/bin/time``). The issue's targets, at 1M contacts:
<= 100 ms per record after start-up, <= 1.5 s as a fresh process.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FIELDS = ("first_name", "last_name", "email", "phone", "company", "city")
CLI = Path(sys.executable).with_name("contactops")


def build(folder: Path, rows: int, preset: str) -> Path:
    """The cached warehouse of ``rows`` generated contacts (built on first use)."""
    warehouse = folder / "wh.duckdb"
    if warehouse.exists() and (folder / "wh.duckdb.match.duckdb").exists():
        return warehouse
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from contactops.testing import write_dataset; "
                    "write_dataset(Path(sys.argv[1]), int(sys.argv[2]), 0, layout='single', "
                    "preset=sys.argv[3])", str(folder), str(rows), preset], check=True)
    # exit 1 is a failed data-quality gate: the contacts are there all the same
    done = subprocess.run([str(CLI), "run", "--source", "contacts.csv", "--warehouse",
                           "wh.duckdb"], cwd=folder, stdout=subprocess.DEVNULL)
    if done.returncode not in (0, 1):
        raise SystemExit(f"contactops run failed (exit {done.returncode}) in {folder}")
    print(f"built {warehouse} ({rows:,} records) in {time.perf_counter() - started:.1f} s")
    return warehouse


def queries(warehouse: Path, n: int, seed: int = 7) -> list[tuple[dict[str, Any], str | None]]:
    """``n`` query records and the contact each should find (None: a stranger)."""
    from contactops.engine import Warehouse

    with Warehouse(warehouse, read_only=True) as wh:
        rows = wh.records(
            f"SELECT l.contact_id, {', '.join(f'n.{c}' for c in FIELDS)} "
            "FROM normalized_records n JOIN contact_links l USING (record_id) "
            "WHERE n.last_name IS NOT NULL AND length(n.last_name) > 4 "
            f"USING SAMPLE reservoir({n} ROWS) REPEATABLE ({seed})")
    rng = random.Random(seed)
    out: list[tuple[dict[str, Any], str | None]] = []
    for i, row in enumerate(rows):
        record = {f: row[f] for f in FIELDS if row[f] is not None}
        if i % 5 == 4:  # a stranger
            out.append(({"first_name": "Zebulon", "last_name": f"Quaxworth{i}",
                         "email": f"zq{i}@nowhere.example"}, None))
            continue
        last = record["last_name"]
        cut = rng.randrange(1, len(last) - 1)
        record["last_name"] = last[:cut] + last[cut + 1:]
        out.append((record, row["contact_id"]))
    return out


def in_process(warehouse: Path, cases: list[tuple[dict[str, Any], str | None]],
               project: Path | None, pipeline: Path | None) -> dict[str, Any]:
    """One record per call (an agent asking before each create), then all in one call
    (JSON lines: the records are normalized and hashed together)."""
    started = time.perf_counter()
    from contactops.core import Context

    ctx = Context.open(pipeline, project=project, warehouse=warehouse)
    seconds, cpu, right, wrong_stranger, single = [], [], 0, 0, []
    with ctx.matcher() as matcher:
        matcher.match(cases[0][0])  # first record: lazy imports and caches
        startup = time.perf_counter() - started
        source = matcher.source
        for record, expected in cases:
            begun, begun_cpu = time.perf_counter(), time.process_time()
            result = matcher.match(record)
            seconds.append(time.perf_counter() - begun)
            cpu.append(time.process_time() - begun_cpu)
            single.append(result.candidates["contact_id"].to_list())
            top = result.candidates["contact_id"][0] if result.found else None
            if expected is not None and top == expected:
                right += 1
            if expected is None and result.found:
                wrong_stranger += 1
        begun = time.perf_counter()
        batch = matcher.match_many([r for r, _ in cases])
        batch_s = time.perf_counter() - begun
    same = sum(a.candidates["contact_id"].to_list() == ids
               for a, ids in zip(batch, single, strict=True))
    ms = sorted(s * 1000 for s in seconds)
    copies = sum(1 for _, e in cases if e is not None)
    return {"startup_s": round(startup, 3), "records": len(ms), "read": source,
            "one_per_call": {"p50_ms": round(statistics.median(ms), 1),
                             "p95_ms": round(ms[max(int(len(ms) * 0.95) - 1, 0)], 1),
                             "mean_ms": round(statistics.fmean(ms), 1),
                             "max_ms": round(ms[-1], 1),
                             # every thread's CPU: on a busy machine wall time waits
                             "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1)},
            "all_in_one_call": {"seconds": round(batch_s, 2),
                                "per_record_ms": round(batch_s * 1000 / len(cases), 1),
                                "same_candidates_as_one_per_call": f"{same}/{len(cases)}"},
            "copies_found_first": f"{right}/{copies}",
            "strangers_matched": f"{wrong_stranger}/{len(cases) - copies}"}


def fresh_process(warehouse: Path, record: dict[str, Any], cwd: Path, pipeline: Path | None,
                  times: int) -> dict[str, Any]:
    """``contactops match --json`` as a new process: wall seconds and peak RSS (from
    ``/usr/bin/time``: a forked child's own rusage counts the parent's pages it began
    with), median of ``times`` runs."""
    args = [str(CLI), "match", "--warehouse", str(warehouse), "--json"]
    if pipeline is not None:
        args += ["--pipeline", str(pipeline)]
    for field, value in record.items():
        args += [f"--{field.replace('_', '-')}", str(value)]
    timer = Path("/usr/bin/time")
    walls, peaks, code = [], [], None
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "rss"
        if timer.exists():
            args = [str(timer), "-f", "%M", "-o", str(report), *args]
        for _ in range(times):
            begun = time.perf_counter()
            done = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
            walls.append(time.perf_counter() - begun)
            code = done.returncode
            if report.exists():
                peaks.append(int(report.read_text().split()[-1]) / 1024)  # KiB
    return {"runs": times, "median_s": round(statistics.median(walls), 3),
            "min_s": round(min(walls), 3), "max_s": round(max(walls), 3),
            "peak_rss_mb": round(max(peaks)) if peaks else None, "exit_code": code}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--preset", default="classic")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/contactops-bench-match"))
    parser.add_argument("--warehouse", type=Path, help="an existing warehouse (no build)")
    parser.add_argument("--project", type=Path, help="its project folder (default: its own)")
    parser.add_argument("--pipeline", type=Path, help="the pipeline, relative to --project")
    parser.add_argument("--fresh", type=int, default=5, help="fresh processes timed")
    args = parser.parse_args()
    if args.warehouse is not None:
        warehouse = args.warehouse.resolve()
        figures: dict[str, Any] = {"warehouse": str(warehouse)}
    else:
        warehouse = build(args.cache / f"{args.preset}-{args.rows}", args.rows, args.preset)
        figures = {"rows": args.rows, "preset": args.preset}
    project = (args.project or warehouse.parent).resolve()
    cases = queries(warehouse, args.records)
    figures["in_process"] = in_process(warehouse, cases, project, args.pipeline)
    figures["fresh_process"] = fresh_process(warehouse, cases[0][0], project, args.pipeline,
                                             args.fresh)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
