"""Strict, parallel CSV parsing with DuckDB, keeping every row it cannot parse.

The caller (``sources.csv_source``) has already decided encoding, delimiter and header;
this module only runs DuckDB's reader with those settings fixed (no sniffing surprises) and
returns the accepted rows plus DuckDB's reject records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from contactops.engine.connect import scratch
from contactops.engine.sql import quote_identifier, quote_literal

if TYPE_CHECKING:
    import polars as pl

ORDINAL = "_ordinal"


@dataclass
class CsvParse:
    rows: pl.DataFrame            # raw columns + _ordinal (1-based among accepted rows)
    # record, byte_position, error_type, column_name, csv_line, message
    errors: pl.DataFrame


def read_csv_strict(path: Path, columns: list[str], *, delimiter: str, quote: str,
                    header: bool) -> CsvParse:
    """Parse ``path`` under the enclosing memory scope's limit (see
    :func:`contactops.engine.connect.memory_scope`)."""
    with scratch() as con:
        return _read(con, path, columns, delimiter=delimiter, quote=quote, header=header)


def _read(con: duckdb.DuckDBPyConnection, path: Path, columns: list[str], *, delimiter: str,
          quote: str, header: bool) -> CsvParse:
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
        sql = (f"SELECT row_number() OVER () AS {ORDINAL}, {select} "
               f"FROM read_csv({quote_literal(str(path))}, {options})")
        rows = pl.from_arrow(con.sql(sql).to_arrow_table())
        errors = pl.from_arrow(con.sql(
            "SELECT line AS record, byte_position, error_type, column_name, csv_line, "
            "error_message AS message FROM reject_errors ORDER BY line").to_arrow_table())
    except duckdb.Error as exc:
        from contactops.errors import SourceError

        raise SourceError(f"{path}: the CSV reader failed: {str(exc).splitlines()[0]}") from None
    return CsvParse(rows=rows, errors=errors)  # type: ignore[arg-type]
