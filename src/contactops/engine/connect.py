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
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

OFFLINE: dict[str, Any] = {"autoinstall_known_extensions": False,
                           "autoload_known_extensions": False}


def connect(database: str = ":memory:", *, read_only: bool = False,
            memory_limit: int | None = None,
            temp_directory: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never downloads or loads an extension.

    Args:
        memory_limit: bytes DuckDB may hold in memory (default: DuckDB's, 80% of RAM).
        temp_directory: where it spills past the limit (default: DuckDB's).
    """
    config = dict(OFFLINE)
    if memory_limit is not None:
        config["memory_limit"] = f"{max(memory_limit // 1024, 1)}KiB"
    if temp_directory is not None:
        config["temp_directory"] = str(temp_directory)
    return duckdb.connect(database, read_only=read_only, config=config)
