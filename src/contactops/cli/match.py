"""``contactops match``: does this person already exist? (before creating a contact)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from contactops.cli.common import handle_errors, open_context, out_console, print_json

app = typer.Typer()

Many = Annotated[list[str] | None, typer.Option(help="may be given several times")]


@app.command("match")
@handle_errors
def match(
    record: Annotated[str | None, typer.Argument(
        help="'-': read a JSON record (or an array, or JSON lines) from stdin")] = None,
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    full_name: Annotated[str | None, typer.Option()] = None,
    email: Many = None,
    phone: Many = None,
    company: Annotated[str | None, typer.Option()] = None,
    job_title: Annotated[str | None, typer.Option()] = None,
    street: Annotated[str | None, typer.Option()] = None,
    street_number: Annotated[str | None, typer.Option()] = None,
    street_2: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option()] = None,
    postal_code: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option()] = None,
    date_of_birth: Annotated[str | None, typer.Option()] = None,
    external_id: Annotated[str | None, typer.Option()] = None,
    external_id_kind: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, help="most contacts per record")] = 5,
    min_probability: Annotated[float, typer.Option(
        min=0.0, max=1.0, help="lowest match probability shown")] = 0.5,
    json_out: Annotated[bool, typer.Option("--json", help="JSON for agents and workflows")
                        ] = False,
    show_pii: Annotated[bool, typer.Option(
        "--show-pii", help="show dates of birth and external ids unmasked")] = False,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB warehouse file")] = None,
    pipeline: Annotated[Path | None, typer.Option(
        "--pipeline", "-p", help="take the warehouse from a pipeline")] = None,
) -> int:
    """The existing contacts a record not yet loaded may be, with match probability,
    matched fields and the explanation. Reads the warehouse without waiting for a run.

    Exit codes: 0 a candidate found, 4 none (safe to create), 2 bad input."""
    from contactops.core.match_result import check_fields, parse_json_lines
    from contactops.errors import EXIT_NO_MATCH, UsageError

    given = {k: v for k, v in locals().items() if k in _FIELDS and v not in (None, [])}
    if record is not None:
        if record != "-":
            raise UsageError(f"unexpected argument '{record}': give '-' to read JSON from "
                             "stdin, or the fields as options (--first-name ...)")
        if given:
            raise UsageError("give the record either as JSON on stdin or as options, not both")
        records: list[dict[str, Any]] = parse_json_lines(sys.stdin.read())
    else:
        check_fields(given, "the record")
        records = [given]
    results = open_context(pipeline, warehouse).match(
        records, limit=limit, min_probability=min_probability, show_pii=show_pii)
    assert isinstance(results, list)
    if json_out:
        shown = [r.asdict() for r in results]
        print_json(shown[0] if record is None or len(shown) == 1 else shown)
    else:
        for r in results:
            out_console().print(str(r), markup=False)
    return 0 if any(r.found for r in results) else EXIT_NO_MATCH


_FIELDS = frozenset({"first_name", "last_name", "full_name", "email", "phone", "company",
                     "job_title", "street", "street_number", "street_2", "city", "region",
                     "postal_code", "country", "date_of_birth", "external_id",
                     "external_id_kind"})
