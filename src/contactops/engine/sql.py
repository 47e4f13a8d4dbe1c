"""SQL written once, in DuckDB's dialect, and carried to an engine's own dialect by sqlglot.

Stage code writes every statement it needs in DuckDB SQL (the dialect the project grew up
with). An engine whose ``sql_dialect`` is ``duckdb`` runs it as is; any other engine passes
each statement through :func:`transpile` first. Translations are cached: stages issue the
same few hundred statements again and again, so each is parsed once per process.
"""

from __future__ import annotations

from functools import lru_cache

#: The dialect stage SQL is written in.
SOURCE_DIALECT = "duckdb"


@lru_cache(maxsize=4096)
def transpile(sql: str, write: str, read: str = SOURCE_DIALECT) -> str:
    """``sql`` (one or more statements in ``read``'s dialect) rewritten for ``write``.

    Raises ``sqlglot.errors.ParseError`` or ``UnsupportedError`` rather than emitting SQL
    that silently means something else: a statement an engine cannot run must be rewritten
    in a form both dialects share, or moved behind an engine method.
    """
    if write == read:
        return sql
    import sqlglot
    from sqlglot.errors import ErrorLevel

    statements = sqlglot.transpile(sql, read=read, write=write,
                                   error_level=ErrorLevel.RAISE,
                                   unsupported_level=ErrorLevel.RAISE)
    return ";\n".join(statements)


def quote_identifier(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (sqlglot re-quotes it per dialect)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """``text`` as a single-quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"
