"""The hashes that tell whether a publish would change anything.

``content_hash`` covers the exported rows, ``plan_hash`` those rows plus the audience
definition and the targets; a plan whose ``plan_hash`` equals the last publish's is a no-op.

Scheme ``v2`` (stored with a ``v2:`` prefix) hashes the column names, then the rows as
Polars writes them as NDJSON, slice by slice, in one hashlib pass: it is independent of
Polars' own hash functions, which are not stable across versions, and takes ~0.1 s where
the first scheme (an untagged hex digest of ``json.dumps`` per row in Python) took seconds
at 200k members. Publishes stored with that first scheme are still recognized: when the
last publish has an untagged ``plan_hash`` and the same members, the plan is also hashed
the old way and compared (:func:`same_plan`); publishing that no-op plan stores its ``v2``
hashes on the old publish (:func:`restamp`), so the old way runs once per audience.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from contactops.catalog import T

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.warehouse import Warehouse

SCHEME = "v2"
_SLICE_ROWS = 10_000  # bounds the NDJSON text held at once; the hash does not depend on it


def content_hash(frame: pl.DataFrame) -> str:
    """sha256 of the columns and the rows (as NDJSON), tagged with the scheme."""
    digest = hashlib.sha256(json.dumps(frame.columns).encode())
    for part in frame.iter_slices(_SLICE_ROWS):
        digest.update(part.write_ndjson().encode())
    return f"{SCHEME}:{digest.hexdigest()}"


def plan_hash(content: str, definition: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    """The hash of what a publish would do: content, definition and targets."""
    return f"{SCHEME}:{_combined(content, definition, targets)}"


def _combined(content: str, definition: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    return hashlib.sha256(json.dumps([content, definition, targets], sort_keys=True,
                                     default=str).encode()).hexdigest()


def legacy_content_hash(frame: pl.DataFrame) -> str:
    """The first scheme: ``json.dumps`` of every row, in Python (slow; for old publishes)."""
    digest = hashlib.sha256(json.dumps(frame.columns).encode())
    for row in frame.iter_rows():
        digest.update(json.dumps(row, default=str, ensure_ascii=False).encode())
    return digest.hexdigest()


def is_legacy(stored: str | None) -> bool:
    return stored is not None and ":" not in stored


def same_plan(stored: str | None, current: str, export: pl.DataFrame,
              definition: dict[str, Any], targets: list[dict[str, Any]],
              same_members: bool) -> bool:
    """Whether the last publish's ``stored`` plan hash describes this plan.

    A hash of the first scheme is compared with this plan hashed that way, but only when the
    members are the same (otherwise the plan differs anyway and the slow hash is not needed).
    """
    if stored is None:
        return False
    if stored == current:
        return True
    if not is_legacy(stored) or not same_members:
        return False
    return stored == _combined(legacy_content_hash(export), definition, targets)


def restamp(wh: Warehouse, publish_id: str | None, content: str, planned: str) -> None:
    """Give a publish matched through first-scheme hashes the same plan's ``v2`` hashes
    (the rows, definition and targets are the same: only their encoding changes)."""
    if publish_id is not None:
        wh.execute(f"UPDATE {T.publishes} SET content_hash = ?, plan_hash = ? "
                   "WHERE publish_id = ? AND plan_hash NOT LIKE ?",
                   [content, planned, publish_id, f"{SCHEME}:%"])
