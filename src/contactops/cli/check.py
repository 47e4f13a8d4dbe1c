"""``contactops check``: validate a pipeline's config without touching any data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors, out_console

app = typer.Typer()


@app.command("check")
@handle_errors
def check(pipeline: Annotated[Path, typer.Argument(help="pipeline YAML to check")]) -> int:
    """Parse and check the pipeline and project settings; report every problem at once."""
    from contactops.core import Context

    ctx = Context.open(pipeline)
    project = ctx.require_pipeline()
    assert project.pipeline is not None
    console = out_console()
    console.print(f"ok: pipeline '{project.pipeline.name}' with "
                  f"{len(project.pipeline.sources)} source(s); project root {project.root}; "
                  f"warehouse {project.warehouse_path}", markup=False)
    for s in ctx.sources_config():
        console.print(f"  {s['name']:<20} {s['type']:<8} {s['kind']:<17} {s['where']}",
                      markup=False)
    for warning in ctx.check():
        console.print(f"warning: {warning}", markup=False, style="yellow")
    return 0
