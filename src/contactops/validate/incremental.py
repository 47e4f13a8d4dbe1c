"""Incremental validation: re-check the records and contacts that changed since the last
validation, keep every total and issue row as a full validation would leave them.

Record rules and Pandera look at one record (or contact) at a time, so their results for a
record that did not change are those stored (:mod:`contactops.validate.state`). What a run
works on is found from tables, not from the run: rows whose hash over the checked columns
differs from the stored one, and stored rows whose record is gone. Totals are recounted by
the engine over the state; ``validation_issues`` keeps for each record rule entry the first
``max_issues_per_rule`` failing records in ``record_id`` order, so when a change falls
inside that window the window is found again from the state and the records that enter it
(unchanged ones included) get their rows. Set-level rules are recomputed whole by
:mod:`contactops.validate.stage`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from contactops.catalog import T
from contactops.validate import reads, state
from contactops.validate.result import ISSUE_SCHEMA

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse
    from contactops.validate.rules import RecordChecks

#: Past this share of a table changed, a full validation is as cheap and simpler.
MAX_CHANGED_SHARE = 0.3
#: SQL conditions telling the issue rows that belong to one record or contact.
RULE_ROW = ("(origin = 'rule' AND table_name = 'normalized_records' "
            "AND record_id IS NOT NULL)")
RECORD_SCHEMA_ROW = ("(origin = 'pandera' AND table_name = 'normalized_records' "
                     "AND record_id IS NOT NULL)")
CONTACT_SCHEMA_ROW = ("(origin = 'pandera' AND table_name = 'contacts' "
                      "AND contact_id IS NOT NULL)")
_WINDOW, _ENTRIES, _MISSING = ("validate_window", "validate_entries", "validate_missing")


class NeedsFull(Exception):
    """The incremental path found a reason for a full validation."""


@dataclass
class Pending:
    """What :func:`contactops.validate.stage.persist` writes besides the issues and summary.

    ``full``: the state of every record and contact replaces the stored one. Otherwise the
    state of the re-checked ones replaces theirs, and ``rule_rows`` (their record rule issue
    rows, ``_entry`` naming the rule entry) fill the windows :func:`apply` finds again.
    """

    basis: str
    full: bool
    record_state: pl.DataFrame
    contact_state: pl.DataFrame
    records: state.Delta | None = None
    contacts: state.Delta | None = None
    rule_rows: pl.DataFrame | None = None
    rules: RecordChecks | None = None
    record_columns: list[str] = field(default_factory=list)

    def touched(self) -> dict[str, int]:
        """Counts for the stage's result: what was (re-)checked."""
        if self.full:
            return {"records_validated": self.record_state.height,
                    "contacts_validated": self.contact_state.height}
        return {"records_validated": self.records.changed if self.records else 0,
                "records_removed": self.records.removed if self.records else 0,
                "contacts_validated": self.contacts.changed if self.contacts else 0,
                "contacts_removed": self.contacts.removed if self.contacts else 0}

    def note(self) -> str:
        c = self.touched()
        return (f"records re-validated: {c['records_validated']:,} changed, "
                f"{c['records_removed']:,} removed; contacts: {c['contacts_validated']:,} "
                f"changed, {c['contacts_removed']:,} removed (incremental: the others were "
                "checked before)")


def why_full(wh: Warehouse, basis: str, entries: list[tuple[str, str]]) -> str | None:
    """Why this validation cannot build on the stored state (None: it can)."""
    stored = state.stored_basis(wh)
    if stored is None:
        return "no earlier validation state"
    if stored != basis:
        return "validate settings, phone regions or contactops version changed"
    if len(set(entries)) < len(entries):
        return "two record rules check the same field"
    if not wh.table_exists(T.validation_issues.name):
        return "no earlier issues"
    unplaced = wh.scalar(f"SELECT count(*) FROM {T.validation_issues} WHERE origin = "
                         "'pandera' AND record_id IS NULL AND contact_id IS NULL")
    if unplaced:
        return "a Pandera check failed for a whole table last time"
    return None


