"""``contactops sources``: sources in the warehouse; ``sources retire NAME``: take one out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from contactops.cli.common import handle_errors, out_console, print_json
from contactops.cli.loads import PipelineOpt, SampleOpt, WarehouseOpt

app = typer.Typer(help="Sources in the warehouse: list them, retire one.",
                  invoke_without_command=True)


def _pipeline(pipeline: Path | None) -> Any:
    """The pipeline named by --pipeline, else the only one in ./pipelines, else None."""
    from contactops.config import load_pipeline

    if pipeline is None:
        found = sorted(Path("pipelines").glob("*.y*ml"))
        if len(found) != 1:
            return None
        pipeline = found[0]
    return load_pipeline(pipeline)


def _open(warehouse: Path | None, project: Any, sample: bool, *, read_only: bool) -> Any:
    from contactops.cli.common import resolve_warehouse
    from contactops.engine import Warehouse
    from contactops.pipeline import sample_warehouse

    if warehouse is None and project is not None:
        path = sample_warehouse(project.warehouse_path) if sample else project.warehouse_path
        timeout = project.settings.lock_timeout_seconds
    else:
        path, timeout = resolve_warehouse(warehouse, None, sample)
    return Warehouse(path, read_only=read_only, lock_timeout=timeout, create=False)


@app.callback()
@handle_errors
def sources(ctx: typer.Context, warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
            sample: SampleOpt = False,
            json_out: Annotated[bool, typer.Option("--json")] = False) -> int:
    """Every source loaded into the warehouse: current records, last load, and whether the
    pipeline still declares it (a source it does not, with current records, stops runs)."""
    if ctx.invoked_subcommand is not None:
        return 0
    from contactops.sources.retire import list_sources

    project = _pipeline(pipeline) if warehouse is None else None
    declared = ({s.name for s in project.pipeline.sources}
                if project is not None and project.pipeline else None)
    with _open(warehouse, project, sample, read_only=True) as wh:
        rows = list_sources(wh, declared)
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
    from contactops.sources.retire import retire_source

    project = _pipeline(pipeline) if warehouse is None else None
    declared, shown = None, None
    if project is not None and project.pipeline is not None:
        declared = {s.name for s in project.pipeline.sources if s.enabled}
        from contactops.config.yamlfile import display_path

        shown = display_path(project.pipeline_file)
    with _open(warehouse, project, sample, read_only=False) as wh:
        shrink = retire_source(wh, name, reason, pipeline_file=shown, declared=declared)
    out_console().print(f"retired {name}: {shrink.old_records} records no longer current "
                        f"(loads up to {shrink.load_id}); {shrink.impact()}. Run "
                        "'contactops run' to rebuild contacts, then plan the audiences",
                        markup=False)
    return 0
