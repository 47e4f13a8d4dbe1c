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
