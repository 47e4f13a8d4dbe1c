"""Column types: the catalog's DuckDB types as Spark SQL types and Arrow types.

The Spark warehouse keeps every table as Parquet, so a column's type must mean the same to
Spark, to a Parquet reader and to the Polars frames stages exchange. DuckDB's unsigned
integers have no Spark type: they are stored as signed 64-bit (a value past 2^63 wraps, the
same way on every write), which keeps equality — all contactops asks of them (row hashes).
``JSON`` is text, as DuckDB itself hands it out.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

_SCALARS: dict[Any, str] = {
    exp.DataType.Type.TEXT: "STRING", exp.DataType.Type.VARCHAR: "STRING",
    exp.DataType.Type.CHAR: "STRING", exp.DataType.Type.JSON: "STRING",
    exp.DataType.Type.UUID: "STRING",
    exp.DataType.Type.BIGINT: "BIGINT", exp.DataType.Type.UBIGINT: "BIGINT",
    exp.DataType.Type.INT128: "BIGINT", exp.DataType.Type.UINT: "BIGINT",
    exp.DataType.Type.INT: "INT", exp.DataType.Type.USMALLINT: "INT",
    exp.DataType.Type.SMALLINT: "SMALLINT", exp.DataType.Type.UTINYINT: "SMALLINT",
    exp.DataType.Type.TINYINT: "TINYINT",
    exp.DataType.Type.DOUBLE: "DOUBLE", exp.DataType.Type.FLOAT: "FLOAT",
    exp.DataType.Type.BOOLEAN: "BOOLEAN", exp.DataType.Type.DATE: "DATE",
    exp.DataType.Type.TIMESTAMP: "TIMESTAMP_NTZ",
    exp.DataType.Type.TIMESTAMPNTZ: "TIMESTAMP_NTZ",
    exp.DataType.Type.TIMESTAMPTZ: "TIMESTAMP_NTZ",
    exp.DataType.Type.BLOB: "BINARY", exp.DataType.Type.VARBINARY: "BINARY",
}


def spark_type(dtype: exp.DataType) -> str:
    """A parsed (DuckDB) column type as Spark SQL DDL."""
    if dtype.this == exp.DataType.Type.ARRAY:
        return f"ARRAY<{spark_type(dtype.expressions[0])}>"
    if dtype.this == exp.DataType.Type.DECIMAL:
        return dtype.sql("spark")
    try:
        return _SCALARS[dtype.this]
    except KeyError:
        raise ValueError(f"no Spark type for the column type {dtype.sql('duckdb')}") from None


def parse_type(text: str) -> exp.DataType:
    return exp.DataType.build(text, dialect="duckdb")


def arrow_safe(table: Any) -> Any:
    """An Arrow table Parquet and Spark both read: views and large types made plain, the
    null type made text, unsigned integers made signed (wrapping, as documented above)."""
    import pyarrow as pa

    fields = []
    for field in table.schema:
        fields.append(pa.field(field.name, _plain(field.type), nullable=True))
    target = pa.schema(fields)
    if target == table.schema:
        return table
    columns = []
    for column, field in zip(table.columns, target, strict=True):
        if column.type == field.type:
            columns.append(column)
        elif pa.types.is_unsigned_integer(column.type):
            columns.append(column.cast(field.type, safe=False))
        else:
            columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=target)


def _plain(dtype: Any) -> Any:
    import pyarrow as pa

    if pa.types.is_null(dtype):
        return pa.string()
    if pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return pa.string()
    if pa.types.is_large_binary(dtype) or pa.types.is_binary_view(dtype):
        return pa.binary()
    if pa.types.is_dictionary(dtype):
        return _plain(dtype.value_type)
    if pa.types.is_unsigned_integer(dtype):
        return pa.int64()
    if pa.types.is_timestamp(dtype):
        return pa.timestamp("us")  # naive: Spark reads it as TIMESTAMP_NTZ
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or \
            pa.types.is_list_view(dtype) or pa.types.is_large_list_view(dtype):
        return pa.list_(_plain(dtype.value_type))
    if pa.types.is_struct(dtype):
        return pa.struct([pa.field(f.name, _plain(f.type)) for f in dtype])
    return dtype


def conform(table: Any, schema: Any) -> Any:
    """An Arrow table with exactly ``schema``'s columns, matched by name (missing ones
    null), each cast to its type."""
    import pyarrow as pa

    table = arrow_safe(table)
    schema = pa.schema([pa.field(f.name, f.type, nullable=True) for f in schema])
    have = set(table.column_names)
    columns = []
    for field in schema:
        if field.name in have:
            column = table.column(field.name)
            columns.append(column if column.type == field.type
                           else column.cast(field.type, safe=False)
                           if pa.types.is_integer(field.type) and
                           pa.types.is_integer(column.type) else column.cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)
