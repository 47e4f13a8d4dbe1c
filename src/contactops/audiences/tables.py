"""Warehouse tables owned by the audiences stage (created idempotently on first use).

* ``audiences`` — the last published definition of each audience.
* ``publishes`` — one manifest row per publish: when, by which run, counts, exclusions by
  reason, targets, the content hash and its ``status``: ``staging`` and ``swapping`` while
  it is written (a publish killed then is repaired by the next audiences command, see
  :mod:`contactops.audiences.manifest`), then ``committed`` or ``rolled_back``. Only
  committed rows are the published state.
* ``audience_members`` — (audience, contact_id, publish_id) for every publish.
* ``suppressions`` — unsubscribes, bounces, do-not-contact and erased people (hashed).
* ``contact_deletions`` — soft deletions; a restore sets ``restored_at``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

DDL = """
CREATE TABLE IF NOT EXISTS audiences (
  audience VARCHAR PRIMARY KEY,
  channel VARCHAR,
  purpose VARCHAR,
  active BOOLEAN,
  definition JSON,
  definition_hash VARCHAR,
  updated_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS publishes (
  publish_id VARCHAR PRIMARY KEY,
  audience VARCHAR NOT NULL,
  run_id VARCHAR,
  mode VARCHAR,              -- production | test
  published_at TIMESTAMP,
  published_by VARCHAR,
  members BIGINT,
  added BIGINT,
  removed BIGINT,
  excluded BIGINT,
  exclusions JSON,           -- {reason: count}
  issues JSON,               -- {severity: count} of validation issues on members
  targets JSON,              -- [{name, type, location, rows}]
  content_hash VARCHAR,      -- sha256 of the exported rows
  plan_hash VARCHAR,         -- content + definition + targets: equal means no-op
  previous_publish_id VARCHAR,
  status VARCHAR DEFAULT 'committed',  -- staging | swapping | committed | rolled_back
  definition JSON            -- the audience definition published
);
CREATE TABLE IF NOT EXISTS audience_members (
  audience VARCHAR NOT NULL,
  contact_id VARCHAR NOT NULL,
  publish_id VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS suppressions (
  kind VARCHAR NOT NULL,     -- unsubscribe | bounce | do_not_contact | erased
  channel VARCHAR NOT NULL,  -- email | sms | phone | all
  value VARCHAR NOT NULL,    -- lower-case email or E.164 phone, or its salted sha256
  hashed BOOLEAN NOT NULL,
  salt_id VARCHAR,           -- which salt hashed it (a hash of the salt, never the salt)
  source VARCHAR,
  reason VARCHAR,
  added_at TIMESTAMP DEFAULT current_timestamp
);
CREATE TABLE IF NOT EXISTS contact_deletions (
  deletion_id VARCHAR NOT NULL,
  contact_id VARCHAR NOT NULL,
  deleted_at TIMESTAMP DEFAULT current_timestamp,
  run_id VARCHAR,
  reason VARCHAR,
  forced BOOLEAN,
  referenced_by JSON,
  restored_at TIMESTAMP,
  restore_reason VARCHAR
);
"""


#: Columns added to ``publishes`` since its first version, with their DDL.
_PUBLISHES_ADDED = {"status": "VARCHAR DEFAULT 'committed'", "definition": "JSON"}


def ensure_tables(wh: Warehouse) -> None:
    if wh.read_only:
        return
    if not wh.table_exists("contact_deletions"):
        with wh.transaction():
            wh.execute(DDL)
        return
    missing = [c for c in _PUBLISHES_ADDED if c not in wh.columns("publishes")]
    if missing:  # a warehouse from before crash-consistent publishing: its rows are committed
        with wh.transaction():
            for column in missing:
                wh.execute(f"ALTER TABLE publishes ADD COLUMN {column} "
                           f"{_PUBLISHES_ADDED[column]}")


def committed(wh: Warehouse, alias: str = "") -> str:
    """SQL condition keeping the committed ``publishes`` rows (any row on old warehouses)."""
    if "status" not in wh.columns("publishes"):
        return "TRUE"
    return f"{alias + '.' if alias else ''}status = 'committed'"


def deleted_ids(wh: Warehouse) -> set[str]:
    """Contacts soft-deleted and not restored."""
    if not wh.table_exists("contact_deletions"):
        return set()
    return {r[0] for r in wh.fetchall(
        "SELECT DISTINCT contact_id FROM contact_deletions WHERE restored_at IS NULL")}


def last_publish(wh: Warehouse, audience: str, mode: str = "production") -> dict | None:
    if not wh.table_exists("publishes"):
        return None
    frame = wh.pl(f"SELECT * FROM publishes WHERE audience = ? AND mode = ? "
                  f"AND {committed(wh)} ORDER BY published_at DESC, publish_id DESC LIMIT 1",
                  [audience, mode])
    return frame.to_dicts()[0] if frame.height else None


def members_of(wh: Warehouse, publish_id: str | None) -> set[str]:
    if publish_id is None or not wh.table_exists("audience_members"):
        return set()
    return {r[0] for r in wh.fetchall(
        "SELECT contact_id FROM audience_members WHERE publish_id = ?", [publish_id])}
