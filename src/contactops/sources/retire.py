"""Sources in the warehouse: which are live, which the pipeline no longer declares, retiring.

Retiring a source is the explicit way to say "its records are gone": every loaded (or
blocked) load of it gets status ``retired`` (rows kept for the record, no longer in
``current_loads``), rows derived from its records are removed as
:func:`~contactops.sources.loads.undo_load` does, and ``audit_log`` says who lost what. The
next run rebuilds contacts without them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from contactops.catalog import T
from contactops.catalog.queries import count_rows
from contactops.errors import UsageError
from contactops.sources.loads import remove_derived
from contactops.sources.volume import ROLE_TABLES, Shrink, audit, impact

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.warehouse import Warehouse


def list_sources(wh: Warehouse, declared: set[str] | None = None) -> pl.DataFrame:
    """One row per source ever loaded: live loads and records, last load, retired or not,
    and (given the pipeline's source names) whether the pipeline still declares it."""
    frame = wh.pl(
        "SELECT l.source, any_value(l.role) AS role, any_value(l.mode) AS mode, "
        "count(c.load_id) AS current_loads, "
        "coalesce(sum(CASE WHEN c.load_id IS NOT NULL THEN l.rows_accepted END), 0)::BIGINT "
        "AS current_records, arg_max(l.load_id, l.load_seq) AS last_load, "
        "max(l.loaded_at) AS last_loaded_at, "
        "bool_or(l.status = 'retired') AND count(c.load_id) = 0 AS retired "
        f"FROM {T.loads} l LEFT JOIN {T.current_loads} c USING (load_id) "
        "GROUP BY l.source ORDER BY l.source")
    if declared is None:
        return frame
    import polars as pl

    return frame.with_columns(pl.col("source").is_in(sorted(declared)).alias("in_pipeline"))


def removed_sources(wh: Warehouse, pipeline: str, declared: set[str]) -> list[str]:
    """Sources with live records, last loaded by runs of ``pipeline``, that it no longer
    declares. A source another pipeline loads into the same warehouse is not ours to judge."""
    rows = wh.fetchall(
        f"SELECT DISTINCT c.source FROM {T.current_loads} c JOIN {T.runs} r USING (run_id) "
        "WHERE r.pipeline = ? ORDER BY 1", [pipeline])
    return [r[0] for r in rows if r[0] not in declared]


def assess_removed(wh: Warehouse, source: str, pipeline_file: str | None = None) -> Shrink:
    """What dropping every live record of ``source`` would cost (status ``blocked``)."""
    loads = wh.fetchall(f"SELECT load_id, role, rows_accepted FROM {T.current_loads} "
                        "WHERE source = ? ORDER BY load_seq", [source])
    if not loads:
        raise UsageError(_not_live(wh, source))
    ids = [r[0] for r in loads]
    shrink = Shrink(source, "removed", "blocked", sum(int(r[2] or 0) for r in loads), 0, None,
                    ids[-1], pipeline_file=pipeline_file)
    table, id_col = ROLE_TABLES[str(loads[0][1])]
    shrink.contacts_losing = 0  # activities and reference rows are no contact's records
    if table is T.source_records:
        marks = ", ".join("?" for _ in ids)
        shrink.contacts_losing, shrink.audiences = impact(
            wh, f"SELECT {id_col} FROM {table} WHERE load_id IN ({marks})", ids)
    return shrink


def retire_source(wh: Warehouse, source: str, reason: str, *, run_id: str | None = None,
                  pipeline_file: str | None = None, declared: set[str] | None = None) -> Shrink:
    """Take every live load of ``source`` out of ``current_loads``; audited, in one
    transaction. Returns the finding with status ``retired``.

    ``declared``: the enabled sources of the pipeline; retiring one of them is refused,
    since the next run would load it again as a new source."""
    if declared is not None and source in declared:
        raise UsageError(f"source '{source}' is still in {pipeline_file or 'the pipeline'}: "
                         "the next run would load it again as a new source. Remove it from "
                         "the pipeline (or set 'enabled: false') first, then retire it")
    if not reason.strip():
        raise UsageError(f"say why '{source}' is retired: --reason \"...\" (kept in the "
                         "audit log)")
    with wh.transaction():
        shrink = assess_removed(wh, source, pipeline_file)
        shrink.status = "retired"
        # every live or waiting version: retiring only the current one would bring the
        # version before it back
        ids = [r[0] for r in wh.fetchall(
            f"SELECT load_id FROM {T.loads} WHERE source = ? "
            "AND status IN ('loaded', 'blocked') "
            "ORDER BY load_seq", [source])]
        marks = ", ".join("?" for _ in ids)
        wh.execute(f"UPDATE {T.loads} SET status = 'retired', undone_at = now(), undo_reason = ? "
                   f"WHERE load_id IN ({marks})", [reason, *ids])
        removed = remove_derived(wh)
        audit(wh, shrink, run_id)
        wh.execute(f"INSERT INTO {T.audit_log} (run_id, action, target, detail) "
                   "VALUES (?, 'retire_source', ?, ?)",
                   [run_id, source, json.dumps({"loads": ids, "reason": reason,
                                                "derived_rows_removed": removed,
                                                **shrink.asdict()}, default=str)])
    return shrink


def _not_live(wh: Warehouse, source: str) -> str:
    live = [r[0] for r in wh.fetchall(
        f"SELECT DISTINCT source FROM {T.current_loads} ORDER BY 1")]
    if count_rows(wh, T.loads, "source = ?", [source]):
        return (f"source '{source}' has no current records (already retired or undone); "
                f"sources with current records: {', '.join(live) or 'none'}")
    import difflib

    close = difflib.get_close_matches(source, live, n=1, cutoff=0.6)
    hint = f" — did you mean '{close[0]}'?" if close else ""
    return (f"no source '{source}' in this warehouse{hint}; sources with current records: "
            f"{', '.join(live) or 'none'} (see 'contactops sources')")

