"""Audience commands: ``plan``, ``publish``, ``audiences``, ``impact``, ``delete``, ``restore``,
``erase``. Thin wrappers over :mod:`contactops.audiences`; heavy imports stay in the bodies.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from contactops.cli.common import err_console, handle_errors, out_console, print_json

if TYPE_CHECKING:
    from contactops.audiences.definitions import AudienceConfig
    from contactops.engine.warehouse import Warehouse

app = typer.Typer()

WarehouseOpt = Annotated[Path | None, typer.Option(help="DuckDB warehouse file")]
PipelineOpt = Annotated[Path | None, typer.Option(
    "--pipeline", "-p", help="take the project and warehouse from a pipeline file")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]
AudienceArg = Annotated[str, typer.Argument(help="audience name from config/audiences.yaml")]
TestOpt = Annotated[bool, typer.Option(
    "--test", help="safe records only, to the sandbox target only")]
TargetOpt = Annotated[str | None, typer.Option(help="publish to this one target only")]


def _open(warehouse: Path | None, pipeline: Path | None, *, read_only: bool = False
          ) -> tuple[Warehouse, AudienceConfig]:
    from contactops.audiences.definitions import load_audience_config
    from contactops.audiences.plan import contacts_columns
    from contactops.config import load_pipeline, load_project
    from contactops.engine import Warehouse

    project = load_pipeline(pipeline) if pipeline is not None else load_project()
    path = warehouse or project.warehouse_path
    wh = Warehouse(path, read_only=read_only, create=False,
                   lock_timeout=project.settings.lock_timeout_seconds)
    try:
        columns = contacts_columns(wh) if wh.table_exists("contacts") else None
        return wh, load_audience_config(project, columns)
    except BaseException:
        wh.close()
        raise


def _run_id() -> str:
    from contactops.pipeline.runner import new_run_id

    return new_run_id()


def _show(obj: Any, json_out: bool) -> None:
    if json_out:
        print_json(obj.asdict())
    else:
        out_console().print(str(obj), markup=False)


@app.command("audiences")
@handle_errors
def audiences(warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
              json_out: JsonOpt = False) -> int:
    """List audiences: channel, purpose, targets and the last publish."""
    from contactops.audiences import manifest, tables

    wh, cfg = _open(warehouse, pipeline)
    with wh:
        tables.ensure_tables(wh)
        for note in manifest.repair(wh, cfg):
            err_console().print(f"note: {note}", markup=False)
        rows = []
        for name, aud in cfg.file.audiences.items():
            last = tables.last_publish(wh, name)
            rows.append({"audience": name, "channel": aud.channel, "purpose": aud.purpose,
                         "active": aud.active, "targets": list(aud.targets),
                         "last_publish": last["publish_id"] if last else None,
                         "members": last["members"] if last else None})
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
    from contactops.audiences.plan import make_plan

    wh, cfg = _open(warehouse, pipeline)
    with wh:
        result = make_plan(wh, cfg, audience, test=test, target=target)
    _show(result, json_out)
    return 0


@app.command("publish")
@handle_errors
def publish(audience: AudienceArg, test: TestOpt = False, target: TargetOpt = None,
            warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
            json_out: JsonOpt = False) -> int:
    """Plan AUDIENCE and apply it when every gate passes (exit 1 when one fails)."""
    from contactops.audiences.plan import make_plan
    from contactops.audiences.publish import apply

    wh, cfg = _open(warehouse, pipeline)
    with wh:
        planned = make_plan(wh, cfg, audience, test=test, target=target)
        if not json_out:
            out_console().print(str(planned), markup=False)
        result = apply(wh, cfg, planned, run_id=_run_id())
    _show(result, json_out)
    return 0


@app.command("impact")
@handle_errors
def impact(name: Annotated[str, typer.Argument(help="contact id, list, tag or audience")],
           kind: Annotated[str | None, typer.Option(
               help="contact, list, tag or audience (default: guessed)")] = None,
           warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
           json_out: JsonOpt = False) -> int:
    """Show every workflow, campaign and audience that relies on NAME."""
    from contactops.audiences.references import impact as find_impact

    wh, cfg = _open(warehouse, pipeline, read_only=True)
    with wh:
        _show(find_impact(wh, cfg, name, kind), json_out)
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
    from contactops.audiences import deletion

    wh, cfg = _open(warehouse, pipeline)
    with wh:
        ids = deletion.select_contacts(wh, contact_ids=contact_ids, list_name=list_name,
                                       where=where)
        _show(deletion.delete(wh, cfg, ids, reason=reason, force=force, run_id=_run_id()),
              json_out)
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
    from contactops.audiences import deletion

    wh, _cfg = _open(warehouse, pipeline)
    with wh:
        _show(deletion.restore(wh, deletion_id=deletion_id, contact_ids=contact,
                               reason=reason, run_id=_run_id()), json_out)
    return 0


@app.command("erase")
@handle_errors
def erase(contact_ids: Annotated[list[str], typer.Argument(help="contact ids")],
          reason: Annotated[str, typer.Option(help="erasure request reference (required)")] = "",
          yes: Annotated[bool, typer.Option("--yes", help="do not ask to confirm")] = False,
          warehouse: WarehouseOpt = None, pipeline: PipelineOpt = None,
          json_out: JsonOpt = False) -> int:
    """GDPR erasure: remove personal data for good, keep a salted hash as suppression."""
    from contactops.audiences import deletion

    if not yes and not typer.confirm(f"erase {len(contact_ids)} contacts permanently?",
                                     default=False):
        out_console().print("nothing erased")
        return 2
    wh, cfg = _open(warehouse, pipeline)
    with wh:
        _show(deletion.erase(wh, cfg, contact_ids, reason=reason, run_id=_run_id()), json_out)
    return 0
