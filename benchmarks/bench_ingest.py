"""Ingest speed: contactops landing a generated CSV vs a bare DuckDB read_csv of the same file.

    .venv/bin/python benchmarks/bench_ingest.py --rows 1000000

Prints, for the same file in the same run: the DuckDB floor (``CREATE TABLE AS SELECT * FROM
read_csv(all_varchar)``), contactops' ingest stage (encoding check, strict parse with
rejects, mapping, keys, landing, accounting), their ratio, peak RSS of each (each runs in its
own process), and ``contactops --help`` wall time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD_FLOOR = """
import duckdb, json, resource, sys, time
path, db = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
t = time.perf_counter()
con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}', all_varchar=true)")
n = con.execute("SELECT count(*) FROM t").fetchall()[0][0]
print(json.dumps({"seconds": time.perf_counter() - t, "rows": n,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

CHILD_INGEST = """
import json, resource, sys, time
from pathlib import Path
from contactops.config.loader import Project
from contactops.config.pipeline import Pipeline
from contactops.config.project import ProjectSettings
from contactops.pipeline import run_pipeline
from contactops.sources.infer import zero_config_pipeline
path, db = Path(sys.argv[1]), sys.argv[2]
data = zero_config_pipeline([str(path)], root=path.parent)
project = Project(root=path.parent, settings=ProjectSettings(),
                  pipeline=Pipeline.model_validate(data))
t = time.perf_counter()
result = run_pipeline(project, until="ingest", warehouse=db)
load = result.loads[0]
print(json.dumps({"seconds": time.perf_counter() - t, "rows": load.rows_accepted,
                  "rejected": load.rows_rejected, "read": load.rows_read,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def help_seconds(repeat: int = 5) -> float:
    exe = Path(sys.executable).with_name("contactops")
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([str(exe), "--help"], capture_output=True, check=True)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    from contactops.testing import write_dataset

    with tempfile.TemporaryDirectory(prefix="contactops-bench-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        write_dataset(folder, args.rows, args.seed, layout="single")
        generated = time.perf_counter() - t
        csv = folder / "contacts.csv"
        floor = child(CHILD_FLOOR, str(csv), str(folder / "floor.duckdb"))
        ingest = child(CHILD_INGEST, str(csv), str(folder / "wh.duckdb"))
        figures = {
            "rows": args.rows,
            "csv_mb": round(csv.stat().st_size / 1e6, 1),
            "generate_s": round(generated, 2),
            "duckdb_read_csv_s": round(floor["seconds"], 2),
            "duckdb_peak_rss_mb": round(floor["peak_rss_mb"]),
            "contactops_ingest_s": round(ingest["seconds"], 2),
            "contactops_peak_rss_mb": round(ingest["peak_rss_mb"]),
            "ratio": round(ingest["seconds"] / floor["seconds"], 2),
            "rows_read": ingest["read"],
            "rows_accepted": ingest["rows"],
            "rows_rejected": ingest["rejected"],
            "help_s": round(help_seconds(), 3),
            "self_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
