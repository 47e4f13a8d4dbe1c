"""The ``publishes`` manifest of a publish in progress, and the repair of an interrupted one.

A publish moves its manifest row through these states, each committed before the next
step starts:

1. ``staging`` — the row (with its members in ``audience_members`` and, per target,
   whether a live version existed) is written first;
   then every target is staged beside its live version (:mod:`.targets`);
2. ``swapping`` — every target was staged; now each is swapped in;
3. ``committed`` — every target holds the new version, backups are dropped, and the
   ``audiences`` row and the audit log are written with it.

A process killed at any point leaves a row in ``staging`` or ``swapping``. The next
command that touches audiences (``plan``, ``publish``, ``audiences``, ``report``) repairs
it with :func:`repair`: a ``swapping`` publish whose every target was swapped is rolled
forward (committed); any other is rolled back — swapped targets get their backup back,
staged versions are dropped — and marked ``rolled_back`` (through ``rolling_back``, so a
roll-back that is itself interrupted is finished by the next repair). Either way the
manifest and every target agree again. Only ``committed`` rows count as published.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contactops.audiences.targets import StagedTarget, staged_target
from contactops.catalog import T
from contactops.config.audiences import PostgresTarget

if TYPE_CHECKING:
    from contactops.audiences.definitions import AudienceConfig
    from contactops.engine.warehouse import Warehouse

IN_PROGRESS = ("staging", "swapping", "rolling_back")


def targets_of(wh: Warehouse, cfg: AudienceConfig, specs: list[dict[str, Any]]
               ) -> list[StagedTarget]:
    """The staged targets of a manifest's specs (PostgreSQL DSNs from the config)."""
    found = []
    for spec in specs:
        target = cfg.file.targets.get(spec["name"])
        dsn = (target.dsn.get_secret_value() if isinstance(target, PostgresTarget)
               else None)
        found.append(staged_target(spec, wh, dsn))
    return found


def set_status(wh: Warehouse, publish_id: str, status: str) -> None:
    with wh.transaction():
        wh.execute(f"UPDATE {T.publishes} SET status = ? WHERE publish_id = ?",
                   [status, publish_id])


def commit(wh: Warehouse, publish_id: str) -> None:
    """Mark the publish committed, with its ``audiences`` row and audit entry, atomically."""
    row = wh.pl(f"SELECT * FROM {T.publishes} WHERE publish_id = ?",
                [publish_id]).row(0, named=True)
    definition = json.loads(row["definition"])
    text = json.dumps(definition, sort_keys=True)
    with wh.transaction():
        wh.execute(f"UPDATE {T.publishes} SET status = 'committed', published_at = now() "
                   "WHERE publish_id = ?", [publish_id])
        # delete + insert rather than DuckDB's INSERT OR REPLACE: every engine runs it
        wh.execute(f"DELETE FROM {T.audiences} WHERE audience = ?", [row["audience"]])
        wh.execute(f"INSERT INTO {T.audiences} (audience, channel, purpose, active, definition, "
                   "definition_hash, updated_at) VALUES (?, ?, ?, ?, ?, ?, now())",
                   [row["audience"], definition.get("channel"), definition.get("purpose"),
                    definition.get("active", True), text, _sha(text)])
        wh.execute(f"INSERT INTO {T.audit_log} (run_id, action, target, detail) "
                   "VALUES (?, 'publish', ?, ?)",
                   [row["run_id"], row["audience"], json.dumps(
                       {"publish_id": publish_id, "mode": row["mode"],
                        "members": row["members"], "added": row["added"],
                        "removed": row["removed"],
                        "targets": [t["location"] for t in json.loads(row["targets"])]})])


def roll_back(wh: Warehouse, publish_id: str, staged: list[StagedTarget], status: str,
              why: str) -> None:
    """Put every target back to its version before the publish; mark it rolled back.

    Once a target may have been swapped, the row moves to ``rolling_back`` first: a
    roll-back interrupted half-way is then finished, never mistaken for a roll-forward.
    """
    if status == "swapping":
        status = "rolling_back"
        set_status(wh, publish_id, status)
    for target in staged:
        target.roll_back(status == "rolling_back" and target.swapped())
        step(f"restored:{target.name}")
    row = wh.fetchall(f"SELECT audience, run_id FROM {T.publishes} WHERE publish_id = ?",
                      [publish_id])[0]
    with wh.transaction():
        wh.execute(f"UPDATE {T.publishes} SET status = 'rolled_back' WHERE publish_id = ?",
                   [publish_id])
        wh.execute(f"DELETE FROM {T.audience_members} WHERE publish_id = ?", [publish_id])
        wh.execute(f"INSERT INTO {T.audit_log} (run_id, action, target, detail) "
                   "VALUES (?, 'publish_rolled_back', ?, ?)",
                   [row[1], row[0], json.dumps({"publish_id": publish_id, "why": why})])


def resolve(wh: Warehouse, publish_id: str, staged: list[StagedTarget], status: str,
            why: str) -> bool:
    """Roll an unfinished publish forward if every target was swapped, else back.

    Returns True when it was committed.
    """
    if status == "swapping" and all(t.swapped() for t in staged):
        for target in staged:
            target.finish()
        commit(wh, publish_id)
        return True
    roll_back(wh, publish_id, staged, status, why)
    return False


def interrupted(wh: Warehouse) -> list[tuple[str, str, str, str]]:
    """``publish_id, audience, status, targets`` of every publish still in progress."""
    if not wh.table_exists(T.publishes.name) or "status" not in wh.columns(T.publishes.name):
        return []
    return [tuple(r) for r in wh.fetchall(  # type: ignore[misc]
        f"SELECT publish_id, audience, status, targets FROM {T.publishes} "
        "WHERE status IN ('staging', 'swapping', 'rolling_back') ORDER BY publish_id")]


def repair(wh: Warehouse, cfg: AudienceConfig) -> list[str]:
    """Finish or undo every interrupted publish; returns one note per publish repaired.

    A read-only warehouse cannot be repaired: the notes say so, and readers still see only
    committed publishes.
    """
    notes = []
    for publish_id, audience, status, specs in interrupted(wh):
        if wh.read_only:
            notes.append(f"publish {publish_id} of '{audience}' was interrupted; the next "
                         "'contactops plan' or 'publish' repairs it")
            continue
        staged = targets_of(wh, cfg, json.loads(specs))
        if resolve(wh, publish_id, staged, status, "interrupted"):
            notes.append(f"publish {publish_id} of '{audience}' was interrupted after every "
                         "target was written: it is now committed")
        else:
            notes.append(f"publish {publish_id} of '{audience}' was interrupted before every "
                         "target was written: the targets are back at the last publish")
    return notes


#: Called with each publishing step as it completes ("pending", "staged:<target>",
#: "swapping", "swapped:<target>", "cleaned", "committed", and "restored:<target>" while
#: rolling back). Tests set it to kill the process at a chosen step
#: (tests/audiences/test_crash.py); None in normal use.
step_hook: Callable[[str], None] | None = None


def step(name: str) -> None:
    if step_hook is not None:
        step_hook(name)


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()
