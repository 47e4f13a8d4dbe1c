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

from contactops import catalog
from contactops.catalog import T

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse


def ensure_tables(wh: Warehouse) -> None:
    """The audiences stage's tables, created in one transaction on first use (a warehouse
    from before crash-consistent publishing gets ``publishes.status``/``definition``: its
    rows are committed)."""
    catalog.ensure_tables(wh, stage="audiences", atomic=True)


def committed(wh: Warehouse, alias: str = "") -> str:
    """SQL condition keeping the committed ``publishes`` rows (any row on old warehouses)."""
    if "status" not in wh.columns(T.publishes.name):
        return "TRUE"
    return f"{alias + '.' if alias else ''}status = 'committed'"


def deleted_ids(wh: Warehouse) -> set[str]:
    """Contacts soft-deleted and not restored."""
    if not wh.table_exists(T.contact_deletions.name):
        return set()
    return {r[0] for r in wh.fetchall(
        f"SELECT DISTINCT contact_id FROM {T.contact_deletions} WHERE restored_at IS NULL")}


def last_publish(wh: Warehouse, audience: str, mode: str = "production") -> dict | None:
    if not wh.table_exists(T.publishes.name):
        return None
    frame = wh.pl(f"SELECT * FROM {T.publishes} WHERE audience = ? AND mode = ? "
                  f"AND {committed(wh)} ORDER BY published_at DESC, publish_id DESC LIMIT 1",
                  [audience, mode])
    return frame.to_dicts()[0] if frame.height else None


def members_of(wh: Warehouse, publish_id: str | None) -> set[str]:
    if publish_id is None or not wh.table_exists(T.audience_members.name):
        return set()
    return {r[0] for r in wh.fetchall(
        f"SELECT contact_id FROM {T.audience_members} WHERE publish_id = ?", [publish_id])}
