"""Resource faults: refuse a path that is not a warehouse, name the real cause of a failed write.

:func:`check_warehouse_path` runs before DuckDB opens anything, so a CSV, a SQLite database,
a folder, a truncated file or a missing folder is refused before any stage runs (and DuckDB
never guesses a file format or downloads an extension for it). :func:`explain_fault` turns a
failure deep in a run (disk full, file-size limit, permission lost) into one line with the
first real error of the chain — DuckDB reports a write that failed inside a transaction as
"Current transaction is aborted", which hides the cause.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from contactops.errors import ResourceError

DUCKDB_MAGIC = b"DUCK"
"""Bytes 8-11 of every DuckDB database file."""
HEADER_BYTES = 3 * 4096
"""A DuckDB file starts with a main header and two database headers of 4 KiB each."""

_KINDS = (
    (b"SQLite format 3\x00", "a SQLite database", "type: sqlite"),
    (b"PAR1", "a Parquet file", "type: parquet"),
    (b"PK\x03\x04", "a zip file (an Excel workbook?)", "type: excel"),
    (b"\x1f\x8b", "a gzip file", None),
)

_FAULTS = (  # (errno, text DuckDB or the OS prints, what happened, the fix)
    (errno.ENOSPC, "No space left on device", "the disk is full",
     "free space on that disk (or move the warehouse with --warehouse) and run again"),
    (errno.EFBIG, "File too large", "a file-size limit was reached",
     "raise the limit (ulimit -f unlimited) or move the warehouse to a disk that allows "
     "larger files"),
    (errno.EDQUOT, "Disk quota exceeded", "the disk quota is used up",
     "free space within your quota or move the warehouse with --warehouse"),
    (errno.EROFS, "Read-only file system", "the file system is read-only",
     "remount it read-write or move the warehouse with --warehouse"),
    (errno.EACCES, "Permission denied", "permission was denied",
     "give this user access to that file and its folder (chmod u+rw), or run as their "
     "owner"),
)
_FILE = re.compile(r'file "([^"]+)"', re.IGNORECASE)
_KEEP = "the warehouse keeps everything committed before this"


def check_warehouse_path(path: Path, *, read_only: bool, create_folder: bool) -> None:
    """Refuse ``path`` unless it is an existing DuckDB file or a new file in a usable folder."""
    if path.is_dir():
        raise ResourceError(
            f"warehouse path {path} is a folder, not a DuckDB file — give a file path such "
            f"as {path / 'contacts.duckdb'}")
    if path.exists():
        _check_existing(path, read_only)
        return
    folder = path.parent
    if folder.exists() and not folder.is_dir():
        raise ResourceError(f"warehouse {path}: {folder} is a file, not a folder — fix the path")
    if not folder.exists():
        if not create_folder:
            raise ResourceError(
                f"warehouse {path}: folder {folder} does not exist — create it "
                f"(mkdir -p {folder}) or fix the --warehouse path")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ResourceError(f"warehouse {path}: cannot create folder {folder} "
                                f"({exc.strerror}) — create it yourself or fix the path") from None
    if not read_only and not os.access(folder, os.W_OK | os.X_OK):
        raise _read_only_folder(path, folder)


def _check_existing(path: Path, read_only: bool) -> None:
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(16)
    except PermissionError:
        raise ResourceError(
            f"warehouse {path} cannot be read by this user (permission denied) — make it "
            "readable (chmod u+rw) or run as its owner") from None
    if size == 0:
        raise ResourceError(
            f"warehouse {path} is an empty file, not a DuckDB database — delete it to start "
            "a new warehouse, or give --warehouse the right file")
    if head[8:12] != DUCKDB_MAGIC:
        kind, source = _kind(head)
        hint = f"; to load it as data add a source with '{source}'" if source else ""
        raise ResourceError(
            f"warehouse {path} is not a DuckDB database (it looks like {kind}) and is left "
            f"untouched — give --warehouse a .duckdb file (a new one is created){hint}")
    if size < HEADER_BYTES:
        raise ResourceError(
            f"warehouse {path} is truncated ({size:,} bytes, a DuckDB file has at least "
            f"{HEADER_BYTES:,}) — restore it from a backup, or move it aside to start anew")
    if not read_only:
        if not os.access(path, os.W_OK):
            raise ResourceError(
                f"warehouse {path} is read-only for this user — make it writable "
                f"(chmod u+w {path}) or move it with --warehouse")
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise _read_only_folder(path, path.parent)


def _read_only_folder(path: Path, folder: Path) -> ResourceError:
    return ResourceError(
        f"warehouse folder {folder} is read-only for this user: DuckDB writes "
        f"{path.name}.wal beside the warehouse — make the folder writable (chmod u+w "
        f"{folder}) or move the warehouse with --warehouse")


def _kind(head: bytes) -> tuple[str, str | None]:
    for magic, kind, source in _KINDS:
        if head.startswith(magic):
            return kind, source
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "some other binary file", None
    return "a text file such as a CSV", "type: csv"


def explain_fault(exc: BaseException) -> ResourceError | None:
    """The first resource fault in ``exc``'s chain as one line with the fix, or None."""
    for cause in _chain(exc):
        code = cause.errno if isinstance(cause, OSError) else None
        text = str(cause)
        original = text.split("Original error:", 1)[-1]
        for number, marker, what, fix in _FAULTS:
            if code == number or marker in original:
                detail = _detail(cause, original, marker)
                return ResourceError(f"{what}{detail} — {fix}; {_KEEP}")
    return None


def _detail(cause: BaseException, text: str, marker: str) -> str:
    name = cause.filename if isinstance(cause, OSError) and cause.filename else None
    if name is None:
        found = _FILE.search(text)
        name = found.group(1) if found else None
    return f" on {name} ({marker})" if name else f" ({marker})"


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from or during, the earliest (the real cause) first."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen[::-1]
