"""The DuckDB warehouse: the DuckDB implementation of :class:`~contactops.engine.api.Engine`.

This package is the only place that imports duckdb. Domain code hands it SQL strings or
Polars frames; it hands back rows or Polars frames (``to_arrow_table``/``.pl()``, never the
streaming ``.arrow()`` reader, which blocks the connection until consumed in DuckDB 2). The
connection is private: statements from outside the engine pass through :meth:`_statement`
(the one place a non-DuckDB engine would transpile them); the engine's own bookkeeping
(schema, information_schema lookups, frame exchange) talks to the connection directly.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from contactops.engine.connect import connect, scoped_memory_limit
from contactops.engine.faults import check_warehouse_path, explain_fault
from contactops.engine.schema import create_schema
from contactops.engine.sql import SOURCE_DIALECT, quote_identifier, quote_literal, transpile
from contactops.errors import ContactopsError, ResourceError, WarehouseBusy

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.mapping import BatchFunction, Mapped

_PID = re.compile(r"PID (\d+)")
_FRAME = "_contactops_frame"
#: The warehouse's own tables and its temporary ones: not those of a database attached
#: meanwhile (the match copy a thread is writing holds tables of the same names).
_OWN_CATALOGS = "table_catalog IN (current_database(), 'temp')"


class Warehouse:
    """One open DuckDB warehouse file (or ``:memory:``)."""

    sql_dialect = "duckdb"

    def __init__(self, path: str | Path, *, read_only: bool = False,
                 lock_timeout: float = 30.0, create: bool = True,
                 create_folder: bool = True, memory_limit: int | None = None) -> None:
        """Open (or create) the warehouse; a path that is not one is refused untouched.

        ``create_folder=False`` refuses a missing folder instead of creating it (for a path
        the user typed, where a missing folder is more likely a typo than a first run).
        ``memory_limit`` (bytes) caps DuckDB's memory; past it, DuckDB spills to a
        per-process folder beside the warehouse, which :meth:`close` removes. Unset, the
        enclosing :func:`~contactops.engine.connect.memory_scope`'s limit applies, if any.
        """
        self.path = Path(path) if str(path) != ":memory:" else None
        self.read_only = read_only
        self.memory_limit = memory_limit if memory_limit is not None else scoped_memory_limit()
        if self.path is not None:
            if not self.path.exists() and (read_only or not create):
                raise ContactopsError(
                    f"warehouse {self.path} does not exist yet; run 'contactops run' first")
            check_warehouse_path(self.path, read_only=read_only, create_folder=create_folder)
        self._spill = _temp_directory(self.path)
        try:
            self._con = self._connect(lock_timeout)
        except BaseException:
            _remove_temp_directory(self._spill)
            raise
        self._attached = 0
        self._copying: threading.Thread | None = None
        self._copy_error: tuple[str, BaseException] | None = None
        if not read_only:
            create_schema(self)

    def _connect(self, lock_timeout: float) -> duckdb.DuckDBPyConnection:
        target = str(self.path) if self.path is not None else ":memory:"
        deadline = time.monotonic() + lock_timeout
        delay = 0.05
        while True:
            try:
                return connect(target, read_only=self.read_only,
                               memory_limit=self.memory_limit,
                               temp_directory=self._spill)
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
        """Close the connection (after any copy written in the background, whose error it
        raises then: the warehouse itself is committed and closed either way)."""
        try:
            self.wait_snapshots()
        finally:
            self._con.close()
            _remove_temp_directory(self._spill)
        failed, self._copy_error = self._copy_error, None
        if failed is not None:
            name, error = failed
            raise ResourceError(
                f"could not write the {name} copy beside warehouse {self.path} ({error}); "
                "the warehouse itself is committed: the next run writes the copy again"
            ) from error

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """All statements inside commit together or not at all (even on kill -9)."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield self
        except BaseException:
            try:
                self._con.execute("ROLLBACK")
            except duckdb.Error:
                pass  # the failed write already ended the transaction; keep its error
            raise
        else:
            self._con.execute("COMMIT")

    @contextmanager
    def catalog(self, database: str | Path | None = None, *,
                row_group_size: int | None = None) -> Iterator[str]:
        """The warehouse's catalog name, or another DuckDB file ATTACHed for the block
        (``row_group_size``: the rows per row group of the tables created in it)."""
        if database is None:
            yield str(self._con.execute("SELECT current_database()").fetchall()[0][0])
            return
        self._attached += 1
        alias = f"_contactops_db{self._attached}"
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        options = f" (ROW_GROUP_SIZE {int(row_group_size)})" if row_group_size else ""
        self._con.execute(f"ATTACH {quote_literal(str(database))} AS {alias}{options}")
        try:
            yield alias
        finally:
            self._con.execute(f"DETACH {alias}")

    # -- statements --------------------------------------------------------------------
    def _statement(self, sql: str) -> str:
        """SQL from outside the engine, in this engine's dialect (DuckDB: unchanged).

        Stage SQL is written in DuckDB's dialect; an engine speaking another one transpiles
        it here (cached per statement), which is all a second engine needs for stage SQL.
        """
        if self.sql_dialect == SOURCE_DIALECT:
            return sql
        return transpile(sql, write=self.sql_dialect)

    def execute(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> None:
        self._con.execute(self._statement(sql), params)

    def fetchall(self, sql: str, params: list[Any] | dict[str, Any] | None = None
                 ) -> list[tuple[Any, ...]]:
        return self._con.execute(self._statement(sql), params).fetchall()

    def records(self, sql: str, params: list[Any] | dict[str, Any] | None = None
                ) -> list[dict[str, Any]]:
        cursor = self._con.execute(self._statement(sql), params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def scalar(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        # fetch all: DuckDB 2 keeps partially read results open
        rows = self._con.execute(self._statement(sql), params).fetchall()
        return rows[0][0] if rows else None

    def pl(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        import polars as pl

        table = self._con.sql(self._statement(sql), params=params).to_arrow_table()
        return pl.from_arrow(table)  # type: ignore[return-value]

    def batches(self, sql: str, rows: int, params: list[Any] | dict[str, Any] | None = None
                ) -> Iterator[pl.DataFrame]:
        """A query's result as Polars frames of ``rows`` rows (the last one may be shorter;
        an empty result gives one empty frame, with the result's columns).

        The result streams from its own cursor, so the warehouse can write (and run other
        queries) between batches; only one batch is held in Python at a time. The cursor
        reads the data as committed when the query started. Stop early and it is closed.
        """
        from contactops.engine.batching import rebatch

        if rows < 1:
            raise ValueError("batches() needs a positive number of rows per batch")
        cursor = self._con.cursor()
        try:
            reader = cursor.sql(self._statement(sql), params=params).to_arrow_reader(rows)
            yield from rebatch(reader, reader.schema, rows)
        finally:
            cursor.close()

    def next_value(self, sequence: str) -> int:
        return int(self._con.execute(f"SELECT nextval({quote_literal(sequence)})").fetchall()[0][0])

    # -- tables and frames -------------------------------------------------------------
    def table_exists(self, name: str, catalog: str | None = None) -> bool:
        if catalog is None:
            sql = ("SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                   f"AND {_OWN_CATALOGS}")
            return bool(self._con.execute(sql, [name]).fetchall()[0][0])
        return bool(self._con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'main' AND table_name = ?", [catalog, name]).fetchall()[0][0])

    def table_kind(self, name: str) -> str | None:
        kind = self._con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = ? "
            "AND table_catalog = current_database()", [name]).fetchall()
        if not kind:
            return None
        return "view" if kind[0][0] == "VIEW" else "table"

    def columns(self, table: str) -> list[str]:
        return [r[0] for r in self._con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            f"AND {_OWN_CATALOGS} ORDER BY ordinal_position", [table]).fetchall()]

    @contextmanager
    def registered(self, name: str, frame: Any) -> Iterator[str]:
        """Expose a Polars/Arrow frame to SQL as ``name`` for the duration of the block."""
        self._con.register(name, frame)
        try:
            yield name
        finally:
            self._con.unregister(name)

    def replace_table(self, name: str, frame: Any, catalog: str | None = None) -> int:
        """Replace ``name`` with the rows of a Polars/Arrow frame; returns the row count."""
        target = quote_identifier(name)
        if catalog is not None:
            target = f"{quote_identifier(catalog)}.main.{target}"
        with self.registered(_FRAME, frame):
            self._con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {_FRAME}")
        return int(self._con.execute(f"SELECT count(*) FROM {target}").fetchall()[0][0])

    def append_frame(self, table: str, frame: Any) -> None:
        """Insert a frame's rows into ``table``, matching columns by name."""
        with self.registered(_FRAME, frame):
            self._con.execute(
                f"INSERT INTO {quote_identifier(table)} BY NAME SELECT * FROM {_FRAME}")

    def map_batches(self, query: str, fn: BatchFunction, into: Sequence[str], *, rows: int,
                    params: list[Any] | dict[str, Any] | None = None, append: bool = False,
                    progress: Callable[[int], None] | None = None) -> Mapped:
        """``fn`` over the query's rows in this process, ``rows`` at a time, each batch's
        frames written before the next is read (:meth:`_own_batches`)."""
        from contactops.engine.mapping import map_locally

        return map_locally(self, self._own_batches(query, rows, params), fn, into,
                           append=append, progress=progress)

    def _own_batches(self, sql: str, rows: int, params: list[Any] | dict[str, Any] | None
                     ) -> Iterator[pl.DataFrame]:
        """A query's rows in frames of ``rows``, read on the warehouse's own connection, so
        they are what its open transaction sees (its temporary tables, its uncommitted
        writes; :meth:`batches` reads what is committed): the result is copied into a
        temporary table (in order; DuckDB spills it past the memory limit) and read a range
        of row ids at a time, so writes can come between the reads."""
        import polars as pl

        if rows < 1:
            raise ValueError("map_batches() needs a positive number of rows per batch")
        self._attached += 1
        name = f"_contactops_map{self._attached}"
        self._con.execute(f"CREATE TEMP TABLE {name} AS {self._statement(sql)}", params)
        try:
            # row ids follow the insertion (the query's) order; inside a transaction they
            # start at a large base, and a copy that had gaps is numbered again
            first, last, total = self._con.execute(
                f"SELECT min(rowid), max(rowid), count(*) FROM {name}").fetchall()[0]
            if total and last - first + 1 != total:
                self._con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM "
                                  f"{name} ORDER BY rowid")
                first = self._con.execute(f"SELECT min(rowid) FROM {name}").fetchall()[0][0]
            for start in range(0, max(total, 1), rows):  # an empty result: one empty frame
                yield pl.from_arrow(self._con.sql(  # type: ignore[misc]
                    f"SELECT * FROM {name} WHERE rowid >= ? AND rowid < ? ORDER BY rowid",
                    params=[(first or 0) + start, (first or 0) + start + rows]
                ).to_arrow_table())
        finally:
            with contextlib.suppress(duckdb.Error):  # a failed write ended the transaction
                self._con.execute(f"DROP TABLE IF EXISTS {name}")

    # -- snapshots ---------------------------------------------------------------------
    def snapshot_path(self, name: str) -> Path | None:
        """``<warehouse>.<name>.duckdb`` beside the warehouse (None in memory)."""
        if self.path is None:
            return None
        return self.path.with_name(f"{self.path.name}.{name}.duckdb")

    def write_snapshot(self, name: str, tables: dict[str, str], *,
                       row_group_size: int | None = None,
                       background: bool = False) -> Path | None:
        """Copy query results into :meth:`snapshot_path` as tables, replacing it whole.

        Readers open the snapshot while a run holds the warehouse's lock: it is written
        under a temporary name and renamed into place, so a reader sees the old file or
        the new one, never a half-written one, and never waits. ``tables``: table name ->
        ``SELECT`` over this warehouse, all read in one transaction (one committed state).
        ``row_group_size``: smaller row groups than the engine's default let a point
        lookup on a sorted column read a small slice.

        ``background``: write it on a thread of its own connection while the caller goes
        on (the copy is reads and compression, seconds at 1M records, that would otherwise
        wait for nothing); the next snapshot call and :meth:`close` wait for it, and
        :meth:`close` raises its error, if any. Until it lands readers see the old copy.
        """
        self.wait_snapshots()
        final = self.snapshot_path(name)
        if final is None:
            return None
        if not background:
            self._copy(self._con, final, tables, row_group_size)
            return final
        cursor = self._con.cursor()

        def work() -> None:
            try:
                self._copy(cursor, final, tables, row_group_size)
            except BaseException as exc:  # raised by close()
                self._copy_error = (name, exc)
            finally:
                cursor.close()

        self._copying = threading.Thread(target=work, name=f"contactops-{name}-copy")
        self._copying.start()
        return final

    def _copy(self, con: duckdb.DuckDBPyConnection, final: Path, tables: dict[str, str],
              row_group_size: int | None) -> None:
        temp = final.with_name(f"{final.name}.{os.getpid()}.part")
        temp.unlink(missing_ok=True)
        alias = f"_contactops_copy_{uuid.uuid4().hex[:8]}"  # unique: it may run on a thread
        options = f" (ROW_GROUP_SIZE {int(row_group_size)})" if row_group_size else ""
        try:
            con.execute(f"ATTACH {quote_literal(str(temp))} AS {alias}{options}")
            try:
                con.execute("BEGIN TRANSACTION")
                for table, select in tables.items():
                    con.execute(f"CREATE TABLE {alias}.main.{quote_identifier(table)} "
                                f"AS {self._statement(select)}")
                con.execute("COMMIT")
            finally:
                con.execute(f"DETACH {alias}")
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)

    def wait_snapshots(self) -> None:
        """Wait for a copy :meth:`write_snapshot` writes in the background, if any."""
        if self._copying is not None:
            self._copying.join()
            self._copying = None

    def patch_snapshot(self, name: str, changes: dict[str, tuple[str, str]], *,
                       row_group_size: int | None = None, before: Sequence[str] = (),
                       after: Sequence[str] = (), guard: str | None = None) -> bool:
        """Apply a delta to :meth:`snapshot_path` in one transaction: per table, delete the
        rows a condition selects, then insert a ``SELECT`` over this warehouse.

        The copy is patched in place (no copy of the whole file): a reader opening it
        meanwhile waits for the commit, as for the warehouse. Returns False, changing
        nothing, when there is no copy or a reader holds it (the caller then rewrites it
        whole with :meth:`write_snapshot`). ``changes``: table -> (``WHERE`` condition over
        the copy's table, ``SELECT`` of the rows to add). ``row_group_size``: the one the
        copy was written with (:meth:`write_snapshot`); attached with another, the commit's
        checkpoint merges every table's row groups to that size, rewriting the whole copy
        (seconds at 1M records, and the lookups' small row groups lost). ``before``,
        ``after``: statements run in the same transaction before and after the changes,
        ``{copy}`` in them naming the copy's catalog (a delta kept on the copy's own rows).
        ``guard``: a query over the copy (``{copy}`` as above) whose one value must be true
        for the delta to apply; else (or when the query fails) False, changing nothing: the
        copy is not the state the delta was computed against (a run died between the
        warehouse's commit and the patch).
        """
        self.wait_snapshots()
        path = self.snapshot_path(name)
        if path is None or not path.is_file():
            return False
        stack = contextlib.ExitStack()
        try:
            alias = stack.enter_context(self.catalog(path, row_group_size=row_group_size))
        except duckdb.Error:
            return False  # a reader has it open: the caller rewrites it whole
        with stack:
            if guard is not None:
                try:  # a copy from before the guard's table existed fails it too
                    row = self._con.execute(
                        self._statement(guard.replace("{copy}", alias))).fetchone()
                except duckdb.Error:
                    row = None
                if row is None or not row[0]:
                    return False
            self._patch(alias, changes, before, after)
        return True

    def _patch(self, alias: str, changes: dict[str, tuple[str, str]], before: Sequence[str],
               after: Sequence[str]) -> None:
        """:meth:`patch_snapshot`'s statements on the attached copy, one transaction."""
        with self.transaction():
            for sql in before:
                self._con.execute(self._statement(sql.replace("{copy}", alias)))
            for table, (where, select) in changes.items():
                target = f"{alias}.main.{quote_identifier(table)}"
                self._con.execute(f"DELETE FROM {target} WHERE {self._statement(where)}")
                self._con.execute(f"INSERT INTO {target} BY NAME {self._statement(select)}")
            for sql in after:
                self._con.execute(self._statement(sql.replace("{copy}", alias)))

    def drop_snapshot(self, name: str) -> None:
        """Remove :meth:`snapshot_path` (after an erase: it must not keep the person)."""
        self.wait_snapshots()
        path = self.snapshot_path(name)
        if path is not None:
            path.unlink(missing_ok=True)


def _temp_directory(path: Path | None) -> Path:
    """Where DuckDB spills: ``<warehouse>.tmp/<pid>`` (one folder per process, so a reader
    and the run never share one), or a fresh temporary folder for an in-memory warehouse.
    DuckDB creates it only when it spills."""
    if path is None:
        name = f"contactops-{os.getpid()}-{uuid.uuid4().hex[:8]}.spill"
        return Path(tempfile.gettempdir()) / name
    folder = path.with_name(path.name + ".tmp")
    # DuckDB makes the last folder only; in a read-only location it says so if it ever
    # needs to spill
    with contextlib.suppress(OSError):
        folder.mkdir(exist_ok=True)
    return folder / str(os.getpid())


def _remove_temp_directory(folder: Path) -> None:
    """Remove the spill folder, and ``<warehouse>.tmp`` when no other process uses it."""
    shutil.rmtree(folder, ignore_errors=True)
    if folder.parent.name.endswith(".tmp"):
        # kept while another process's spill folder is still there (or never made)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()


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
