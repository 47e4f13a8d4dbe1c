"""``contactops generate``: seeded messy contacts with a truth file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors, out_console

app = typer.Typer()


@app.command("generate")
@handle_errors
def generate(
    rows: Annotated[int, typer.Option(help="number of contact records")] = 10_000,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same data")] = 0,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("generated"),
    layout: Annotated[str, typer.Option(
        help="single: one contacts.csv; sources: one file per source kind")] = "single",
    preset: Annotated[str, typer.Option(
        help="classic: the original data; hard: many more names and companies (non-Latin "
             "scripts), families, namesakes, two-job people, no email or phone, addresses")
    ] = "classic",
) -> int:
    """Write generated contacts (and truth.csv: true entity, consent, injected defects)."""
    from contactops.core import generate as write

    written = write(out, rows, seed, layout=layout, preset=preset)
    out_console().print(f"wrote {rows} records (preset {preset}, seed {seed}) to {out}",
                        markup=False)
    for key, value in written.items():
        out_console().print(f"  {key}: {value}", markup=False)
    return 0
