"""Delete (soft, restorable), restore and erase (GDPR) contacts — each with an audit row.

Deletion marks contacts in ``contact_deletions``; audiences leave them out (reason
``deleted``) until ``restore``. Contacts an active workflow, campaign or audience relies on
are refused unless forced with a reason. Erasure removes the person's records from every
warehouse table and keeps only salted hashes of their email and phone in ``suppressions``,
so a later import of the same person is kept out of audiences (reason ``erased``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.audiences import suppression, tables
from contactops.audiences.definitions import AudienceConfig
from contactops.audiences.filters import FilterError, compile_filter
from contactops.audiences.references import referenced_by
from contactops.audiences.selection import fix_hint
from contactops.catalog import T, Table, personal_tables
from contactops.catalog.queries import delete_rows, has_columns
from contactops.engine.sqlerrors import KINDS, sql_error_kind
from contactops.errors import GateFailed, UsageError

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

@dataclass
class DeletionResult:
    action: str
    contacts: list[str]
    deletion_id: str | None = None
    forced: bool = False
    referenced: dict[str, list[str]] = field(default_factory=dict)
    removed_rows: dict[str, int] = field(default_factory=dict)

    def asdict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        head = f"{self.action}: {len(self.contacts)} contacts"
        if self.action == "delete" and self.deletion_id:
            head += (f" (deletion {self.deletion_id}; undo with "
                     f"'contactops restore {self.deletion_id}')")
        lines = [head]
        lines += [f"  forced past: {cid} <- {', '.join(refs)}"
                  for cid, refs in self.referenced.items()]
        lines += [f"  removed {n} rows from {t}" for t, n in self.removed_rows.items() if n]
        return "\n".join(lines)


def select_contacts(wh: Warehouse, *, contact_ids: list[str] | None = None,
                    list_name: str | None = None, where: str | None = None) -> list[str]:
    """Contact ids chosen by id, list membership and/or a (restricted) filter."""
    if not (contact_ids or list_name or where):
        raise UsageError("say which contacts: give contact ids, --list NAME or --filter SQL")
    columns = wh.columns(T.contacts.name)
    conditions, params = [], []
    if contact_ids:
        conditions.append("list_contains(?, contact_id)")
        params.append(list(contact_ids))
    if list_name:
        conditions.append("list_contains(lists, ?)")
        params.append(list_name)
    if where:
        conditions.append("(" + compile_filter(where, columns) + ")")
    try:
        found = [r[0] for r in wh.fetchall(
            f"SELECT contact_id FROM {T.contacts} WHERE {' OR '.join(conditions)} ORDER BY 1",
            params)]
    except Exception as exc:
        kind = sql_error_kind(exc)
        if kind is None or not where:
            raise
        detail = str(exc).strip().splitlines()[0]
        raise FilterError(f"--filter {where!r} {KINDS[kind]}: {detail} — "
                          f"{fix_hint(wh, where, detail)}; nothing was deleted") from None
    missing = sorted(set(contact_ids or []) - set(found))
    if missing:
        raise UsageError(f"no contact {', '.join(missing[:5])} in contacts")
    return found


def delete(wh: Warehouse, cfg: AudienceConfig, contact_ids: list[str], *, reason: str = "",
           force: bool = False, run_id: str | None = None) -> DeletionResult:
    """Soft-delete contacts; refuse those in use unless ``force`` (which needs a reason)."""
    tables.ensure_tables(wh)
    if force and not reason.strip():
        raise UsageError("--force needs --reason \"why these referenced contacts may go\"")
    already = tables.deleted_ids(wh)
    ids = [c for c in contact_ids if c not in already]
    refs = {cid: sorted({f"{r['what']} {r['name']} ({r['via']})" for r in found if r["active"]})
            for cid, found in referenced_by(wh, cfg, ids).items()}
    refs = {cid: r for cid, r in refs.items() if r}
    if refs and not force:
        shown = [f"{cid} is used by {'; '.join(r)}" for cid, r in list(refs.items())[:10]]
        more = f" (and {len(refs) - 10} more)" if len(refs) > 10 else ""
        raise GateFailed([f"refusing to delete {len(refs)} referenced contacts{more}: "
                          + " | ".join(shown)
                          + " — pass --force --reason \"...\" to delete them anyway"])
    deletion_id = "del-" + uuid.uuid4().hex[:10]
    rows = pl.DataFrame({"deletion_id": deletion_id, "contact_id": ids, "run_id": run_id,
                         "reason": reason, "forced": force,
                         "referenced_by": [json.dumps(refs.get(c, [])) for c in ids]},
                        schema={"deletion_id": pl.Utf8, "contact_id": pl.Utf8,
                                "run_id": pl.Utf8, "reason": pl.Utf8, "forced": pl.Boolean,
                                "referenced_by": pl.Utf8})
    with wh.transaction():
        if ids:
            wh.append_frame(T.contact_deletions.name, rows)
        _audit(wh, run_id, "delete", deletion_id, {"contacts": ids, "reason": reason,
                                                   "forced": force, "referenced": refs})
    return DeletionResult("delete", ids, deletion_id, force, refs)


def restore(wh: Warehouse, *, deletion_id: str | None = None,
            contact_ids: list[str] | None = None, reason: str = "",
            run_id: str | None = None) -> DeletionResult:
    """Undo soft deletions, by deletion id or by contact id."""
    tables.ensure_tables(wh)
    if deletion_id:
        cond, params = "deletion_id = ?", [deletion_id]
    elif contact_ids:
        cond, params = "list_contains(?, contact_id)", [list(contact_ids)]
    else:
        raise UsageError("say what to restore: a deletion id or --contact ID")
    ids = [r[0] for r in wh.fetchall(
        f"SELECT DISTINCT contact_id FROM {T.contact_deletions} WHERE {cond} "
        "AND restored_at IS NULL ORDER BY 1", params)]
    if not ids:
        raise UsageError(f"nothing to restore for {deletion_id or ', '.join(contact_ids or [])}"
                         " (not deleted, already restored, or erased)")
    with wh.transaction():
        wh.execute(f"UPDATE {T.contact_deletions} SET restored_at = now(), restore_reason = ? "
                   f"WHERE {cond} AND restored_at IS NULL", [reason, *params])
        _audit(wh, run_id, "restore", deletion_id or ",".join(ids),
               {"contacts": ids, "reason": reason})
    return DeletionResult("restore", ids, deletion_id)


def erase(wh: Warehouse, cfg: AudienceConfig, contact_ids: list[str], *, reason: str,
          run_id: str | None = None) -> DeletionResult:
    """GDPR erasure: remove the people's data, keep salted hashes as suppressions."""
    tables.ensure_tables(wh)
    if not reason.strip():
        raise UsageError("erase needs --reason (e.g. the ticket of the erasure request)")
    salt = suppression.salt_from_env(cfg.file.suppression)
    assert salt is not None
    ids = pl.DataFrame({"contact_id": contact_ids}, schema={"contact_id": pl.Utf8})
    removed: dict[str, int] = {}
    with wh.transaction(), wh.registered("_erase_ids", ids):
        people = wh.pl(f"SELECT * FROM {T.contacts} WHERE contact_id IN "
                       "(SELECT contact_id FROM _erase_ids)")
        keys = [v for col in ("email", "email_key", "phone_e164") if col in people.columns
                for v in people[col].drop_nulls().to_list()]
        records: list[str] = []
        if wh.table_exists(T.contact_links.name):
            records = [r[0] for r in wh.fetchall(
                f"SELECT record_id FROM {T.contact_links} WHERE contact_id IN "
                "(SELECT contact_id FROM _erase_ids)")]
        emails = [k.strip().lower() for k in keys if "@" in k]
        if emails and wh.table_exists(T.source_records.name):
            records += [r[0] for r in wh.fetchall(
                f"SELECT DISTINCT record_id FROM {T.source_records} "
                "WHERE list_contains(?, lower(trim(email)))", [emails])]
        suppression.add_suppressions(wh, "erased", keys, salt=salt, source="erase",
                                     reason=reason)
        recs = pl.DataFrame({"record_id": sorted(set(records))}, schema={"record_id": pl.Utf8})
        with wh.registered("_erase_records", recs):
            # every table holding the person's data by record or by contact (the catalog's
            # lineage), then their activities by email
            for table in personal_tables():
                removed[table.name] = _delete_rows(wh, table)
            if emails and wh.table_exists(T.activities.name):
                removed[T.activities.name] = delete_rows(
                    wh, T.activities, "list_contains(?, lower(trim(email)))", [emails])
        # the match diagnostics keep raw block keys (an email, a phone) for --show-pii; an
        # erased person's key must not outlive the erasure, so they go until the next dedupe
        if has_columns(wh, T.match_model, "diagnostics_json"):
            wh.execute(f"UPDATE {T.match_model} SET diagnostics_json = NULL")
        wh.drop_snapshot("match")  # match's copy for reads during a run: until the next dedupe
        _audit(wh, run_id, "erase", ",".join(contact_ids),
               {"contacts": contact_ids, "reason": reason, "removed_rows": removed,
                "suppression_hashes": len(set(keys))})
    return DeletionResult("erase", list(contact_ids), removed_rows=removed)


def _delete_rows(wh: Warehouse, table: Table) -> int:
    """Delete the erased people's rows of ``table``: by its contact and/or record column
    (those the warehouse has: a table from an older version may lack one)."""
    if not wh.table_exists(table.name):
        return 0
    cols = wh.columns(table.name)
    conds = []
    if table.by_contact in cols:
        conds.append(f"{table.by_contact} IN (SELECT contact_id FROM _erase_ids)")
    if table.by_record in cols:
        conds.append(f"{table.by_record} IN (SELECT record_id FROM _erase_records)")
    return delete_rows(wh, table, " OR ".join(conds)) if conds else 0


def _audit(wh: Warehouse, run_id: str | None, action: str, target: str,
           detail: dict[str, Any]) -> None:
    wh.execute(f"INSERT INTO {T.audit_log} (run_id, action, target, detail) VALUES (?, ?, ?, ?)",
               [run_id, action, target, json.dumps(detail, default=str)])
