"""The review queue and user decisions: export, must-link / cannot-link, unmerge.

Decisions are stored in ``match_decisions`` and applied by every later dedupe run; each is
also recorded in ``merge_events``. ``unmerge`` splits a contact into single-record contacts
at once (the first record keeps the contact id) and stores cannot-link decisions between
its records so later runs keep them apart.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from contactops.catalog import T
from contactops.dedupe import lineage
from contactops.dedupe.ids import new_id
from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

Decision = Literal["must_link", "cannot_link"]


def _ensure(wh: Warehouse) -> None:
    from contactops.dedupe.stage import ensure_tables

    ensure_tables(wh)


def review_queue(wh: Warehouse, limit: int | None = None) -> pl.DataFrame:
    """Open review pairs (no decision yet), most likely matches first."""
    _ensure(wh)
    if not wh.table_exists(T.match_reviews.name):
        raise UsageError("no match_reviews yet: run the pipeline's dedupe stage first")
    sql = (f"SELECT r.* FROM {T.match_reviews} r WHERE NOT EXISTS "
           f"(SELECT 1 FROM {T.match_decisions} d"
           " WHERE least(d.record_a, d.record_b) = least(r.record_a, r.record_b)"
           " AND greatest(d.record_a, d.record_b) = greatest(r.record_a, r.record_b))"
           " ORDER BY match_probability DESC")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return wh.pl(sql)


def export_reviews(wh: Warehouse, path: str | Path) -> int:
    """Write the open review queue to CSV; returns the number of pairs."""
    queue = review_queue(wh)
    queue.write_csv(path)
    return queue.height


def _known(wh: Warehouse, record_ids: list[str]) -> None:
    table = T.contact_links if wh.table_exists(T.contact_links.name) else T.normalized_records
    if not wh.table_exists(table.name):
        raise UsageError("no records yet: run the pipeline first")
    found = set(wh.pl(f"SELECT record_id FROM {table} WHERE record_id IN "
                      f"(SELECT unnest(?))", [record_ids])["record_id"].to_list())
    missing = [r for r in record_ids if r not in found]
    if missing:
        raise UsageError(f"unknown record id(s) {missing}; see 'contactops dedupe review'")


def decide(wh: Warehouse, record_a: str, record_b: str, decision: Decision,
           note: str | None = None, run_id: str = "manual") -> None:
    """Store a must-link / cannot-link decision; the next dedupe run applies it."""
    if record_a == record_b:
        raise UsageError("a decision needs two different records")
    _ensure(wh)
    _known(wh, [record_a, record_b])
    contact = None
    if wh.table_exists(T.contact_links.name):
        contact = wh.scalar(f"SELECT contact_id FROM {T.contact_links} WHERE record_id = ?",
                            [record_a])
    with wh.transaction():
        wh.execute(f"INSERT INTO {T.match_decisions} (record_a, record_b, decision, note) "
                   "VALUES (?, ?, ?, ?)", [record_a, record_b, decision, note])
        wh.append_frame(T.merge_events.name, lineage.event(
            run_id, "decision", contact or "", [record_a, record_b],
            rules=[f"decision:{decision}"], detail={"note": note}))


def unmerge(wh: Warehouse, contact_id: str, reason: str | None = None,
            run_id: str = "manual") -> list[str]:
    """Split a contact into one contact per record; returns the new contact ids."""
    _ensure(wh)
    if not wh.table_exists(T.contact_links.name):
        raise UsageError("no contacts yet: run the pipeline's dedupe stage first")
    members = wh.pl(f"SELECT record_id FROM {T.contact_links} WHERE contact_id = ? "
                    "ORDER BY record_id", [contact_id])["record_id"].to_list()
    if not members:
        raise UsageError(f"unknown contact id '{contact_id}'")
    if len(members) == 1:
        raise UsageError(f"contact '{contact_id}' has a single record; nothing to unmerge")
    new_ids = [contact_id] + [new_id(f"unmerge|{contact_id}|{r}") for r in members[1:]]
    pairs = pl.DataFrame([(a, b, "cannot_link", f"unmerge {contact_id}: {reason or ''}")
                          for a, b in itertools.combinations(members, 2)],
                         schema=["record_a", "record_b", "decision", "note"], orient="row")
    mapping = pl.DataFrame({"record_id": members, "new_contact_id": new_ids})
    with wh.transaction():
        wh.append_frame(T.match_decisions.name, pairs)
        with wh.registered("_unmerge_map", mapping):
            wh.execute(f"UPDATE {T.contact_links} SET contact_id = m.new_contact_id, "
                       "link_type = 'unmerged', rule = 'decision:unmerge' "
                       f"FROM _unmerge_map m WHERE {T.contact_links}.record_id = m.record_id")
        if wh.table_exists(T.contacts.name):
            _rebuild_contacts(wh, contact_id, mapping)
        wh.append_frame(T.merge_events.name, lineage.event(
            run_id, "unmerge", contact_id, members, from_contact_ids=new_ids,
            rules=["decision:unmerge"], detail={"reason": reason}))
    return new_ids


def _rebuild_contacts(wh: Warehouse, contact_id: str, mapping: pl.DataFrame) -> None:
    """Golden records for the split contact's records, replacing its old row."""
    from contactops.config.dedupe import DedupeSettings
    from contactops.dedupe.survivorship import golden_records

    if not wh.table_exists(T.normalized_records.name):
        return
    records = wh.pl(f"SELECT * FROM {T.normalized_records} WHERE record_id IN (SELECT unnest(?))",
                    [mapping["record_id"].to_list()])
    records = records.join(mapping.rename({"new_contact_id": "contact_id"}), on="record_id")
    contacts, provenance = golden_records(records, DedupeSettings())
    existing = wh.columns(T.contacts.name)
    contacts = contacts.select([c for c in existing if c in contacts.columns])
    wh.execute(f"DELETE FROM {T.contacts} WHERE contact_id = ?", [contact_id])
    wh.append_frame(T.contacts.name, contacts)
    if wh.table_exists(T.contact_provenance.name):
        wh.execute(f"DELETE FROM {T.contact_provenance} WHERE contact_id = ?", [contact_id])
        wh.append_frame(T.contact_provenance.name, provenance)
