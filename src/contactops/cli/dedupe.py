"""``contactops dedupe``: review queue, decisions, unmerge and match explanations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import handle_errors, out_console, print_json, resolve_warehouse

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
    from contactops.dedupe.review import export_reviews, review_queue
    from contactops.engine import Warehouse

    path, timeout = resolve_warehouse(warehouse, pipeline, sample)
    with Warehouse(path, lock_timeout=timeout, create=False) as wh:
        if export is not None:
            n = export_reviews(wh, export)
            out_console().print(f"wrote {n} review pairs to {export}", markup=False)
            return 0
        rows = review_queue(wh, limit)
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
    from contactops.dedupe.review import decide as store
    from contactops.engine import Warehouse
    from contactops.errors import UsageError

    if must_link == cannot_link:
        raise UsageError("give exactly one of --must-link or --cannot-link")
    path, timeout = resolve_warehouse(warehouse, pipeline, sample)
    kind = "must_link" if must_link else "cannot_link"
    with Warehouse(path, lock_timeout=timeout, create=False) as wh:
        store(wh, record_a, record_b, kind, note)
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
    from contactops.dedupe.review import unmerge as split
    from contactops.engine import Warehouse

    path, timeout = resolve_warehouse(warehouse, pipeline, sample)
    with Warehouse(path, lock_timeout=timeout, create=False) as wh:
        ids = split(wh, contact_id, reason)
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
    from contactops.config.dedupe import DedupeSettings
    from contactops.dedupe.consent_explain import ContactExplanation, read_consent
    from contactops.dedupe.explain import explain_contact, explain_pair
    from contactops.dedupe.stage import load_model
    from contactops.engine import Warehouse
    from contactops.errors import UsageError

    if contact is None and (record_a is None or record_b is None):
        raise UsageError("give RECORD_A RECORD_B, or --contact CONTACT_ID")
    options = DedupeSettings()
    if pipeline is not None:
        from contactops.config import load_pipeline

        loaded = load_pipeline(pipeline).pipeline
        options = loaded.dedupe if loaded is not None else options
    path, timeout = resolve_warehouse(warehouse, pipeline, sample)
    with Warehouse(path, read_only=True, lock_timeout=timeout) as wh:
        model = load_model(wh)
        records = wh.pl("SELECT * FROM normalized_records")
        consent = None
        try:
            if contact is not None:
                consent = read_consent(wh, contact)
                links = wh.pl("SELECT record_id, contact_id FROM contact_links")
                frame = explain_contact(records, links, contact, options, model)
            else:
                assert record_a is not None and record_b is not None
                frame = explain_pair(records, record_a, record_b, options, model,
                                     show_pii=show_pii)
        except KeyError as exc:
            raise UsageError(str(exc).strip("'\"")) from None
    explained = None if consent is None else ContactExplanation(contact or "", frame, consent)
    if json_out:
        print_json(frame.to_dicts() if explained is None else explained.asdict())
        return 0
    from rich.table import Table

    for shown in (frame, consent):
        if shown is None:
            continue
        caption = None
        if "contradicts" in shown.columns and shown["contradicts"].any():
            against = ", ".join(shown.filter("contradicts")["field"].to_list())
            caption = f"conflict: {against} — a shared identifier alone does not merge: review"
        table = Table(*shown.columns, caption=caption)
        for row in shown.iter_rows():
            table.add_row(*["" if v is None else (f"{v:.3f}" if isinstance(v, float)
                                                  else str(v)) for v in row])
        out_console().print(table)
    return 0
