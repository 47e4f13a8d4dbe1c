"""Apply a plan: stage every target, swap them in, and commit the manifest.

The ``publishes`` row is written first (status ``staging``), every target is staged beside
its live version, the row moves to ``swapping``, every target is swapped in, and the row is
committed with the ``audiences`` row and the audit entry. A failure rolls the targets back;
a kill -9 at any point is repaired by the next audiences command (see
:mod:`contactops.audiences.manifest`), so targets and manifest always agree. Applying a plan
whose ``plan_hash`` equals the last publish's writes nothing.
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

from contactops.audiences import manifest, plan_hash, tables, targets
from contactops.audiences.manifest import step
from contactops.catalog import T
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
        plan_hash.restamp(wh, plan.previous_publish_id, plan.content_hash, plan.plan_hash)
        return result
    publish_id = new_publish_id()
    result.publish_id = publish_id
    specs = [targets.spec_for(spec["name"], cfg.file.targets[spec["name"]],
                              audience=plan.audience, project=cfg.project,
                              publish_id=publish_id) | {"rows": plan.size}
             for spec in plan.targets]
    staged = manifest.targets_of(wh, cfg, specs)
    for target in staged:   # what a roll-back must restore: the live version, or nothing
        target.spec["existed"] = target.exists()
    _begin(wh, cfg, plan, publish_id, specs, run_id, by)
    step("pending")
    status = "staging"
    try:
        for target in staged:
            target.stage(plan.members)
            step(f"staged:{target.name}")
        status = "swapping"
        manifest.set_status(wh, publish_id, status)
        step("swapping")
        for target in staged:
            target.swap()
            step(f"swapped:{target.name}")
        for target in staged:
            target.finish()
        step("cleaned")
        manifest.commit(wh, publish_id)
    except BaseException as exc:
        try:
            committed = manifest.resolve(wh, publish_id, staged, status,
                                         f"{type(exc).__name__}: {exc}")
        except Exception as again:  # left unfinished: the next audiences command repairs it
            exc.add_note(f"rolling back publish {publish_id} failed too ({again}); the next "
                         "'contactops plan' or 'publish' repairs it")
            raise exc from None
        if not committed or not isinstance(exc, Exception):
            raise
    step("committed")
    result.written = [{k: s[k] for k in ("name", "type", "location", "rows")} for s in specs]
    return result


def _begin(wh: Warehouse, cfg: AudienceConfig, plan: Plan, publish_id: str,
           specs: list[dict[str, Any]], run_id: str | None, by: str | None) -> None:
    """The manifest row, status ``staging``, and the members it will publish."""
    definition = json.dumps(cfg.audience(plan.audience).model_dump(mode="json"),
                            sort_keys=True)
    members = pl.DataFrame({"audience": plan.audience,
                            "contact_id": plan.members["contact_id"],
                            "publish_id": publish_id},
                           schema={"audience": pl.Utf8, "contact_id": pl.Utf8,
                                   "publish_id": pl.Utf8})
    with wh.transaction():
        wh.execute(
            f"INSERT INTO {T.publishes} (publish_id, audience, run_id, mode, published_at, "
            "published_by, members, added, removed, excluded, exclusions, issues, targets, "
            "content_hash, plan_hash, previous_publish_id, status, definition) "
            "VALUES (?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'staging', ?)",
            [publish_id, plan.audience, run_id, plan.mode, by or _user(), plan.size,
             len(plan.added), len(plan.removed), sum(plan.exclusions.values()),
             json.dumps(plan.exclusions), json.dumps(_issue_counts(plan)),
             json.dumps(specs), plan.content_hash, plan.plan_hash,
             plan.previous_publish_id, definition])
        wh.append_frame(T.audience_members.name, members)


def history(wh: Warehouse, audience: str | None = None, limit: int = 20) -> pl.DataFrame:
    tables.ensure_tables(wh)
    where, params = ("AND audience = ?", [audience]) if audience else ("", [])
    return wh.pl(f"SELECT publish_id, audience, mode, published_at, published_by, members, "
                 f"added, removed, excluded, exclusions, content_hash FROM {T.publishes} "
                 f"WHERE {tables.committed(wh)} {where} "
                 f"ORDER BY published_at DESC LIMIT {int(limit)}", params)


def _issue_counts(plan: Plan) -> dict[str, int]:
    if not plan.issues.height:
        return {}
    grouped = plan.issues.group_by("severity").agg(pl.col("contacts").sum())
    return dict(zip(grouped["severity"].to_list(), grouped["contacts"].to_list(), strict=True))


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
