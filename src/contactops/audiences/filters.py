"""Audience filters: a SQL WHERE fragment, parsed and restricted with sqlglot.

A filter may only read the contacts' own columns, compare, combine and call a short list of
pure functions. Anything else — DDL/DML, a second statement, subqueries, other tables, table
functions, file access, unknown functions — is refused with an error that quotes the
offending part. SQL comments (``--``, ``/* */``) are refused too: YAML folds a multi-line
filter into one line, so a ``--`` would silently comment out the rest of the condition. The
accepted filter is re-rendered by sqlglot (identifiers quoted), so what runs is exactly what
was checked.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlglot
from sqlglot import exp

from contactops.errors import UsageError

#: Node types a filter may contain besides whitelisted function calls.
_STRUCTURE: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null,
    exp.And, exp.Or, exp.Not, exp.Paren, exp.Xor,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ,
    exp.Is, exp.In, exp.Between, exp.Like, exp.ILike, exp.Any, exp.All,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Neg, exp.DPipe,
    exp.Cast, exp.TryCast, exp.DataType, exp.DataTypeParam, exp.Interval, exp.Var,
    exp.Array, exp.Tuple, exp.Bracket, exp.Case, exp.If,
)

#: Pure scalar functions (sqlglot names) a filter may call.
ALLOWED_FUNCTIONS = frozenset({
    "LOWER", "UPPER", "TRIM", "LTRIM", "RTRIM", "LENGTH", "COALESCE", "NULLIF", "CONCAT",
    "SUBSTRING", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "STR_POSITION", "REPLACE",
    "REGEXP_LIKE", "REGEXP_EXTRACT", "SPLIT_PART", "LEFT", "RIGHT",
    "ARRAY_CONTAINS", "ARRAY_HAS_ANY", "ARRAY_HAS_ALL", "ARRAY_SIZE", "ARRAY_LENGTH",
    "ARRAY_CONTAINS_ALL", "ARRAY_OVERLAPS", "ARRAY_INTERSECT", "LIST_HAS_ANY", "LIST_HAS_ALL",
    "ABS", "ROUND", "FLOOR", "CEIL", "GREATEST", "LEAST",
    "CURRENT_DATE", "CURRENT_TIMESTAMP", "DATE_DIFF", "DATEDIFF", "DATE_TRUNC",
    "TIMESTAMP_TRUNC", "EXTRACT", "YEAR", "MONTH", "DAY", "TS_OR_DS_TO_DATE", "TO_DATE",
    "STR_TO_TIME", "STR_TO_DATE", "DATE_ADD", "DATE_SUB", "TS_OR_DS_ADD",
})

#: Anonymous (dialect-specific) functions, by lower-case name.
ALLOWED_ANONYMOUS = frozenset({
    "list_contains", "list_has", "list_has_any", "list_has_all", "len", "array_length",
    "strlen", "lower", "upper", "prefix", "suffix", "regexp_matches", "date_part",
    "datepart", "age", "today", "now",
})


class FilterError(UsageError):
    """An audience filter that is not allowed or does not parse."""


def compile_filter(text: str, columns: Iterable[str], *, audience: str = "") -> str:
    """Check ``text`` and return it as DuckDB SQL; raise :class:`FilterError` if refused.

    Args:
        text: the WHERE fragment, e.g. ``country = 'DE' and list_contains(tags, 'vip')``.
        columns: the columns of ``contacts`` the filter may read.
        audience: the audience name, for the message.
    """
    where = f"filter of audience '{audience}'" if audience else "filter"
    allowed_columns = {c.lower() for c in columns}
    try:
        comment = _first_comment(text)
        if comment is not None:
            raise FilterError(
                f"{where} contains an SQL comment {comment!r}: comments are not allowed, since "
                "YAML joins a multi-line filter into one line and everything after '--' would "
                "be silently ignored. Remove the comment from the filter (a YAML '# ...' line "
                f"above 'filter:' can hold the note) (in {text!r})")
        statements = [s for s in sqlglot.parse(text, dialect="duckdb") if s is not None]
    except sqlglot.errors.ParseError as exc:
        first = exc.errors[0]["description"] if exc.errors else str(exc)
        raise FilterError(f"{where} does not parse: {first}: {text!r}") from None
    except sqlglot.errors.TokenError as exc:
        raise FilterError(f"{where} does not parse: {exc}: {text!r}") from None
    if len(statements) != 1:
        raise FilterError(f"{where} must be a single condition, found {len(statements)} "
                          f"statements: {text!r}")
    tree = statements[0]
    for node in tree.walk():
        problem = _refuse(node, allowed_columns)
        if problem:
            raise FilterError(f"{where} is refused: {problem}: {_show(node)} "
                              f"(in {text!r})")
    return tree.sql(dialect="duckdb", identify=True, comments=False)


def _first_comment(text: str) -> str | None:
    """The first ``--`` or ``/* */`` comment in ``text`` as written, or None.

    sqlglot's tokenizer tells comments from ``--`` inside string literals.
    """
    for token in sqlglot.tokenize(text, read="duckdb"):
        for body in token.comments:
            return f"/*{body}*/" if f"/*{body}*/" in text else f"--{body}".rstrip()
    return None


def _refuse(node: exp.Expression, columns: set[str]) -> str | None:
    if isinstance(node, exp.Column):
        if node.table or node.args.get("db") or node.args.get("catalog"):
            return f"column '{node.sql()}' names a table; use the bare column name"
        if node.name.lower() not in columns:
            return (f"unknown column '{node.name}' (contacts has: "
                    f"{', '.join(sorted(columns))})")
        return None
    if isinstance(node, (exp.Subquery, exp.Select, exp.Query, exp.Table, exp.From,
                         exp.Exists)):
        return "subqueries and other tables are not allowed"
    if isinstance(node, (exp.Command, exp.Create, exp.Drop, exp.Insert, exp.Update,
                         exp.Delete, exp.Alter, exp.Pragma, exp.Set, exp.Use)):
        return "statements are not allowed, only a condition"
    if isinstance(node, exp.Anonymous):
        name = node.name.lower()
        return None if name in ALLOWED_ANONYMOUS else (
            f"function '{name}' is not allowed (allowed: {_allowed_names()})")
    if isinstance(node, _STRUCTURE):
        return None
    if isinstance(node, exp.Func):
        name = node.sql_name()
        return None if name in ALLOWED_FUNCTIONS else (
            f"function '{name.lower()}' is not allowed (allowed: {_allowed_names()})")
    return f"'{type(node).__name__}' expressions are not allowed"


def _allowed_names() -> str:
    return ("lower, upper, trim, length, coalesce, starts_with, regexp_matches, "
            "list_contains, list_has_any, date_diff, current_date, ... — see "
            "contactops.audiences.filters.ALLOWED_FUNCTIONS")


def _show(node: exp.Expression) -> str:
    text = node.sql(dialect="duckdb")
    return text if len(text) <= 80 else text[:77] + "..."
