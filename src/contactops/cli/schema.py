"""``contactops schema``: JSON Schema of the pipeline format, for editor autocompletion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors

app = typer.Typer()


@app.command("schema")
@handle_errors
def schema(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write to a file")] = None,
    settings: Annotated[bool, typer.Option(
        "--settings", help="schema of config/contactops.yaml instead")] = False,
) -> int:
    """Print the JSON Schema of pipelines/*.yaml (or of config/contactops.yaml)."""
    from contactops.core import json_schema

    text = json.dumps(json_schema("settings" if settings else "pipeline"), indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
    return 0
