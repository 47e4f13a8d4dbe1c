"""``contactops dedupe``: review queue, decisions, unmerge and match explanations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from contactops.cli.common import handle_errors, open_context, out_console, print_json

app = typer.Typer(help="Review matches, record decisions, unmerge and explain contacts.")

WarehouseOpt = Annotated[Path | None, typer.Option(help="DuckDB warehouse file")]
PipelineOpt = Annotated[Path | None, typer.Option("--pipeline", "-p",
                                                  help="take the warehouse from a pipeline")]
SampleOpt = Annotated[bool, typer.Option("--sample", help="the --sample sandbox warehouse")]


@app.command("review")
@handle_errors
def review(export: Annotated[Path | None, typer.Option(
               "--export", help="write the open review queue to this CSV file")] = None,
           limit: int = 20, warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
           sample: SampleOpt = False,
           json_out: Annotated[bool, typer.Option("--json")] = False) -> int:
    """Pairs between the review and auto-merge thresholds, most likely first."""
    ctx = open_context(pipeline, warehouse, sample)
    if export is not None:
        n = ctx.export_reviews(export)
        out_console().print(f"wrote {n} review pairs to {export}", markup=False)
        return 0
    rows = ctx.review(limit)
    if json_out:
        print_json(rows.to_dicts())
        return 0
    from rich.table import Table

    table = Table("record a", "record b", "probability", "reason")
    for r in rows.iter_rows(named=True):
        table.add_row(r["record_a"], r["record_b"], f"{r['match_probability']:.3f}",
                      r["reason"])
    out_console().print(table)
    return 0


@app.command("decide")
@handle_errors
def decide(record_a: str, record_b: str,
           must_link: Annotated[bool, typer.Option("--must-link")] = False,
           cannot_link: Annotated[bool, typer.Option("--cannot-link")] = False,
           note: Annotated[str | None, typer.Option(help="why, kept with the decision")] = None,
           warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
           sample: SampleOpt = False) -> int:
    """Record that two records are (--must-link) or are not (--cannot-link) one person."""
    from contactops.errors import UsageError

    if must_link == cannot_link:
        raise UsageError("give exactly one of --must-link or --cannot-link")
    kind = "must_link" if must_link else "cannot_link"
    open_context(pipeline, warehouse, sample).decide(record_a, record_b, kind, note)
    out_console().print(f"recorded {kind} {record_a} {record_b}; applied on the next run",
                        markup=False)
    return 0


@app.command("unmerge")
@handle_errors
def unmerge(contact_id: str,
            reason: Annotated[str | None, typer.Option(help="kept in merge_events")] = None,
            warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
            sample: SampleOpt = False) -> int:
    """Split a contact into one contact per record, and keep them apart on later runs."""
    ids = open_context(pipeline, warehouse, sample).unmerge(contact_id, reason)
    out_console().print(f"unmerged {contact_id} into {len(ids)} contacts: {', '.join(ids)}",
                        markup=False)
    return 0


@app.command("explain")
@handle_errors
def explain(record_a: Annotated[str | None, typer.Argument()] = None,
            record_b: Annotated[str | None, typer.Argument()] = None,
            contact: Annotated[str | None, typer.Option("--contact")] = None,
            warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
            sample: SampleOpt = False,
            json_out: Annotated[bool, typer.Option("--json")] = False,
            show_pii: Annotated[bool, typer.Option(
                "--show-pii", help="show dates of birth and external ids unmasked")] = False
            ) -> int:
    """Why two records match (per-field weights), or every pair of a contact's records and
    which record decided its consent on each channel, and why."""
    from contactops.errors import UsageError

    if contact is None and (record_a is None or record_b is None):
        raise UsageError("give RECORD_A RECORD_B, or --contact CONTACT_ID")
    ctx = open_context(pipeline, warehouse, sample)
    if contact is not None:
        explained = ctx.explain(contact)
        frame, consent = explained.pairs, explained.consent
        if json_out:
            print_json(explained.asdict())
            return 0
    else:
        assert record_a is not None and record_b is not None
        frame, consent = ctx.explain(record_a, record_b, show_pii=show_pii), None
        if json_out:
            print_json(frame.to_dicts())
            return 0
    for shown in (frame, consent):
        if shown is not None:
            _print_frame(shown)
    return 0


def _print_frame(shown: Any) -> None:
    from rich.table import Table

    caption = None
    if "contradicts" in shown.columns and shown["contradicts"].any():
        against = ", ".join(shown.filter("contradicts")["field"].to_list())
        caption = f"conflict: {against} — a shared identifier alone does not merge: review"
    table = Table(*shown.columns, caption=caption)
    for row in shown.iter_rows():
        table.add_row(*["" if v is None else (f"{v:.3f}" if isinstance(v, float)
                                              else str(v)) for v in row])
    out_console().print(table)
