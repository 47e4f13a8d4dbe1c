"""Suppression lists: global unsubscribes, bounces, do-not-contact, and erased people.

Plain entries keep the lower-case email or E.164 phone. Erased people are kept only as a
salted SHA-256 of their email / email key / phone, so they can be recognized (and kept out of
outbound audiences) if a later import brings them back, without keeping their data. The salt
comes from the environment variable named in ``suppression.salt_env`` and is never printed;
``salt_id`` (a hash of the salt) detects a changed salt instead of silently matching nothing.
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from contactops.audiences.tables import ensure_tables
from contactops.catalog import T
from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.config.audiences import SuppressionSettings
    from contactops.config.loader import Project
    from contactops.engine.warehouse import Warehouse

KINDS = ("unsubscribe", "bounce", "do_not_contact", "erased")
SCHEMA = {"kind": pl.Utf8, "channel": pl.Utf8, "value": pl.Utf8, "hashed": pl.Boolean,
          "salt_id": pl.Utf8, "source": pl.Utf8, "reason": pl.Utf8}


@dataclass(frozen=True)
class Salt:
    """The erasure salt; ``repr`` never shows it."""

    value: str = ""

    def __repr__(self) -> str:
        return "Salt(***)"

    @property
    def id(self) -> str:
        return hashlib.sha256(f"contactops-salt-id:{self.value}".encode()).hexdigest()[:12]

    def hash(self, value: str) -> str:
        return hashlib.sha256(f"{self.value}:{value.strip().lower()}".encode()).hexdigest()


def salt_from_env(settings: SuppressionSettings, *, required: bool = True) -> Salt | None:
    value = os.environ.get(settings.salt_env)
    if value:
        return Salt(value)
    if required:
        raise UsageError(f"erased people are suppressed by a salted hash, but "
                         f"${settings.salt_env} is not set; export it (the same value every "
                         "time, kept in your secret store) — it is never printed")
    return None


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def add_suppressions(wh: Warehouse, kind: str, values: Iterable[str], *, channel: str = "all",
                     source: str = "manual", reason: str = "",
                     salt: Salt | None = None) -> int:
    """Add entries (hashed with ``salt`` when given); duplicates are skipped."""
    if kind not in KINDS:
        raise UsageError(f"unknown suppression kind '{kind}'; use one of {', '.join(KINDS)}")
    ensure_tables(wh)
    cleaned = sorted({v.strip().lower() for v in values if v and v.strip()})
    if salt is not None:
        cleaned = sorted({salt.hash(v) for v in cleaned})
    frame = pl.DataFrame({"kind": kind, "channel": channel, "value": cleaned,
                          "hashed": salt is not None,
                          "salt_id": salt.id if salt is not None else None,
                          "source": source, "reason": reason},
                         schema=SCHEMA)
    if frame.is_empty():
        return 0
    before = int(wh.scalar(f"SELECT count(*) FROM {T.suppressions}"))
    with wh.registered("_new_suppressions", frame):
        wh.execute(f"INSERT INTO {T.suppressions} (kind, channel, value, hashed, salt_id, source, "
                   "reason) SELECT n.* FROM _new_suppressions n WHERE NOT EXISTS (SELECT 1 "
                   f"FROM {T.suppressions} s WHERE s.kind = n.kind AND s.channel = n.channel "
                   "AND s.value = n.value)")
    return int(wh.scalar(f"SELECT count(*) FROM {T.suppressions}")) - before


def sync_files(wh: Warehouse, project: Project, settings: SuppressionSettings) -> int:
    """Add the rows of the suppression CSV files declared in config; returns rows added."""
    added = 0
    for spec in settings.files:
        path = project.path(spec.path)
        if not path.is_file():
            raise UsageError(f"suppression file {spec.path} not found (suppression.files in "
                             "config/audiences.yaml)")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            if spec.column not in (reader.fieldnames or []):
                raise UsageError(f"suppression file {spec.path} has no column '{spec.column}' "
                                 f"(columns: {', '.join(reader.fieldnames or [])})")
            values = [row[spec.column] for row in reader]
        added += add_suppressions(wh, spec.kind, values, channel=spec.channel,
                                  source=spec.path)
    return added


def load(wh: Warehouse) -> pl.DataFrame:
    if not wh.table_exists(T.suppressions.name):
        return empty()
    return wh.pl("SELECT kind, channel, value, hashed, salt_id, source, reason "
                 f"FROM {T.suppressions}")


def check_salt(suppressions: pl.DataFrame, salt: Salt | None, salt_env: str) -> None:
    """Refuse to gate with a missing or different salt when hashed entries exist."""
    hashed = suppressions.filter(pl.col("hashed"))
    if hashed.is_empty():
        return
    if salt is None:
        raise UsageError(f"{hashed.height} erased people are suppressed by salted hash; "
                         f"export ${salt_env} (the salt used when they were erased)")
    other = set(hashed["salt_id"].drop_nulls().to_list()) - {salt.id}
    if other:
        raise UsageError(f"${salt_env} differs from the salt used for {len(other)} earlier "
                         "erasure batch(es); erased people would no longer be recognized. "
                         "Restore the original salt")
