"""``contactops validate``: run the validate stage alone on the current warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors, open_context, show

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
    from contactops.errors import EXIT_GATE_FAILED

    result = open_context(pipeline, warehouse, sample).validate(gx=not no_gx)
    show(result, json_out)
    return 0 if result.passed or warn_only else EXIT_GATE_FAILED
