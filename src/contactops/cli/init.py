"""``contactops init``: scaffold a working project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors, out_console

app = typer.Typer()


@app.command("init")
@handle_errors
def init(directory: Annotated[Path, typer.Argument(help="folder to create the project in")],
         force: Annotated[bool, typer.Option(help="write into a non-empty folder")] = False
         ) -> int:
    """Create config/, pipelines/, data/, expectations/ and notebooks/ with a runnable example."""
    from contactops.core import init_project

    written = init_project(directory, force=force)
    console = out_console()
    console.print(f"created project in {directory}:", markup=False)
    for name in written:
        console.print(f"  {name}", markup=False)
    console.print(f"next: cd {directory} && contactops run pipelines/contacts.yaml",
                  markup=False)
    return 0
