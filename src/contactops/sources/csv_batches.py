"""A CSV file's rows as batches of at most ``rows`` rows, with file-wide row numbers.

Two producers, chosen by :mod:`contactops.sources.csv_source`:

* :func:`fast_batches`: DuckDB's strict parallel reader. The whole file is parsed into a
  scratch table first (DuckDB spills it past its memory limit), so every rejected record is
  known before the first batch: each accepted row's data row number counts the rejected
  rows before it, and a short row (padded with nulls) goes into the batch of its row
  number. Only one batch is held in Python at a time.
* :func:`careful_batches`: the line-by-line parser (:mod:`contactops.sources.csv_recover`)
  for hostile files, ``rows`` records at a time.

Reader facts (``padded_rows``, ``padded_count``, ``parser``) are written into the stream's
``details`` as the batches go by; they are complete once the batches are exhausted.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.errors import SourceError
from contactops.sources.base import ROW, RawBatch, Reject
from contactops.sources.csv_recover import MAX_RECORD_BYTES, Parsed, follow_quotes, parse

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.pipeline import CsvSource


def fast_batches(stack: ExitStack, path: Path, columns: list[str], delimiter: str,
                 shown: str, source: CsvSource, rows: int,
                 details: dict[str, Any]) -> Iterator[RawBatch] | None:
    """DuckDB's parallel reader; None when the file needs the careful parser.

    The parse lives as long as ``stack`` (closed by the caller once the batches are read).
    """
    from contactops.engine.csv_reader import read_csv_strict

    inner = ExitStack()
    try:
        parsed = inner.enter_context(read_csv_strict(
            path, columns, delimiter=delimiter, quote=source.quote, header=source.header,
            rows=rows))
    except SourceError:
        inner.close()
        return None
    errors = parsed.errors
    swallowed = errors.filter(
        (errors["error_type"] == "UNQUOTED VALUE")
        & errors["csv_line"].str.strip_chars_end("\r\n").str.contains("\n"))
    if swallowed.height:
        inner.close()
        return None
    stack.push(inner)
    rejects, padded = _read_errors(errors, columns, shown, path, delimiter, source)
    details.update(padded_rows=[p[ROW] for p in padded][:100], padded_count=len(padded))
    return _assembled(parsed.batches, rejects, padded, columns, shown)


def _read_errors(errors: pl.DataFrame, columns: list[str], shown: str, path: Path,
                 delimiter: str, source: CsvSource
                 ) -> tuple[list[Reject], list[dict[str, object]]]:
    """DuckDB's reject records as rejects, and the short rows it refused as padded rows."""
    offset = 1 if source.header else 0
    rejects: list[Reject] = []
    padded: list[dict[str, object]] = []
    if errors.height:
        first = errors.group_by("record", maintain_order=True).first()
        lines = _line_numbers(path, first["byte_position"].to_list())
        for err, line in zip(first.iter_rows(named=True), lines, strict=True):
            row = int(err["record"]) - offset
            kind = err["error_type"]
            text = err["csv_line"] or ""
            if kind == "MISSING COLUMNS":
                values = next(csv.reader([text], delimiter=delimiter, quotechar=source.quote), [])
                padded.append({ROW: row, **dict(zip(columns, values, strict=False))})
                continue
            rejects.append(_reject(kind, row, line, text, shown, columns, delimiter,
                                   source.quote, err))
    return rejects, padded


def _assembled(frames: Iterator[pl.DataFrame], rejects: list[Reject],
               padded: list[dict[str, object]], columns: list[str],
               shown: str) -> Iterator[RawBatch]:
    """Number each batch's rows, merge in the padded rows that fall among them."""

    from contactops.engine.csv_reader import ORDINAL

    bad = sorted([r.row_number for r in rejects if r.row_number] + [p[ROW] for p in padded])
    waiting = sorted(padded, key=lambda p: p[ROW])  # type: ignore[arg-type, return-value]
    pending = rejects  # file-wide numbers: they travel with the first batch
    for frame in frames:
        numbered = frame.with_columns(_row_numbers(frame[ORDINAL], bad).alias(ROW)).drop(ORDINAL)
        last = numbered[ROW].max() if numbered.height else 0
        here = [p for p in waiting if p[ROW] <= last]  # type: ignore[operator]
        waiting = waiting[len(here):]
        yield RawBatch(frame=_with_padded(numbered, here, columns), rejects=pending,
                       location=shown)
        pending = []
    if waiting:  # short rows after the last accepted one
        yield RawBatch(frame=_with_padded(None, waiting, columns), rejects=[], location=shown)


