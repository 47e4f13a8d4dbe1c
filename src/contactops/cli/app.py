"""The ``contactops`` command: a thin Typer shell over the same core the notebook uses.

Exit codes: 0 ok, 1 a data-quality gate failed, 2 configuration/usage error, 3 runtime
failure. Command modules import their heavy dependencies inside the command body, so
``contactops --help`` stays instant.
"""

from __future__ import annotations

from typing import Annotated

import typer

from contactops.cli import (
    audiences,
    check,
    dedupe,
    generate,
    infer,
    init,
    loads,
    match,
    report,
    run,
    runs,
    schema,
    sources,
    validate,
)
from contactops.cli.common import State

app = typer.Typer(
    name="contactops",
    help="Contact data operations: load, normalize, dedupe, validate, publish — safely.\n\n"
         "Exit codes: 0 ok, 1 data-quality gate failed, 2 configuration/usage error, "
         "3 runtime failure, 4 match found no existing contact.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _main(debug: Annotated[bool, typer.Option(
        "--debug", help="show tracebacks instead of short error messages")] = False) -> None:
    State.debug = debug


for module in (init, run, check, infer, schema, runs, validate, report, audiences, generate,
               match):
    app.registered_commands.extend(module.app.registered_commands)
app.add_typer(loads.app, name="loads")
app.add_typer(sources.app, name="sources")
app.add_typer(dedupe.app, name="dedupe",
              help="Review queue, match decisions, unmerge, explanations.")


def main() -> None:
    app()
