"""Publish targets — CSV, Parquet, a DuckDB table, a PostgreSQL table — staged, then swapped.

A publish writes every target in two steps, so that :mod:`contactops.audiences.manifest`
can make the targets and the ``publishes`` manifest agree after a crash at any point:

* ``stage`` writes the new version beside the live one (``.<file>.<publish>.staged``, a
  ``<table>__staged_<id>`` table) and makes it durable; the live version is untouched.
* ``swap`` keeps the live version as a backup (a hard link, a ``__backup_<id>`` table) and
  puts the staged one in its place with one atomic rename.

After that, ``finish`` drops the backup, or ``roll_back`` puts it back. Whether a target
was swapped is read from the target itself (its staged version is gone), so the state
survives a kill -9. Text targets go through :mod:`contactops.audiences.formula`.
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.audiences.formula import neutralize
from contactops.catalog import NAMES
from contactops.config.audiences import CsvTarget, DuckdbTarget, ParquetTarget
from contactops.errors import ContactopsError

if TYPE_CHECKING:
    from contactops.config.audiences import TargetModel
    from contactops.config.loader import Project
    from contactops.engine.warehouse import Warehouse


class TargetError(ContactopsError):
    """A target could not be written; the previous version is left in place."""


def location(target: TargetModel, audience: str, project: Project) -> str:
    if isinstance(target, CsvTarget | ParquetTarget):
        return str(project.path(target.path.replace("{audience}", audience)))
    table = _table(target, audience)
    if isinstance(target, DuckdbTarget):
        return f"{target.path or 'warehouse'}:{table}"
    return f"postgres:{target.db_schema}.{table}"


def _table(target: Any, audience: str) -> str:
    return str(target.table).replace("{audience}", audience.replace("-", "_"))


def flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists become ``a;b`` text, so the frame fits CSV and plain tables."""
    return frame.with_columns(pl.col(c).list.join(";") for c, t in frame.schema.items()
                              if isinstance(t, pl.List))


def spec_for(name: str, target: TargetModel, *, audience: str, project: Project,
             publish_id: str) -> dict[str, Any]:
    """Everything needed to stage, swap, finish or roll back ``target`` for one publish.

    Stored in the manifest, so a later process can finish the job without the config
    (except a PostgreSQL DSN, which only ever comes from the environment).
    """
    spec: dict[str, Any] = {"name": name, "type": target.type,
                            "location": location(target, audience, project)}
    suffix = publish_id.rsplit("-", 1)[-1]
    if isinstance(target, CsvTarget | ParquetTarget):
        path = Path(spec["location"])
        spec.update(path=str(path),
                    staged=str(path.with_name(f".{path.name}.{publish_id}.staged")),
                    backup=str(path.with_name(f".{path.name}.{publish_id}.backup")))
        return spec
    table = _table(target, audience)
    if isinstance(target, DuckdbTarget) and not target.path and table in NAMES:
        raise TargetError(f"target '{name}' would publish audience '{audience}' to table "
                          f"'{table}', a warehouse table (see docs/warehouse.md) it would "
                          "replace; name another table, e.g. 'audience_{audience}'")
    spec.update(table=table, staged=f"{table}__staged_{suffix}",
                backup=f"{table}__backup_{suffix}")
    if isinstance(target, DuckdbTarget):
        spec["database"] = str(project.path(target.path)) if target.path else None
    else:
        spec["schema"] = target.db_schema
    return spec


class StagedTarget(ABC):
    """One target of one publish; see the module docstring for the steps."""

    def __init__(self, spec: dict[str, Any], wh: Warehouse, dsn: str | None = None) -> None:
        self.spec, self.wh, self.dsn = spec, wh, dsn
        self.name: str = spec["name"]

    def _fail(self, step: str, exc: BaseException) -> TargetError:
        return TargetError(f"publishing to target '{self.name}' ({self.spec['location']}) "
                           f"failed while it was {step}: {type(exc).__name__}: {exc}")

    def stage(self, frame: pl.DataFrame) -> None:
        try:
            self._stage(frame)
        except ContactopsError:
            raise
        except Exception as exc:
            raise self._fail("staged; the published version is unchanged", exc) from exc

    def swap(self) -> None:
        try:
            self._swap()
        except ContactopsError:
            raise
        except Exception as exc:
            raise self._fail("swapped in", exc) from exc

    # -- implemented per kind ----------------------------------------------------------
    @abstractmethod
    def exists(self) -> bool:
        """Whether the live version exists (recorded as ``existed`` before staging)."""

    @abstractmethod
    def _stage(self, frame: pl.DataFrame) -> None: ...

    @abstractmethod
    def _swap(self) -> None: ...

    @abstractmethod
    def swapped(self) -> bool:
        """The staged version has replaced the live one (meaningful once all were staged)."""

    @abstractmethod
    def roll_back(self, swapped: bool) -> None:
        """Back to the version before this publish; ``swapped``: it had replaced it.

        Idempotent: a roll-back interrupted and run again ends in the same state.
        """

    @abstractmethod
    def finish(self) -> None:
        """Drop the backup of the replaced version."""


