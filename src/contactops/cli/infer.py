"""``contactops infer``: print a suggested source block for a raw file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors

app = typer.Typer()


@app.command("infer")
@handle_errors
def infer(file: Annotated[Path, typer.Argument(help="raw CSV, Excel, JSON, Parquet or SQLite")]
          ) -> int:
    """Suggest a pipeline source block (YAML) with a mapping from column-name synonyms."""
    import yaml

    from contactops.config import load_project
    from contactops.sources.infer import infer_source

    block = infer_source(file, root=load_project().root)
    unmapped = block.pop("unmapped")
    text = yaml.safe_dump({"sources": [block]}, sort_keys=False, allow_unicode=True)
    if unmapped:
        text += "# kept in extras (unmapped): " + ", ".join(unmapped) + "\n"
    typer.echo(text, nl=False)
    return 0
