"""CSV/TSV files: encoding detection, delimiter sniffing, quoted newlines, ragged rows.

Decisions (all recorded in ``loads.details``):

* bytes and encoding (:mod:`contactops.sources.csv_text`): compressed files are expanded,
  binaries refused, UTF-16/32 found with or without a BOM, a file mixing UTF-8 and cp1252
  lines decoded line by line (flagged), NULs removed (flagged), line endings unified; the
  result is a temporary UTF-8 copy unless the file was clean already.
* parsing: DuckDB's fast strict reader, or the careful line-by-line parser
  (:mod:`contactops.sources.csv_recover`) when the file has blank lines, very long lines
  or a quote that swallows lines, so every physical line is a row or a reject.
* limits: more than ``MAX_COLUMNS`` header columns refuses the file; a record over 10 MB is
  rejected as ``line_too_long``.
* delimiter: sniffed among ``, ; tab |`` on the first 64 KiB unless the source sets one.
* a row with fewer values than the header is kept and padded with nulls (spreadsheets drop
  trailing empty cells); a row with more values, or an unterminated quote, is rejected.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from contactops.errors import SourceError, SourceRefused
from contactops.sources import sniff
from contactops.sources.base import ROW, RawBatch, Reject
from contactops.sources.csv_recover import MAX_RECORD_BYTES, follow_quotes, parse
from contactops.sources.csv_text import prepare

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.pipeline import CsvSource
    from contactops.engine.warehouse import Warehouse

SAMPLE_BYTES = 1 << 16
#: More columns than this is not a contact export (usually the wrong delimiter): refused.
MAX_COLUMNS = 2_000
DELIMITERS = ",;\t|"


def read(source: CsvSource, project: Project, warehouse: Warehouse | None = None) -> RawBatch:
    path = project.path(source.path)
    if not path.is_file():
        raise SourceRefused(f"source '{source.name}': file {source.path} not found "
                            f"(looked in {path}); fix 'path:' in the pipeline")
    shown = source.path
    with tempfile.TemporaryDirectory(prefix="contactops-csv-") as tmp:
        text = prepare(path, source.encoding, Path(tmp), shown, source.name)
        digest = text.digest or _sha256(path)
        sample = _head_text(text.path)
        delimiter = _delimiter(source.delimiter) or sniff_delimiter(sample, source.quote)
        first = sample.split("\n", 1)[0].rstrip("\r")
        if source.header and any(follow_quotes(first, False, delimiter, source.quote)):
            raise SourceRefused(
                f"source '{source.name}': {shown} line 1 (the header) has a quote that is "
                "never closed or is followed by more text, so the column names cannot be "
                "told apart; fix the quotes in the header line")
        columns = header_columns(sample, delimiter, source.quote) if source.header else \
            [f"column_{i + 1}" for i in range(_width(sample, delimiter, source.quote))]
        if not columns:
            raise SourceRefused(f"source '{source.name}': {shown} has no header line; "
                                "export the data again with its column names")
        if len(columns) > MAX_COLUMNS:
            shown_delim = "tab" if delimiter == "\t" else repr(delimiter)
            raise SourceRefused(
                f"source '{source.name}': {shown} has {len(columns):,} columns, above the "
                f"limit of {MAX_COLUMNS:,} for one source (delimiter {shown_delim}); check "
                "'delimiter:' or split the file into fewer columns")
        batch = None if text.careful else _fast(text.path, columns, delimiter, shown,
                                                    source)
        if batch is None:
            batch = _careful(text.path, columns, delimiter, shown, source)
    batch.content_hash = digest
    batch.details.update(text.details)
    batch.details.update({"encoding": text.encoding, "delimiter": delimiter,
                          "columns": columns})
    return batch


def read_columns(source: CsvSource, project: Project) -> list[str] | None:
    """The column names :func:`read` finds, from the head of the file alone.

    Zero-config inference needs only the names: reading the whole file for them doubled
    the ingest time of ``contactops run --source`` and held a second copy of the data.
    None when the head alone cannot tell for sure (a compressed or non-UTF-8 file, NULs,
    a bare CR or a byte-order mark in the head, a header quote that is not closed): the
    caller then reads the file, which also reports what is wrong with it.
    """
    path = project.path(source.path)
    if not path.is_file() or source.encoding.lower().replace("_", "-") not in (
            "auto", "utf-8", "utf8"):
        return None
    found = sniff.sniff_file(path)
    if not found.is_text or found.encoding is not None:
        return None
    head = _head_bytes(path)
    lines = head[:head.rfind(b"\n") + 1]  # the head may end inside a character
    if (not lines or b"\x00" in head or codecs.BOM_UTF8 in head
            or head.count(b"\r") != head.count(b"\r\n")):
        return None
    try:
        lines.decode("utf-8")
    except UnicodeDecodeError:
        return None
    sample = head.decode("utf-8", errors="ignore")  # as read() samples a clean file
    delimiter = _delimiter(source.delimiter) or sniff_delimiter(sample, source.quote)
    first = sample.split("\n", 1)[0].rstrip("\r")
    if any(follow_quotes(first, False, delimiter, source.quote)):
        return None
    columns = header_columns(sample, delimiter, source.quote) if source.header else \
        [f"column_{i + 1}" for i in range(_width(sample, delimiter, source.quote))]
    return columns if 0 < len(columns) <= MAX_COLUMNS else None


def _fast(path: Path, columns: list[str], delimiter: str, shown: str,
          source: CsvSource) -> RawBatch | None:
    """DuckDB's parallel reader; None when the file needs the careful parser."""
    from contactops.engine.csv_reader import read_csv_strict

    try:
        parsed = read_csv_strict(path, columns, delimiter=delimiter, quote=source.quote,
                                 header=source.header)
    except SourceError:
        return None
    swallowed = parsed.errors.filter(
        (parsed.errors["error_type"] == "UNQUOTED VALUE")
        & parsed.errors["csv_line"].str.strip_chars_end("\r\n").str.contains("\n"))
    if swallowed.height:
        return None
    return _assemble(parsed, columns, shown, path, delimiter, source)


