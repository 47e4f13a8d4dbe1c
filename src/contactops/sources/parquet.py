"""Parquet reader: every column as text, the same shape the JSON reader produces.

Struct columns are flattened into dotted names (``contact.email``), like nested JSON; list and
map columns are kept as compact JSON text. Binary columns become text where the bytes are
UTF-8, else ``\\x`` + hex, as the SQLite reader does with BLOBs. Scalars go through Polars'
string cast (dates and timestamps ISO-formatted). Parquet is typed, so a value the writer
stored as a float stays a float (``4155550123.0``); fix that in the producer, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactops.errors import SourceRefused
from contactops.sources.base import RawBatch, as_strings, file_sha256, without_nuls

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.loader import Project
    from contactops.config.pipeline import ParquetSource
    from contactops.engine.warehouse import Warehouse


def read(source: ParquetSource, project: Project,
         warehouse: Warehouse | None = None) -> RawBatch:
    """Read the Parquet file at ``source.path``."""
    import polars as pl

    path = project.path(source.path)
    if not path.is_file():
        raise SourceRefused(f"source '{source.name}': file {source.path} not found "
                            f"(looked in {path}); fix 'path:' in the pipeline")
    try:
        frame = pl.read_parquet(path, glob=False)
    except Exception as exc:  # polars raises ComputeError/OSError/... on a bad file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceRefused(f"source '{source.name}': cannot read {source.path} as Parquet: "
                            f"{first}; check the file is a complete Parquet file") from None
    source_columns = len(frame.columns)
    flat = _flatten(frame)
    try:
        strings = as_strings(flat)
    except Exception as exc:
        raise SourceRefused(f"source '{source.name}': cannot turn the columns of {source.path} "
                            f"into text: {exc}; export the file without binary columns") from None
    details = {"format": "parquet", "records": strings.height,
               "parquet_columns": source_columns, "columns": len(flat.columns)}
    return RawBatch(frame=without_nuls(strings, details), rejects=[],
                    content_hash=file_sha256(path), location=str(source.path), details=details)


def _flatten(frame: pl.DataFrame) -> pl.DataFrame:
    """Unnest structs into dotted columns; lists, arrays and other nested values to JSON."""
    import polars as pl

    exprs: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        exprs.extend(_columns(pl.col(name), name, dtype))
    return frame.select(exprs)


def _columns(expr: pl.Expr, name: str, dtype: pl.DataType) -> list[pl.Expr]:
    import polars as pl

    if isinstance(dtype, pl.Struct):
        out: list[pl.Expr] = []
        for field in dtype.fields:
            out.extend(_columns(expr.struct.field(field.name), f"{name}.{field.name}",
                                field.dtype))
        return out
    if isinstance(dtype, pl.List | pl.Array):
        # {"v":[...]} -> [...]: Polars has no list-to-JSON encoder, the struct one is exact
        encoded = pl.struct(expr.alias("v")).struct.json_encode()
        text = encoded.str.slice(5).str.strip_suffix("}")
        return [pl.when(expr.is_null()).then(None).otherwise(text).alias(name)]
    if dtype == pl.Binary:  # UTF-8 text where it decodes, else \x + hex (as SQLite BLOBs)
        return [expr.map_elements(_bytes_text, return_dtype=pl.Utf8,
                                  skip_nulls=True).alias(name)]
    return [expr.alias(name)]


def _bytes_text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "\\x" + value.hex()
