"""``contactops loads``: list loads; ``contactops loads undo LOAD_ID``: take one back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors, open_context, out_console, print_json

app = typer.Typer(help="List loads, or undo one.", invoke_without_command=True)

WarehouseOpt = Annotated[Path | None, typer.Option(help="DuckDB warehouse file")]
PipelineOpt = Annotated[Path | None, typer.Option("--pipeline", "-p",
                                                  help="take the warehouse from a pipeline")]
SampleOpt = Annotated[bool, typer.Option("--sample", help="the --sample sandbox warehouse")]


@app.callback()
@handle_errors
def loads(ctx: typer.Context, warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
          sample: SampleOpt = False, limit: int = 50,
          json_out: Annotated[bool, typer.Option("--json")] = False) -> int:
    """List loads, newest first: rows read / accepted / rejected and whether current."""
    if ctx.invoked_subcommand is not None:
        return 0
    rows = open_context(pipeline, warehouse, sample).loads(limit)
    if json_out:
        print_json(rows.to_dicts())
        return 0
    from rich.table import Table

    table = Table("load", "source", "kind", "read", "accepted", "rejected", "status", "current",
                  "loaded at")
    for r in rows.iter_rows(named=True):
        table.add_row(r["load_id"], r["source"], r["source_kind"], str(r["rows_read"]),
                      str(r["rows_accepted"]), str(r["rows_rejected"]), r["status"],
                      "yes" if r["current"] else "", str(r["loaded_at"])[:19])
    out_console().print(table)
    return 0


@app.command("undo")
@handle_errors
def undo(load_id: Annotated[str, typer.Argument(help="load id from 'contactops loads'")],
         reason: Annotated[str, typer.Option(help="why, kept in the audit log")] = "undone by user",
         warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
         sample: SampleOpt = False) -> int:
    """Remove a load's records and everything derived from them (recorded in audit_log)."""
    counts = open_context(pipeline, warehouse, sample).undo_load(load_id, reason)
    out_console().print(f"undone {load_id}: removed {counts['source_records']} records, "
                        f"{counts['activities']} activities, {counts['rejected_records']} "
                        "rejected rows; run 'contactops run' to rebuild later stages",
                        markup=False)
    return 0