def too_much(delta: state.Delta) -> str | None:
    if delta.nulls:
        return f"{delta.table} holds {delta.nulls:,} rows without a {delta.key}"
    share = (delta.changed + delta.removed) / max(delta.total, 1)
    if share > MAX_CHANGED_SHARE:
        return (f"{delta.changed + delta.removed:,} of {delta.total:,} {delta.table} rows "
                f"changed ({share:.0%}, over {MAX_CHANGED_SHARE:.0%})")
    return None


def rule_rows(rules: RecordChecks) -> pl.DataFrame:
    """The record rule issue rows ``rules`` kept, each with the index of its entry."""
    frames = [f.with_columns(_entry=pl.lit(i, dtype=pl.Int64))
              for i, kept in enumerate(rules.issues) for f in kept]
    if not frames:
        return pl.DataFrame(schema={**ISSUE_SCHEMA, "_entry": pl.Int64})
    return pl.concat(frames)


def apply(wh: Warehouse, pending: Pending, issues: pl.DataFrame, run_id: str) -> None:
    """Bring ``validation_issues`` and the state to what a full validation would leave
    (inside the caller's transaction). ``issues``: this run's set-level and Pandera rows."""
    records, contacts = pending.records, pending.contacts
    assert pending.rules is not None and pending.rule_rows is not None
    entries = [(r.name, r.field) for r in pending.rules.active or []]
    limit = pending.rules.options.max_issues_per_rule
    affected = _affected(wh, pending, entries, limit) if records else []
    wh.execute(f"DELETE FROM {T.validation_issues} WHERE NOT ({RULE_ROW} OR "
               f"{RECORD_SCHEMA_ROW} OR {CONTACT_SCHEMA_ROW})")
    if records is not None:
        wh.execute(f"DELETE FROM {T.validation_issues} WHERE ({RULE_ROW} OR "
                   f"{RECORD_SCHEMA_ROW}) AND record_id IN ({records.touched})")
        state.update(wh, T.validated_records, records, pending.record_state)
    if contacts is not None:
        wh.execute(f"DELETE FROM {T.validation_issues} WHERE {CONTACT_SCHEMA_ROW} "
                   f"AND contact_id IN ({contacts.touched})")
        state.update(wh, T.validated_contacts, contacts, pending.contact_state)
    if affected:
        _refill(wh, pending, entries, affected, limit)
    rest = issues.filter(~((pl.col("origin") == "rule")
                           & (pl.col("table_name") == T.normalized_records.name)
                           & pl.col("record_id").is_not_null()))
    if rest.height:
        wh.append_frame(T.validation_issues.name, rest.select(list(ISSUE_SCHEMA)))
    wh.execute(f"UPDATE {T.validation_issues} SET run_id = ?", [run_id])
    state.store_basis(wh, pending.basis)
    for delta in (records, contacts):
        if delta is not None:
            delta.drop(wh)


def _affected(wh: Warehouse, pending: Pending, entries: list[tuple[str, str]],
              limit: int) -> list[int]:
    """Entries whose window of kept issue rows may change: a record that fails it (before
    or now) was touched at or before the window's last record, or the window is not full,
    or it holds fewer rows than the state says it should (an erasure took some)."""
    records = pending.records
    assert records is not None
    kept = {(rule, fld): (int(n), last) for rule, fld, n, last in wh.fetchall(
        f"SELECT rule, field, count(*), max(record_id) FROM {T.validation_issues} "
        f"WHERE {RULE_ROW} GROUP BY rule, field")}
    totals = state.entry_counts(wh, entries)
    before = wh.pl(f"SELECT record_id, failed_mask FROM {T.validated_records} "
                   f"WHERE record_id IN ({records.touched})")
    touched = pl.concat([before, pending.record_state.select("record_id", "failed_mask")])
    found = []
    for i, entry in enumerate(entries):
        count, last = kept.get(entry, (0, None))
        hits = touched.filter((pl.col("failed_mask") & (1 << i)) != 0)["record_id"]
        first = hits.min() if hits.len() else None
        if count != min(limit, totals[i]) or (first is not None and (
                count < limit or last is None or str(first) <= str(last))):
            found.append(i)
    return found


