"""Land one mapped batch in the warehouse as one load, in one transaction.

A load is all-or-nothing: its ``loads`` row, its ``source_records`` (or ``activities``, or
``reference_records``) and its ``rejected_records`` commit together, after the accounting check
``rows_read == rows_accepted + rows_rejected`` has passed against what is really stored.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.catalog.queries import count_rows
from contactops.errors import AccountingError
from contactops.sources.base import REJECT_COLUMNS, ROW, RawStream, Reject, reader_notes
from contactops.sources.carry import Carry
from contactops.sources.mapping import CONTENT, KEY, OCCURRENCE, map_batch, role_fields

if TYPE_CHECKING:
    from contactops.config.pipeline import Source
    from contactops.engine.warehouse import Warehouse
    from contactops.sources.volume import Shrink, VolumeGate


@dataclass
class LoadInfo:
    """What one source load did; ``skipped`` when the content was already loaded."""

    source: str
    load_id: str | None
    location: str
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    skipped: bool = False
    skip_reason: str | None = None   # "unchanged" or "undone"
    reject_reasons: dict[str, int] = field(default_factory=dict)
    mapping: dict[str, str] = field(default_factory=dict)
    key: str | None = None
    shrink: Shrink | None = None     # set when the volume gate looked at this load
    notes: list[str] = field(default_factory=list)   # what the reader repaired or decided

    @property
    def blocked(self) -> bool:
        """The volume gate kept this version from becoming current."""
        return self.shrink is not None and self.shrink.status == "blocked"

    def asdict(self) -> dict[str, Any]:
        data = asdict(self)
        data["shrink"] = self.shrink.asdict() if self.shrink is not None else None
        return data

    def __str__(self) -> str:
        if self.blocked:
            assert self.shrink is not None
            return (f"{self.source}: BLOCKED by the volume gate, {self.shrink.old_records} -> "
                    f"{self.shrink.new_records} records ({self.shrink.share:.0%} dropped); "
                    f"read {self.rows_read}, rejected {self.rows_rejected}; not current "
                    f"[{self.load_id}]")
        if self.skipped and self.skip_reason == "undone":
            return (f"{self.source}: this content was undone ({self.load_id}); it loads again "
                    "only once the source changes")
        if self.skipped:
            return f"{self.source}: unchanged since last load, nothing added"
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.reject_reasons.items()))
        tail = f" ({reasons})" if reasons else ""
        accepted = (f"; shrink {self.shrink.old_records} -> {self.shrink.new_records} "
                    "accepted" if self.shrink is not None else "")
        notes = "".join(f"\n        note: {note}" for note in self.notes)
        return (f"{self.source}: read {self.rows_read}, accepted {self.rows_accepted}, "
                f"rejected {self.rows_rejected}{tail}{accepted} [{self.load_id}]{notes}")


def already_loaded(wh: Warehouse, source: str, content_hash: str) -> tuple[str, str] | None:
    """(load id, reason) when this exact content needs no load: it is the current version
    ("unchanged"), or a load of it was undone ("undone": an undo sticks until the source
    changes, so the next scheduled run does not bring the bad rows straight back), or it
    is the newest version and the volume gate blocked it ("blocked": the gate decides again
    on the stored load, so a nightly run does not land the same rows night after night)."""
    current = wh.scalar(
        f"SELECT load_id FROM {T.current_loads} WHERE source = ? AND content_hash = ? "
        "ORDER BY load_seq DESC LIMIT 1", [source, content_hash])
    if current:
        return current, "unchanged"
    undone = wh.scalar(
        f"SELECT load_id FROM {T.loads} WHERE source = ? AND content_hash = ? "
        "AND status = 'undone' "
        "ORDER BY load_seq DESC LIMIT 1", [source, content_hash])
    if undone:
        return undone, "undone"
    blocked = wh.scalar(
        f"SELECT load_id FROM {T.loads} WHERE source = ? AND content_hash = ? "
        "AND status = 'blocked' "
        f"AND load_seq > (SELECT coalesce(max(load_seq), 0) FROM {T.loads} WHERE source = ? "
        "AND status = 'loaded') ORDER BY load_seq DESC LIMIT 1", [source, content_hash, source])
    return (blocked, "blocked") if blocked else None


def land(wh: Warehouse, source: Source, stream: RawStream, mapping: dict[str, str],
         key: str | None, *, run_id: str, content_hash: str,
         details: dict[str, Any] | None = None, gate: VolumeGate | None = None) -> LoadInfo:
    """Land one load, batch after batch, in one transaction; ``gate`` (a snapshot with a
    current version) may keep it from becoming current, in the same transaction, once its
    rows are stored and accounted for.

    Each batch is mapped (:func:`~contactops.sources.mapping.map_batch`), told what the
    batches before it landed (:class:`~contactops.sources.carry.Carry`) and inserted, so
    only one batch is held at a time; the accounting check covers the whole load.
    """
    info = LoadInfo(source=source.name, load_id=None, location=stream.location,
                    mapping=mapping, key=key)
    keyed = source.role != "activity"  # a reference row is keyed like a contact row
    table = {"contacts": T.source_records, "activity": T.activities,
             "reference": T.reference_records}[source.role]
    with wh.transaction():
        seq = wh.next_value("load_seq")
        load_id = f"{source.name}-{seq:06d}"
        info.load_id = load_id
        wh.execute(
            f"INSERT INTO {T.loads} (load_id, load_seq, run_id, source, source_type, source_kind, "
            "role, mode, file, content_hash, details, rows_read, status, loaded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}', 0, 'loaded', now())",
            [load_id, seq, run_id, source.name, source.type, str(source.kind), source.role,
             source.mode, stream.location, content_hash])
        insert = _insert_sql(source, table, load_id, seq, keyed, key)
        params = None if keyed else [source.links_to]
        carry = Carry(wh, key)
        for raw in stream.batches:
            mapped = carry.follow(map_batch(source, raw, mapping, key, carry.earlier(raw)))
            info.rows_read += raw.rows_read
            with wh.registered("_landing", mapped.frame):
                wh.execute(insert, params)
            rejects = [*raw.rejects, *mapped.rejects]
            _store_rejects(wh, rejects, load_id, source.name, stream.location)
            for r in rejects:
                info.reject_reasons[r.reason_code] = info.reject_reasons.get(r.reason_code, 0) + 1
        carry.close()
        facts = {**stream.details, **(details or {}), "mapping": mapping, "key": key}
        wh.execute(f"UPDATE {T.loads} SET details = ?, rows_read = ? WHERE load_id = ?",
                   [json.dumps(facts, default=str), info.rows_read, load_id])
        accepted = count_rows(wh, table, "load_id = ?", [load_id])
        rejected = count_rows(wh, T.rejected_records, "load_id = ?", [load_id])
        if accepted + rejected != info.rows_read:
            raise AccountingError(
                f"source '{source.name}' ({stream.location}): read {info.rows_read} rows but "
                f"stored {accepted} accepted + {rejected} rejected; the load was rolled back. "
                "This is a contactops bug: please report it with the file")
        wh.execute(f"UPDATE {T.loads} SET rows_accepted = ?, rows_rejected = ? WHERE load_id = ?",
                   [accepted, rejected, load_id])
        if gate is not None:
            info.shrink = gate.check(wh, load_id, accepted, rejected)
    info.rows_accepted, info.rows_rejected = accepted, rejected
    info.notes = reader_notes(stream.details)
    return info


def _insert_sql(source: Source, table: Any, load_id: str, seq: int, keyed: bool,
                key: str | None) -> str:
    """INSERT of one mapped batch (registered as ``_landing``) into the role's table."""
    id_col = "record_id" if keyed else "activity_id"
    key_sql = (f"md5(\"{CONTENT}\") || CASE WHEN \"{OCCURRENCE}\" > 1 "
               f"THEN '#' || \"{OCCURRENCE}\" ELSE '' END" if not key else f'"{KEY}"')
    field_sql = "".join(f'"{f}", ' for f in role_fields(source.role))
    extra_cols = "source_record_key" if keyed else "links_to"
    extra_val = "_k" if keyed else "?"
    return (
        f"INSERT INTO {table} ({id_col}, load_id, load_seq, source, source_kind, "
        f"{extra_cols}, row_number, {field_sql}extras) "
        f"SELECT substr(md5('{source.name}' || chr(31) || _k), 1, 16), '{load_id}', {seq}, "
        f"'{source.name}', '{source.kind}', {extra_val}, \"{ROW}\", {field_sql}extras "
        f"FROM (SELECT *, {key_sql} AS _k FROM _landing)")


def _store_rejects(wh: Warehouse, rejects: list[Reject], load_id: str, source: str,
                   location: str) -> None:
    import polars as pl

    if not rejects:
        return
    frame = pl.DataFrame([_reject_row(r) for r in rejects],
                         schema={c: (pl.Int64 if c.endswith("number") else pl.Utf8)
                                 for c in REJECT_COLUMNS}, orient="row")
    frame = frame.with_columns(pl.lit(load_id).alias("load_id"), pl.lit(source).alias("source"),
                               pl.lit(location).alias("file"))
    wh.append_frame(T.rejected_records.name, frame)


def _reject_row(r: Reject) -> tuple[Any, ...]:
    return (r.row_number, r.line_number, r.reason_code, r.field, r.message, r.raw)
