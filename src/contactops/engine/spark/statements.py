"""One parsed statement (DuckDB's dialect) run on the Spark warehouse.

Queries go to Spark as they are; DDL changes the warehouse's folders and catalog file; DML is
rewritten by :mod:`.dml` into queries whose results are written and swapped in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlglot import exp

from contactops.engine.spark import dml
from contactops.engine.spark.types import spark_type
from contactops.errors import ContactopsError

if TYPE_CHECKING:
    from contactops.engine.spark.warehouse import SparkWarehouse


def run_statement(wh: SparkWarehouse, tree: exp.Expression, params: Any) -> None:
    if wh.read_only and not isinstance(tree, exp.Query):
        raise ContactopsError(f"warehouse {wh.path} is open read-only; cannot run "
                              f"{tree.sql('duckdb')[:200]}")
    if isinstance(tree, exp.Query):
        wh._sql(dml.spark(tree), params).collect()
    elif isinstance(tree, exp.Insert):
        _insert(wh, tree, params)
    elif isinstance(tree, exp.Delete):
        _delete(wh, tree, params)
    elif isinstance(tree, exp.Update):
        _update(wh, tree, params)
    elif isinstance(tree, exp.Create):
        _create(wh, tree, params)
    elif isinstance(tree, exp.Drop):
        _drop(wh, tree)
    elif isinstance(tree, exp.Alter):
        _alter(wh, tree)
    else:
        raise ContactopsError(f"the Spark engine cannot run this statement: "
                              f"{tree.sql('duckdb')[:200]}")


def _require(wh: SparkWarehouse, table: str) -> None:
    if wh.table_kind(table) != "table":
        raise ContactopsError(f"Spark warehouse {wh.path} has no table {table}")


def _insert(wh: SparkWarehouse, tree: exp.Insert, params: Any) -> None:
    table, listed, query = dml.insert_source(tree)
    _require(wh, table)
    rows = wh._sql(query, params)
    columns = wh._columns(table)
    defaults = {c: wh._statement(v) for c, v in wh._defaults(table).items()}
    # by position: a query's column names may repeat (two literals, a literal and a column)
    source = rows.toDF(*[f"_c{i}" for i in range(len(rows.columns))])
    wh._append(table, source.selectExpr(
        *dml.insert_projection(source.columns, listed, columns, defaults)))


def _delete(wh: SparkWarehouse, tree: exp.Delete, params: Any) -> None:
    table = dml.table_name(tree.this)
    _require(wh, table)
    plan = dml.delete(tree, params)
    if plan is None:
        wh._replace(table, wh._sql(f"SELECT * FROM {dml.ident(table)} WHERE false"))
        return
    matched, keep = plan
    if not wh._sql(matched.sql, matched.params).take(1):
        return  # nothing to delete: the table stays as it is
    wh._replace(table, wh._sql(keep.sql, keep.params))


def _update(wh: SparkWarehouse, tree: exp.Update, params: Any) -> None:
    table = dml.table_name(tree.this)
    _require(wh, table)
    matched, parts = dml.update(tree, params, wh._columns(table))
    if not wh._sql(matched.sql, matched.params).take(1):
        return
    frames = [wh._sql(q.sql, q.params) for q in parts]
    result = frames[0]
    for other in frames[1:]:
        result = result.unionByName(other)
    wh._replace(table, result)


def _create(wh: SparkWarehouse, tree: exp.Create, params: Any) -> None:
    kind = (tree.args.get("kind") or "").upper()
    exists = bool(tree.args.get("exists"))
    replace = bool(tree.args.get("replace"))
    if kind == "SEQUENCE":
        start = 1
        for prop in tree.find_all(exp.SequenceProperties):
            if prop.args.get("start") is not None:
                start = int(prop.args["start"].name)
        wh._add_sequence(tree.this.name, start)
        return
    if kind == "VIEW":
        name = dml.table_name(tree.this)
        if wh.table_kind(name) == "view" and exists and not replace:
            return
        wh._set_view(name, tree.expression.sql("duckdb"))
        return
    if kind == "INDEX":
        return  # Parquet has no indexes; a query reads what it needs
    if kind != "TABLE":
        raise ContactopsError(f"the Spark engine cannot create a {kind or 'thing'}: "
                              f"{tree.sql('duckdb')[:200]}")
    name = dml.table_name(tree.this)
    present = wh.table_kind(name) is not None
    if present and exists:
        return
    if present and not replace:
        raise ContactopsError(f"table {name} already exists")
    if tree.expression is not None:
        wh._replace(name, wh._sql(dml.spark(tree.expression), params))
        return
    schema = tree.this
    columns, defaults = [], {}
    for column in schema.expressions:
        if not isinstance(column, exp.ColumnDef):
            continue  # a table constraint (PRIMARY KEY (...)): Spark keeps none
        columns.append((column.name, column.args["kind"]))
        for constraint in column.args.get("constraints") or []:
            if isinstance(constraint.kind, exp.DefaultColumnConstraint):
                defaults[column.name] = constraint.kind.this.sql("duckdb")
    wh._replace(name, _empty(columns))
    if defaults:
        wh._set_defaults(name, defaults)


def _empty(columns: list[tuple[str, exp.DataType]]) -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(name, arrow_type(dtype)) for name, dtype in columns]
                     ).empty_table()


def arrow_type(dtype: exp.DataType) -> Any:
    import pyarrow as pa

    text = spark_type(dtype)
    return _arrow_of_spark(text, pa)


def _arrow_of_spark(text: str, pa: Any) -> Any:
    if text.startswith("ARRAY<"):
        return pa.list_(_arrow_of_spark(text[6:-1], pa))
    if text.startswith("DECIMAL"):
        precision, scale = text[8:-1].split(",")
        return pa.decimal128(int(precision), int(scale))
    return {"STRING": pa.string(), "BIGINT": pa.int64(), "INT": pa.int32(),
            "SMALLINT": pa.int16(), "TINYINT": pa.int8(), "DOUBLE": pa.float64(),
            "FLOAT": pa.float32(), "BOOLEAN": pa.bool_(), "DATE": pa.date32(),
            "TIMESTAMP_NTZ": pa.timestamp("us"), "BINARY": pa.binary()}[text]


def _drop(wh: SparkWarehouse, tree: exp.Drop) -> None:
    kind = (tree.args.get("kind") or "").upper()
    targets = tree.args.get("tables") or [tree.this]
    for target in targets:
        name = dml.table_name(target)
        have = wh.table_kind(name)
        if have is None:
            if tree.args.get("exists"):
                continue
            raise ContactopsError(f"cannot drop {name}: it does not exist")
        if kind == "VIEW" or have == "view":
            wh._set_view(name, None)
        else:
            wh._drop(name)


def _alter(wh: SparkWarehouse, tree: exp.Alter) -> None:
    name = dml.table_name(tree.this)
    _require(wh, name)
    have = {c for c, _ in wh._columns(name)}
    added: list[str] = []
    defaults: dict[str, str] = {}
    for action in tree.args.get("actions") or []:
        column = action if isinstance(action, exp.ColumnDef) else action.find(exp.ColumnDef)
        if column is None:
            raise ContactopsError(f"the Spark engine only adds columns: "
                                  f"{tree.sql('duckdb')[:200]}")
        if column.name in have:
            continue
        value = "NULL"
        for constraint in column.args.get("constraints") or []:
            if isinstance(constraint.kind, exp.DefaultColumnConstraint):
                defaults[column.name] = constraint.kind.this.sql("duckdb")
                value = wh._statement(defaults[column.name])
        added.append(f"CAST({value} AS {spark_type(column.args['kind'])}) "
                     f"AS {dml.ident(column.name)}")
    if added:
        wh._replace(name, wh._sql(f"SELECT *, {', '.join(added)} FROM {dml.ident(name)}"))
    if defaults:
        wh._set_defaults(name, defaults)
