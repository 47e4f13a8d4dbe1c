"""contactops benchmark harness: end-to-end speed, memory and match quality, with baselines.

    .venv/bin/python benchmarks/run.py                 # 100k and 1M (Splink baselines at 100k)
    .venv/bin/python benchmarks/run.py --rows 10000    # one size (the test suite's smoke run)
    .venv/bin/python benchmarks/run.py --large         # adds 10M; Splink baselines also at 1M
    .venv/bin/python benchmarks/run.py --rows 100000 --preset classic --preset hard

For each size and generator preset (default ``hard``; ``classic`` is the original, easier
data) it generates data with the project's generator, runs the full pipeline (ingest ->
normalize -> dedupe -> validate -> report -> publish a demo-like audience, as far as those
stages exist), and prints per stage: wall time, peak RSS and rows/s; dedupe
precision/recall/F1 against the generator's truth; and, on the same data in the same run, the
baselines: exact email/phone, an untuned Splink and a Splink tuned as its documentation
recommends (benchmarks/splink_tuned.py; each Splink in its own process, so its peak RSS is
its own). Results go to benchmarks/out/results.json and results.md.
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

from baselines import (  # noqa: E402
    exact_email_phone,
    pairwise_scores,
    scan_floor,
)
from rss import PeakRss, StageMeter  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
SPLINK = Path(__file__).resolve().parent / "splink_tuned.py"
SPLINKS = ("splink_untuned", "splink_tuned")


def run_size(rows: int, seed: int, *, splink: bool, folder: Path,
             preset: str = "hard") -> dict[str, Any]:
    from contactops.config.loader import Project
    from contactops.config.pipeline import Pipeline
    from contactops.config.project import ProjectSettings
    from contactops.pipeline import run_pipeline
    from contactops.sources.infer import zero_config_pipeline

    started = time.perf_counter()
    # generate in a child process, so the generator's memory does not count as the pipeline's
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                    "from contactops.testing import write_dataset; "
                    "write_dataset(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), "
                    "layout='single', preset=sys.argv[4])", str(folder), str(rows), str(seed),
                    preset], check=True)
    generated = time.perf_counter() - started
    csv = folder / "contacts.csv"
    data = zero_config_pipeline([str(csv)], root=folder)
    project = Project(root=folder, settings=ProjectSettings(),
                      pipeline=Pipeline.model_validate(data))
    meter = StageMeter()
    with PeakRss() as total:
        started = time.perf_counter()
        result = run_pipeline(project, warehouse=folder / "wh.duckdb", progress=meter,
                              warn_only=True)
        extra = _after_pipeline(project, folder, meter)
        wall = time.perf_counter() - started
    stages = [{"stage": s.stage, "seconds": s.seconds, "peak_rss_mb": meter.peaks.get(s.stage),
               "rows_per_s": round(rows / s.seconds) if s.seconds else None}
              for s in result.stages] + extra
    figures: dict[str, Any] = {
        "rows": rows, "preset": preset, "generate_s": round(generated, 2),
        "end_to_end_s": round(wall, 2),
        "peak_rss_mb": total.peak_mb, "stages": stages}
    truth = pl.read_csv(folder / "truth.csv", infer_schema=False)
    figures["dedupe"] = _dedupe_quality(folder / "wh.duckdb", truth)
    figures["baselines"] = _baselines(csv, folder / "truth.csv", truth, splink=splink)
    floor = figures["baselines"]["scan_floor"]["seconds"]
    figures["ratio_to_scan_floor"] = round(wall / floor, 1) if floor else None
    return figures


AUDIENCES = """\
sending: {confirmed: true, confirmed_by: benchmark}
targets:
  parquet: {type: parquet, path: "exports/{audience}.parquet"}
  sandbox: {type: csv, environment: sandbox, path: "sandbox/{audience}.csv"}
sandbox_target: sandbox
audiences:
  newsletter:
    description: demo-like outbound newsletter to opted-in prospects and customers
    channel: email
    purpose: marketing
    contact_types: [customer, prospect]
    validation_errors: exclude
    targets: [parquet]
"""


def _after_pipeline(project: Any, folder: Path, meter: StageMeter) -> list[dict[str, Any]]:
    """The report and the publish of a demo-like audience, timed like the stages."""
    from contactops.audiences import apply, load_audience_config, make_plan
    from contactops.engine import Warehouse
    from contactops.report import build_summary, render_html

    warehouse = folder / "wh.duckdb"
    steps: list[dict[str, Any]] = []
    with meter.measure("report") as m:
        (folder / "report.html").write_text(render_html(build_summary(warehouse)),
                                            encoding="utf-8")
    steps.append(m.figures())
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "audiences.yaml").write_text(AUDIENCES)
    with meter.measure("publish") as m, Warehouse(warehouse) as wh:
        config = load_audience_config(project, wh.columns("contacts"))
        plan = make_plan(wh, config, "newsletter")
        apply(wh, config, plan)
    figures = m.figures()
    figures["members"] = plan.asdict().get("size")
    steps.append(figures)
    return steps


def _dedupe_quality(warehouse: Path, truth: pl.DataFrame) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        if "contact_links" not in tables:
            return {"note": "dedupe stage not run"}
        links = pl.from_arrow(con.sql(
            "SELECT s.source_record_key AS record_key, l.contact_id AS cluster "
            "FROM contact_links l JOIN current_source_records s USING (record_id)"
        ).to_arrow_table())
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
        lines += [f"### {fig['rows']:,} rows, preset {fig.get('preset', 'classic')} — end to "
                  f"end {fig['end_to_end_s']} s, peak {fig['peak_rss_mb']} MB "
                  f"({fig['ratio_to_scan_floor']}× the scan floor)", "",
                  "| stage | seconds | peak RSS MB | rows/s |", "| --- | ---: | ---: | ---: |"]
        for s in fig["stages"]:
            lines.append(f"| {s['stage']} | {s['seconds']} | {s['peak_rss_mb']} | "
                         f"{s['rows_per_s']:,} |" if s["rows_per_s"] else
                         f"| {s['stage']} | {s['seconds']} | {s['peak_rss_mb']} | |")
        d = fig["dedupe"]
        lines += ["", "| matcher | seconds | peak RSS MB | precision | recall | F1 |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        dedupe_s = next((s["seconds"] for s in fig["stages"] if s["stage"] == "dedupe"), None)
        if "f1" in d:
            dedupe_mb = next((s["peak_rss_mb"] for s in fig["stages"]
                              if s["stage"] == "dedupe"), None)
            lines.append(f"| contactops dedupe | {dedupe_s} | {dedupe_mb} | {d['precision']} | "
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


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, action="append",
                        help="size to run (repeatable); default 100k and 1M")
    parser.add_argument("--large", action="store_true", help="add 10M; Splink also at 1M")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--preset", action="append", choices=("classic", "hard"),
                        help="generator preset (repeatable); default hard")
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink baselines")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    sizes = args.rows or [100_000, 1_000_000] + ([10_000_000] if args.large else [])
    splink_max = 1_000_000 if args.large else 100_000
    results = []
    for rows in sizes:
        for preset in args.preset or ["hard"]:
            with tempfile.TemporaryDirectory(prefix=f"contactops-bench-{rows}-") as tmp:
                fig = run_size(rows, args.seed, splink=not args.no_splink and rows <= splink_max,
                               folder=Path(tmp), preset=preset)
            results.append(fig)
            print(markdown([fig]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (args.out / "results.md").write_text(markdown(results) + "\n")
    print(f"wrote {args.out / 'results.json'} and {args.out / 'results.md'}")
    return results


if __name__ == "__main__":
    main()