def _with_padded(frame: pl.DataFrame | None, padded: list[dict[str, object]],
                 columns: list[str]) -> pl.DataFrame:
    import polars as pl

    extra = pl.DataFrame(padded, schema={**{c: pl.Utf8 for c in columns}, ROW: pl.Int64})
    if frame is None:
        return extra
    if not padded:
        return frame
    return pl.concat([frame, extra.select(frame.columns)]).sort(ROW)


def careful_batches(path: Path, columns: list[str], delimiter: str, shown: str,
                    source: CsvSource, rows: int,
                    details: dict[str, Any]) -> Iterator[RawBatch]:
    """The careful parser's records, ``rows`` at a time."""
    details.update(padded_rows=[], padded_count=0, parser="careful")
    parts = parse(path, len(columns), delimiter=delimiter, quote=source.quote,
                  header=source.header, shown=shown, rows=rows)
    return _careful_frames(parts, columns, shown, details)


def _careful_frames(parts: Iterator[Parsed], columns: list[str], shown: str,
                    details: dict[str, Any]) -> Iterator[RawBatch]:
    import polars as pl

    for parsed in parts:
        data = {c: [values[i] if i < len(values) else None for _, _, values in parsed.records]
                for i, c in enumerate(columns)}
        frame = pl.DataFrame({**data, ROW: [row for row, _, _ in parsed.records]},
                             schema={**{c: pl.Utf8 for c in columns}, ROW: pl.Int64})
        details["padded_rows"] = (details["padded_rows"] + parsed.padded)[:100]
        details["padded_count"] += len(parsed.padded)
        yield RawBatch(frame=frame, rejects=parsed.rejects, location=shown)


def _row_numbers(ordinal: pl.Series, bad_rows: list[int]) -> pl.Series:
    """Map the k-th accepted row to its data row number, skipping the rows not accepted."""
    import polars as pl

    if not bad_rows:
        return ordinal.cast(pl.Int64)
    shifted = pl.Series([r - i for i, r in enumerate(bad_rows, start=1)], dtype=pl.Int64)
    # row = k + #{j : bad_j - j < k}
    return ordinal.cast(pl.Int64) + shifted.search_sorted(ordinal.cast(pl.Int64), side="left")


def _line_numbers(path: Path, positions: list[int | None]) -> list[int | None]:
    wanted = sorted({p for p in positions if p is not None})
    found: dict[int, int] = {}
    newlines, offset, idx = 0, 0, 0
    with path.open("rb") as handle:
        while idx < len(wanted) and (block := handle.read(1 << 20)):
            end = offset + len(block)
            while idx < len(wanted) and wanted[idx] <= end:
                found[wanted[idx]] = newlines + block.count(b"\n", 0, wanted[idx] - offset) + 1
                idx += 1
            newlines += block.count(b"\n")
            offset = end
    return [found.get(p) if p is not None else None for p in positions]


def _reject(kind: str, row: int, line: int | None, text: str, shown: str, columns: list[str],
            delimiter: str, quote: str, err: dict[str, object]) -> Reject:
    where = f"{shown} row {row}" + (f" (line {line})" if line else "")
    shown_delim = "tab" if delimiter == "\t" else repr(delimiter)
    if kind == "TOO MANY COLUMNS":
        found = text.count(delimiter) + 1
        return Reject(row, "too_many_columns",
                      f"{where}: {found} values for {len(columns)} columns — a value probably "
                      f"contains the delimiter {shown_delim}; quote that value or remove the "
                      "extra separator", raw=text, line_number=line)
    if kind == "UNQUOTED VALUE":  # one line only: a multi-line one goes to csv_recover
        if follow_quotes(text, False, delimiter, quote)[0]:
            return Reject(row, "unterminated_quote",
                          f"{where}: a quote opened on this line is never closed before the "
                          "end of the file; close the quote or remove it", raw=text,
                          line_number=line)
        return Reject(row, "bad_quote",
                      f"{where}: the quoted value in column '{err['column_name']}' is followed "
                      "by more text before the next delimiter; quote the whole value and double "
                      'any quote inside it ("")', raw=text, line_number=line,
                      field=str(err["column_name"]) if err["column_name"] else None)
    if kind == "LINE SIZE OVER MAXIMUM":
        return Reject(row, "line_too_long",
                      f"{where}: the record is longer than the limit of {MAX_RECORD_BYTES:,} "
                      "bytes for one row; shorten the value or split it (raw keeps the first "
                      "10,000 characters)", raw=text, line_number=line)
    return Reject(row, kind.lower().replace(" ", "_"), f"{where}: {err['message']}", raw=text,
                  line_number=line,
                  field=str(err["column_name"]) if err["column_name"] else None)
