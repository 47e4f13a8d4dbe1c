"""What a user runs, run as child processes and measured whole (benchmarks/rss.py):

    contactops run --source contacts.csv --warehouse wh.duckdb --warn-only --engine duckdb
    contactops report --warehouse wh.duckdb -o report.html
    contactops publish newsletter --warehouse wh.duckdb --json   (a demo-like audience)

each in the data folder (a zero-config project: no config/ but the audiences file the
publish needs), with stdout and stderr kept in ``<step>.out`` / ``<step>.err`` there.
``--warn-only`` because the generator's hard preset fails data-quality gates by design.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attribution import read_run_record, stage_rows
from rss import Measured, measure

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

#: The environment variable a memory limit travels in when the CLI has no option for it.
LIMIT_ENV = "CONTACTOPS_MEMORY_LIMIT"


def contactops() -> list[str]:
    """The console script next to this interpreter (what a user types), else ``-m``."""
    script = Path(sys.executable).with_name("contactops")
    return [str(script)] if script.exists() else [sys.executable, "-m", "contactops"]


@dataclass(frozen=True)
class MemoryLimit:
    """A requested memory limit and how it reaches ``contactops run``."""

    value: str
    as_option: bool

    @classmethod
    def resolve(cls, value: str | None) -> MemoryLimit | None:
        """``--memory-limit`` when ``contactops run --help`` lists it, else the environment."""
        if value is None:
            return None
        shown = subprocess.run([*contactops(), "run", "--help"], capture_output=True,
                               text=True, env={**os.environ, "COLUMNS": "200"})
        return cls(value, "--memory-limit" in shown.stdout)

    def describe(self) -> str:
        if self.as_option:
            return f"memory limit {self.value} (contactops run --memory-limit)"
        return (f"memory limit {self.value} requested ({LIMIT_ENV}; this contactops run has "
                "no --memory-limit, so it may not be honoured)")

    def asdict(self) -> dict[str, Any]:
        return {"value": self.value, "passed_as": "--memory-limit" if self.as_option
                else LIMIT_ENV, "note": self.describe()}


def _step(folder: Path, name: str, args: list[str],
          limit: MemoryLimit | None) -> tuple[Measured, str]:
    """One CLI command in ``folder``; (its measurement, its stdout). Fails on a nonzero exit."""
    env = dict(os.environ)
    if limit is not None:
        env[LIMIT_ENV] = limit.value
    out, err = folder / f"{name}.out", folder / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        measured = measure([*contactops(), *args], cwd=folder, env=env, stdout=stdout,
                           stderr=stderr)
    if measured.exit_code != 0:
        tail = (err.read_text(errors="replace")[-2000:] or
                out.read_text(errors="replace")[-2000:])
        raise RuntimeError(f"contactops {' '.join(args)} failed (exit {measured.exit_code}):"
                           f"\n{tail}")
    return measured, out.read_text(encoding="utf-8", errors="replace")


def _whole(name: str, measured: Measured, rows: int) -> dict[str, Any]:
    args = measured.argv[len(contactops()):]
    return {"process": name, "command": " ".join(["contactops", *args]),
            "seconds": round(measured.wall, 3), "peak_rss_mb": measured.peak_mb,
            "root_peak_rss_mb": measured.root_peak_mb,
            "rows_per_s": round(rows / measured.wall) if measured.wall else None,
            "samples": len(measured.samples), "exit_code": measured.exit_code}


def run_cli(folder: Path, csv: Path, rows: int,
            limit: MemoryLimit | None = None, engine: str = "duckdb") -> dict[str, Any]:
    """run, report and publish in ``folder``: the run's stage rows (startup, each stage,
    finish) and one whole-process row per command. ``engine`` ``spark``: the run makes a
    Spark warehouse (a folder, ``wh``); report and publish find it by what is there."""
    warehouse = folder / ("wh.duckdb" if engine == "duckdb" else "wh")
    args = ["run", "--source", csv.name, "--warehouse", warehouse.name, "--warn-only",
            "--engine", engine]
    if limit is not None and limit.as_option:
        args += ["--memory-limit", limit.value]
    run, _ = _step(folder, "run", args, limit)
    record = read_run_record(warehouse)
    stages = stage_rows(run, record, rows)
    report, _ = _step(folder, "report", ["report", "--warehouse", warehouse.name,
                                         "-o", "report.html"], limit)
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "audiences.yaml").write_text(AUDIENCES, encoding="utf-8")
    publish, printed = _step(folder, "publish", ["publish", "newsletter", "--warehouse",
                                                 warehouse.name, "--json"], limit)
    processes = [_whole("run", run, rows), _whole("report", report, rows),
                 _whole("publish", publish, rows)]
    processes[-1]["members"] = json.loads(printed).get("members")
    return {"run_id": record.run_id, "run_status": record.status, "stages": stages,
            "processes": processes}
