"""``contactops report``: one self-contained HTML report, or the JSON summary, of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import err_console, handle_errors, open_context, print_json

app = typer.Typer()


@app.command("report")
@handle_errors
def report(
    pipeline: Annotated[Path | None, typer.Argument(
        help="pipeline YAML (default: the only file in ./pipelines, else the project)")] = None,
    run_id: Annotated[str | None, typer.Option("--run", help="run to report on "
                                               "(default: the latest finished run)")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="write here: .html for the report, .json for the summary")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="print the JSON summary")] = False,
    show_pii: Annotated[bool, typer.Option(
        "--show-pii", help="show names, emails and phones unmasked")] = False,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file to use instead")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="the --sample sandbox warehouse")
                      ] = False,
    no_plans: Annotated[bool, typer.Option(
        "--no-plans", help="do not plan the audiences of config/audiences.yaml")] = False,
    fail_on_blocked: Annotated[bool, typer.Option(
        "--fail-on-blocked", help="exit 1 when the verdict is 'blocked'")] = False,
) -> int:
    """Report on a run: ready to publish?, imports, normalization, duplicates, validation,
    consent, taxonomy, audiences and changes. Exit 1 with --fail-on-blocked when blocked."""
    from contactops.errors import EXIT_GATE_FAILED

    ctx = open_context(pipeline, warehouse, sample)
    result = ctx.report(run_id, show_pii=show_pii, plans=not no_plans)
    summary = result.summary
    if output is None and not json_out:
        output = Path("report.html")
    if output is not None:
        written = result.save(output)
        err_console().print(f"wrote {written} ({written.stat().st_size / 1024:.0f} KB): "
                            f"{summary['verdict']['headline']}", markup=False)
    if json_out:
        print_json(summary)
    return EXIT_GATE_FAILED if fail_on_blocked and not summary["verdict"]["ready"] else 0
