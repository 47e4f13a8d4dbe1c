"""The DuckDB warehouse: connection, locking, transactions and frame exchange.

This package is the only place that imports duckdb. Domain code hands it SQL strings or
Polars frames; it hands back Polars frames (``to_arrow_table``/``.pl()``, never the streaming
``.arrow()`` reader, which blocks the connection until consumed in DuckDB 2).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from contactops.engine.connect import connect
from contactops.engine.faults import check_warehouse_path, explain_fault
from contactops.engine.schema import create_schema
from contactops.errors import ContactopsError, ResourceError, WarehouseBusy

if TYPE_CHECKING:
    import polars as pl

_PID = re.compile(r"PID (\d+)")


class Warehouse:
    """One open DuckDB warehouse file (or ``:memory:``)."""

    def __init__(self, path: str | Path, *, read_only: bool = False,
                 lock_timeout: float = 30.0, create: bool = True,
                 create_folder: bool = True) -> None:
        """Open (or create) the warehouse; a path that is not one is refused untouched.

        ``create_folder=False`` refuses a missing folder instead of creating it (for a path
        the user typed, where a missing folder is more likely a typo than a first run).
        """
        self.path = Path(path) if str(path) != ":memory:" else None
        self.read_only = read_only
        if self.path is not None:
            if not self.path.exists() and (read_only or not create):
                raise ContactopsError(
                    f"warehouse {self.path} does not exist yet; run 'contactops run' first")
            check_warehouse_path(self.path, read_only=read_only, create_folder=create_folder)
        self.con = self._connect(lock_timeout)
        if not read_only:
            create_schema(self)

    def _connect(self, lock_timeout: float) -> duckdb.DuckDBPyConnection:
        target = str(self.path) if self.path is not None else ":memory:"
        deadline = time.monotonic() + lock_timeout
        delay = 0.05
        while True:
            try:
                return connect(target, read_only=self.read_only)
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise _open_error(target, exc) from None
                if time.monotonic() >= deadline:
                    pid = _PID.search(str(exc))
                    holder = f" (process {pid.group(1)})" if pid else ""
                    raise WarehouseBusy(
                        f"warehouse {target} is in use by another contactops run{holder}; "
                        f"waited {lock_timeout:.0f} s. Wait for it to finish, raise "
                        "lock_timeout_seconds in config/contactops.yaml, or pass "
                        "--warehouse to use another file") from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """All statements inside commit together or not at all (even on kill -9)."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self
        except BaseException:
            try:
                self.con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the failed write already ended the transaction; keep its error
            raise
        else:
            self.con.execute("COMMIT")

    # -- statements --------------------------------------------------------------------
    def execute(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> None:
        self.con.execute(sql, params)

    def fetchall(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self.con.execute(sql, params).fetchall()  # fetch all: DuckDB 2 keeps partials open
        return rows[0][0] if rows else None

    def pl(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        import polars as pl

        table = self.con.sql(sql, params=params).to_arrow_table()
        return pl.from_arrow(table)  # type: ignore[return-value]

    def table_exists(self, name: str) -> bool:
        return bool(self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position", [table])]

    @contextmanager
    def registered(self, name: str, frame: Any) -> Iterator[str]:
        """Expose a Polars/Arrow frame to SQL as ``name`` for the duration of the block."""
        self.con.register(name, frame)
        try:
            yield name
        finally:
            self.con.unregister(name)

    def replace_table(self, name: str, frame: Any) -> int:
        """Replace ``name`` with the rows of a Polars/Arrow frame; returns the row count."""
        with self.registered("_contactops_frame", frame):
            self.con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _contactops_frame')
        return int(self.scalar(f'SELECT count(*) FROM "{name}"'))

    def append_frame(self, table: str, frame: Any) -> None:
        with self.registered("_contactops_frame", frame):
            self.con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _contactops_frame')


def _open_error(target: str, exc: duckdb.Error) -> ContactopsError:
    """A DuckDB open failure in one line: the resource fault, a damaged file, or as is."""
    fault = explain_fault(exc)
    if fault is not None:
        return ResourceError(f"cannot open warehouse {target}: {fault}")
    text = str(exc)
    if "not a valid DuckDB database" in text or "Could not read enough bytes" in text:
        return ResourceError(
            f"warehouse {target} is damaged or truncated ({text.splitlines()[0]}) — restore "
            "it from a backup, or move it aside to start a new warehouse")
    return ContactopsError(f"cannot open warehouse {target}: {text}")
