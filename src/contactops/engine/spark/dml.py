"""Statements Spark cannot run on plain Parquet, rewritten as queries that produce the
table's new rows.

Spark SQL has no ``DELETE`` or ``UPDATE`` for Parquet tables (Delta or Iceberg would add
them, but their jars come from a Maven repository). Every change is therefore a query whose
result becomes the table's new content (or the rows appended to it), which the warehouse
writes and swaps in (:mod:`contactops.engine.spark.store`):

- ``DELETE FROM t WHERE c``: the rows for which ``c`` is not true — ``WHERE NOT
  coalesce(c, false)``, or, when ``c`` holds a subquery (which Spark allows only at the top
  of a ``WHERE``), ``t EXCEPT ALL (rows of t where c)``, the same multiset;
- ``UPDATE t SET a = v WHERE c``: ``CASE WHEN c THEN v ELSE a END`` per assigned column, or
  with a subquery or ``FROM``, the untouched rows plus the updated ones;
- ``INSERT INTO t [(cols)] query``: the query's columns by position onto the listed ones,
  the rest their declared default or NULL, each cast to the column's type.

Statements reach here parsed in DuckDB's dialect and leave as Spark SQL. Positional
parameters (``?``) stay parameters; where a rewrite repeats or reorders the text they sit
in, their values are repeated and reordered with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

#: DuckDB's ``hash(...)`` is a 64-bit unsigned hash; Spark's ``hash`` is 32-bit. Stages use
#: it to see that a row changed (and to order a sample), so Spark computes a 64-bit hash
#: kept non-negative (it fits the unsigned column the catalog declares).
_HASH = "(XXHASH64({}) & 9223372036854775807)"


def _engine_functions(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArrayOverlaps):  # DuckDB's ``a && b``; Spark's writer keeps &&
        return exp.Anonymous(this="ARRAYS_OVERLAP", expressions=[node.this, node.expression])
    if isinstance(node, exp.Extract) and node.this.name.upper() in ("MICROSECOND",
                                                                    "MICROSECONDS"):
        # DuckDB: the minute's microseconds (seconds * 1e6 + fraction); Spark has
        # no such field, but SECOND with its fraction gives the same number
        inner = node.expression.sql("spark")
        return exp.maybe_parse(f"CAST(DATE_PART('SECOND', {inner}) * 1000000 AS BIGINT)",
                               dialect="spark")
    if isinstance(node, exp.Anonymous) and node.name.lower() == "hash":
        args = ", ".join(a.sql("spark") for a in node.expressions)
        return exp.maybe_parse(_HASH.format(args), dialect="spark")
    return node


def spark(node: exp.Expression) -> str:
    """A parsed DuckDB statement or expression as Spark SQL."""
    from sqlglot.errors import ErrorLevel

    node = node.copy().transform(_engine_functions)
    return node.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)


def ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def holes(node: exp.Expression | None) -> int:
    """How many ``?`` parameters a part of a statement holds."""
    return 0 if node is None else sum(1 for _ in node.find_all(exp.Placeholder))


def has_subquery(node: exp.Expression | None) -> bool:
    return node is not None and any(True for _ in node.find_all(exp.Subquery, exp.Select,
                                                                exp.Exists))


def table_name(node: exp.Expression) -> str:
    table = node.this if isinstance(node, exp.Schema) else node
    if not isinstance(table, exp.Table):
        raise ValueError(f"not a table: {node.sql('duckdb')}")
    return table.name


@dataclass
class Query:
    """A Spark SQL query and its parameter values."""

    sql: str
    params: list[Any] | dict[str, Any] | None


def _split(params: Any, *counts: int) -> list[list[Any]]:
    values = list(params or [])
    parts, at = [], 0
    for count in counts:
        parts.append(values[at: at + count])
        at += count
    return parts


def delete(tree: exp.Delete, params: Any) -> tuple[Query, Query] | None:
    """(rows that match, rows to keep) for a ``DELETE``; None deletes every row."""
    name = ident(table_name(tree.this))
    where = tree.args.get("where")
    if where is None:
        return None
    cond = spark(where.this)
    matched = Query(f"SELECT * FROM {name} WHERE {cond}", params)
    if has_subquery(where):
        keep = Query(f"SELECT * FROM {name} EXCEPT ALL SELECT * FROM {name} WHERE {cond}",
                     params)
    else:
        keep = Query(f"SELECT * FROM {name} WHERE NOT coalesce({cond}, false)", params)
    return matched, keep


def update(tree: exp.Update, params: Any, columns: list[tuple[str, str]]
           ) -> tuple[Query, list[Query]]:
    """(rows that match, the queries whose union is the new table) for an ``UPDATE``.

    ``columns``: the table's (name, Spark type) in order."""
    if isinstance(params, dict):
        raise ValueError("UPDATE on the Spark engine takes positional parameters")
    name = table_name(tree.this)
    alias = tree.this.alias_or_name
    where = tree.args.get("where")
    source = tree.args.get("from_") or tree.args.get("from")
    sets: dict[str, exp.Expression] = {}
    counts = []
    for eq in tree.expressions:
        column = eq.this.name
        sets[column] = eq.expression
        counts.append(holes(eq.expression))
    from_sql = f", {spark(source.this)}" if source is not None else ""
    for join in tree.args.get("joins") or []:
        from_sql += f" {spark(join)}"
    n_where = holes(where)
    *set_params, where_params = _split(params, *counts, n_where)
    if len(list(params or [])) != sum(counts) + n_where:
        raise ValueError("an UPDATE's parameters must be in its SET values and WHERE only")
    cond = spark(where.this) if where is not None else "true"
    target = f"{ident(name)} AS {ident(alias)}" if alias != name else ident(name)
    matched = Query(f"SELECT {ident(alias)}.* FROM {target}{from_sql} WHERE {cond}",
                    where_params)
    by_column = dict(zip(sets, set_params, strict=True))
    if source is None and not has_subquery(where):
        parts, values = [], []
        for column, ctype in columns:
            if column in sets:
                parts.append(f"CASE WHEN coalesce({cond}, false) THEN "
                             f"CAST({spark(sets[column])} AS {ctype}) "
                             f"ELSE {ident(column)} END AS {ident(column)}")
                values += where_params + by_column[column]
            else:
                parts.append(ident(column))
        return matched, [Query(f"SELECT {', '.join(parts)} FROM {target}", values)]
    parts, values = [], []
    for column, ctype in columns:
        if column in sets:
            parts.append(f"CAST({spark(sets[column])} AS {ctype}) AS {ident(column)}")
            values += by_column[column]
        else:
            parts.append(f"{ident(alias)}.{ident(column)}")
    changed = Query(f"SELECT {', '.join(parts)} FROM {target}{from_sql} WHERE {cond}",
                    values + where_params)
    kept = Query(f"SELECT * FROM {ident(name)} EXCEPT ALL "
                 f"SELECT {ident(alias)}.* FROM {target}{from_sql} WHERE {cond}", where_params)
    return matched, [kept, changed]