def _refill(wh: Warehouse, pending: Pending, entries: list[tuple[str, str]],
            affected: list[int], limit: int) -> None:
    """Give each affected entry its first ``limit`` failing records' rows, from the rows of
    the records re-checked now, those kept, and a check of records entering the window."""
    assert pending.rules is not None and pending.rule_rows is not None
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {_WINDOW} (entry BIGINT, record_id VARCHAR)")
    for i in affected:
        wh.execute(f"INSERT INTO {_WINDOW} SELECT {i}, record_id FROM "
                   f"(SELECT record_id FROM {T.validated_records} WHERE failed_mask & "
                   f"{1 << i} <> 0 ORDER BY record_id LIMIT {int(limit)})")
    names = pl.DataFrame({"entry": list(range(len(entries))),
                          "rule": [e[0] for e in entries], "field": [e[1] for e in entries]},
                         schema={"entry": pl.Int64, "rule": pl.String, "field": pl.String})
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {_ENTRIES} (entry BIGINT, rule VARCHAR, "
               "field VARCHAR)")
    wh.append_frame(_ENTRIES, names.filter(pl.col("entry").is_in(affected)))
    wh.execute(f"DELETE FROM {T.validation_issues} v WHERE {RULE_ROW} AND EXISTS (SELECT 1 "
               f"FROM {_ENTRIES} e WHERE e.rule = v.rule AND e.field = v.field) AND NOT EXISTS "
               f"(SELECT 1 FROM {_WINDOW} w JOIN {_ENTRIES} e ON e.entry = w.entry WHERE "
               "e.rule = v.rule AND e.field = v.field AND w.record_id = v.record_id)")
    fresh = pending.rule_rows.filter(pl.col("_entry").is_in(affected))
    _insert_in_window(wh, fresh)
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {_MISSING} AS SELECT w.entry, w.record_id "
               f"FROM {_WINDOW} w JOIN {_ENTRIES} e ON e.entry = w.entry WHERE NOT EXISTS "
               f"(SELECT 1 FROM {T.validation_issues} v WHERE {RULE_ROW} AND "
               "v.rule = e.rule AND v.field = e.field AND v.record_id = w.record_id)")
    if wh.scalar(f"SELECT count(*) FROM {_MISSING}"):
        rules = type(pending.rules)(pending.rules.options, pending.rules.run_id,
                                    regions=pending.rules.regions)
        for chunk in reads.chunks(wh, T.normalized_records.name, pending.record_columns,
                                  "record_id", 200_000, only=_MISSING):
            rules.add(chunk)
        _insert_in_window(wh, rule_rows(rules), table=_MISSING)
    for name in (_WINDOW, _ENTRIES, _MISSING):
        wh.execute(f"DROP TABLE IF EXISTS {name}")


def _insert_in_window(wh: Warehouse, rows: pl.DataFrame, table: str = _WINDOW) -> None:
    """Insert the rows whose (entry, record) is in ``table``."""
    if not rows.height:
        return
    columns = ", ".join(f"f.{c}" for c in ISSUE_SCHEMA)
    with wh.registered("validate_fresh_rows", rows):
        wh.execute(f"INSERT INTO {T.validation_issues} ({', '.join(ISSUE_SCHEMA)}) "
                   f"SELECT {columns} FROM "
                   f"validate_fresh_rows f JOIN {table} w ON w.entry = f._entry "
                   "AND w.record_id = f.record_id")
