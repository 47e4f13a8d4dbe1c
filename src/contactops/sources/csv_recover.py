"""The careful CSV parser, used when DuckDB's fast reader would lose or misplace lines.

DuckDB's strict reader is used for clean files. Two things it cannot account for: a quote that
is never closed swallows every following line into one rejected record, and a blank line is
skipped without a trace. This parser reads line by line and follows quotes itself:

* a record is one line, or several when a quoted value holds line breaks;
* a quote that is not closed by the end of the file (or within ``MAX_RECORD_BYTES``), or that
  closes with text after it on a later line, rejects only the line it opened on
  (``unterminated_quote``), and parsing restarts on the next line, so the rows it would have
  swallowed are read as rows;
* a quote closed with text after it on the same line rejects that line (``bad_quote``);
* a blank line is rejected as ``blank_line`` with its line number, so it is counted.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from contactops.sources.base import Reject

MAX_RECORD_BYTES = 10_000_000
RAW_LIMIT = 10_000


@dataclass
class Parsed:
    """Records as (row, line, values); rejects carry their own row and line."""

    records: list[tuple[int, int, list[str]]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    padded: list[int] = field(default_factory=list)


def parse(path: Path, width: int, *, delimiter: str, quote: str, header: bool,
          shown: str, rows: int) -> Iterator[Parsed]:
    """The records and rejects of the file, ``rows`` records (with the rejects among them)
    at a time; at least one part, possibly empty."""
    out = Parsed()
    lines = _numbered_lines(path)
    pending: deque[tuple[int, str]] = deque()
    row = 0
    skip_header = header
    while True:
        if not pending:
            nxt = next(lines, None)
            if nxt is None:
                break
            pending.append(nxt)
        first_line, first = pending[0]
        taken, state = _record(pending, lines, delimiter, quote)
        if skip_header:  # the caller read the header; drop the record it spans
            skip_header = False
            for _ in range(taken if state == "ok" else 1):
                pending.popleft()
            continue
        row += 1
        if state != "ok":
            pending.popleft()  # only the line the quote opened on; re-read the rest
            out.rejects.append(_quote_reject(state, row, first_line, first, shown, taken))
            continue
        text = "\n".join(pending.popleft()[1] for _ in range(taken))
        if not text.strip():
            out.rejects.append(Reject(
                row, "blank_line", raw=text, line_number=first_line,
                message=(f"{shown} row {row} (line {first_line}) is blank; delete the empty "
                         "line (it is counted so that rows and lines stay in step)")))
            continue
        if len(text.encode()) > MAX_RECORD_BYTES:
            out.rejects.append(Reject(
                row, "line_too_long", raw=text[:RAW_LIMIT], line_number=first_line,
                message=(f"{shown} row {row} (line {first_line}): the record is "
                         f"{len(text.encode()):,} bytes, above the limit of "
                         f"{MAX_RECORD_BYTES:,} bytes for one row; shorten the value or "
                         "split it (raw keeps the first 10,000 characters)")))
            continue
        values = next(csv.reader([text], delimiter=delimiter, quotechar=quote), [])
        if len(values) > width:
            shown_delim = "tab" if delimiter == "\t" else repr(delimiter)
            out.rejects.append(Reject(
                row, "too_many_columns", raw=text[:RAW_LIMIT], line_number=first_line,
                message=(f"{shown} row {row} (line {first_line}): {len(values)} values for "
                         f"{width} columns — a value probably contains the delimiter "
                         f"{shown_delim}; quote that value or remove the extra separator")))
            continue
        if len(values) < width:
            out.padded.append(row)
        out.records.append((row, first_line, values))
        if len(out.records) >= rows:
            yield out
            out = Parsed()
    if out.records or out.rejects or not row:
        yield out


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open("r", encoding="utf-8", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            yield number, line.rstrip("\r\n")


def _record(pending: deque[tuple[int, str]], lines: Iterator[tuple[int, str]],
            delimiter: str, quote: str) -> tuple[int, str]:
    """How many lines the record at ``pending[0]`` spans, and "ok", "bad" or "open"."""
    in_quote = False
    size = 0
    index = 0
    while True:
        if index == len(pending):
            nxt = next(lines, None)
            if nxt is None:
                return index, "open"
            pending.append(nxt)
        text = pending[index][1]
        size += len(text) + 1
        in_quote, bad = follow_quotes(text, in_quote, delimiter, quote)
        index += 1
        if bad:
            return index, "bad"
        if not in_quote:
            return index, "ok"
        if size > MAX_RECORD_BYTES:
            return index, "open"


def follow_quotes(text: str, in_quote: bool, delimiter: str, quote: str) -> tuple[bool, bool]:
    """Quote state after one line: (still inside a quoted value, text after a closing quote)."""
    if quote not in text:
        return in_quote, False
    i, n = 0, len(text)
    at_start = not in_quote
    while i < n:
        if in_quote:
            j = text.find(quote, i)
            if j < 0:
                return True, False
            if j + 1 < n and text[j + 1] == quote:
                i = j + 2
                continue
            in_quote, i = False, j + 1
            if i < n and text[i] != delimiter:
                return False, True
            continue
        char = text[i]
        if at_start and char == quote:
            in_quote = True
        at_start = char == delimiter
        i += 1
    return in_quote, False


def _quote_reject(state: str, row: int, line: int, text: str, shown: str,
                  taken: int) -> Reject:
    where = f"{shown} row {row} (line {line})"
    if state == "bad" and taken == 1:
        return Reject(row, "bad_quote", raw=text[:RAW_LIMIT], line_number=line,
                      message=(f"{where}: a quoted value is followed by more text before the "
                               "next delimiter; quote the whole value and double any quote "
                               "inside it (\"\")"))
    return Reject(row, "unterminated_quote", raw=text[:RAW_LIMIT], line_number=line,
                  message=(f"{where}: a quote opened on this line is never closed; the line "
                           "is rejected and the lines after it are read as rows — close the "
                           "quote or remove it"))
