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


@dataclass
class CsvParse:
    """The parse of one file: DuckDB's reject records now, the accepted rows as batches.

    ``batches`` yields Polars frames of the raw columns + ``_ordinal`` (1-based among
    accepted rows, in file order), at most ``rows`` rows each, streamed from DuckDB's
    reader: only one batch is held at a time.
    """

    # record, byte_position, error_type, column_name, csv_line, message
    errors: pl.DataFrame
    batches: Iterator[pl.DataFrame]


@contextmanager
def read_csv_strict(path: Path, columns: list[str], *, delimiter: str, quote: str,
                    header: bool, rows: int) -> Iterator[CsvParse]:
    """Parse ``path`` under the enclosing memory scope's limit (see
    :func:`contactops.engine.connect.memory_scope`); the batches are valid inside the block.

    Two passes: the first only counts rows, which finds every rejected record (the reader
    parses each whole line to find where it ends), so a row's number is known when its
    batch is made; the second streams the rows. Parsing twice costs about a second per
    million rows; holding the parsed file cost memory that grew with it.
    """
    with scratch() as con:
        yield _read(con, path, columns, delimiter=delimiter, quote=quote, header=header,
                    rows=rows)


def _read(con: duckdb.DuckDBPyConnection, path: Path, columns: list[str], *, delimiter: str,
          quote: str, header: bool, rows: int) -> CsvParse:
    import polars as pl

    spec = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns) + "}"
    options = (
        f"delim={quote_literal(delimiter)}, quote={quote_literal(quote)}, "
        f"escape={quote_literal(quote)}, header=false, skip={1 if header else 0}, "
        f"auto_detect=false, columns={spec}, strict_mode=true, store_rejects=true, "
        "null_padding=false, all_varchar=true, max_line_size=10000000"
    )
    source = f"read_csv({quote_literal(str(path))}, {options})"
    try:
        con.execute(f"SELECT count(*) FROM {source}").fetchall()
        errors = pl.from_arrow(con.sql(
            "SELECT line AS record, byte_position, error_type, column_name, csv_line, "
            "error_message AS message FROM reject_errors ORDER BY line").to_arrow_table())
    except duckdb.Error as exc:
        raise _failed(path, exc) from None
    select = ", ".join(quote_identifier(c) for c in columns)
    return CsvParse(errors=errors,  # type: ignore[arg-type]
                    batches=_batches(con, f"SELECT {select} FROM {source}", path, rows))


def _batches(con: duckdb.DuckDBPyConnection, sql: str, path: Path,
             rows: int) -> Iterator[pl.DataFrame]:
    """The parsed rows in file order (a scan keeps insertion order), ``rows`` at a time,
    numbered; one empty frame for no rows."""
    import polars as pl

    def numbered(table: pa.Table, start: int) -> pl.DataFrame:
        frame: pl.DataFrame = pl.from_arrow(table)  # type: ignore[assignment]
        return frame.select(pl.int_range(start + 1, start + frame.height + 1, dtype=pl.Int64)
                            .alias(ORDINAL), pl.all())

    try:
        reader = con.sql(sql).to_arrow_reader(min(rows, 1 << 17))
        sent = 0
        pending: list[pa.RecordBatch] = []
        held = 0
        for batch in reader:
            pending.append(batch)
            held += batch.num_rows
            while held >= rows:
                table = pa.Table.from_batches(pending, reader.schema)
                yield numbered(table.slice(0, rows), sent)
                sent += rows
                rest = table.slice(rows)
                pending, held = rest.to_batches(), rest.num_rows
        if held or not sent:
            yield numbered(pa.Table.from_batches(pending, reader.schema), sent)
    except duckdb.Error as exc:
        raise _failed(path, exc) from None


def _failed(path: Path, exc: duckdb.Error) -> Exception:
    from contactops.errors import SourceError

    return SourceError(f"{path}: the CSV reader failed: {str(exc).splitlines()[0]}")
