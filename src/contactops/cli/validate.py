"""``contactops validate``: run the validate stage alone on the current warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors, out_console, print_json

app = typer.Typer()


@app.command("validate")
@handle_errors
def validate(
    pipeline: Annotated[Path | None, typer.Argument(
        help="pipeline YAML whose validate: block to use (default: the only one in ./pipelines)"
    )] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file to use instead")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="the --sample sandbox warehouse")
                      ] = False,
    no_gx: Annotated[bool, typer.Option("--no-gx", help="skip the Great Expectations suites")
                     ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    warn_only: Annotated[bool, typer.Option(
        "--warn-only", help="report failed rules but exit 0")] = False,
) -> int:
    """Check the warehouse; exit 0 ok, 1 an error rule failed, 2 config, 3 runtime."""
    from contactops.config import load_pipeline, load_project
    from contactops.config.validate import ValidateSettings
    from contactops.engine import Warehouse
    from contactops.errors import EXIT_GATE_FAILED
    from contactops.pipeline import sample_warehouse
    from contactops.pipeline.runner import new_run_id
    from contactops.validate import gx_suites
    from contactops.validate.stage import persist
    from contactops.validate.stage import validate as run_validate

    candidates = sorted(Path("pipelines").glob("*.y*ml")) if pipeline is None else []
    if pipeline is None and len(candidates) == 1:
        pipeline = candidates[0]
    project = load_pipeline(pipeline) if pipeline is not None else load_project()
    options = project.pipeline.validate_ if project.pipeline else ValidateSettings()
    if no_gx:
        options = options.model_copy(update={"gx": options.gx.model_copy(
            update={"enabled": False})})
    gx_suites.prewarm(project.root, options.gx)  # GX imports while we open the warehouse
    path = warehouse or project.warehouse_path
    if sample:
        path = sample_warehouse(path)
    run_id = new_run_id()
    with Warehouse(path, lock_timeout=project.settings.lock_timeout_seconds,
                   create=False) as wh:
        result = run_validate(wh, project, options, run_id)
        persist(wh, result)
    if json_out:
        print_json(result.asdict())
    else:
        out_console().print(str(result), markup=False)
    return 0 if result.passed or warn_only else EXIT_GATE_FAILED
