"""``contactops infer``: print a suggested source block for a raw file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import err_console, handle_errors

app = typer.Typer()


@app.command("infer")
@handle_errors
def infer(file: Annotated[Path, typer.Argument(help="raw CSV, Excel, JSON, Parquet or SQLite")]
          ) -> int:
    """Suggest a pipeline source block (YAML) with a mapping from column-name synonyms."""
    from rich.markup import escape

    from contactops.core import infer_source

    text, warnings = infer_source(file)
    typer.echo(text, nl=False)
    for note in warnings:
        err_console().print(f"[bold yellow]{escape(note)}[/]")
    return 0
