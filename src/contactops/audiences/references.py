"""What relies on a contact, list, tag or audience: workflows, campaigns and audiences.

Workflows and campaigns come from ``config/references.yaml``; audiences rely on the lists
and tags in their definitions and on the members of their last publish. ``impact`` answers
"what breaks if I change this?"; ``referenced_by`` tells deletion which contacts are in use.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.audiences import tables
from contactops.audiences.definitions import AudienceConfig
from contactops.catalog import T
from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

KINDS = ("contact", "list", "tag", "audience")


@dataclass
class Impact:
    kind: str
    name: str
    contacts: int | None = None
    relies: list[dict[str, Any]] = field(default_factory=list)   # {what, name, active, via}

    @property
    def active(self) -> list[dict[str, Any]]:
        return [r for r in self.relies if r["active"]]

    def asdict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        size = f" ({self.contacts} contacts)" if self.contacts is not None else ""
        lines = [f"{self.kind} '{self.name}'{size}: "
                 f"{len(self.relies)} things rely on it, {len(self.active)} active"]
        lines += [f"  {r['what']:<9} {r['name']:<28} {'active' if r['active'] else 'inactive':<9}"
                  f" via {r['via']}" for r in self.relies]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(r['what'])}</td><td>{html.escape(r['name'])}</td>"
                       f"<td>{'active' if r['active'] else ''}</td>"
                       f"<td>{html.escape(r['via'])}</td></tr>" for r in self.relies)
        return (f"<div><b>{html.escape(self.kind)}</b> <code>{html.escape(self.name)}</code>"
                f"<table><tr><th>what</th><th>name</th><th></th><th>via</th></tr>{rows}"
                "</table></div>")


def _users(cfg: AudienceConfig) -> list[tuple[str, str, bool, Any]]:
    """(what, name, active, uses) of every workflow, campaign and audience."""
    out: list[tuple[str, str, bool, Any]] = []
    out += [("workflow", r.name, r.active, r.uses) for r in cfg.references.workflows]
    out += [("campaign", r.name, r.active, r.uses) for r in cfg.references.campaigns]
    return out


def _relying_on(cfg: AudienceConfig, kind: str, name: str) -> list[dict[str, Any]]:
    relies: list[dict[str, Any]] = []
    field_of = {"list": "lists", "tag": "tags", "audience": "audiences", "contact": "contacts"}
    for what, ref, active, uses in _users(cfg):
        if name in getattr(uses, field_of[kind]):
            relies.append({"what": what, "name": ref, "active": active, "via": f"{kind} {name}"})
    for aud_name, aud in cfg.file.audiences.items():
        used = {"list": aud.lists, "tag": (*aud.tags, *aud.all_tags)}
        if name in used.get(kind, ()):
            relies.append({"what": "audience", "name": aud_name, "active": aud.active,
                           "via": f"{kind} {name} in its definition"})
        elif kind == "tag" and name in aud.exclude_tags:
            relies.append({"what": "audience", "name": aud_name, "active": aud.active,
                           "via": f"tag {name} excluded by its definition"})
        elif kind in ("list", "tag") and aud.filter and f"'{name}'" in aud.filter:
            relies.append({"what": "audience", "name": aud_name, "active": aud.active,
                           "via": f"{kind} {name} in its filter"})
    return relies


def detect_kind(wh: Warehouse, cfg: AudienceConfig, name: str) -> str:
    if name in cfg.file.audiences:
        return "audience"
    taxonomy = cfg.project.settings.taxonomy
    if name in taxonomy.lists:
        return "list"
    if name in taxonomy.tags:
        return "tag"
    if wh.table_exists(T.contacts.name):
        if wh.scalar(f"SELECT count(*) FROM {T.contacts} WHERE contact_id = ?", [name]):
            return "contact"
        for kind, column in (("list", "lists"), ("tag", "tags")):
            if wh.scalar(f"SELECT count(*) FROM {T.contacts} WHERE list_contains({column}, ?)",
                         [name]):
                return kind
    raise UsageError(f"'{name}' is not a known audience, list, tag or contact id; "
                     "pass --kind to say which it is")


def impact(wh: Warehouse, cfg: AudienceConfig, name: str, kind: str | None = None) -> Impact:
    """Everything that relies on ``name`` (a contact id, list, tag or audience)."""
    kind = kind or detect_kind(wh, cfg, name)
    if kind not in KINDS:
        raise UsageError(f"unknown kind '{kind}'; use one of {', '.join(KINDS)}")
    result = Impact(kind, name, relies=_relying_on(cfg, kind, name))
    has_contacts = wh.table_exists(T.contacts.name)
    if kind in ("list", "tag") and has_contacts:
        column = "lists" if kind == "list" else "tags"
        result.contacts = int(wh.scalar(
            f"SELECT count(*) FROM {T.contacts} WHERE list_contains({column}, ?)", [name]))
    elif kind == "audience":
        last = tables.last_publish(wh, name)
        result.contacts = int(last["members"]) if last else None
    elif kind == "contact" and has_contacts:
        result.relies = referenced_by(wh, cfg, [name]).get(name, result.relies)
        result.contacts = 1
    return result


def referenced_by(wh: Warehouse, cfg: AudienceConfig,
                  contact_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """For each contact, what relies on it (directly, via its lists/tags, or as a member)."""
    out: dict[str, list[dict[str, Any]]] = {cid: [] for cid in contact_ids}
    if not contact_ids:
        return out
    ids = pl.DataFrame({"contact_id": contact_ids}, schema={"contact_id": pl.Utf8})
    with wh.registered("_impact_ids", ids):
        labels = wh.pl(f"SELECT contact_id, lists, tags FROM {T.contacts} "
                       "WHERE contact_id IN (SELECT contact_id FROM _impact_ids)")
        published = wh.pl(
            f"SELECT m.contact_id, p.audience FROM {T.audience_members} m JOIN {T.publishes} p "
            "USING (publish_id) WHERE p.mode = 'production' AND m.contact_id IN "
            "(SELECT contact_id FROM _impact_ids) AND p.publish_id IN (SELECT arg_max("
            f"publish_id, published_at) FROM {T.publishes} WHERE mode = 'production' "
            f"AND {tables.committed(wh)} GROUP BY audience)"
        ) if wh.table_exists(T.publishes.name) else None
    for row in labels.iter_rows(named=True):
        cid = row["contact_id"]
        out[cid] += _relying_on(cfg, "contact", cid)
        for value in row["lists"] or []:
            out[cid] += _relying_on(cfg, "list", value)
        for value in row["tags"] or []:
            out[cid] += [r for r in _relying_on(cfg, "tag", value)
                         if "excluded" not in r["via"]]
    if published is not None:
        for row in published.iter_rows(named=True):
            aud = cfg.file.audiences.get(row["audience"])
            out.setdefault(row["contact_id"], []).append(
                {"what": "audience", "name": row["audience"],
                 "active": aud.active if aud else False, "via": "member of its last publish"})
    return out
