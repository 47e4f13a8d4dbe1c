"""``contactops check``: validate a pipeline's config without touching any data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from contactops.cli.common import handle_errors, out_console

app = typer.Typer()


@app.command("check")
@handle_errors
def check(pipeline: Annotated[Path, typer.Argument(help="pipeline YAML to check")]) -> int:
    """Parse and check the pipeline and project settings; report every problem at once."""
    from contactops.config import load_pipeline

    project = load_pipeline(pipeline)
    assert project.pipeline is not None
    console = out_console()
    console.print(f"ok: pipeline '{project.pipeline.name}' with "
                  f"{len(project.pipeline.sources)} source(s); project root {project.root}; "
                  f"warehouse {project.warehouse_path}", markup=False)
    for s in project.pipeline.sources:
        where = getattr(s, "path", None) or getattr(s, "table", None) or "query"
        console.print(f"  {s.name:<20} {s.type:<8} {s.kind!s:<17} {where}", markup=False)
    for warning in _removed_sources(project):
        console.print(f"warning: {warning}", markup=False, style="yellow")
    return 0


def _removed_sources(project: Any) -> list[str]:
    """Sources with current records in the warehouse that the pipeline no longer declares:
    the next run stops on them. Read-only, and skipped while the warehouse is busy."""
    path = project.warehouse_path
    if not path.is_file():  # nothing to compare with: do not pay for importing DuckDB
        return []
    from contactops.engine import Warehouse
    from contactops.errors import WarehouseBusy
    from contactops.sources.retire import list_sources, removed_sources

    declared = {s.name for s in project.pipeline.sources}
    try:
        with Warehouse(path, read_only=True, lock_timeout=0) as wh:
            if not wh.table_exists("loads"):
                return []
            ours = set(removed_sources(wh, project.pipeline.name, declared))
            live = [r for r in list_sources(wh, declared).iter_rows(named=True)
                    if r["current_records"] and not r["in_pipeline"]]
    except WarehouseBusy:
        return [f"warehouse {path} is busy: not checked for sources missing from the pipeline"]
    out = []
    for r in live:
        name = r["source"]
        if name in ours:
            out.append(f"source '{name}' has {r['current_records']} current records in {path} "
                       "but is no longer in this pipeline: the next run stops until you retire "
                       f"it (contactops sources retire {name} --reason \"...\") or put it back")
        else:
            out.append(f"source '{name}' has {r['current_records']} current records in {path}, "
                       "loaded by another pipeline: this pipeline's contacts include them")
    return out
