"""Volume gates: a snapshot that shrank too much, or a source gone from the pipeline.

A ``mode: snapshot`` source replaces its records with each new version, so a partial export
silently deletes contacts. Before a new version becomes current, :class:`VolumeGate` compares
its accepted records with the current version's; a drop over the source's ``max_shrink``
(default 20%) keeps the version out of ``current_loads`` (status ``blocked``, its rows kept
and accounted: ``rows_read = rows_accepted + rows_rejected`` holds) unless the run was told
``--accept-shrink SOURCE``. A source the pipeline no longer declares but whose records are
still current is held the same way until it is retired (:mod:`contactops.sources.retire`).

Every decision is one ``audit_log`` row (action ``volume_gate``) carrying the run id, so the
report can say what was blocked or accepted and which published audiences it touches.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from contactops.catalog import T

if TYPE_CHECKING:
    from contactops.config.pipeline import Source
    from contactops.config.project import ProjectSettings
    from contactops.engine.warehouse import Warehouse

#: Table and id column of each source role.
ROLE_TABLES = {"contacts": (T.source_records, "record_id"),
               "activity": (T.activities, "activity_id"),
               "reference": (T.reference_records, "record_id")}


@dataclass
class Shrink:
    """One volume-gate finding: a snapshot that shrank too much, or a removed source.

    ``status`` is ``blocked`` (the run stopped, nothing changed), ``accepted`` (the new
    version became current on ``--accept-shrink``) or ``retired`` (a removed source's records
    stopped being current). ``contacts_losing`` is None when dedupe has not run yet.
    """

    source: str
    reason: str                     # "shrank" | "removed"
    status: str                     # "blocked" | "accepted" | "retired"
    old_records: int
    new_records: int
    max_shrink: float | None
    load_id: str | None = None      # the new version's load (shrank), the last load (removed)
    rows_read: int | None = None
    rows_rejected: int | None = None
    contacts_losing: int | None = None
    audiences: dict[str, int] = field(default_factory=dict)   # published audience -> members
    pipeline_file: str | None = None

    @property
    def dropped(self) -> int:
        return self.old_records - self.new_records

    @property
    def share(self) -> float:
        return self.dropped / self.old_records if self.old_records else 0.0

    def asdict(self) -> dict[str, Any]:
        return asdict(self) | {"dropped": self.dropped, "share": round(self.share, 4)}

    def impact(self) -> str:
        contacts = ("contacts: unknown until dedupe has run" if self.contacts_losing is None
                    else f"{self.contacts_losing} contact(s) would lose their last record")
        if self.status != "blocked":
            contacts = contacts.replace("would lose", "lose")
        if self.audiences:
            members = ", ".join(f"'{a}' {n}" for a, n in sorted(self.audiences.items()))
            return f"{contacts}; published audiences losing members: {members}"
        return f"{contacts}; no published audience loses members"

    def __str__(self) -> str:
        pipeline = self.pipeline_file or "the pipeline"
        if self.reason == "removed":
            if self.status == "retired":
                return (f"retired source '{self.source}': its {self.old_records} records are "
                        f"no longer current (last load {self.load_id}); {self.impact()}")
            head = (f"source '{self.source}' is no longer in {pipeline} but {self.old_records} "
                    f"of its records are still current (last load {self.load_id})")
            return (f"volume gate: {head}; {self.impact()}. Nothing was changed. To proceed: "
                    f"retire it (contactops sources retire {self.source} --reason \"...\", or "
                    f"run with --accept-shrink {self.source}), or put it back in {pipeline} "
                    "if it was removed by mistake")
        limit = f"{self.max_shrink:.0%}" if self.max_shrink is not None else "?"
        new = (f" (load {self.load_id}: read {self.rows_read}, rejected {self.rows_rejected})"
               if self.load_id else "")
        head = (f"source '{self.source}' shrank from {self.old_records} to {self.new_records} "
                f"records (-{self.dropped}, {self.share:.0%} dropped; limit {limit})")
        if self.status == "accepted":
            return f"accepted shrink: {head}{new}; {self.impact()}"
        return (f"volume gate: {head}; {self.impact()}. The new version{new} was not made "
                "current and nothing downstream changed. To proceed: if the drop is real, "
                f"run again with --accept-shrink {self.source}; if the source is gone for "
                f"good, remove it from {pipeline} and run contactops sources retire "
                f"{self.source} --reason \"...\". A partial export: fix it and run again")


@dataclass(frozen=True)
class Version:
    """The current version of a source: its live loads and how many records they hold."""

    load_ids: tuple[str, ...]
    records: int
    sample_rows: int | None


def current_version(wh: Warehouse, source: str) -> Version | None:
    rows = wh.fetchall(
        "SELECT load_id, rows_accepted, json_extract_string(details, '$.sample_rows') "
        f"FROM {T.current_loads} WHERE source = ? ORDER BY load_seq", [source])
    if not rows:
        return None
    sample = rows[-1][2]
    return Version(tuple(r[0] for r in rows), sum(int(r[1] or 0) for r in rows),
                   int(sample) if sample is not None else None)


def limit_for(source: Source, settings: ProjectSettings) -> float:
    return source.max_shrink if source.max_shrink is not None else settings.max_shrink


@dataclass
class VolumeGate:
    """The shrink check of one snapshot load, set up before it lands.

    Built with the version that is current *before* the load; :meth:`check` runs inside
    the load's transaction, after the rows are stored and accounted for.
    """

    source: Source
    previous: Version
    limit: float
    accept: bool
    run_id: str
    pipeline_file: str | None = None

    @classmethod
    def for_source(cls, wh: Warehouse, source: Source, settings: ProjectSettings, *,
                   accept: bool, run_id: str, sample: int | None,
                   pipeline_file: str | None = None) -> VolumeGate | None:
        """None when the load cannot shrink anything: append mode, or a first load (or the
        first at this ``--sample`` size, whose row count says nothing about the last)."""
        if source.mode != "snapshot":
            return None
        previous = current_version(wh, source.name)
        if previous is None or previous.records == 0 or previous.sample_rows != sample:
            return None
        return cls(source, previous, limit_for(source, settings), accept, run_id,
                   pipeline_file)

    def check(self, wh: Warehouse, load_id: str, accepted: int, rejected: int
              ) -> Shrink | None:
        """Block (status ``blocked``) or let through the landed load ``load_id``."""
        dropped = self.previous.records - accepted
        if dropped <= 0 or dropped / self.previous.records <= self.limit:
            return None
        table, id_col = ROLE_TABLES[self.source.role]
        marks = ", ".join("?" for _ in self.previous.load_ids)
        lost = (f"SELECT {id_col} AS record_id FROM {table} WHERE load_id IN ({marks}) "
                f"EXCEPT SELECT {id_col} FROM {table} WHERE load_id = ?")
        params: list[Any] = [*self.previous.load_ids, load_id]
        shrink = Shrink(self.source.name, "shrank", "accepted" if self.accept else "blocked",
                        self.previous.records, accepted, self.limit, load_id,
                        accepted + rejected, rejected, pipeline_file=self.pipeline_file)
        if self.source.role == "contacts":
            shrink.contacts_losing, shrink.audiences = impact(wh, lost, params)
        else:  # activities and reference rows are no contact's records
            shrink.contacts_losing = 0
        if shrink.status == "blocked":
            wh.execute(f"UPDATE {T.loads} SET status = 'blocked' WHERE load_id = ?", [load_id])
        elif wh.scalar(f"SELECT status FROM {T.loads} WHERE load_id = ?", [load_id]) == "blocked":
            wh.execute(f"UPDATE {T.loads} SET status = 'loaded', run_id = ? WHERE load_id = ?",
                       [self.run_id, load_id])
        audit(wh, shrink, self.run_id)
        return shrink


def impact(wh: Warehouse, lost_sql: str, params: list[Any]
           ) -> tuple[int | None, dict[str, int]]:
    """(contacts whose every record is in ``lost_sql``, published audience -> such members).

    Contacts come from the last dedupe's ``contact_links``; members from each audience's
    latest production publish. None contacts when dedupe has not run."""
    if not (wh.table_exists(T.contact_links.name)
            and {"record_id", "contact_id"} <= set(wh.columns(T.contact_links.name))):
        return None, {}
    losing = (f"SELECT contact_id FROM {T.contact_links} GROUP BY contact_id HAVING "
              f"bool_and(record_id IN ({lost_sql}))")
    contacts = int(wh.scalar(f"SELECT count(*) FROM ({losing})", params) or 0)
    if not contacts or not (wh.table_exists(T.publishes.name)
                            and wh.table_exists(T.audience_members.name)):
        return contacts, {}
    rows = wh.fetchall(
        "WITH latest AS (SELECT audience, publish_id FROM (SELECT audience, publish_id, "
        "row_number() OVER (PARTITION BY audience ORDER BY published_at DESC, publish_id DESC)"
        f" AS rn FROM {T.publishes} WHERE mode = 'production') WHERE rn = 1) "
        f"SELECT m.audience, count(DISTINCT m.contact_id) FROM {T.audience_members} m "
        f"JOIN latest l USING (audience, publish_id) WHERE m.contact_id IN ({losing}) "
        "GROUP BY 1 ORDER BY 1", params)
    return contacts, {str(r[0]): int(r[1]) for r in rows}


def audit(wh: Warehouse, shrink: Shrink, run_id: str | None) -> None:
    wh.execute(f"INSERT INTO {T.audit_log} (run_id, action, target, detail) "
               "VALUES (?, 'volume_gate', ?, ?)",
               [run_id, shrink.source, json.dumps(shrink.asdict(), default=str)])

