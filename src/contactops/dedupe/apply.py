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
from contactops.dedupe.lookup import COUNTS_TABLE, SNAPSHOT_ROW_GROUP

if TYPE_CHECKING:
    from contactops.dedupe.core import DedupeResult

#: Scratch tables: every record and contact whose rows the run replaces.
TOUCHED = "dedupe_touched_records"
TOUCHED_CONTACTS = "dedupe_touched_contacts"


def write_versions(wh: Any, columns: list[str], compared: list[str], where: str = "") -> None:
    """Insert the ``dedupe_versions`` rows of the linked records (``where``: which, over
    ``record_id``);
    ``columns``: the email and phone columns, ``compared``: every column dedupe reads."""
    def rows(table: Any) -> str:  # each table narrowed before the joins
        return f"(SELECT * FROM {table} {where})" if where else str(table)

    wh.execute(
        f"INSERT INTO {T.dedupe_versions} (record_id, load_id, contact_id, row_hash, "
        f"shared_values) SELECT l.record_id, v.load_id, l.contact_id, "
        f"{row_hash_sql(compared)}, {shared_values_sql(columns)} "
        f"FROM {rows(T.contact_links)} l JOIN {rows(T.normalized_versions)} v "
        f"USING (record_id) JOIN {rows(T.normalized_records)} n USING (record_id)")


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


def write_delta(wh: Any, result: DedupeResult, columns: list[str], compared: list[str]
                ) -> None:
    """Replace the affected rows with ``result``'s (see the module docstring)."""
    with wh.registered("dedupe_new_contacts", result.contacts.select("contact_id")):
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {TOUCHED_CONTACTS} AS "
                   f"SELECT contact_id FROM {CONTACTS} UNION "
                   "SELECT contact_id FROM dedupe_new_contacts")
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {TOUCHED} AS SELECT record_id FROM {AFFECTED} "
               f"UNION SELECT record_id FROM {DELTA}")
    records = f"record_id IN (SELECT record_id FROM {TOUCHED})"
    contacts = f"contact_id IN (SELECT contact_id FROM {TOUCHED_CONTACTS})"
    judged = (f"(record_a IN (SELECT record_id FROM {TOUCHED}) AND record_b IN "
              f"(SELECT record_id FROM {TOUCHED})) OR record_a IN (SELECT record_id FROM "
              f"{DELTA}) OR record_b IN (SELECT record_id FROM {DELTA})")
    with wh.transaction():
        for table, where, frame in ((T.contacts, contacts, result.contacts),
                                    (T.contact_provenance, contacts, result.provenance),
                                    (T.contact_links, records, result.links),
                                    (T.match_index, records, result.index),
                                    (T.match_reviews, judged, result.reviews)):
            wh.execute(f"DELETE FROM {table} WHERE {where}")
            if frame.height:
                wh.append_frame(table.name, frame)
        for side in ("a", "b"):  # pairs kept whose record moved to another contact
            wh.execute(f"UPDATE {T.match_reviews} SET contact_{side} = l.contact_id "
                       f"FROM (SELECT record_id, contact_id FROM {T.contact_links} WHERE "
                       f"record_id IN (SELECT record_id FROM {AFFECTED})) l "
                       f"WHERE l.record_id = record_{side}")
        if result.events.height:
            wh.append_frame(T.merge_events.name, result.events)
        wh.execute(f"DELETE FROM {T.dedupe_versions} WHERE {records}")
        write_versions(wh, columns, compared,
                       f"WHERE record_id IN (SELECT record_id FROM {AFFECTED})")
        store(wh, DECIDED_KEY, last_decision(wh))


def patch_snapshot(wh: Any, name: str, compared: str, shown: str,
                   counts: str | None = None) -> bool:
    """Give ``match``'s copy the delta just written; False when it must be rewritten whole.

    ``compared``: the normalized columns the copy holds; ``shown``: its contact columns;
    ``counts``: the ``SELECT`` of the copy's value counts
    (:data:`contactops.dedupe.lookup.COUNTS_TABLE`), counted afresh over the warehouse: a
    record added or removed changes the counts of every value it holds.
    """
    records = f"record_id IN (SELECT record_id FROM {TOUCHED})"
    contacts = f"contact_id IN (SELECT contact_id FROM {TOUCHED_CONTACTS})"
    changed = f"record_id IN (SELECT record_id FROM {AFFECTED})"
    changes = {
        T.match_index.name: (records, f"SELECT * FROM {T.match_index} WHERE {changed}"),
        T.normalized_records.name: (
            records, f"SELECT {compared} FROM {T.normalized_records} WHERE {changed}"),
        T.contact_links.name: (records, f"SELECT record_id, contact_id FROM "
                                        f"{T.contact_links} WHERE {changed}"),
        T.contacts.name: (contacts, f"SELECT {shown} FROM {T.contacts} WHERE {contacts}"),
    }
    if counts is not None:
        changes[COUNTS_TABLE] = ("true", counts)
    return bool(wh.patch_snapshot(name, changes, row_group_size=SNAPSHOT_ROW_GROUP))


def drop_touched(wh: Any) -> None:
    for name in (TOUCHED, TOUCHED_CONTACTS):
        wh.execute(f"DROP TABLE IF EXISTS {name}")
