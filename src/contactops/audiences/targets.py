"""Publish targets: CSV, Parquet, a DuckDB table and a PostgreSQL table — each written atomically.

Files are written to a temporary file in the same folder, flushed to disk and renamed over
the old one; tables are replaced inside one transaction. A publish killed half-way leaves
the previous version in place. CSV cells that a spreadsheet would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.config.audiences import CsvTarget, DuckdbTarget, ParquetTarget, PostgresTarget
from contactops.errors import ContactopsError

if TYPE_CHECKING:
    from contactops.config.audiences import TargetModel
    from contactops.config.loader import Project
    from contactops.engine.warehouse import Warehouse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TargetError(ContactopsError):
    """A target could not be written; the previous version is left in place."""


def location(target: TargetModel, audience: str, project: Project) -> str:
    if isinstance(target, CsvTarget | ParquetTarget):
        return str(project.path(target.path.replace("{audience}", audience)))
    table = target.table.replace("{audience}", audience.replace("-", "_"))
    if isinstance(target, DuckdbTarget):
        return f"{target.path or 'warehouse'}:{table}"
    return f"postgres:{target.db_schema}.{table}"


def _table(target: DuckdbTarget | PostgresTarget, audience: str) -> str:
    return target.table.replace("{audience}", audience.replace("-", "_"))


def flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists become ``a;b`` text, so the frame fits CSV and plain tables."""
    return frame.with_columns(pl.col(c).list.join(";") for c, t in frame.schema.items()
                              if isinstance(t, pl.List))


def neutralize(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix cells a spreadsheet would evaluate as a formula with a single quote."""
    pattern = "^[" + "".join("\\" + c if c in "-+" else c for c in "=+-@") + "\t\r]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c)).alias(c)
        for c, t in frame.schema.items() if t == pl.Utf8)


def write(target: TargetModel, frame: pl.DataFrame, *, audience: str, project: Project,
          wh: Warehouse) -> str:
    """Write ``frame`` to ``target`` atomically; returns where it went."""
    where = location(target, audience, project)
    try:
        if isinstance(target, CsvTarget):
            _atomic_file(Path(where), lambda p: neutralize(flatten(frame)).write_csv(p))
        elif isinstance(target, ParquetTarget):
            _atomic_file(Path(where), lambda p: frame.write_parquet(p))
        elif isinstance(target, DuckdbTarget):
            _duckdb(wh, target, _table(target, audience), frame, project)
        else:
            _postgres(target, _table(target, audience), frame)
    except ContactopsError:
        raise
    except Exception as exc:
        raise TargetError(f"publishing '{audience}' to {where} failed, the previous version "
                          f"is unchanged: {type(exc).__name__}: {exc}") from exc
    return where


def _atomic_file(path: Path, writer: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        writer(tmp)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _duckdb(wh: Warehouse, target: DuckdbTarget, table: str, frame: pl.DataFrame,
            project: Project) -> None:
    if target.path is None:
        with wh.transaction(), wh.registered("_audience_export", frame):
            wh.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM _audience_export')
        return
    path = str(project.path(target.path)).replace("'", "''")
    wh.execute(f"ATTACH '{path}' AS _audience_target")
    try:
        with wh.transaction(), wh.registered("_audience_export", frame):
            wh.execute(f'CREATE OR REPLACE TABLE _audience_target.main."{table}" AS '
                       "SELECT * FROM _audience_export")
    finally:
        wh.execute("DETACH _audience_target")


_PG_TYPES = {pl.Int64: "bigint", pl.Int32: "integer", pl.Float64: "double precision",
             pl.Boolean: "boolean", pl.Datetime: "timestamp", pl.Date: "date"}


def _pg_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return "text[]"
    for known, name in _PG_TYPES.items():
        if dtype == known or (known is pl.Datetime and isinstance(dtype, pl.Datetime)):
            return name
    return "text"


def _postgres(target: PostgresTarget, table: str, frame: pl.DataFrame) -> None:
    import psycopg
    from psycopg import sql

    schema = target.db_schema
    new = f"{table}__new"
    cols = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(t)))
        for c, t in frame.schema.items())
    with psycopg.connect(target.dsn.get_secret_value(), connect_timeout=10) as conn:
        with conn.transaction():  # DDL is transactional: readers see old or new, never half
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(schema)))
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(
                sql.Identifier(schema), sql.Identifier(new)))
            conn.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(
                sql.Identifier(schema), sql.Identifier(new), cols))
            copy_sql = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(
                sql.Identifier(schema), sql.Identifier(new),
                sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns))
            with conn.cursor().copy(copy_sql) as copy:
                for row in frame.iter_rows():
                    copy.write_row(row)
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)))
            conn.execute(sql.SQL("ALTER TABLE {}.{} RENAME TO {}").format(
                sql.Identifier(schema), sql.Identifier(new), sql.Identifier(table)))