class FileTarget(StagedTarget):
    def exists(self) -> bool:
        return Path(self.spec["path"]).exists()

    def _stage(self, frame: pl.DataFrame) -> None:
        staged = Path(self.spec["staged"])
        staged.parent.mkdir(parents=True, exist_ok=True)
        if self.spec["type"] == "csv":
            neutralize(flatten(frame)).write_csv(staged)
        else:
            frame.write_parquet(staged)
        _fsync(staged)
        _fsync(staged.parent)

    def _swap(self) -> None:
        path, staged, backup = (Path(self.spec[k]) for k in ("path", "staged", "backup"))
        if path.exists():
            try:
                os.link(path, backup)
            except OSError:  # no hard links on this file system: a copy does the same
                shutil.copy2(path, backup)
                _fsync(backup)
        os.replace(staged, path)
        _fsync(path.parent)

    def swapped(self) -> bool:
        return not Path(self.spec["staged"]).exists()

    def roll_back(self, swapped: bool) -> None:
        path, staged, backup = (Path(self.spec[k]) for k in ("path", "staged", "backup"))
        if swapped:
            if not self.spec["existed"]:  # there was no file before this publish
                path.unlink(missing_ok=True)
            elif backup.exists():         # else it was put back already
                os.replace(backup, path)
            _fsync(path.parent)
        staged.unlink(missing_ok=True)
        backup.unlink(missing_ok=True)

    def finish(self) -> None:
        Path(self.spec["backup"]).unlink(missing_ok=True)


class DuckdbTable(StagedTarget):
    def _db(self) -> AbstractContextManager[str]:
        """The catalog the table lives in (the warehouse, or the attached file)."""
        return self.wh.catalog(self.spec.get("database"))

    def _has(self, db: str, table: str) -> bool:
        return self.wh.table_exists(table, catalog=db)

    def exists(self) -> bool:
        with self._db() as db:
            return self._has(db, self.spec["table"])

    def _stage(self, frame: pl.DataFrame) -> None:
        with self._db() as db, self.wh.transaction():
            self.wh.replace_table(self.spec["staged"], frame, catalog=db)

    def _swap(self) -> None:
        table, staged, backup = self.spec["table"], self.spec["staged"], self.spec["backup"]
        with self._db() as db, self.wh.transaction():
            if self._has(db, table):
                self.wh.execute(f'ALTER TABLE "{db}".main."{table}" RENAME TO "{backup}"')
            self.wh.execute(f'ALTER TABLE "{db}".main."{staged}" RENAME TO "{table}"')

    def swapped(self) -> bool:
        with self._db() as db:
            return not self._has(db, self.spec["staged"])

    def roll_back(self, swapped: bool) -> None:
        table, staged, backup = self.spec["table"], self.spec["staged"], self.spec["backup"]
        with self._db() as db, self.wh.transaction():
            # swapped: the live table is this publish's, unless it was put back already
            if swapped and (not self.spec["existed"] or self._has(db, backup)):
                self.wh.execute(f'DROP TABLE IF EXISTS "{db}".main."{table}"')
                if self.spec["existed"]:
                    self.wh.execute(f'ALTER TABLE "{db}".main."{backup}" RENAME TO "{table}"')
            self.wh.execute(f'DROP TABLE IF EXISTS "{db}".main."{staged}"')
            self.wh.execute(f'DROP TABLE IF EXISTS "{db}".main."{backup}"')

    def finish(self) -> None:
        with self._db() as db:
            self.wh.execute(f'DROP TABLE IF EXISTS "{db}".main."{self.spec["backup"]}"')


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def staged_target(spec: dict[str, Any], wh: Warehouse, dsn: str | None = None
                  ) -> StagedTarget:
    """The staged target a manifest spec describes."""
    if spec["type"] in ("csv", "parquet"):
        return FileTarget(spec, wh)
    if spec["type"] == "duckdb":
        return DuckdbTable(spec, wh)
    from contactops.audiences.pg_target import PostgresTable

    return PostgresTable(spec, wh, dsn)
