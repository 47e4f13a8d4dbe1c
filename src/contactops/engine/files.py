"""Reading DuckDB database files for the source readers (engine is the only duckdb importer).

A DuckDB source is ATTACHed ``READ_ONLY`` to a fresh in-memory connection, so reading it can
never change it and never touches the warehouse connection. Every column comes back as text:
nested values (STRUCT, LIST, MAP, ...) as JSON, everything else through DuckDB's VARCHAR cast.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from contactops.engine.connect import scratch
from contactops.engine.sql import quote_identifier, quote_literal

if TYPE_CHECKING:
    import polars as pl

_ALIAS = "contactops_src"
_NESTED = ("STRUCT", "MAP", "UNION", "JSON")


class DuckdbFileError(Exception):
    """The DuckDB file, table or query cannot be read; ``str()`` says why and how to fix it."""


def read_duckdb_file(path: Path, table: str | None = None, query: str | None = None, *,
                     display: str | None = None) -> tuple[pl.DataFrame, str]:
    """Read a table or query from the DuckDB file ``path``; every column as a string.

    ``table`` may be schema-qualified (``crm.contacts``). Returns the frame (no ``_row``
    column) and the SQL that produced it, which callers fold into the content hash.
    ``display`` is how messages name the file (default: ``path``).

    Raises:
        DuckdbFileError: the file is not a DuckDB database, the table does not exist (the
            message lists the tables there) or the query fails.
    """
    import polars as pl

    if (table is None) == (query is None):
        raise ValueError("give exactly one of table or query")
    shown = display or str(path)
    with scratch() as con:
        try:
            con.execute(f"ATTACH {quote_literal(str(path))} AS {_ALIAS} (READ_ONLY)")
            con.execute(f"USE {_ALIAS}")
        except duckdb.Error as exc:
            raise DuckdbFileError(f"cannot open {shown} as a DuckDB database: "
                                  f"{_first_line(exc)}") from None
        if table is not None:
            inner = f"SELECT * FROM {_resolve_table(con, table, shown)}"
        else:
            inner = str(query).strip().rstrip(";")
        try:
            described = con.execute(f"DESCRIBE {inner}").fetchall()
        except duckdb.Error as exc:
            raise DuckdbFileError(f"query on {shown} failed: {_first_line(exc)}") from None
        names = [row[0] for row in described]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise DuckdbFileError(
                f"the query returns the column name(s) {', '.join(duplicates)} more than "
                "once; give each column a unique alias (SELECT a.id AS account_id, ...)")
        select = ", ".join(_as_text(name, str(dtype)) for name, dtype, *_ in described)
        sql = f"SELECT {select} FROM ({inner}) AS q" if described else inner
        try:
            arrow = con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise DuckdbFileError(f"query on {shown} failed: {_first_line(exc)}") from None
        frame = pl.from_arrow(arrow)
        assert isinstance(frame, pl.DataFrame)
        return frame.cast(pl.Utf8), inner


def _as_text(name: str, dtype: str) -> str:
    col = "q." + quote_identifier(name)
    nested = dtype.upper().startswith(_NESTED) or dtype.endswith("]")
    expr = f"to_json({col})::VARCHAR" if nested else f"{col}::VARCHAR"
    return f"{expr} AS {quote_identifier(name)}"


def _resolve_table(con: duckdb.DuckDBPyConnection, table: str, shown: str) -> str:
    schema, _, name = table.rpartition(".")
    rows = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = ? ORDER BY table_schema <> 'main', table_schema, table_name",
        [_ALIAS]).fetchall()
    for row_schema, row_name in rows:
        if row_name.lower() == name.lower() and (not schema or row_schema.lower()
                                                 == schema.lower()):
            return f"{quote_identifier(row_schema)}.{quote_identifier(row_name)}"
    names = [n if s == "main" else f"{s}.{n}" for s, n in rows]
    close = difflib.get_close_matches(table, names, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise DuckdbFileError(f"table '{table}' not found in {shown}; tables there: "
                          f"{', '.join(names) or '(none)'}{hint}")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