def _careful(path: Path, columns: list[str], delimiter: str, shown: str,
             source: CsvSource) -> RawBatch:
    import polars as pl

    parsed = parse(path, len(columns), delimiter=delimiter, quote=source.quote,
                   header=source.header, shown=shown)
    data = {c: [values[i] if i < len(values) else None for _, _, values in parsed.records]
            for i, c in enumerate(columns)}
    frame = pl.DataFrame({**data, ROW: [row for row, _, _ in parsed.records]},
                         schema={**{c: pl.Utf8 for c in columns}, ROW: pl.Int64})
    details = {"padded_rows": parsed.padded[:100], "padded_count": len(parsed.padded),
               "parser": "careful"}
    return RawBatch(frame=frame, rejects=parsed.rejects, location=shown, details=details)


def detect_encoding(path: Path) -> tuple[str, str]:
    """(encoding, sha256) of a CSV file, decided as :func:`read` decides it."""
    with tempfile.TemporaryDirectory(prefix="contactops-csv-") as tmp:
        text = prepare(path, "auto", Path(tmp), path.name, path.stem)
    return text.encoding, text.digest or _sha256(path)


def _sha256(path: Path) -> str:
    from contactops.sources.base import file_sha256

    return file_sha256(path)


def _head_bytes(path: Path) -> bytes:
    """The first 64 KiB, or more when the header line is longer (up to one record's limit)."""
    with path.open("rb") as handle:
        raw = handle.read(SAMPLE_BYTES)
        while b"\n" not in raw and len(raw) < MAX_RECORD_BYTES:
            more = handle.read(SAMPLE_BYTES)
            if not more:
                break
            raw += more
    return raw


def _head_text(path: Path) -> str:
    return _head_bytes(path).decode("utf-8", errors="ignore")


def _delimiter(value: str) -> str | None:
    if value == "auto":
        return None
    return "\t" if value in ("tab", "\\t") else value


def sniff_delimiter(sample: str, quote: str = '"') -> str:
    """The candidate whose per-line count is most consistent (and non-zero) wins."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut
    best, best_score = ",", -1.0
    for cand in DELIMITERS:
        counts = [len(row) - 1 for row in csv.reader(lines, delimiter=cand, quotechar=quote)]
        if not counts or max(counts) == 0:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        score = freq / len(counts) + (mode / 1000)
        if mode > 0 and score > best_score:
            best, best_score = cand, score
    return best


def header_columns(sample: str, delimiter: str, quote: str) -> list[str]:
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=quote)
    header = next(reader, [])
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff") or f"column_{i + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def _width(sample: str, delimiter: str, quote: str) -> int:
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=quote)
    return len(next(reader, []))


def _assemble(parsed, columns: list[str], shown: str, path: Path, delimiter: str,
              source: CsvSource) -> RawBatch:
    import polars as pl

    from contactops.engine.csv_reader import ORDINAL

    offset = 1 if source.header else 0
    errors = parsed.errors
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
    rows = parsed.rows
    bad = sorted([r.row_number for r in rejects if r.row_number] + [p[ROW] for p in padded])
    rows = rows.with_columns(_row_numbers(rows[ORDINAL], bad).alias(ROW)).drop(ORDINAL)
    if padded:
        extra = pl.DataFrame(padded, schema={**{c: pl.Utf8 for c in columns}, ROW: pl.Int64})
        rows = pl.concat([rows, extra.select(rows.columns)]).sort(ROW)
    details = {"padded_rows": [p[ROW] for p in padded][:100], "padded_count": len(padded)}
    return RawBatch(frame=rows, rejects=rejects, location=shown, details=details)


def _row_numbers(ordinal, bad_rows: list[int]):
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
