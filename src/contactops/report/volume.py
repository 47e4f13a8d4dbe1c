"""The volume gate in the report: what the run blocked, accepted or retired, and who it cost.

Read from ``audit_log`` (action ``volume_gate``), where the ingest stage and
``contactops sources retire`` record each decision with its counts and the published
audiences that lose members.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contactops.catalog import T

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse


def shrinks(wh: Warehouse, run: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Decisions of ``run``, and retirements made outside any run since the run before it."""
    if run is None or not wh.table_exists(T.audit_log.name):
        return []
    found = wh.fetchall(
        f"SELECT detail FROM {T.audit_log} WHERE action = 'volume_gate' AND (run_id = ? OR "
        "(run_id IS NULL AND logged_at <= ? AND logged_at > coalesce((SELECT max(started_at) "
        f"FROM {T.runs} WHERE started_at < ?), TIMESTAMP '1970-01-01'))) ORDER BY logged_at",
        [run["run_id"], run["started_at"], run["started_at"]])
    return [json.loads(r[0]) for r in found]


def _cost(s: dict[str, Any], verb: str) -> str:
    n = s.get("contacts_losing")
    contacts = ("contacts losing their last record unknown (dedupe had not run)" if n is None
                else f"{n} contact(s) {verb} their last record")
    audiences = s.get("audiences") or {}
    if not audiences:
        return f"{contacts}; no published audience loses members"
    members = ", ".join(f"'{a}' {n}" for a, n in sorted(audiences.items()))
    return f"{contacts}; published audiences {verb} members: {members}"


def items(found: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Verdict items: a blocked shrink blocks; an accepted one or a retirement warns."""
    out = []
    for s in found:
        name, removed = s["source"], s["reason"] == "removed"
        if s["status"] == "blocked":
            what = (f"source '{name}' is no longer in the pipeline but its {s['old_records']} "
                    "records are still current: the run stopped" if removed else
                    f"source '{name}' shrank from {s['old_records']} to {s['new_records']} "
                    f"records ({s['share']:.0%} dropped): the new version was not made "
                    "current and the run stopped")
            fix = (f"retire it ('contactops sources retire {name}') or put it back in the "
                   "pipeline" if removed else
                   f"run with --accept-shrink {name} if the drop is real")
            out.append({"severity": "blocking", "section": "imports", "code": "volume_blocked",
                        "message": f"{what} ({_cost(s, 'would lose')}); {fix}"})
            continue
        what = (f"source '{name}' was retired ({s['old_records']} records no longer current)"
                if removed else
                f"source '{name}' shrank from {s['old_records']} to {s['new_records']} "
                f"records ({s['share']:.0%} dropped), accepted")
        out.append({"severity": "warning", "section": "imports",
                    "code": "source_retired" if removed else "shrink_accepted",
                    "message": f"{what}: {_cost(s, 'lose')} — plan those audiences before "
                               "publishing"})
    return out
