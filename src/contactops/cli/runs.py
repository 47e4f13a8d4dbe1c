"""``contactops runs``: run history of a warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors, open_context, out_console, print_json

app = typer.Typer()


@app.command("runs")
@handle_errors
def runs(
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file")] = None,
    pipeline: Annotated[Path | None, typer.Option(
        "--pipeline", "-p", help="take the warehouse from a pipeline")] = None,
    limit: Annotated[int, typer.Option(help="how many runs, newest first")] = 20,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> int:
    """List the latest runs with status, exit code, stage timings, memory limit, the settings
    fingerprint and why each run was full, incremental or had nothing to do."""
    rows = open_context(pipeline, warehouse).runs(limit)
    if json_out:
        print_json(rows.to_dicts())
        return 0
    from rich.table import Column, Table

    # ids, times and limits stay on one line (they are copied and searched); the reason wraps
    table = Table(*(Column(name, no_wrap=True) for name in (
        "run", "pipeline", "status", "exit", "started", "seconds", "sample", "memory limit",
        "fingerprint")), Column("reason", min_width=24))
    for r in rows.iter_rows(named=True):
        secs = ""
        if r["finished_at"] and r["started_at"]:
            secs = f"{(r['finished_at'] - r['started_at']).total_seconds():.1f}"
        table.add_row(r["run_id"], r["pipeline"], r["status"], str(r["exit_code"]),
                      str(r["started_at"])[:19], secs, str(r["sample_rows"] or ""),
                      _memory(r["memory_limit_bytes"], r["memory_limit_origin"]),
                      r["fingerprint"] or "", r["reason"] or "")
    out_console().print(table)
    return 0


def _memory(size: int | None, origin: str | None) -> str:
    """``12.0 GiB (default)``; empty for a run recorded before the limit was."""
    if size is None:
        return ""
    shown = f"{size / 1024**3:.1f} GiB" if size >= 1024**3 else f"{size / 1024**2:.0f} MiB"
    return f"{shown} ({origin})" if origin else shown
