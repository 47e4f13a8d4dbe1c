"""Audience commands: ``plan``, ``publish``, ``audiences``, ``impact``, ``delete``, ``restore``,
``erase``. Thin wrappers over the core's audience and deletion flows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from contactops.cli.common import (
    err_console,
    handle_errors,
    open_context,
    out_console,
    print_json,
    show,
)

app = typer.Typer()

WarehouseOpt = Annotated[Path | None, typer.Option(help="DuckDB warehouse file")]
PipelineOpt = Annotated[Path | None, typer.Option(
    "--pipeline", "-p", help="take the project and warehouse from a pipeline file")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]
AudienceArg = Annotated[str, typer.Argument(help="audience name from config/audiences.yaml")]
TestOpt = Annotated[bool, typer.Option(
    "--test", help="safe records only, to the sandbox target only")]
TargetOpt = Annotated[str | None, typer.Option(help="publish to this one target only")]


@app.command("audiences")
@handle_errors
def audiences(warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
              json_out: JsonOpt = False) -> int:
    """List audiences: channel, purpose, targets and the last publish."""
    rows, notes = open_context(pipeline, warehouse).audiences()
    for note in notes:
        err_console().print(f"note: {note}", markup=False)
    if json_out:
        print_json(rows)
        return 0
    from rich.table import Table

    table = Table("audience", "channel", "purpose", "active", "targets", "last publish",
                  "members")
    for r in rows:
        table.add_row(r["audience"], r["channel"], r["purpose"], "yes" if r["active"] else "",
                      ", ".join(r["targets"]), r["last_publish"] or "",
                      "" if r["members"] is None else str(r["members"]))
    out_console().print(table)
    return 0


@app.command("plan")
@handle_errors
def plan(audience: AudienceArg, test: TestOpt = False, target: TargetOpt = None,
         warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
         json_out: JsonOpt = False) -> int:
    """Show what publishing AUDIENCE would do: size, adds/removes, exclusions, blockers."""
    show(open_context(pipeline, warehouse).plan(audience, test=test, target=target), json_out)
    return 0


@app.command("publish")
@handle_errors
def publish(audience: AudienceArg, test: TestOpt = False, target: TargetOpt = None,
            warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
            json_out: JsonOpt = False) -> int:
    """Plan AUDIENCE and apply it when every gate passes (exit 1 when one fails)."""

    def preview(planned: object) -> None:
        if not json_out:
            out_console().print(str(planned), markup=False)

    result = open_context(pipeline, warehouse).publish(audience, test=test, target=target,
                                                       on_plan=preview)
    show(result, json_out)
    return 0


@app.command("impact")
@handle_errors
def impact(name: Annotated[str, typer.Argument(help="contact id, list, tag or audience")],
           kind: Annotated[str | None, typer.Option(
               help="contact, list, tag or audience (default: guessed)")] = None,
           warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
           json_out: JsonOpt = False) -> int:
    """Show every workflow, campaign and audience that relies on NAME."""
    show(open_context(pipeline, warehouse).impact(name, kind), json_out)
    return 0


@app.command("delete")
@handle_errors
def delete(contact_ids: Annotated[list[str] | None, typer.Argument(help="contact ids")] = None,
           list_name: Annotated[str | None, typer.Option("--list", help="every contact "
                                                         "in this list")] = None,
           where: Annotated[str | None, typer.Option("--filter", help="SQL condition over "
                                                     "contacts' columns")] = None,
           force: Annotated[bool, typer.Option(help="delete referenced contacts too")] = False,
           reason: Annotated[str, typer.Option(help="why (required with --force)")] = "",
           warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
           json_out: JsonOpt = False) -> int:
    """Soft-delete contacts (restorable); refuses referenced ones without --force --reason."""
    result = open_context(pipeline, warehouse).delete(
        contact_ids, list_name=list_name, where=where, force=force, reason=reason)
    show(result, json_out)
    return 0


@app.command("restore")
@handle_errors
def restore(deletion_id: Annotated[str | None, typer.Argument(
                help="deletion id printed by 'contactops delete'")] = None,
            contact: Annotated[list[str] | None, typer.Option(help="a contact id")] = None,
            reason: Annotated[str, typer.Option(help="why, kept in the audit log")] = "",
            warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
            json_out: JsonOpt = False) -> int:
    """Undo a soft deletion (by deletion id or --contact)."""
    result = open_context(pipeline, warehouse).restore(deletion_id, contact_ids=contact,
                                                       reason=reason)
    show(result, json_out)
    return 0


@app.command("erase")
@handle_errors
def erase(contact_ids: Annotated[list[str], typer.Argument(help="contact ids")],
          reason: Annotated[str, typer.Option(help="erasure request reference (required)")] = "",
          yes: Annotated[bool, typer.Option("--yes", help="do not ask to confirm")] = False,
          warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
          json_out: JsonOpt = False) -> int:
    """GDPR erasure: remove personal data for good, keep a salted hash as suppression."""
    if not yes and not typer.confirm(f"erase {len(contact_ids)} contacts permanently?",
                                     default=False):
        out_console().print("nothing erased")
        return 2
    show(open_context(pipeline, warehouse).erase(contact_ids, reason=reason), json_out)
    return 0
