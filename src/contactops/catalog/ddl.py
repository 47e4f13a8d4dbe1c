"""DDL generated from the catalog: tables, views, the load sequence and additive migrations.

The catalog imports no engine: :func:`ensure_tables` takes any warehouse offering
``execute``, ``table_exists``, ``columns``, ``transaction`` and ``read_only``.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from contactops.catalog.model import Table
from contactops.catalog.tables import TABLES

#: The sequence ``loads.load_seq`` is drawn from.
LOAD_SEQUENCE = "load_seq"


class Executor(Protocol):
    """What DDL needs of a warehouse."""

    read_only: bool

    def execute(self, sql: str, params: list[Any] | None = None) -> None: ...

    def table_exists(self, name: str) -> bool: ...

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any: ...

    def columns(self, table: str) -> list[str]: ...

    def table_kind(self, name: str) -> str | None: ...

    def transaction(self) -> AbstractContextManager[Any]: ...


def create_sql(table: Table) -> str:
    """``CREATE TABLE IF NOT EXISTS`` (or ``CREATE OR REPLACE VIEW``) for ``table``."""
    if table.kind == "view":
        return f"CREATE OR REPLACE VIEW {table} AS\n{table.sql};"
    if table.created == "frame":
        raise ValueError(f"{table} is written whole from a frame; it has no DDL")
    pk = table.key[0] if table.primary_key else None
    cols = ",\n  ".join(c.ddl(primary_key=c.name == pk) for c in table.fixed_columns)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {cols}\n);"


def add_columns_sql(table: Table, names: Iterable[str] | None = None) -> list[str]:
    """``ALTER TABLE ... ADD COLUMN IF NOT EXISTS`` for columns added since the first
    version (``names``: only these)."""
    wanted = table.added if names is None else tuple(names)
    return [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS "
            f"{table.column(name).ddl()}" for name in wanted]


def _of(created: str, stage: str | None = None) -> list[Table]:
    return [t for t in TABLES if t.kind == "table" and t.created == created
            and (stage is None or t.stage == stage)]


def warehouse_ddl() -> str:
    """Everything a writable warehouse has from its first open: the load sequence, the
    foundation and sources tables, the columns added to them since, and the views."""
    statements = [f"CREATE SEQUENCE IF NOT EXISTS {LOAD_SEQUENCE} START 1;"]
    statements += [create_sql(t) for t in _of("open")]
    for table in _of("open"):
        statements += [s + ";" for s in add_columns_sql(table)]
    statements += [create_sql(t) for t in TABLES if t.kind == "view" and t.created == "open"]
    return "\n".join(statements)


def replace_view(wh: Executor, table: Table) -> None:
    """(Re)create a view its stage makes once the tables under it are written.

    A warehouse from before the view may hold a table of that name (``normalization_changes``
    was one): it is dropped, its rows are what the view now derives.
    """
    if wh.table_kind(table.name) == "table":
        wh.execute(f"DROP TABLE {table}")
    wh.execute(create_sql(table))


def stage_tables(stage: str) -> list[Table]:
    """The tables ``stage`` creates on first use."""
    return _of("stage", stage)


def ensure_tables(wh: Executor, stage: str, *, atomic: bool = False) -> None:
    """Create ``stage``'s tables that do not exist yet and add columns declared since.

    A read-only warehouse is left alone. ``atomic``: create them in one transaction (the
    caller must not be inside one).
    """
    if wh.read_only:
        return
    tables = stage_tables(stage)
    if not tables:
        raise ValueError(f"stage {stage!r} creates no tables of its own")
    missing = [t for t in tables if not wh.table_exists(t.name)]
    if missing:
        sql = "\n".join(create_sql(t) for t in missing)
        if atomic:
            with wh.transaction():
                wh.execute(sql)
        else:
            wh.execute(sql)
    for table in tables:
        if table in missing or not table.added:
            continue
        have = set(wh.columns(table.name))
        new = [c for c in table.added if c not in have]
        if new:  # a warehouse from before the column existed
            statements = add_columns_sql(table, new)
            if atomic:
                with wh.transaction():
                    for statement in statements:
                        wh.execute(statement)
            else:
                for statement in statements:
                    wh.execute(statement)
