"""The query shapes stages repeat over declared tables, written once.

Each takes any warehouse with ``scalar``, ``execute``, ``pl``, ``table_exists`` and
``columns`` (the catalog imports no engine).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contactops.catalog.model import Table
from contactops.catalog.tables import T


def count_rows(wh: Any, table: Table, where: str = "", params: Sequence[Any] = ()) -> int:
    """Rows of ``table`` (matching ``where``, a SQL condition with ``?`` marks)."""
    sql = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
    return int(wh.scalar(sql, list(params)))


def delete_rows(wh: Any, table: Table, where: str, params: Sequence[Any] = ()) -> int:
    """Delete the rows of ``table`` matching ``where``; returns how many went."""
    before = count_rows(wh, table)
    wh.execute(f"DELETE FROM {table} WHERE {where}", list(params))
    return before - count_rows(wh, table)


def delete_by_load(wh: Any, table: Table, load_id: str) -> int:
    """Delete the rows ``load_id`` landed in ``table``; returns how many went."""
    assert table.by_load, f"{table} is not landed by a load"
    count = count_rows(wh, table, f"{table.by_load} = ?", [load_id])
    wh.execute(f"DELETE FROM {table} WHERE {table.by_load} = ?", [load_id])
    return count


def delete_orphans(wh: Any, table: Table) -> int:
    """Delete the rows of a table derived by record whose record is no longer current;
    returns how many went."""
    column = table.by_record
    assert column, f"{table} does not derive from records"
    return delete_rows(wh, table, f"{column} NOT IN "
                                  f"(SELECT record_id FROM {T.current_source_records})")


def read_table(wh: Any, table: Table, columns: Sequence[str] | None = None) -> Any:
    """The whole of ``table`` as a frame (only ``columns``), or None when it does not exist."""
    if not wh.table_exists(table.name):
        return None
    return wh.pl(f"SELECT {', '.join(columns) if columns else '*'} FROM {table}")


def has_columns(wh: Any, table: Table, *columns: str) -> bool:
    """``table`` exists and has every one of ``columns`` (an older warehouse may lack one)."""
    return wh.table_exists(table.name) and set(columns) <= set(wh.columns(table.name))
