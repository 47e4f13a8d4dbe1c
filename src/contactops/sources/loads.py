"""Load history and undo: every load can be taken back, and the undo is itself recorded."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contactops.catalog import T, derived_by_record, landed_by_load
from contactops.catalog.queries import delete_by_load, delete_orphans, has_columns
from contactops.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.warehouse import Warehouse


def list_loads(wh: Warehouse, limit: int = 50) -> pl.DataFrame:
    return wh.pl(
        "SELECT load_id, source, source_kind, role, file, rows_read, rows_accepted, "
        "rows_rejected, status, loaded_at, undone_at, undo_reason, "
        f"load_id IN (SELECT load_id FROM {T.current_loads}) AS current, run_id "
        f"FROM {T.loads} ORDER BY load_seq DESC LIMIT ?", [limit])


def undo_load(wh: Warehouse, load_id: str, reason: str) -> dict[str, Any]:
    """Remove a load's rows and what was derived from them; keep an audit row."""
    row = wh.fetchall(f"SELECT status, source FROM {T.loads} WHERE load_id = ?", [load_id])
    if not row:
        known = [r[0] for r in wh.fetchall(
            f"SELECT load_id FROM {T.loads} ORDER BY load_seq DESC LIMIT 5")]
        raise UsageError(f"no load '{load_id}'; latest loads: {', '.join(known) or 'none'} "
                         "(see 'contactops loads')")
    if row[0][0] == "undone":
        raise UsageError(f"load '{load_id}' was already undone")
    counts: dict[str, Any] = {"load_id": load_id, "source": row[0][1]}
    with wh.transaction():
        for table in landed_by_load():
            counts[table.name] = delete_by_load(wh, table, load_id)
        wh.execute(f"UPDATE {T.loads} SET status = 'undone', undone_at = now(), "
                   "undo_reason = ? WHERE load_id = ?", [reason, load_id])
        counts.update(remove_derived(wh))
        wh.execute(f"INSERT INTO {T.audit_log} (action, target, detail) "
                   "VALUES ('undo_load', ?, ?)",
                   [load_id, json.dumps({**counts, "reason": reason})])
    return counts


def remove_derived(wh: Warehouse) -> dict[str, int]:
    """Remove the rows derived from records that are no longer current (every table the
    catalog declares ``by_record``, once it exists); rows removed by table."""
    removed: dict[str, int] = {}
    for table in derived_by_record():
        if has_columns(wh, table, str(table.by_record)):
            removed[table.name] = delete_orphans(wh, table)
    return removed
