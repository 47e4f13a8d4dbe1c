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
from contactops.catalog.stages import NORMALIZED_UNORDERED
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
    """Keep (or, for None, forget) the basis the normalize tables were just built on.

    A delete and an insert rather than an upsert: the statement carries to Spark SQL, and
    the caller's transaction makes the pair one change."""
    wh.execute(f"DELETE FROM {T.meta} WHERE key = ?", [BASIS_KEY])
    if value is not None:
        wh.execute(f"INSERT INTO {T.meta} VALUES (?, ?)", [BASIS_KEY, value])


#: Scratch tables of one incremental normalize (temporary: this connection, this run).
_PENDING = "normalize_pending_records"
#: The records whose current version (``now``) is not the one normalized (``was``; null
#: for a new record, ``now`` null for one no longer current); ``kept``: re-pointed.
_DIFF = "normalize_version_diff"
#: The records whose current version may have changed (see :func:`find_current`).
_CANDIDATES = "normalize_candidate_records"


def find_current(wh: Any) -> None:
    """Compare the current version of each record that can have changed with
    ``normalized_versions``, into a scratch table of the records that differ.

    A record's current version changes only with the set of current loads: a record of a
    current load no version names (a new load, an older snapshot current again), or a
    version in a load no longer current (undone, superseded, retired). An erasure removes
    a record's versions with its source rows. So only those records are ranked as
    ``current_source_records`` ranks them (the newest current load holding the record),
    not the 1M others: the view ranks every landed version, too dear for an hourly run.
    """
    known = f"SELECT DISTINCT load_id FROM {T.normalized_versions}"
    now = f"SELECT load_id FROM {T.current_loads}"
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {_CANDIDATES} AS "
               f"SELECT record_id FROM {T.source_records} WHERE load_id IN "
               f"({now} EXCEPT {known}) UNION SELECT record_id FROM {T.normalized_versions} "
               f"WHERE load_id NOT IN ({now})")
    candidate = f"record_id IN (SELECT record_id FROM {_CANDIDATES})"
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {_DIFF} AS SELECT coalesce(c.record_id, "
               "v.record_id) AS record_id, c.load_id AS now, v.load_id AS was, false AS kept "
               "FROM (SELECT record_id, load_id FROM (SELECT record_id, load_id, row_number() "
               "OVER (PARTITION BY record_id ORDER BY load_seq DESC) AS _rn "
               f"FROM {T.source_records} WHERE load_id IN ({now}) AND {candidate}) "
               "WHERE _rn = 1) c "
               f"FULL JOIN (SELECT record_id, load_id FROM {T.normalized_versions} "
               f"WHERE {candidate}) v USING (record_id) "
               "WHERE c.load_id IS DISTINCT FROM v.load_id")
    wh.execute(f"DROP TABLE {_CANDIDATES}")


def repoint_unchanged(wh: Any) -> int:
    """Re-point the versions of records whose current version (another load's) holds the
    same values normalize reads, and their audit rows; returns how many.

    Normalize output depends only on those values, so the rows already written are what
    normalizing the current version would write; only the ``load_id`` they name changes.
    Needs :func:`find_current` first.
    """
    same = " AND ".join(f"n.{name} IS NOT DISTINCT FROM o.{name}"
                        for name in ("source", "source_kind", *CONTACT_FIELDS))
    if not wh.scalar(f"SELECT count(*) FROM {_DIFF} WHERE now IS NOT NULL "
                     "AND was IS NOT NULL"):
        return 0  # only new or removed records (an append, an undo): nothing to compare
    moved = "normalize_moved_versions"
    wh.execute(
        f"CREATE OR REPLACE TEMP TABLE {moved} AS SELECT d.record_id, d.now AS load_id "
        f"FROM {_DIFF} d "
        f"JOIN {T.source_records} o ON o.record_id = d.record_id AND o.load_id = d.was "
        f"JOIN {T.source_records} n ON n.record_id = d.record_id AND n.load_id = d.now "
        f"WHERE {same}")
    count = int(wh.scalar(f"SELECT count(*) FROM {moved}"))
    if count:
        for table in (T.normalization_audit, T.normalized_versions):
            wh.execute(f"UPDATE {table} SET load_id = m.load_id FROM {moved} m "
                       f"WHERE {table}.record_id = m.record_id")
        wh.execute(f"UPDATE {_DIFF} SET kept = true FROM {moved} m "
                   f"WHERE {_DIFF}.record_id = m.record_id")
    wh.execute(f"DROP TABLE {moved}")
    return count


def remove_stale(wh: Any) -> tuple[int, int]:
    """Delete the rows of records no longer current, or current in another version, from
    every normalize table; returns (records removed, records whose version changed).
    Needs :func:`find_current` first."""
    stale = "normalize_stale_versions"
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {stale} AS SELECT record_id, now IS NULL AS "
               f"gone FROM {_DIFF} WHERE was IS NOT NULL AND NOT kept")
    gone, changed = wh.fetchall(
        f"SELECT count(*) FILTER (WHERE gone), count(*) FILTER (WHERE NOT gone) FROM {stale}")[0]
    if gone or changed:
        for table in _NORMALIZE_TABLES:
            wh.execute(f"DELETE FROM {table} WHERE record_id IN (SELECT record_id FROM {stale})")
    wh.execute(f"DROP TABLE {stale}")
    return int(gone), int(changed)


def collect_pending(wh: Any, columns: list[str]) -> int:
    """Gather the current records with no version in the normalize tables (after
    :func:`remove_stale`: new and changed ones) in ``record_id`` order; returns how many."""
    chosen = ", ".join(f"s.{name}" for name in columns)
    wh.execute(
        f"CREATE OR REPLACE TEMP TABLE {_PENDING} AS "
        f"SELECT {chosen}, row_number() OVER (ORDER BY s.record_id) AS _n FROM {_DIFF} d "
        f"JOIN {T.source_records} s ON s.record_id = d.record_id AND s.load_id = d.now "
        "WHERE NOT d.kept")
    return int(wh.scalar(f"SELECT count(*) FROM {_PENDING}"))


def pending_query(columns: list[str]) -> str:
    """The query of the gathered records, in the order :func:`collect_pending` gave them."""
    return f"SELECT {', '.join(columns)} FROM {_PENDING} ORDER BY _n"


def drop_scratch(wh: Any) -> None:
    """Drop the scratch tables of :func:`find_current` and :func:`collect_pending` once the
    gathered records are normalized."""
    for name in (_PENDING, _DIFF):
        wh.execute(f"DROP TABLE {name}")


def mark_unordered(wh: Any, unordered: bool) -> None:
    """Say (in ``meta``) whether ``normalized_records`` holds rows out of ``record_id``
    order. An incremental normalize appends its records rather than rewrite the table in
    order (10 s of every hourly run at 1M); the one reader whose result depends on the
    order, the full dedupe, sorts its read while the mark is set."""
    wh.execute(f"DELETE FROM {T.meta} WHERE key = ?", [NORMALIZED_UNORDERED])
    if unordered:
        wh.execute(f"INSERT INTO {T.meta} VALUES (?, 'true')", [NORMALIZED_UNORDERED])
