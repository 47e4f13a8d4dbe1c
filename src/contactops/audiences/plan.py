"""Plan a publish: who would be in the audience, who is left out and why, what changes.

``make_plan`` reads ``contacts``, applies the definition and the consent gate, compares the
result with the last publish of the same mode, gathers validation issues on the members and
lists the blockers that keep :func:`contactops.audiences.publish.apply` from writing it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.audiences import addresses, manifest, plan_hash, selection, suppression, tables
from contactops.audiences.definitions import AudienceConfig, export_columns
from contactops.audiences.gate import REASONS, GateContext, apply_gate
from contactops.catalog import T
from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse


@dataclass
class Plan:
    """What publishing one audience would do. ``str()`` for terminals, HTML for notebooks."""

    audience: str
    mode: str                                  # production | test
    channel: str
    purpose: str
    targets: list[dict[str, Any]]
    candidates: int
    members: pl.DataFrame                      # the rows to export, sorted by contact_id
    exclusions: dict[str, int]
    excluded: pl.DataFrame                     # contact_id, reason
    added: list[str]
    removed: list[str]
    issues: pl.DataFrame                       # severity, rule, field, contacts, issues
    blockers: list[str]
    content_hash: str
    plan_hash: str
    previous_publish_id: str | None = None
    unchanged: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.members.height

    def asdict(self) -> dict[str, Any]:
        return {"audience": self.audience, "mode": self.mode, "channel": self.channel,
                "purpose": self.purpose, "targets": self.targets,
                "candidates": self.candidates, "size": self.size,
                "added": len(self.added), "removed": len(self.removed),
                "exclusions": self.exclusions, "issues": self.issues.to_dicts(),
                "blockers": self.blockers, "content_hash": self.content_hash,
                "plan_hash": self.plan_hash, "previous_publish_id": self.previous_publish_id,
                "unchanged": self.unchanged, "notes": self.notes}

    def __str__(self) -> str:
        lines = [f"plan for audience '{self.audience}' ({self.channel}, {self.purpose}, "
                 f"{self.mode}): {self.size} members of {self.candidates} candidates",
                 f"  vs last publish {self.previous_publish_id or '(none)'}: "
                 f"+{len(self.added)} added, -{len(self.removed)} removed"
                 + ("  — unchanged, publishing is a no-op" if self.unchanged else "")]
        if self.exclusions:
            lines.append("  excluded by reason:")
            lines += [f"    {reason:<18} {count}" for reason, count in self.exclusions.items()]
        if self.issues.height:
            lines.append("  validation issues on members:")
            lines += [f"    {r['severity']:<5} {r['rule']:<28} {r['contacts']} contacts"
                      for r in self.issues.iter_rows(named=True)]
        lines.append("  targets: " + (", ".join(f"{t['name']} ({t['type']}, "
                                                f"{t['environment']})" for t in self.targets)
                                      or "none"))
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  BLOCKED: {b}" for b in self.blockers]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>"
                       for k, v in self.exclusions.items())
        blockers = "".join(f"<li>{esc(b)}</li>" for b in self.blockers)
        return (f"<div><b>plan</b> <code>{esc(self.audience)}</code> ({esc(self.mode)}): "
                f"<b>{self.size}</b> members, +{len(self.added)} / -{len(self.removed)}"
                f"<table><tr><th>excluded because</th><th>contacts</th></tr>{rows}</table>"
                + (f"<b>blocked</b><ul>{blockers}</ul>" if blockers else "")
                + "<small>Members: <code>plan.members</code>; apply with "
                  "<code>publish.apply(wh, cfg, plan)</code></small></div>")


def contacts_columns(wh: Warehouse) -> list[str]:
    if not wh.table_exists(T.contacts.name):
        raise UsageError("the warehouse has no 'contacts' table yet; run the pipeline through "
                         "the dedupe stage first ('contactops run pipelines/….yaml')")
    return wh.columns(T.contacts.name)


def make_plan(wh: Warehouse, cfg: AudienceConfig, name: str, *, test: bool = False,
              target: str | None = None) -> Plan:
    """Plan publishing audience ``name`` (``test``: safe records to the sandbox only)."""
    audience = cfg.audience(name)
    columns = contacts_columns(wh)
    settings = cfg.file
    # the selection is checked against the real contacts before anything is written
    candidates = selection.candidates(wh, cfg, name, columns)
    tables.ensure_tables(wh)
    notes = manifest.repair(wh, cfg)
    if not wh.read_only:
        suppression.sync_files(wh, cfg.project, settings.suppression)
    supp = suppression.load(wh)
    salt = suppression.salt_from_env(settings.suppression, required=False)
    suppression.check_salt(supp, salt, settings.suppression.salt_env)
    ctx = GateContext(suppressions=supp, deleted=frozenset(tables.deleted_ids(wh)),
                      do_not_contact_tags=settings.suppression.do_not_contact_tags, salt=salt,
                      safe=settings.safe_records,
                      internal_domains=cfg.project.settings.contact_types.internal_domains,
                      test_mode=test)
    outcome = apply_gate(candidates, audience, ctx)
    members = outcome.members.sort("contact_id")
    mode = "test" if test else "production"
    blockers: list[str] = []
    target_names = _targets(cfg, name, test, target, blockers)
    target_specs = [{"name": t, "type": settings.targets[t].type,
                     "environment": settings.targets[t].environment,
                     "spec": settings.targets[t].model_dump(mode="json", exclude={"dsn"})}
                    for t in target_names]
    if audience.outbound and not test and not settings.sending.confirmed:
        blockers.append("outbound audience, but the sending setup is not confirmed: set "
                        "'sending: {confirmed: true}' in config/audiences.yaml once sender "
                        "domain, authentication and unsubscribe handling are verified")
    issue_rows = _issue_rows(wh, members["contact_id"].to_list())
    flawed = set(issue_rows.filter(pl.col("severity") == "error")["contact_id"].to_list())
    excluded = outcome.excluded
    if flawed and audience.validation_errors == "exclude":
        members = members.filter(~pl.col("contact_id").is_in(list(flawed)))
        excluded = pl.concat([excluded, pl.DataFrame(
            {"contact_id": sorted(flawed), "reason": "validation_error"})])
        issue_rows = issue_rows.filter(~pl.col("contact_id").is_in(list(flawed)))
    elif flawed:
        blockers.append(f"{len(flawed)} members have error-severity validation issues; fix "
                        "them, or set 'validation_errors: exclude' on the audience to leave "
                        "them out")
    if audience.deduplicates_addresses:
        members, excluded, note = _one_per_address(wh, members, excluded, audience.channel)
        notes += [note] if note else []
    if audience.columns is not None and "contact_id" not in audience.columns:
        notes.append("contact_id is published too, although columns: leaves it out: the "
                     "publish manifest records members by it")
    export = members.select(export_columns(audience, columns))
    exclusions = _counts(excluded)
    issues = summarize_issues(issue_rows)
    if test and audience.outbound:
        unsafe = members.filter(~pl.col("safe")).height
        if unsafe:
            blockers.append(f"outbound test refused: {unsafe} members are not safe records "
                            "(seeded test contacts, internal domains or safe_records list); "
                            "narrow the audience to safe records first")
    previous = tables.last_publish(wh, name, mode)
    prev_id = previous["publish_id"] if previous else None
    before = tables.members_of(wh, prev_id)
    now = set(members["contact_id"].to_list())
    content = plan_hash.content_hash(export)
    definition = audience.model_dump(mode="json")
    planned = plan_hash.plan_hash(content, definition, target_specs)
    unchanged = plan_hash.same_plan(previous["plan_hash"] if previous else None, planned,
                                    export, definition, target_specs, same_members=now == before)
    return Plan(audience=name, mode=mode, channel=audience.channel, purpose=audience.purpose,
                targets=target_specs, candidates=candidates.height, members=export,
                exclusions=exclusions, excluded=excluded,
                added=sorted(now - before), removed=sorted(before - now), issues=issues,
                blockers=blockers, content_hash=content, plan_hash=planned,
                previous_publish_id=prev_id, unchanged=unchanged, notes=notes)


def _one_per_address(wh: Warehouse, members: pl.DataFrame, excluded: pl.DataFrame,
                     channel: str) -> tuple[pl.DataFrame, pl.DataFrame, str | None]:
    """Members reduced to one per address (see :mod:`contactops.audiences.addresses`)."""
    sharing = addresses.shared(members, channel)
    if not sharing:
        return members, excluded, None
    stamps = addresses.consent_times(wh, sharing, channel)
    kept, dropped = addresses.one_per_address(members, channel, stamps)
    count = len(sharing) - dropped.height
    note = (f"{dropped.height} members left out as duplicate_address: {count} {channel} "
            "addresses are shared by several members, each is published once (latest consent, "
            "then most complete record, then smallest contact_id); 'one_per_address: false' "
            "on the audience publishes them all")
    return kept, pl.concat([excluded, dropped]), note


def _counts(excluded: pl.DataFrame) -> dict[str, int]:
    """Exclusions by reason, in the order reasons are checked."""
    table = excluded.group_by("reason").len()
    found = dict(zip(table["reason"].to_list(), table["len"].to_list(), strict=True))
    return {r: int(found[r]) for r in REASONS if r in found}


def _targets(cfg: AudienceConfig, name: str, test: bool, chosen: str | None,
             blockers: list[str]) -> list[str]:
    settings = cfg.file
    if chosen is not None:
        if chosen not in settings.targets:
            raise UsageError(f"no target '{chosen}' in config/audiences.yaml (targets: "
                             f"{', '.join(settings.targets) or 'none'})")
        names = [chosen]
    elif test:
        names = [settings.sandbox_target] if settings.sandbox_target else []
    else:
        names = list(cfg.audience(name).targets)
    if not names:
        blockers.append("no target to publish to: " + (
            "set 'sandbox_target:' in config/audiences.yaml" if test
            else f"list targets under audiences.{name}.targets"))
    for t in names:
        if test and settings.targets[t].environment != "sandbox":
            blockers.append(f"a --test publish can never write to production target '{t}'")
    return names


def _issue_rows(wh: Warehouse, contact_ids: list[str]) -> pl.DataFrame:
    """Validation issues of the latest validation run on these contacts, one row each."""
    empty = pl.DataFrame(schema={"contact_id": pl.Utf8, "severity": pl.Utf8,
                                 "rule": pl.Utf8, "field": pl.Utf8})
    if not contact_ids or not wh.table_exists(T.validation_issues.name):
        return empty
    cols = wh.columns(T.validation_issues.name)
    links = "record_id" in cols and wh.table_exists(T.contact_links.name)
    join = f"LEFT JOIN {T.contact_links} l ON l.record_id = v.record_id" if links else ""
    if "contact_id" in cols:
        key = "coalesce(v.contact_id, l.contact_id)" if links else "v.contact_id"
    elif links:
        key = "l.contact_id"
    else:
        return empty
    latest = (f"WHERE v.run_id = (SELECT max(run_id) FROM {T.validation_issues})"
              if "run_id" in cols else "WHERE TRUE")
    field_col = "v.field" if "field" in cols else "NULL"
    ids = pl.DataFrame({"contact_id": contact_ids}, schema={"contact_id": pl.Utf8})
    with wh.registered("_plan_members", ids):
        return wh.pl(
            f"SELECT {key} AS contact_id, v.severity, v.rule, {field_col} AS field "
            f"FROM {T.validation_issues} v {join} {latest} "
            f"AND {key} IN (SELECT contact_id FROM _plan_members)")


def summarize_issues(rows: pl.DataFrame) -> pl.DataFrame:
    """Contacts and issues per severity, rule and field."""
    return (rows.group_by("severity", "rule", "field")
            .agg(pl.col("contact_id").n_unique().cast(pl.Int64).alias("contacts"),
                 pl.len().cast(pl.Int64).alias("issues"))
            .sort("severity", "contacts", "rule", descending=[False, True, False]))