def insert_source(tree: exp.Insert) -> tuple[str, list[str] | None, str]:
    """(table, listed columns or None, the Spark query giving the rows)."""
    if tree.args.get("by_name"):
        raise ValueError("INSERT ... BY NAME is DuckDB-only; use append_frame")
    target = tree.this
    listed = ([c.name for c in target.expressions] if isinstance(target, exp.Schema)
              else None)
    return table_name(target), listed, spark(tree.expression)


def insert_projection(source_columns: list[str], listed: list[str] | None,
                      columns: list[tuple[str, str]], defaults: dict[str, str]) -> list[str]:
    """The ``SELECT`` list putting an insert's rows (``source_columns``: unique names, in
    order) onto the table's columns."""
    names = listed or [c for c, _ in columns][: len(source_columns)]
    if len(names) != len(source_columns):
        raise ValueError(f"INSERT gives {len(source_columns)} values for {len(names)} columns")
    given = dict(zip(names, source_columns, strict=True))
    unknown = set(given) - {c for c, _ in columns}
    if unknown:
        raise ValueError(f"INSERT names columns the table does not have: {sorted(unknown)}")
    parts = []
    for column, ctype in columns:
        if column in given:
            value = ident(given[column])
        elif column in defaults:
            value = defaults[column]
        else:
            value = "NULL"
        parts.append(f"CAST({value} AS {ctype}) AS {ident(column)}")
    return parts
