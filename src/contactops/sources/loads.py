"""Load history and undo: every load can be taken back, and the undo is itself recorded."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contactops.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.warehouse import Warehouse

#: Tables derived from records; an undo removes their rows for records no longer current.
DERIVED_BY_RECORD = ("normalized_records", "normalization_changes", "contact_links",
                     "validation_issues")


def list_loads(wh: Warehouse, limit: int = 50) -> pl.DataFrame:
    return wh.pl(
        "SELECT load_id, source, source_kind, role, file, rows_read, rows_accepted, "
        "rows_rejected, status, loaded_at, undone_at, undo_reason, "
        "load_id IN (SELECT load_id FROM current_loads) AS current, run_id "
        "FROM loads ORDER BY load_seq DESC LIMIT ?", [limit])


def undo_load(wh: Warehouse, load_id: str, reason: str) -> dict[str, Any]:
    """Remove a load's rows and what was derived from them; keep an audit row."""
    row = wh.fetchall("SELECT status, source FROM loads WHERE load_id = ?", [load_id])
    if not row:
        known = [r[0] for r in wh.fetchall(
            "SELECT load_id FROM loads ORDER BY load_seq DESC LIMIT 5")]
        raise UsageError(f"no load '{load_id}'; latest loads: {', '.join(known) or 'none'} "
                         "(see 'contactops loads')")
    if row[0][0] == "undone":
        raise UsageError(f"load '{load_id}' was already undone")
    counts: dict[str, Any] = {"load_id": load_id, "source": row[0][1]}
    with wh.transaction():
        for table in ("source_records", "activities", "reference_records", "rejected_records"):
            counts[table] = int(wh.scalar(f"SELECT count(*) FROM {table} WHERE load_id = ?",
                                          [load_id]))
            wh.execute(f"DELETE FROM {table} WHERE load_id = ?", [load_id])
        wh.execute("UPDATE loads SET status = 'undone', undone_at = now(), undo_reason = ? "
                   "WHERE load_id = ?", [reason, load_id])
        for table in DERIVED_BY_RECORD:
            if wh.table_exists(table) and "record_id" in wh.columns(table):
                before = int(wh.scalar(f"SELECT count(*) FROM {table}"))
                wh.execute(f"DELETE FROM {table} WHERE record_id NOT IN "
                           "(SELECT record_id FROM current_source_records)")
                counts[table] = before - int(wh.scalar(f"SELECT count(*) FROM {table}"))
        wh.execute("INSERT INTO audit_log (action, target, detail) VALUES ('undo_load', ?, ?)",
                   [load_id, json.dumps({**counts, "reason": reason})])
    return counts
