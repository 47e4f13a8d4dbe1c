"""Strict, parallel CSV parsing with DuckDB, keeping every row it cannot parse.

The caller (``sources.csv_source``) has already decided encoding, delimiter and header;
this module only runs DuckDB's reader with those settings fixed (no sniffing surprises) and
returns DuckDB's reject records plus the accepted rows, in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from contactops.engine.connect import scratch
from contactops.engine.sql import quote_identifier, quote_literal

if TYPE_CHECKING:
    import polars as pl

ORDINAL = "_ordinal"
_PARSED = "_parsed_csv"


@dataclass
class CsvParse:
    """The parse of one file: DuckDB's reject records now, the accepted rows as batches.

    ``batches`` yields Polars frames of the raw columns + ``_ordinal`` (1-based among
    accepted rows, in file order); at most ``rows`` rows each, so only one batch is held in
    Python while the parsed table stays in DuckDB (which spills past its memory limit).
    """

    # record, byte_position, error_type, column_name, csv_line, message
    errors: pl.DataFrame
    batches: Iterator[pl.DataFrame]


@contextmanager
def read_csv_strict(path: Path, columns: list[str], *, delimiter: str, quote: str,
                    header: bool, rows: int) -> Iterator[CsvParse]:
    """Parse ``path`` under the enclosing memory scope's limit (see
    :func:`contactops.engine.connect.memory_scope`); the batches are valid inside the block."""
    with scratch() as con:
        yield _read(con, path, columns, delimiter=delimiter, quote=quote, header=header,
                    rows=rows)


def _read(con: duckdb.DuckDBPyConnection, path: Path, columns: list[str], *, delimiter: str,
          quote: str, header: bool, rows: int) -> CsvParse:
    import polars as pl

    try:
        spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns) + "}"
        options = (
            f"delim={quote_literal(delimiter)}, quote={quote_literal(quote)}, "
            f"escape={quote_literal(quote)}, header=false, skip={1 if header else 0}, "
            f"auto_detect=false, columns={spec}, strict_mode=true, store_rejects=true, "
            "null_padding=false, all_varchar=true, max_line_size=10000000"
        )
        select = ", ".join(quote_identifier(c) for c in columns)
        con.execute(f"CREATE TABLE {_PARSED} AS SELECT row_number() OVER () AS {ORDINAL}, "
                    f"{select} FROM read_csv({quote_literal(str(path))}, {options})")
        errors = pl.from_arrow(con.sql(
            "SELECT line AS record, byte_position, error_type, column_name, csv_line, "
            "error_message AS message FROM reject_errors ORDER BY line").to_arrow_table())
    except duckdb.Error as exc:
        raise _failed(path, exc) from None
    return CsvParse(errors=errors, batches=_batches(con, path, rows))  # type: ignore[arg-type]


def _batches(con: duckdb.DuckDBPyConnection, path: Path, rows: int) -> Iterator[pl.DataFrame]:
    """The parsed rows in file order, ``rows`` at a time (one empty frame for no rows)."""
    import polars as pl

    try:
        ordered = con.sql(f"SELECT * FROM {_PARSED} ORDER BY {ORDINAL}")
        reader = ordered.to_arrow_reader(min(rows, 1 << 17))
        sent = False
        pending: list[pa.RecordBatch] = []
        held = 0
        for batch in reader:
            pending.append(batch)
            held += batch.num_rows
            while held >= rows:
                table = pa.Table.from_batches(pending, reader.schema)
                yield pl.from_arrow(table.slice(0, rows))  # type: ignore[misc]
                rest = table.slice(rows)
                pending, held, sent = rest.to_batches(), rest.num_rows, True
        if held or not sent:
            yield pl.from_arrow(pa.Table.from_batches(pending, reader.schema))  # type: ignore[misc]
    except duckdb.Error as exc:
        raise _failed(path, exc) from None


def _failed(path: Path, exc: duckdb.Error) -> Exception:
    from contactops.errors import SourceError

    return SourceError(f"{path}: the CSV reader failed: {str(exc).splitlines()[0]}")
