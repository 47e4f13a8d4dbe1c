"""``contactops init``: scaffold a working project."""

from __future__ import annotations

import shutil
from importlib import resources
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
    from contactops.errors import UsageError

    if directory.exists() and any(directory.iterdir()) and not force:
        raise UsageError(f"{directory} is not empty; pick a new folder or pass --force")
    template = resources.files("contactops") / "templates" / "project"
    written = []
    with resources.as_file(template) as src:
        for file in sorted(Path(src).rglob("*")):
            if file.is_file():
                target = directory / file.relative_to(src)
                if target.exists() and not force:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, target)
                written.append(str(target.relative_to(directory)))
    console = out_console()
    console.print(f"created project in {directory}:", markup=False)
    for name in written:
        console.print(f"  {name}", markup=False)
    console.print(f"next: cd {directory} && contactops run pipelines/contacts.yaml",
                  markup=False)
    return 0
