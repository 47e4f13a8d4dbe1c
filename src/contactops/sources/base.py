"""What every source reader returns: raw rows as strings, plus the rows it had to reject.

A reader's only job is to turn a file or table into a :class:`RawBatch` without losing a
row: every record it sees is either a row of ``frame`` or an entry of ``rejects``.
Mapping, keys and landing happen afterwards, the same way for every source type.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    import polars as pl

#: Column of ``RawBatch.frame`` holding the 1-based data row number (header excluded).
ROW = "_row"

#: Columns of ``RawBatch.rejects``.
REJECT_COLUMNS = ("row_number", "line_number", "reason_code", "field", "message", "raw")


@dataclass
class Reject:
    """One raw record that could not be read; ``message`` says what is wrong and the fix."""

    row_number: int | None
    reason_code: str
    message: str
    raw: str | None = None
    line_number: int | None = None
    field: str | None = None


@dataclass
class RawBatch:
    """The rows of one source as read.

    Attributes:
        frame: one column per raw column, every value a string (or null), plus ``_row``
            (Int64, the 1-based data row number). Nested JSON objects are flattened into
            dotted names (``contact.email``); arrays are kept as JSON text.
        rejects: records that could not be read at all.
        content_hash: sha256 of the bytes read; equal hashes mean an unchanged source.
        location: what was read, for messages ("data/crm.csv", "table contacts in x.db").
        details: reader facts worth recording in ``loads.details`` (encoding, delimiter, ...).
    """

    frame: pl.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    content_hash: str = ""
    location: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_read(self) -> int:
        return self.frame.height + len(self.rejects)

    def raw_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != ROW]


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def frame_sha256(frame: pl.DataFrame) -> str:
    """Content hash of a frame read from a database (stable across library versions)."""
    digest = hashlib.sha256()
    digest.update(",".join(frame.columns).encode())
    for start in range(0, frame.height, 100_000):
        digest.update(frame.slice(start, 100_000).write_csv().encode())
    return digest.hexdigest()


def as_strings(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast every column to Utf8 (dates ISO-formatted, nested values as JSON), add ``_row``."""
    import polars as pl

    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Utf8:
            exprs.append(col)
        elif isinstance(dtype, pl.Struct | pl.List | pl.Array):
            exprs.append(col.struct.json_encode() if isinstance(dtype, pl.Struct)
                         else col.cast(pl.List(pl.Utf8)).list.join("|"))
        else:
            exprs.append(col.cast(pl.Utf8))
    out = frame.select(exprs)
    return out.with_columns(pl.int_range(1, out.height + 1, dtype=pl.Int64).alias(ROW))


def without_nuls(frame: pl.DataFrame, details: dict[str, Any]) -> pl.DataFrame:
    """Remove NUL characters from every text value; the rows they were in go to ``details``.

    A NUL inside a value ends C strings early in the tools contacts are published to, and no
    real name or address holds one.
    """
    import polars as pl

    columns = [c for c, t in frame.schema.items() if t == pl.Utf8 and c != ROW]
    if not columns or frame.is_empty():
        return frame
    found = pl.any_horizontal([pl.col(c).str.contains("\x00", literal=True).fill_null(False)
                               for c in columns])
    rows = frame.filter(found)[ROW].to_list()
    if not rows:
        return frame
    details.update(nul_removed_count=len(rows), nul_removed_rows=rows[:100])
    return frame.with_columns(pl.col(c).str.replace_all("\x00", "", literal=True)
                              for c in columns)


def reader_notes(details: dict[str, Any]) -> list[str]:
    """What a reader repaired or decided, in words, for the run output."""
    def listed(key: str, count: int) -> str:
        shown = ", ".join(map(str, details.get(key, [])))
        return f" ({key.rsplit('_', 1)[-1]} {shown}{', ...' if count > 100 else ''})"

    notes: list[str] = []
    if details.get("compression"):
        notes.append(f"read through {details['compression']} decompression")
    if str(details.get("line_endings", "")).startswith(("cr", "mixed")) \
            and details["line_endings"] != "crlf":
        notes.append(f"line endings {details['line_endings']}: each read as a line end")
    if count := details.get("fallback_count"):
        notes.append(f"{count} line(s) were not UTF-8 and were decoded as cp1252 (latin-1 "
                     "where cp1252 has no character)" + listed("fallback_lines", count))
    if count := details.get("nul_removed_count"):
        key = "nul_removed_lines" if "nul_removed_lines" in details else "nul_removed_rows"
        unit = "line" if key == "nul_removed_lines" else "row"
        notes.append(f"NUL bytes removed from {count} {unit}(s)" + listed(key, count))
    if count := details.get("bom_removed_count"):
        notes.append(f"byte-order marks removed from {count} line(s)"
                     + listed("bom_removed_lines", count))
    if details.get("sheet_chosen") == "detected" and len(details.get("sheets", [])) > 1:
        notes.append(f"sheet '{details['sheet']}' chosen among "
                     + ", ".join(f"'{s}'" for s in details["sheets"]))
    if details.get("header_chosen") == "detected" and details.get("rows_above_header"):
        notes.append(f"column names found at Excel row {details['header_excel_row']}; "
                     f"{details['rows_above_header']} title row(s) above skipped")
    return notes


@dataclass
class RawStream:
    """The rows of one source as batches of a bounded number of rows, in file order.

    Each batch's ``frame`` and ``rejects`` carry file-wide row (and line) numbers. The
    stream's ``content_hash`` and ``columns`` are known before the first batch; ``details``
    is complete once ``batches`` is exhausted (counts of repaired rows, ...).
    """

    batches: Iterator[RawBatch]
    columns: list[str]
    content_hash: str = ""
    location: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, batch: RawBatch) -> RawStream:
        """A whole batch as a stream of one batch (readers that do not read in parts)."""
        return cls(batches=iter([batch]), columns=batch.raw_columns(),
                   content_hash=batch.content_hash, location=batch.location,
                   details=batch.details)

    def collect(self) -> RawBatch:
        """All batches as one (a preview, or a reader's whole-file API)."""
        import polars as pl

        parts = list(self.batches)
        frames = [b.frame for b in parts]
        frame = pl.concat(frames) if len(frames) > 1 else frames[0]
        return RawBatch(frame=frame, rejects=[r for b in parts for r in b.rejects],
                        content_hash=self.content_hash, location=self.location,
                        details=self.details)
