"""Incremental runs, whole process: first run, unchanged rerun, a changed snapshot, --full.

    .venv/bin/python benchmarks/bench_incremental.py --rows 1000000 --dir /tmp/incr-1m

Generates ``--rows`` classic records into ``--dir`` (kept: a second call reuses them and its
warehouse), then times, each as its own ``contactops run --source contacts.csv`` process:
the first run, two unchanged reruns (no stage work: the target is <= 2 s at 1M), the same
file with ``--added`` new rows appended (ingest lands a new snapshot; normalize works on the
records whose version changed) and ``--full``. It also times the sha256 of the CSV, which
every rerun pays to know the file is unchanged. Figures are wall seconds from spawn to exit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CLI = str(Path(sys.executable).with_name("contactops"))


def _run(folder: Path, *extra: str) -> tuple[float, dict[str, Any]]:
    begun = time.perf_counter()
    done = subprocess.run([CLI, "run", "--source", "contacts.csv", "--warehouse", "wh.duckdb",
                           "--warn-only", "--json", *extra], cwd=folder, capture_output=True,
                          text=True, check=False)
    seconds = time.perf_counter() - begun
    if done.returncode != 0:
        raise SystemExit(f"contactops run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, json.loads(done.stdout)


def _normalize_note(result: dict[str, Any]) -> str:
    for stage in result["stages"]:
        if stage["stage"] == "normalize":
            return "; ".join(n for n in stage["notes"] if n.startswith("records normalized"))
    return "normalize did not run"


def _sha256_seconds(path: Path) -> float:
    begun = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return time.perf_counter() - begun


def _append_rows(folder: Path, added: int, seed: int) -> None:
    """Append ``added`` records of another generated set (new keys) to contacts.csv."""
    from contactops.testing.writers import write_dataset

    extra = folder / "extra"
    write_dataset(extra, added, seed=seed + 1)
    lines = (extra / "contacts.csv").read_text(encoding="utf-8").splitlines(keepends=True)[1:]
    csv = folder / "contacts.csv"
    tag = f"N{csv.stat().st_size}"  # new keys on every call: "CRM-000012" -> "CRM-N<size>00012"
    with csv.open("a", encoding="utf-8") as handle:
        handle.writelines(line.replace("-0", f"-{tag}", 1) for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--added", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--no-full", action="store_true", help="skip the --full run")
    args = parser.parse_args()
    folder: Path = args.dir
    csv = folder / "contacts.csv"
    if not csv.is_file():
        from contactops.testing.writers import write_dataset

        begun = time.perf_counter()
        write_dataset(folder, args.rows, seed=args.seed)
        print(f"generated {args.rows:,} records in {time.perf_counter() - begun:.1f} s")
    size = csv.stat().st_size
    print(f"sha256 of contacts.csv ({size / 1024**2:.0f} MiB): {_sha256_seconds(csv):.2f} s")
    seconds, result = _run(folder)
    print(f"run: {seconds:.1f} s, {result['reason']}; {_normalize_note(result)}")
    for attempt in (1, 2):
        seconds, result = _run(folder)
        print(f"unchanged rerun {attempt} (--json): {seconds:.2f} s, {result['reason']}")
    begun = time.perf_counter()
    subprocess.run([CLI, "run", "--source", "contacts.csv", "--warehouse", "wh.duckdb",
                    "--warn-only"], cwd=folder, capture_output=True, check=True)
    print(f"unchanged rerun (terminal output and summary): "
          f"{time.perf_counter() - begun:.2f} s")
    _append_rows(folder, args.added, args.seed)
    seconds, result = _run(folder)
    print(f"snapshot + {args.added:,} rows: {seconds:.1f} s, {result['reason']}; "
          f"{_normalize_note(result)}")
    if args.no_full:
        return
    seconds, result = _run(folder, "--full")
    print(f"--full: {seconds:.1f} s, {result['reason']}; {_normalize_note(result)}")


if __name__ == "__main__":
    main()
