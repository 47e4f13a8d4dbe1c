"""contactops benchmark harness: whole-process speed and memory, match quality, baselines.

    .venv/bin/python benchmarks/run.py                 # 100k and 1M (Splink baselines at 100k)
    .venv/bin/python benchmarks/run.py --rows 10000    # one size (the test suite's smoke run)
    .venv/bin/python benchmarks/run.py --large         # adds 5M and 10M; Splink also at 1M
    .venv/bin/python benchmarks/run.py --rows 100000 --preset classic --preset hard
    .venv/bin/python benchmarks/run.py --rows 1000000 --memory-limit 6GB
    .venv/bin/python benchmarks/run.py --rows 1000000 --engine duckdb --engine spark

For each size and generator preset (default ``hard``; ``classic`` is the original, easier
data) it generates data with the project's generator (in a child process), then runs what a
user runs, each as its own child process (benchmarks/processes.py): ``contactops run
--source contacts.csv --warehouse wh.duckdb`` (zero-config), ``contactops report`` and
``contactops publish`` of a demo-like audience. Each process is measured whole: wall time
from spawn to exit and the peak RSS of its process tree (the process and every descendant,
sampled every 50 ms; benchmarks/rss.py). The run's timeline is cut into stages with its run
record (benchmarks/attribution.py): per stage (and for start-up before the first stage and
the finish after the last) seconds, peak RSS of the tree and rows/s.

The in-process per-stage meter this harness used before (the benchmark's own
/proc/self/status around an in-process ``run_pipeline``) is gone: it missed the interpreter's
start-up, the CLI's own work and every child process, so its figures were not what a user's
machine sees; the stage seconds the run record holds are the same figures, now placed on the
process's timeline.

It also prints dedupe precision/recall/F1 against the generator's truth and, on the same data
in the same run, the baselines: exact email/phone, an untuned Splink and a Splink tuned as its
documentation recommends (benchmarks/splink_tuned.py; each Splink in its own process, so its
peak RSS is its own). ``--memory-limit`` goes to ``contactops run --memory-limit`` when the CLI
has that option, else to every command as CONTACTOPS_MEMORY_LIMIT (and the table says it was
requested). Results go to benchmarks/out/results.json and results.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import (
    exact_email_phone,
    pairwise_scores,
    scan_floor,
)
from processes import MemoryLimit, run_cli

OUT = Path(__file__).resolve().parent / "out"
SPLINK = Path(__file__).resolve().parent / "splink_tuned.py"
SPLINKS = ("splink_untuned", "splink_tuned")
HEADER = "| stage | seconds | peak RSS (tree) MB | rows/s |"


def run_size(rows: int, seed: int, *, splink: bool, folder: Path, preset: str = "hard",
             limit: MemoryLimit | None = None,
             engines: tuple[str, ...] = ("duckdb",)) -> list[dict[str, Any]]:
    """The figures of each engine on the same generated data (baselines computed once)."""
    started = time.perf_counter()
    # generate in a child process, so the generator's memory does not count as the pipeline's
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from contactops.testing import write_dataset; "
                    "write_dataset(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), "
                    "layout='single', preset=sys.argv[4])", str(folder), str(rows), str(seed),
                    preset], check=True)
    generated = time.perf_counter() - started
    csv = folder / "contacts.csv"
    truth = pl.read_csv(folder / "truth.csv", infer_schema=False)
    baselines = _baselines(csv, folder / "truth.csv", truth, splink=splink)
    out = []
    for engine in engines:
        measured = run_cli(folder, csv, rows, limit, engine=engine)
        processes = measured["processes"]
        wall = sum(p["seconds"] for p in processes)
        figures: dict[str, Any] = {
            "rows": rows, "preset": preset, "engine": engine,
            "generate_s": round(generated, 2), "end_to_end_s": round(wall, 2),
            "peak_rss_mb": max(p["peak_rss_mb"] for p in processes),
            "memory_limit": limit.asdict() if limit else None, **measured}
        figures["dedupe"] = _dedupe_quality(
            folder / ("wh.duckdb" if engine == "duckdb" else "wh"), truth)
        figures["baselines"] = baselines
        floor = baselines["scan_floor"]["seconds"]
        figures["ratio_to_scan_floor"] = round(wall / floor, 1) if floor else None
        out.append(figures)
    return out


def _dedupe_quality(warehouse: Path, truth: pl.DataFrame) -> dict[str, Any]:
    """Pairwise scores of the run's contacts, read with DuckDB from the warehouse file or,
    for a Spark warehouse, from its Parquet folders."""
    import duckdb

    from contactops.catalog import T

    spark = warehouse.is_dir()
    con = duckdb.connect(":memory:" if spark else str(warehouse), read_only=not spark)
    try:
        if spark:
            if not (warehouse / T.contact_links.name).is_dir():
                return {"note": "dedupe stage not run"}
            links_sql = (
                f"SELECT DISTINCT s.source_record_key AS record_key, l.contact_id AS cluster "
                f"FROM read_parquet('{warehouse / T.contact_links.name}/*.parquet') l "
                f"JOIN read_parquet('{warehouse / T.source_records.name}/*.parquet') s "
                "USING (record_id)")
        else:
            tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
            if T.contact_links.name not in tables:
                return {"note": "dedupe stage not run"}
            links_sql = (f"SELECT s.source_record_key AS record_key, l.contact_id AS cluster "
                         f"FROM {T.contact_links} l JOIN {T.current_source_records} s "
                         "USING (record_id)")
        links = pl.from_arrow(con.sql(links_sql).to_arrow_table())
    finally:
        con.close()
    return pairwise_scores(links, truth)  # type: ignore[arg-type]


def _baselines(csv: Path, truth_csv: Path, truth: pl.DataFrame, *,
               splink: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"scan_floor": scan_floor(csv)}
    raw = pl.read_csv(csv, infer_schema=False).select(
        pl.col("Record ID").alias("record_key"), pl.col("E-mail").alias("email"),
        pl.col("Mobile").alias("phone"), pl.col("First Name").alias("first_name"),
        pl.col("Last Name").alias("last_name"), pl.col("City").alias("city"),
        pl.col("Organisation").alias("company"))
    clusters, seconds = exact_email_phone(raw)
    out["exact_email_phone"] = {"seconds": round(seconds, 2), **pairwise_scores(clusters, truth)}
    if splink:
        for which in SPLINKS:
            out[which] = _splink(which, csv, truth_csv)
    return out


def _splink(which: str, csv: Path, truth_csv: Path) -> dict[str, Any]:
    """One Splink baseline in a child process: its figures (the last line it prints)."""
    done = subprocess.run([sys.executable, str(SPLINK), str(csv), "--truth", str(truth_csv),
                           "--which", which], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{which} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])[which]


def markdown(results: list[dict[str, Any]]) -> str:
    lines = [f"Machine: {platform.machine()}, {_cores()} cores, Python "
             f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}", ""]
    for fig in results:
        lines += [f"### {fig['rows']:,} rows, preset {fig.get('preset', 'classic')}, engine "
                  f"{fig.get('engine', 'duckdb')} — end to "
                  f"end {fig['end_to_end_s']} s, peak {fig['peak_rss_mb']} MB "
                  f"({fig['ratio_to_scan_floor']}× the scan floor)", ""]
        if fig.get("memory_limit"):
            lines += [fig["memory_limit"]["note"], ""]
        lines += ["Each command runs as a child process; peak RSS is the process and all its "
                  "descendants; `contactops run` is cut into stages by its run record.", "",
                  HEADER, "| --- | ---: | ---: | ---: |"]
        lines += [_row(s["stage"], s) for s in fig["stages"]]
        lines += [_row(f"**{p['command']}** (whole process)", p) for p in fig["processes"]]
        d = fig["dedupe"]
        lines += ["", "| matcher | seconds | peak RSS MB | precision | recall | F1 |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        dedupe = next((s for s in fig["stages"] if s["stage"] == "dedupe"), None)
        if "f1" in d and dedupe is not None:
            lines.append(f"| contactops dedupe (stage; RSS of the run's tree) | "
                         f"{dedupe['seconds']} | {dedupe['peak_rss_mb']} | {d['precision']} | "
                         f"{d['recall']} | {d['f1']} |")
        for name in ("exact_email_phone", *SPLINKS):
            b = fig["baselines"].get(name)
            if b:
                lines.append(f"| {name} | {b['seconds']} | {b.get('peak_rss_mb', '')} | "
                             f"{b['precision']} | {b['recall']} | {b['f1']} |")
        floor = fig["baselines"]["scan_floor"]
        lines += ["", f"Scan floor (DuckDB count + distinct emails over the CSV): "
                      f"{floor['seconds']} s", ""]
    return "\n".join(lines)


def _row(label: str, figures: dict[str, Any]) -> str:
    rate = figures.get("rows_per_s")
    return (f"| {label} | {figures['seconds']:.2f} | {figures['peak_rss_mb']} | "
            f"{f'{rate:,}' if rate else ''} |")


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append",
                        help="size to run (repeatable); default 100k and 1M")
    parser.add_argument("--large", action="store_true",
                        help="add 5M and 10M; Splink also at 1M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--preset", action="append", choices=("classic", "hard"),
                        help="generator preset (repeatable); default hard")
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink baselines")
    parser.add_argument("--memory-limit", metavar="SIZE",
                        help="e.g. 6GB: contactops run --memory-limit when the CLI has it, "
                             "else CONTACTOPS_MEMORY_LIMIT in every command's environment")
    parser.add_argument("--engine", action="append", choices=("duckdb", "spark"),
                        help="engine (repeatable: each runs on the same data); default duckdb")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    sizes = args.rows or [100_000, 1_000_000] + (
        [5_000_000, 10_000_000] if args.large else [])
    splink_max = 1_000_000 if args.large else 100_000
    limit = MemoryLimit.resolve(args.memory_limit)
    results = []
    for rows in sizes:
        for preset in args.preset or ["hard"]:
            with tempfile.TemporaryDirectory(prefix=f"contactops-bench-{rows}-") as tmp:
                figs = run_size(rows, args.seed,
                                splink=not args.no_splink and rows <= splink_max,
                                folder=Path(tmp), preset=preset, limit=limit,
                                engines=tuple(args.engine or ["duckdb"]))
            results.extend(figs)
            print(markdown(figs), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (args.out / "results.md").write_text(markdown(results) + "\n")
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    return results


if __name__ == "__main__":
    main()
