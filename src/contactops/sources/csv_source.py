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
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.errors import SourceRefused
from contactops.sources import sniff
from contactops.sources.base import RawBatch, RawStream
from contactops.sources.csv_batches import careful_batches, fast_batches
from contactops.sources.csv_recover import MAX_RECORD_BYTES, follow_quotes
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
    """The whole file as one batch (previews, inference); ingest reads :func:`stream`."""
    return stream(source, project, warehouse).collect()


def stream(source: CsvSource, project: Project, warehouse: Warehouse | None = None,
           rows: int | None = None) -> RawStream:
    """The file's rows as batches of at most ``rows`` rows (all in one when None).

    Encoding, delimiter and header are decided, and a refused file raises, before the
    first batch; the prepared text and the parse live until the batches are exhausted.
    """
    path = project.path(source.path)
    if not path.is_file():
        raise SourceRefused(f"source '{source.name}': file {source.path} not found "
                            f"(looked in {path}); fix 'path:' in the pipeline")
    shown = source.path
    stack = ExitStack()
    try:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="contactops-csv-"))
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
        details: dict[str, Any] = {}
        size = rows or sys.maxsize
        batches = None if text.careful else fast_batches(
            stack, text.path, columns, delimiter, shown, source, size, details)
        if batches is None:
            batches = careful_batches(text.path, columns, delimiter, shown, source, size,
                                      details)
    except BaseException:
        stack.close()
        raise
    details.update(text.details)
    details.update({"encoding": text.encoding, "delimiter": delimiter, "columns": columns})
    return RawStream(batches=_closing(batches, stack, details), columns=columns,
                     content_hash=digest, location=shown, details=details)


def _closing(batches: Iterator[RawBatch], stack: ExitStack,
             details: dict[str, Any]) -> Iterator[RawBatch]:
    """The batches, each pointing at the stream's details; the temporary text and the
    parse are released once the last one is read (or the reading stops)."""
    try:
        for batch in batches:
            batch.details = details
            yield batch
    finally:
        stack.close()


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


