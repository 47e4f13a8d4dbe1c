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
    import yaml
    from rich.markup import escape

    from contactops.config import load_project
    from contactops.sources.infer import infer_source

    block = infer_source(file, root=load_project().root)
    unmapped = block.pop("unmapped")
    notes = block.pop("notes")
    text = yaml.safe_dump({"sources": [block]}, sort_keys=False, allow_unicode=True)
    if unmapped:
        text += "# kept in extras (unmapped): " + ", ".join(unmapped) + "\n"
    text += "".join(f"# {note}\n" for note in notes)
    typer.echo(text, nl=False)
    for note in notes:
        if note.startswith("warning:"):
            err_console().print(f"[bold yellow]{escape(note)}[/]")
    return 0
