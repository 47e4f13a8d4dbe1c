"""SQLite reader: a table or a query of a SQLite file, opened read-only, every value as text.

The file is opened with a ``mode=ro`` URI and ``PRAGMA query_only``, so neither a table read
nor a user query can change it. Rows are fetched in chunks of 50,000. Values become text the
way SQLite stores them: integers as digits, REALs through ``repr`` (a phone stored as REAL
reads ``4155550123.0``: the column type is the source's truth), BLOBs as UTF-8 text when they
decode, else as ``\\x`` + hex.
"""

from __future__ import annotations

import difflib
import hashlib
import sqlite3
from typing import TYPE_CHECKING, Any

from contactops.errors import SourceRefused
from contactops.sources.base import RawBatch, as_strings, frame_sha256, without_nuls

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.loader import Project
    from contactops.config.pipeline import SqliteSource
    from contactops.engine.warehouse import Warehouse

CHUNK = 50_000


def read(source: SqliteSource, project: Project, warehouse: Warehouse | None = None) -> RawBatch:
    """Read ``source.table`` or the result of ``source.query`` from ``source.path``."""
    path = project.path(source.path)
    if not path.is_file():
        raise SourceRefused(f"source '{source.name}': SQLite file {source.path} not found "
                            f"(looked in {path}); fix 'path:' in the pipeline")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise SourceRefused(f"source '{source.name}': cannot open {source.path}: {exc}") from None
    try:
        try:
            con.execute("PRAGMA query_only = ON")
            tables = _tables(con)
        except sqlite3.DatabaseError as exc:
            raise SourceRefused(f"source '{source.name}': {source.path} is not a readable SQLite "
                                f"database ({exc}); check 'path:' points at a .sqlite file"
                                ) from None
        refused: list[str] = []
        con.set_authorizer(_read_only(refused))
        if source.table is not None:
            table = _find_table(source, tables)
            sql = f"SELECT * FROM {_quote(table)}"
            location = f"table {table} in {source.path}"
        else:
            sql = str(source.query)
            location = f"query on {source.path}"
        frame = _fetch(con, sql, source, tables, refused)
    finally:
        con.close()
    digest = hashlib.sha256(f"{frame_sha256(frame)}\n{sql}".encode()).hexdigest()
    details = {"format": "sqlite", "sql": sql, "records": frame.height,
               "columns": len(frame.columns)}
    return RawBatch(frame=without_nuls(as_strings(frame), details), rejects=[],
                    content_hash=digest, location=location, details=details)


def _tables(con: sqlite3.Connection) -> list[str]:
    rows = con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                       "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    return [r[0] for r in rows]


def _find_table(source: SqliteSource, tables: list[str]) -> str:
    wanted = str(source.table)
    for table in tables:
        if table.lower() == wanted.lower():  # SQLite names are case-insensitive
            return table
    close = difflib.get_close_matches(wanted, tables, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise SourceRefused(f"source '{source.name}': table '{wanted}' not found in {source.path}; "
                        f"tables there: {', '.join(tables) or '(none)'}{hint}")


_ALLOWED = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                      sqlite3.SQLITE_RECURSIVE})
_ACTIONS = {sqlite3.SQLITE_ATTACH: "ATTACH", sqlite3.SQLITE_DETACH: "DETACH",
            sqlite3.SQLITE_PRAGMA: "PRAGMA", sqlite3.SQLITE_INSERT: "INSERT",
            sqlite3.SQLITE_UPDATE: "UPDATE", sqlite3.SQLITE_DELETE: "DELETE",
            sqlite3.SQLITE_CREATE_TABLE: "CREATE TABLE", sqlite3.SQLITE_DROP_TABLE: "DROP TABLE",
            sqlite3.SQLITE_TRANSACTION: "a transaction"}


def _read_only(refused: list[str]):
    """An authorizer that lets a statement only read: SQLite checks it while preparing, so a
    refused ATTACH never gets to create its file."""
    def authorize(action: int, *_args: object) -> int:
        if action in _ALLOWED:
            return sqlite3.SQLITE_OK
        refused.append(_ACTIONS.get(action, f"action {action}"))
        return sqlite3.SQLITE_DENY

    return authorize


def _fetch(con: sqlite3.Connection, sql: str, source: SqliteSource,
           tables: list[str], refused: list[str] | None = None) -> pl.DataFrame:
    import polars as pl

    try:
        cursor = con.execute(sql)
    except sqlite3.Error as exc:
        if refused:
            raise SourceRefused(
                f"source '{source.name}': query on {source.path} failed: it uses "
                f"{refused[0]}, which a source query may not (it may only read; nothing was "
                "run); write a SELECT "
                "over the tables there: " + (", ".join(tables) or "(none)")) from None
        raise SourceRefused(f"source '{source.name}': query on {source.path} failed: {exc}; "
                            f"fix 'query:' (tables there: {', '.join(tables) or '(none)'})"
                            ) from None
    if cursor.description is None:
        raise SourceRefused(f"source '{source.name}': query on {source.path} returns no rows "
                            "(not a SELECT); 'query:' must be a SELECT statement")
    names = [d[0] for d in cursor.description]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SourceRefused(f"source '{source.name}': query on {source.path} returns the column "
                            f"name(s) {', '.join(duplicates)} more than once; give each column "
                            "a unique alias (SELECT a.id AS account_id, ...)")
    schema = {n: pl.Utf8 for n in names}
    chunks = []
    try:
        while rows := cursor.fetchmany(CHUNK):
            columns = [[_text(v) for v in column] for column in zip(*rows, strict=True)]
            chunks.append(pl.DataFrame(columns, schema=schema, orient="col"))
    except sqlite3.Error as exc:
        raise SourceRefused(f"source '{source.name}': reading {source.path} failed: {exc}"
                            ) from None
    return pl.concat(chunks) if chunks else pl.DataFrame(schema=schema)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return "\\x" + value.hex()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
