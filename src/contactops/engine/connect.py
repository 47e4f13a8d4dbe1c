"""The one way contactops opens a DuckDB connection: offline, extensions never fetched.

DuckDB auto-installs and auto-loads "known" extensions when a statement needs one (a
SQLite file ATTACHed, an ``https://`` path read). contactops needs none, and a download
attempt from a scheduled run on a machine without internet is a hang or a confusing
error, so every connection — the warehouse, a DuckDB source file, the strict CSV reader —
is opened with both switched off.
"""

from __future__ import annotations

from typing import Any

import duckdb

OFFLINE: dict[str, Any] = {"autoinstall_known_extensions": False,
                           "autoload_known_extensions": False}


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never downloads or loads an extension."""
    return duckdb.connect(database, read_only=read_only, config=dict(OFFLINE))
