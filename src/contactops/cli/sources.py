"""``contactops sources``: sources in the warehouse; ``sources retire NAME``: take one out."""

from __future__ import annotations

from typing import Annotated

import typer

from contactops.cli.common import handle_errors, open_context, out_console, print_json
from contactops.cli.loads import PipelineOpt, SampleOpt, WarehouseOpt

app = typer.Typer(help="Sources in the warehouse: list them, retire one.",
                  invoke_without_command=True)


@app.callback()
@handle_errors
def sources(ctx: typer.Context, warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
            sample: SampleOpt = False,
            json_out: Annotated[bool, typer.Option("--json")] = False) -> int:
    """Every source loaded into the warehouse: current records, last load, and whether the
    pipeline still declares it (a source it does not, with current records, stops runs)."""
    if ctx.invoked_subcommand is not None:
        return 0
    project = open_context(pipeline, warehouse, sample)
    declared = project.declared_sources()
    rows = project.sources()
    if json_out:
        print_json(rows.to_dicts())
        return 0
    from rich.table import Table

    table = Table("source", "role", "mode", "current records", "last load", "loaded at",
                  "in pipeline")
    for r in rows.iter_rows(named=True):
        where = "" if declared is None else ("yes" if r["in_pipeline"] else "NO")
        if r["retired"]:
            where = "retired"
        table.add_row(r["source"], r["role"], r["mode"], str(r["current_records"]),
                      r["last_load"], str(r["last_loaded_at"])[:19], where)
    out_console().print(table)
    return 0


@app.command("retire")
@handle_errors
def retire(name: Annotated[str, typer.Argument(help="source name from 'contactops sources'")],
           reason: Annotated[str, typer.Option(help="why, kept in the audit log")],
           warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
           sample: SampleOpt = False) -> int:
    """Take a source's records out of the current ones (audited): for a source removed from
    the pipeline. Prints the contacts and published audience members it costs."""
    shrink = open_context(pipeline, warehouse, sample).retire_source(name, reason)
    out_console().print(f"retired {name}: {shrink.old_records} records no longer current "
                        f"(loads up to {shrink.load_id}); {shrink.impact()}. Run "
                        "'contactops run' to rebuild contacts, then plan the audiences",
                        markup=False)
    return 0
