"""Apply a plan: write its targets atomically and record the manifest.

Order matters for crash safety: every target is replaced atomically first, then the manifest
(``publishes`` + ``audience_members`` + ``audiences`` + ``audit_log``) is committed in one
transaction. A publish killed in between leaves the targets at the new version and the
warehouse at the old one; the next publish sees the difference and rewrites the same content.
Applying a plan whose ``plan_hash`` equals the last publish's writes nothing.
"""

from __future__ import annotations

import getpass
import html
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.audiences import tables, targets
from contactops.errors import GateFailed

if TYPE_CHECKING:
    from contactops.audiences.definitions import AudienceConfig
    from contactops.audiences.plan import Plan
    from contactops.engine.warehouse import Warehouse


@dataclass
class PublishResult:
    audience: str
    mode: str
    publish_id: str | None
    noop: bool
    members: int
    added: int
    removed: int
    exclusions: dict[str, int]
    written: list[dict[str, Any]] = field(default_factory=list)

    def asdict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        if self.noop:
            return (f"audience '{self.audience}' unchanged since the last {self.mode} publish: "
                    "nothing written")
        lines = [f"published '{self.audience}' ({self.mode}) as {self.publish_id}: "
                 f"{self.members} members (+{self.added} / -{self.removed})"]
        lines += [f"  -> {w['name']}: {w['location']}" for w in self.written]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(str(self))}</pre>"


def new_publish_id() -> str:
    return "pub-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def apply(wh: Warehouse, cfg: AudienceConfig, plan: Plan, *, run_id: str | None = None,
          by: str | None = None) -> PublishResult:
    """Publish ``plan``; raise :class:`GateFailed` (exit 1) if any blocker stands."""
    if plan.blockers:
        raise GateFailed([f"audience '{plan.audience}': {b}" for b in plan.blockers])
    result = PublishResult(plan.audience, plan.mode, None, plan.unchanged, plan.size,
                           len(plan.added), len(plan.removed), plan.exclusions)
    if plan.unchanged:
        return result
    publish_id = new_publish_id()
    result.publish_id = publish_id
    for spec in plan.targets:
        target = cfg.file.targets[spec["name"]]
        where = targets.write(target, plan.members, audience=plan.audience,
                              project=cfg.project, wh=wh)
        result.written.append({"name": spec["name"], "type": spec["type"],
                               "location": where, "rows": plan.size})
    audience = cfg.audience(plan.audience)
    definition = json.dumps(audience.model_dump(mode="json"), sort_keys=True)
    members = pl.DataFrame({"audience": plan.audience,
                            "contact_id": plan.members["contact_id"],
                            "publish_id": publish_id},
                           schema={"audience": pl.Utf8, "contact_id": pl.Utf8,
                                   "publish_id": pl.Utf8})
    with wh.transaction():
        wh.execute(
            "INSERT INTO publishes VALUES (?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [publish_id, plan.audience, run_id, plan.mode, by or _user(), plan.size,
             len(plan.added), len(plan.removed), sum(plan.exclusions.values()),
             json.dumps(plan.exclusions), json.dumps(_issue_counts(plan)),
             json.dumps(result.written), plan.content_hash, plan.plan_hash,
             plan.previous_publish_id])
        wh.append_frame("audience_members", members)
        wh.execute("INSERT OR REPLACE INTO audiences VALUES (?, ?, ?, ?, ?, ?, now())",
                   [plan.audience, audience.channel, audience.purpose, audience.active,
                    definition, _sha(definition)])
        wh.execute("INSERT INTO audit_log (run_id, action, target, detail) "
                   "VALUES (?, 'publish', ?, ?)",
                   [run_id, plan.audience, json.dumps(
                       {"publish_id": publish_id, "mode": plan.mode, "members": plan.size,
                        "added": len(plan.added), "removed": len(plan.removed),
                        "targets": [w["location"] for w in result.written]})])
    return result


def history(wh: Warehouse, audience: str | None = None, limit: int = 20) -> pl.DataFrame:
    tables.ensure_tables(wh)
    where, params = ("WHERE audience = ?", [audience]) if audience else ("", [])
    return wh.pl(f"SELECT publish_id, audience, mode, published_at, published_by, members, "
                 f"added, removed, excluded, exclusions, content_hash FROM publishes {where} "
                 f"ORDER BY published_at DESC LIMIT {int(limit)}", params)


def _issue_counts(plan: Plan) -> dict[str, int]:
    if not plan.issues.height:
        return {}
    grouped = plan.issues.group_by("severity").agg(pl.col("contacts").sum())
    return dict(zip(grouped["severity"].to_list(), grouped["contacts"].to_list(), strict=True))


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
