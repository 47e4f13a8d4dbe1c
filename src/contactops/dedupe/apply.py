"""Write an incremental dedupe: only the affected rows, in one transaction.

The records matched again (:data:`~contactops.dedupe.incremental.AFFECTED`) and the removed
ones have their rows in ``contact_links``, ``match_index`` and ``dedupe_versions`` replaced;
the contacts they were in before and are in now, in ``contacts`` and
``contact_provenance``; ``match_reviews`` loses the pairs the run judged again (both
records matched again, or one of them new, changed or removed) and names the current
contacts in the others; ``merge_events`` gains the run's events. The ``match`` snapshot
beside the warehouse gets the same delta (:meth:`Warehouse.patch_snapshot`) instead of a
copy of the whole warehouse.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.dedupe.incremental import (
    AFFECTED,
    CONTACTS,
    DECIDED_KEY,
    DELTA,
    last_decision,
    row_hash_sql,
    shared_values_sql,
    store,
)
from contactops.dedupe.lookup import (
    COPY_STATE_TABLE,
    COUNTS_TABLE,
    SNAPSHOT_ROW_GROUP,
    WRITTEN_KEY,
    countable,
    counts_delta,
    counts_query,
)
from contactops.engine.sql import quote_identifier, quote_literal

if TYPE_CHECKING:
    import polars as pl

    from contactops.dedupe.core import DedupeResult

#: Scratch tables: every record and contact whose rows the run replaces.
TOUCHED = "dedupe_touched_records"
TOUCHED_CONTACTS = "dedupe_touched_contacts"


def write_versions(wh: Any, columns: list[str], compared: list[str], where: str = "",
                   links: str | None = None, records: str | None = None) -> None:
    """Insert the ``dedupe_versions`` rows of the linked records (``where``: which, over
    ``record_id``);
    ``columns``: the email and phone columns, ``compared``: every column dedupe reads.
    ``links``, ``records``: the run's own links and normalized rows of those records (a
    registered frame: no scan of the 1M-row tables), else read from the tables."""
    def rows(table: Any) -> str:  # each table narrowed before the joins
        return f"(SELECT * FROM {table} {where})" if where else str(table)

    wh.execute(
        f"INSERT INTO {T.dedupe_versions} (record_id, load_id, contact_id, row_hash, "
        f"shared_values) SELECT l.record_id, v.load_id, l.contact_id, "
        f"{row_hash_sql(compared)}, {shared_values_sql(columns)} "
        f"FROM {links or rows(T.contact_links)} l JOIN {rows(T.normalized_versions)} v "
        f"USING (record_id) JOIN {records or rows(T.normalized_records)} n "
        "USING (record_id)")


def create_versions(wh: Any, columns: list[str], compared: list[str]) -> None:
    """Rebuild ``dedupe_versions`` from the tables a full dedupe just wrote (none when the
    records came without ``normalized_versions``: the next run is then a full one too)."""
    if not wh.table_exists(T.normalized_versions.name):
        wh.execute(f"DROP TABLE IF EXISTS {T.dedupe_versions}")
        return
    wh.execute(f"CREATE OR REPLACE TABLE {T.dedupe_versions} (record_id VARCHAR, "
               "load_id VARCHAR, contact_id VARCHAR, row_hash UBIGINT, "
               "shared_values UBIGINT[])")
    write_versions(wh, columns, compared)
    store(wh, DECIDED_KEY, last_decision(wh))


def write_delta(wh: Any, result: DedupeResult, records: pl.DataFrame, columns: list[str],
                compared: list[str], run_id: str) -> None:
    """Replace the affected rows with ``result``'s (see the module docstring);
    ``records``: the affected records as dedupe read them; ``run_id``: the run, stored as
    the one whose dedupe the tables show (:data:`WRITTEN_KEY`)."""
    with wh.registered("dedupe_new_contacts", result.contacts.select("contact_id")):
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {TOUCHED_CONTACTS} AS "
                   f"SELECT contact_id FROM {CONTACTS} UNION "
                   "SELECT contact_id FROM dedupe_new_contacts")
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {TOUCHED} AS SELECT record_id FROM {AFFECTED} "
               f"UNION SELECT record_id FROM {DELTA}")
    touched = f"record_id IN (SELECT record_id FROM {TOUCHED})"
    contacts = f"contact_id IN (SELECT contact_id FROM {TOUCHED_CONTACTS})"
    judged = (f"(record_a IN (SELECT record_id FROM {TOUCHED}) AND record_b IN "
              f"(SELECT record_id FROM {TOUCHED})) OR record_a IN (SELECT record_id FROM "
              f"{DELTA}) OR record_b IN (SELECT record_id FROM {DELTA})")
    links = result.links.select("record_id", "contact_id")
    own = set(columns) | set(compared) <= set(records.columns)
    with wh.registered(_NEW_LINKS, links), wh.registered(_NEW_RECORDS, records), \
            wh.transaction():
        for table, where, frame in ((T.contacts, contacts, result.contacts),
                                    (T.contact_provenance, contacts, result.provenance),
                                    (T.contact_links, touched, result.links),
                                    (T.match_index, touched, result.index),
                                    (T.match_reviews, judged, result.reviews)):
            wh.execute(f"DELETE FROM {table} WHERE {where}")
            if frame.height:
                wh.append_frame(table.name, frame)
        for side in ("a", "b"):  # pairs kept whose record moved to another contact
            wh.execute(f"UPDATE {T.match_reviews} SET contact_{side} = l.contact_id "
                       f"FROM {_NEW_LINKS} l WHERE l.record_id = record_{side} "
                       f"AND contact_{side} IS DISTINCT FROM l.contact_id")
        if result.events.height:
            wh.append_frame(T.merge_events.name, result.events)
        wh.execute(f"DELETE FROM {T.dedupe_versions} WHERE {touched}")
        write_versions(wh, columns, compared,
                       f"WHERE record_id IN (SELECT record_id FROM {AFFECTED})",
                       links=_NEW_LINKS, records=_NEW_RECORDS if own else None)
        store(wh, DECIDED_KEY, last_decision(wh))
        store(wh, WRITTEN_KEY, run_id)


#: The run's links and records of the affected records, registered for the writes.
_NEW_LINKS, _NEW_RECORDS = "dedupe_new_links", "dedupe_new_records"


def patch_snapshot(wh: Any, name: str, result: DedupeResult, records: pl.DataFrame,
                   shown: str, counted: list[str], *, replaced: bool = True,
                   since: str | None = None, run_id: str = "") -> bool:
    """Give ``match``'s copy the delta just written; False when it must be rewritten whole.

    The rows inserted are the run's own (``result``'s index, links and contacts, the
    affected ``records`` as read, every column the copy holds), not read back from the
    warehouse's large tables. ``shown``: the copy's contact columns; ``counted``: the
    columns of its value counts (:data:`COUNTS_TABLE`). The counts get a delta too: what
    the copy's rows of the touched records counted is taken off before they are
    replaced, what the rows inserted count is added after (a value left with no record
    goes), so the counts stay those of the copy's records. ``replaced``: False when no
    record changed or went (an append): no old values to read from the copy.
    ``since``: the run whose dedupe the tables showed before this one's delta (the
    :data:`WRITTEN_KEY` read before :func:`write_delta`); the copy is patched only when it
    shows that run too, and then names ``run_id``. A copy a run behind (one died between
    its commit and this patch: its delta never reached the copy, whose counts would drift)
    or of an unknown run is not patched: False, and the caller writes it whole.
    """
    touched = f"record_id IN (SELECT record_id FROM {TOUCHED})"
    contacts = f"contact_id IN (SELECT contact_id FROM {TOUCHED_CONTACTS})"
    compared = records.columns
    kept = ", ".join(quote_identifier(c) for c in compared)
    changes = {
        T.match_index.name: (touched, f"SELECT * FROM {_COPY_INDEX}"),
        T.normalized_records.name: (touched, f"SELECT {kept} FROM {_COPY_RECORDS}"),
        T.contact_links.name: (touched, f"SELECT record_id, contact_id FROM {_COPY_LINKS}"),
        T.contacts.name: (contacts, f"SELECT {shown} FROM {_COPY_CONTACTS}"),
    }
    available = wh.columns(T.normalized_records.name)
    before: list[str] = []
    after: list[str] = []
    if countable(counted, available) != countable(counted, compared):
        # the copy lacks a column the counts read: count the warehouse's records afresh
        query = counts_query(counted, available)
        if query is not None:
            changes[COUNTS_TABLE] = ("true", query)
    else:
        before, after = _counts_delta(counted, compared, replaced)
    state = "{copy}.main." + COPY_STATE_TABLE
    guard = ("SELECT false" if since is None else
             f"SELECT count(*) = 1 AND count(*) FILTER (WHERE written_by = "
             f"{quote_literal(since)}) = 1 FROM {state}")
    after = [*after, f"UPDATE {state} SET written_by = {quote_literal(run_id)}"]
    with contextlib.ExitStack() as frames:
        for table, frame in ((_COPY_INDEX, result.index), (_COPY_RECORDS, records),
                             (_COPY_LINKS, result.links), (_COPY_CONTACTS, result.contacts)):
            frames.enter_context(wh.registered(table, frame))
        return bool(wh.patch_snapshot(name, changes, row_group_size=SNAPSHOT_ROW_GROUP,
                                      before=before, after=after, guard=guard))


#: The run's frames the copy's new rows come from.
_COPY_INDEX, _COPY_RECORDS = "dedupe_copy_index", "dedupe_copy_records"
_COPY_LINKS, _COPY_CONTACTS = "dedupe_copy_links", "dedupe_copy_contacts"
#: Scratch tables of the counts' delta: the rows counted, their counts before and after.
COUNTED, COUNTS_DELTA, COUNTS_SUM = ("dedupe_counted_rows", "dedupe_counts_delta",
                                     "dedupe_counts_sum")


def _counts_delta(counted: list[str], compared: list[str], replaced: bool
                  ) -> tuple[list[str], list[str]]:
    """Statements before and after the copy's rows are replaced that bring its
    :data:`COUNTS_TABLE` along (``{copy}``: the copy's catalog). The rows counted are
    gathered once: each counted column reads them again. ``replaced``: some records
    changed or were removed (their old rows are read from the copy)."""
    query = counts_delta(counted, compared, COUNTED, "{copy}.main." + T.match_index.name)
    if query is None:
        return [], []
    kept = ", ".join(quote_identifier(c) for c in compared)
    # the copy's rows of the touched records: a record the run matched again whose values
    # did not change holds in the copy what the run read (its registered rows); only a
    # changed or removed record's old values must be read from the copy (a pass over it)
    versioned = f"SELECT record_id FROM {DELTA} WHERE kind IN ('new', 'changed', 'removed')"
    gather = (f"CREATE OR REPLACE TEMP TABLE {COUNTED} AS SELECT {kept} FROM {_COPY_RECORDS} "
              f"WHERE record_id NOT IN ({versioned})")
    if replaced:
        gather += (f" UNION ALL SELECT {kept} FROM {{copy}}.main.{T.normalized_records.name} "
                   f"WHERE record_id IN ({versioned})")
    target = "{copy}.main." + COUNTS_TABLE
    before = [gather,
              f"CREATE OR REPLACE TEMP TABLE {COUNTS_DELTA} AS SELECT column_name, value, "
              f"-records AS records FROM ({query})"]
    after = [  # the rows inserted are the run's records, as registered
        f"CREATE OR REPLACE TEMP TABLE {COUNTED} AS SELECT {kept} FROM {_COPY_RECORDS}",
        f"INSERT INTO {COUNTS_DELTA} {query}",
        f"CREATE OR REPLACE TEMP TABLE {COUNTS_SUM} AS SELECT column_name, value, "
        f"sum(records)::BIGINT AS records FROM {COUNTS_DELTA} GROUP BY ALL "
        "HAVING sum(records) <> 0",
        f"UPDATE {target} c SET records = c.records + d.records FROM {COUNTS_SUM} d "
        "WHERE c.column_name = d.column_name AND c.value = d.value",
        f"UPDATE {target} c SET records = c.records + d.records FROM {COUNTS_SUM} d "
        "WHERE c.column_name = d.column_name AND c.value IS NULL AND d.value IS NULL",
        f"INSERT INTO {target} (column_name, value, records) SELECT column_name, value, "
        f"records FROM {COUNTS_SUM} d WHERE d.value IS NOT NULL AND NOT EXISTS (SELECT 1 "
        f"FROM {target} c WHERE c.column_name = d.column_name AND c.value = d.value)",
        f"DELETE FROM {target} WHERE value IS NOT NULL AND records <= 0",
        *(f"DROP TABLE {t}" for t in (COUNTED, COUNTS_DELTA, COUNTS_SUM))]
    return before, after


def drop_touched(wh: Any) -> None:
    for name in (TOUCHED, TOUCHED_CONTACTS):
        wh.execute(f"DROP TABLE IF EXISTS {name}")
