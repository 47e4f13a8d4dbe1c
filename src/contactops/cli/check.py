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
    return 0
