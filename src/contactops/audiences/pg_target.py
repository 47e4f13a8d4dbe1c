"""The PostgreSQL target, staged and swapped like the others (see :mod:`.targets`).

The staged table is filled with ``COPY`` and committed; the swap renames the live table to
its backup and the staged one into its place in one transaction (PostgreSQL DDL is
transactional), so readers see the old or the new audience, never half of one.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from contactops.audiences.targets import StagedTarget, TargetError

_PG_TYPES = {pl.Int64: "bigint", pl.Int32: "integer", pl.Float64: "double precision",
             pl.Boolean: "boolean", pl.Date: "date"}


def _pg_type(dtype: pl.DataType) -> str:
    if isinstance(dtype, pl.List):
        return "text[]"
    if isinstance(dtype, pl.Datetime):
        return "timestamp"
    for known, name in _PG_TYPES.items():
        if dtype == known:
            return name
    return "text"


class PostgresTable(StagedTarget):
    def _connect(self) -> Any:
        import psycopg

        if not self.dsn:
            raise TargetError(f"target '{self.name}' is not a postgres target of "
                              "config/audiences.yaml any more, so its DSN is unknown; put it "
                              "back to let the interrupted publish be repaired")
        return psycopg.connect(self.dsn, connect_timeout=10)

    def _ident(self, table: str) -> Any:
        from psycopg import sql

        return sql.SQL("{}.{}").format(sql.Identifier(self.spec["schema"]),
                                       sql.Identifier(table))

    def _has(self, conn: Any, table: str) -> bool:
        row = conn.execute("SELECT to_regclass(%s)", [
            f'"{self.spec["schema"]}"."{table}"']).fetchone()
        return row is not None and row[0] is not None

    def exists(self) -> bool:
        with self._connect() as conn:
            return self._has(conn, self.spec["table"])

    def _stage(self, frame: pl.DataFrame) -> None:
        from psycopg import sql

        staged = self._ident(self.spec["staged"])
        cols = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_pg_type(t)))
            for c, t in frame.schema.items())
        with self._connect() as conn, conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(self.spec["schema"])))
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(staged))
            conn.execute(sql.SQL("CREATE TABLE {} ({})").format(staged, cols))
            copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                staged, sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns))
            with conn.cursor().copy(copy_sql) as copy:
                for row in frame.iter_rows():
                    copy.write_row(row)

    def _rename(self, conn: Any, old: str, new: str) -> None:
        from psycopg import sql

        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(
            self._ident(old), sql.Identifier(new)))

    def _swap(self) -> None:
        table, staged, backup = self.spec["table"], self.spec["staged"], self.spec["backup"]
        with self._connect() as conn, conn.transaction():
            if self._has(conn, table):
                self._rename(conn, table, backup)
            self._rename(conn, staged, table)

    def swapped(self) -> bool:
        with self._connect() as conn:
            return not self._has(conn, self.spec["staged"])

    def roll_back(self, swapped: bool) -> None:
        from psycopg import sql

        table, staged, backup = self.spec["table"], self.spec["staged"], self.spec["backup"]
        with self._connect() as conn, conn.transaction():
            # swapped: the live table is this publish's, unless it was put back already
            if swapped and (not self.spec["existed"] or self._has(conn, backup)):
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self._ident(table)))
                if self.spec["existed"]:
                    self._rename(conn, backup, table)
            for name in (staged, backup):
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(self._ident(name)))

    def finish(self) -> None:
        from psycopg import sql

        with self._connect() as conn:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                self._ident(self.spec["backup"])))
