"""Parquet reader: every column as text, the same shape the JSON reader produces.

Struct columns are flattened into dotted names (``contact.email``), like nested JSON; list and
map columns are kept as compact JSON text. Binary columns become text where the bytes are
UTF-8, else ``\\x`` + hex, as the SQLite reader does with BLOBs. Scalars go through Polars'
string cast (dates and timestamps ISO-formatted). Parquet is typed, so a value the writer
stored as a float stays a float (``4155550123.0``); fix that in the producer, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from contactops.errors import SourceRefused
from contactops.sources.base import ROW, RawBatch, RawStream, as_strings, file_sha256, without_nuls

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.loader import Project
    from contactops.config.pipeline import ParquetSource
    from contactops.engine.warehouse import Warehouse


def read(source: ParquetSource, project: Project,
         warehouse: Warehouse | None = None) -> RawBatch:
    """Read the Parquet file at ``source.path`` whole (previews); ingest reads :func:`stream`."""
    return stream(source, project, warehouse).collect()


def stream(source: ParquetSource, project: Project, warehouse: Warehouse | None = None,
           rows: int | None = None) -> RawStream:
    """The file's rows as batches of at most ``rows`` rows (all in one when None), each a
    slice Polars reads from the file's row groups, so the file is never held whole."""
    import polars as pl

    path = project.path(source.path)
    if not path.is_file():
        raise SourceRefused(f"source '{source.name}': file {source.path} not found "
                            f"(looked in {path}); fix 'path:' in the pipeline")
    with _refusing(source, "cannot read {path} as Parquet: {error}; check the file is a "
                   "complete Parquet file"):
        scan = pl.scan_parquet(path, glob=False)
        total = int(scan.select(pl.len()).collect().item())
        empty = scan.head(0).collect()
    flat = _flatten(empty)
    details = {"format": "parquet", "records": total, "parquet_columns": len(empty.columns),
               "columns": len(flat.columns)}
    location = str(source.path)
    return RawStream(batches=_batches(source, scan, total, rows or max(total, 1), details,
                                      location),
                     columns=flat.columns, content_hash=file_sha256(path), location=location,
                     details=details)


def _batches(source: ParquetSource, scan: pl.LazyFrame, total: int, rows: int,
             details: dict[str, Any], location: str) -> Iterator[RawBatch]:
    import polars as pl

    nul_rows: list[int] = []
    nul_count = 0
    for offset in range(0, max(total, 1), rows):
        with _refusing(source, "cannot read {path} as Parquet: {error}; check the file is a "
                       "complete Parquet file"):
            frame = scan.slice(offset, rows).collect()
        flat = _flatten(frame)
        with _refusing(source, "cannot turn the columns of {path} into text: {error}; export "
                       "the file without binary columns"):
            strings = as_strings(flat).with_columns(pl.col(ROW) + offset)
        found: dict[str, Any] = {}
        strings = without_nuls(strings, found)
        if found:
            nul_count += found["nul_removed_count"]
            nul_rows = (nul_rows + found["nul_removed_rows"])[:100]
            details.update(nul_removed_count=nul_count, nul_removed_rows=nul_rows)
        yield RawBatch(frame=strings, rejects=[], location=location, details=details)


@contextmanager
def _refusing(source: ParquetSource, message: str) -> Iterator[None]:
    """A reading error as SourceRefused: ``message`` with {path} and {error} filled in."""
    try:
        yield
    except Exception as exc:  # polars raises ComputeError/OSError/... on a bad file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceRefused(f"source '{source.name}': "
                            + message.format(path=source.path, error=first)) from None


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
