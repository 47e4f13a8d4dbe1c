"""Incremental normalize: which records need normalizing, and which rows must go.

``normalized_versions`` says which load's version of each record the normalize tables hold.
Compared with ``current_source_records`` it gives the work of a run:

* a current record with no version, or another load's version (a new load, a new snapshot,
  an undone newer version that makes an older one current again), is normalized;
* except when that other version holds the same values (a snapshot reloaded with most rows
  as they were): the version is re-pointed to the current load, nothing is normalized again;
* a version whose record is no longer current (superseded snapshot, undone load, retired
  source) or is current in another version has its rows removed first.

Normalize output depends only on the record and the normalize settings (chunking already
relies on it), so the tables end up as a full normalize would leave them, as long as the
settings are those the tables were built with: the **basis** (the settings fingerprint parts
normalize depends on, and the current reference loads when enrichment reads them) is kept in
``meta`` beside the tables, written in the same transaction, and any difference makes the
run a full normalize.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from contactops.catalog import T
from contactops.fields import CONTACT_FIELDS

#: The ``meta`` key holding the basis of the normalize tables.
BASIS_KEY = "normalize_basis"
#: The settings fingerprint parts normalize output depends on.
BASIS_PARTS = ("contactops", "vocabularies", "normalize")
_NORMALIZE_TABLES = (T.normalized_records, T.normalization_audit,
                     T.normalization_enrichments, T.normalized_versions)


def basis(wh: Any, parts: dict[str, str], *, enrichment: bool) -> str | None:
    """The basis of this run's normalize, or None when the run gave no fingerprint (a stage
    called outside a run: its tables are then never extended incrementally)."""
    if not all(name in parts for name in BASIS_PARTS):
        return None
    references = None
    if enrichment:
        references = [r[0] for r in wh.fetchall(
            f"SELECT load_id FROM {T.current_loads} WHERE role = 'reference' ORDER BY 1")]
    text = json.dumps([[parts[name] for name in BASIS_PARTS], references])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def can_extend(wh: Any, wanted: str | None) -> bool:
    """The normalize tables exist and were built on ``wanted``."""
    if wanted is None or not all(wh.table_exists(t.name) for t in _NORMALIZE_TABLES):
        return False
    stored = wh.scalar(f"SELECT value FROM {T.meta} WHERE key = ?", [BASIS_KEY])
    return bool(stored == wanted)


def store_basis(wh: Any, value: str | None) -> None:
    """Keep (or, for None, forget) the basis the normalize tables were just built on."""
    if value is None:
        wh.execute(f"DELETE FROM {T.meta} WHERE key = ?", [BASIS_KEY])
    else:
        wh.execute(f"INSERT OR REPLACE INTO {T.meta} VALUES (?, ?)", [BASIS_KEY, value])


def repoint_unchanged(wh: Any) -> int:
    """Re-point the versions of records whose current version (another load's) holds the
    same values normalize reads, and their audit rows; returns how many.

    Normalize output depends only on those values, so the rows already written are what
    normalizing the current version would write; only the ``load_id`` they name changes.
    Run it in a transaction of its own before :func:`pending_sql` is read (the batches see
    what was committed).
    """
    same = " AND ".join(f"c.{name} IS NOT DISTINCT FROM o.{name}"
                        for name in ("source", "source_kind", *CONTACT_FIELDS))
    moved = (f"SELECT v.record_id, c.load_id FROM {T.normalized_versions} v "
             f"JOIN {T.current_source_records} c ON c.record_id = v.record_id "
             f"JOIN {T.source_records} o ON o.record_id = v.record_id AND o.load_id = v.load_id "
             f"WHERE c.load_id <> v.load_id AND {same}")
    count = int(wh.scalar(f"SELECT count(*) FROM ({moved})"))
    if count:
        with wh.transaction():
            # the audit first: ``moved`` reads the versions, empty once they are re-pointed
            for table in (T.normalization_audit, T.normalized_versions):
                wh.execute(f"UPDATE {table} SET load_id = m.load_id FROM ({moved}) m "
                           f"WHERE {table}.record_id = m.record_id")
    return count


def remove_stale(wh: Any) -> tuple[int, int]:
    """Delete the rows of records no longer current, or current in another version, from
    every normalize table; returns (records removed, records whose version changed)."""
    stale = (f"SELECT v.record_id, c.record_id IS NULL AS gone FROM {T.normalized_versions} v "
             f"LEFT JOIN {T.current_source_records} c USING (record_id) "
             "WHERE c.record_id IS NULL OR c.load_id <> v.load_id")
    gone, changed = wh.fetchall(
        f"SELECT count(*) FILTER (WHERE gone), count(*) FILTER (WHERE NOT gone) "
        f"FROM ({stale})")[0]
    if gone or changed:
        ids = f"SELECT record_id FROM ({stale})"
        for table in _NORMALIZE_TABLES:  # normalized_versions last: the others use it
            wh.execute(f"DELETE FROM {table} WHERE record_id IN ({ids})")
    return int(gone), int(changed)


def pending_sql(columns: list[str]) -> str:
    """The current records that need normalizing, in ``record_id`` order.

    Written so it gives the same rows before and after :func:`remove_stale` (the batches
    read what was committed when they started)."""
    chosen = ", ".join(f"c.{name}" for name in columns)
    return (f"SELECT {chosen} FROM {T.current_source_records} c "
            f"LEFT JOIN {T.normalized_versions} v USING (record_id) "
            "WHERE v.record_id IS NULL OR v.load_id <> c.load_id ORDER BY record_id")


def restore_order(wh: Any) -> None:
    """Rewrite ``normalized_records`` in ``record_id`` order, as a full normalize writes it
    (readers that do not sort see the same rows in the same order)."""
    wh.execute(f"CREATE OR REPLACE TABLE {T.normalized_records} AS "
               f"SELECT * FROM {T.normalized_records} ORDER BY record_id")
