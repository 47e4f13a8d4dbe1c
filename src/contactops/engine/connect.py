"""The one way contactops opens a DuckDB connection: offline, extensions never fetched,
memory bounded when asked.

DuckDB auto-installs and auto-loads "known" extensions when a statement needs one (a
SQLite file ATTACHed, an ``https://`` path read). contactops needs none, and a download
attempt from a scheduled run on a machine without internet is a hang or a confusing
error, so every connection — the warehouse, a DuckDB source file, the strict CSV reader —
is opened with both switched off.

``memory_limit`` (bytes) caps DuckDB's buffer manager; past it DuckDB spills to
``temp_directory`` instead of growing (sorts, joins and aggregates all spill), so the
process's memory is a setting, not a consequence of the input size.

A run opens more connections than the warehouse's (the strict CSV reader, a DuckDB source
file); those are opened deep in a stage that does not know the limit. The pipeline wraps the
run in :func:`memory_scope`, and every connection opened inside it without an explicit
``memory_limit`` gets the scope's: one place applies the limit, whichever code connects.
:func:`scratch` is such a helper connection, in memory, with a private spill folder it removes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import duckdb

OFFLINE: dict[str, Any] = {"autoinstall_known_extensions": False,
                           "autoload_known_extensions": False}

_SCOPE: ContextVar[int | None] = ContextVar("contactops_memory_limit", default=None)


@contextmanager
def memory_scope(memory_limit: int | None) -> Iterator[None]:
    """Connections opened inside the block without their own ``memory_limit`` get this
    one (bytes; None leaves DuckDB's default). Scopes nest; the inner one wins."""
    token = _SCOPE.set(memory_limit)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def scoped_memory_limit() -> int | None:
    """The limit of the innermost :func:`memory_scope`, if any."""
    return _SCOPE.get()


@contextmanager
def scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory helper connection under the scope's limit, spilling to a private
    temporary folder (created by DuckDB only when it spills) that is removed on exit."""
    folder = Path(tempfile.gettempdir()) / (
        f"contactops-{os.getpid()}-{uuid.uuid4().hex[:8]}.spill")
    con = connect(temp_directory=folder)
    try:
        yield con
    finally:
        con.close()
        shutil.rmtree(folder, ignore_errors=True)


def connect(database: str = ":memory:", *, read_only: bool = False,
            memory_limit: int | None = None,
            temp_directory: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never downloads or loads an extension.

    Args:
        memory_limit: bytes DuckDB may hold in memory (default: the enclosing
            :func:`memory_scope`'s, else DuckDB's, 80% of RAM).
        temp_directory: where it spills past the limit (default: DuckDB's).
    """
    config = dict(OFFLINE)
    if memory_limit is None:
        memory_limit = _SCOPE.get()
    if memory_limit is not None:
        config["memory_limit"] = f"{max(memory_limit // 1024, 1)}KiB"
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    return duckdb.connect(database, read_only=read_only, config=config)
