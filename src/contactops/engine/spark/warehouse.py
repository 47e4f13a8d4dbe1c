"""The Spark warehouse: the Spark implementation of :class:`~contactops.engine.api.Engine`.

Tables are Parquet folders under the warehouse folder (:mod:`.store`), each exposed to
Spark SQL as a temporary view of the same name in this warehouse's own Spark session (a
``newSession()`` of the process's one Spark context, so two warehouses open in one process
never see each other's names). Stage SQL arrives in DuckDB's dialect and is transpiled by
sqlglot; queries run as they are, changes are rewritten as queries (:mod:`.dml`) whose
results are written to new folders and swapped in on commit. Frames from stages are written
as Parquet by pyarrow and read by Spark (no row-by-row transfer through the driver).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from contactops.engine.spark import dml
from contactops.engine.spark.session import session
from contactops.engine.spark.store import Pending, Store
from contactops.engine.spark.types import arrow_safe, conform, parse_type, spark_type
from contactops.engine.sql import SOURCE_DIALECT
from contactops.errors import ContactopsError

if TYPE_CHECKING:
    from contactops.engine.mapping import BatchFunction, Mapped

OWN_CATALOG = "warehouse"


@lru_cache(maxsize=4096)
def _parse(sql: str) -> tuple[exp.Expression, ...]:
    import sqlglot

    return tuple(t for t in sqlglot.parse(sql, read=SOURCE_DIALECT) if t is not None)


@lru_cache(maxsize=4096)
def _spark_text(sql: str) -> str:
    return ";\n".join(dml.spark(tree) for tree in _parse(sql))


class SparkWarehouse:
    """One warehouse folder on Spark."""

    sql_dialect = "spark"
    path: Path | None
    read_only: bool
    memory_limit: int | None

    def __init__(self, path: str | Path, *, read_only: bool = False,
                 lock_timeout: float = 30.0, create: bool = True,
                 create_folder: bool = True, memory_limit: int | None = None,
                 master: str | None = None, options: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.memory_limit = memory_limit
        root = Path(path)
        if not root.exists():
            if read_only or not create:
                raise ContactopsError(
                    f"warehouse {root} does not exist yet; run 'contactops run' first")
            if not create_folder and not root.parent.is_dir():
                raise ContactopsError(f"cannot create warehouse {root}: folder {root.parent} "
                                      "does not exist")
            root.mkdir(parents=True)
        elif not root.is_dir():
            raise ContactopsError(f"warehouse {root} is a file; the Spark engine keeps a "
                                  "warehouse as a folder of Parquet tables: pass a folder")
        self.store = Store(root, read_only=read_only, lock_timeout=lock_timeout)
        try:
            self._spark = session(master, options, memory_limit).newSession()
            self._catalog = self.store.read_catalog()
            self._pending: dict[str, Pending] | None = None
            self._registered: set[str] = set()
            self._schemas: dict[str, Any] = {}  # Spark schema per table, while unchanged
            for table in self.store.tables():
                self._register(table)
            self._register_views()
            if not read_only:
                _create_schema(self)
        except BaseException:
            self.store.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------
    def close(self) -> None:
        for name in list(self._registered):
            self._spark.catalog.dropTempView(name)
        self._registered.clear()
        self.store.close()

    def __enter__(self) -> SparkWarehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[SparkWarehouse]:
        """All changes inside are swapped in together on exit, or discarded on error."""
        if self._pending is not None:
            raise ContactopsError("a transaction is already open on this warehouse")
        self._pending = {}
        try:
            yield self
        except BaseException:
            pending, self._pending = self._pending, None
            self.store.discard(pending)
            self._refresh(pending)
            raise
        pending, self._pending = self._pending, None
        self.store.commit(pending)
        self._refresh(pending)

    @contextmanager
    def _auto(self) -> Iterator[dict[str, Pending]]:
        if self._pending is not None:
            yield self._pending
            return
        with self.transaction():
            assert self._pending is not None
            yield self._pending

    def _refresh(self, pending: dict[str, Pending]) -> None:
        for table in pending:
            self._register(table)
        self._register_views()  # views stay as made: Spark resolves their tables by name

    @contextmanager
    def catalog(self, database: str | Path | None = None, *,
                row_group_size: int | None = None) -> Iterator[str]:
        if database is not None:
            raise ContactopsError(
                "the Spark engine opens no second database beside the warehouse: a 'duckdb' "
                "publish target needs the duckdb engine; publish to csv, parquet or "
                "postgres instead")
        yield OWN_CATALOG

    # -- tables as views ---------------------------------------------------------------
    def _paths(self, table: str) -> list[Path] | None:
        change = (self._pending or {}).get(table)
        if change is not None:
            if change.dropped and change.base is None:
                return None
            base = change.base or self.store.folder(table)
            return [base, *change.appends]
        folder = self.store.folder(table)
        return [folder] if folder.is_dir() else None

    def _register(self, table: str) -> None:
        paths = self._paths(table)
        if paths is None:
            if table in self._registered:
                self._spark.catalog.dropTempView(table)
                self._registered.discard(table)
            return
        reader = self._spark.read
        if table in self._schemas:  # skip inferring it from the files again
            reader = reader.schema(self._schemas[table])
        frame = reader.parquet(*[str(p) for p in paths])
        self._schemas[table] = frame.schema
        frame.createOrReplaceTempView(table)
        self._registered.add(table)

    def _register_view(self, name: str) -> bool:
        text = self._catalog["views"][name]
        try:
            self._spark.sql(f"CREATE OR REPLACE TEMP VIEW {dml.ident(name)} AS "
                            f"{_spark_text(text)}")
        except Exception as exc:
            # a view over a table (or view) not there yet is made when it is; one whose
            # tables are all there is wrong, and says so
            used = {t.name for tree in _parse(text) for t in tree.find_all(exp.Table)}
            if all(self.table_kind(t) is not None for t in used - {name}) and \
                    all(t in self._registered for t in used if t in self._catalog["views"]):
                raise _error(exc, _spark_text(text)) from None
            return False
        self._registered.add(name)
        return True

    def _register_views(self) -> None:
        """(Re)create every view, those over other views after them."""
        waiting = [v for v in self._catalog["views"] if v not in self._registered]
        while waiting:
            left = [name for name in waiting if not self._register_view(name)]
            if len(left) == len(waiting):
                return  # over tables a later stage creates
            waiting = left

    def _columns(self, table: str) -> list[tuple[str, str]]:
        schema = self._spark.table(dml.ident(table)).schema
        return [(f.name, f.dataType.simpleString()) for f in schema]

    def _arrow_schema(self, table: str) -> Any:
        import pyarrow.parquet as pq

        paths = self._paths(table)
        if paths is None:
            raise ContactopsError(f"table {table} does not exist")
        for part in sorted(paths[0].glob("*.parquet")):
            return pq.read_schema(part).remove_metadata()
        raise ContactopsError(f"table {table} has no Parquet files in {paths[0]}")

    # -- writing -----------------------------------------------------------------------
    def _write_frame(self, frame: Any, folder: Path) -> int:
        import pyarrow.parquet as pq

        folder.mkdir(parents=True)
        pq.write_table(frame, folder / f"part-{uuid.uuid4().hex}.parquet")
        return int(frame.num_rows)

    def _stage(self, data: Any) -> Path:
        """Write a Spark frame or an Arrow table to a new staging folder (a staging folder
        already written, e.g. by the executors, is taken as it is); its path."""
        if isinstance(data, Path):
            return data
        folder = self.store.new_folder()
        if hasattr(data, "write"):
            data.write.parquet(str(folder))
        else:
            self._write_frame(data, folder)
        return folder

    def _replace(self, table: str, data: Any) -> None:
        """Make ``data`` (a Spark frame or an Arrow table) the table's whole content."""
        folder = self._stage(data)
        self._schemas.pop(table, None)
        with self._auto() as pending:
            old = pending.get(table)
            pending[table] = Pending(base=folder)
            if old is not None:
                self.store.discard({table: Pending(base=old.base, appends=old.appends)})
            self._register(table)

    def _append(self, table: str, data: Any) -> None:
        folder = self._stage(data)
        with self._auto() as pending:
            pending.setdefault(table, Pending()).appends.append(folder)
            self._register(table)

    def _drop(self, table: str) -> None:
        self._schemas.pop(table, None)
        with self._auto() as pending:
            old = pending.get(table)
            if old is not None:
                self.store.discard({table: old})
            pending[table] = Pending(dropped=True)
            self._register(table)

    # -- statements --------------------------------------------------------------------
    def _statement(self, sql: str) -> str:
        """Stage SQL (DuckDB's dialect) as Spark SQL."""
        return _spark_text(sql)

    def _query(self, sql: str, params: Any = None) -> Any:
        """A Spark frame for a query given in DuckDB's dialect."""
        return self._sql(self._statement(sql), params)

    def _sql(self, text: str, params: Any = None) -> Any:
        try:
            if params:
                return self._spark.sql(text, args=_args(params))
            return self._spark.sql(text)
        except Exception as exc:
            raise _error(exc, text) from None

    def execute(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> None:
        from contactops.engine.spark.statements import run_statement

        trees = _parse(sql)
        if len(trees) > 1 and params:
            raise ValueError("several statements take no parameters")
        for tree in trees:
            run_statement(self, tree, params)

    def _frame(self, sql: str, params: Any) -> Any:
        trees = _parse(sql)
        if len(trees) == 1 and not isinstance(trees[0], exp.Query):
            from contactops.engine.spark.statements import run_statement

            run_statement(self, trees[0], params)
            return None
        return self._query(sql, params)

    def _arrow(self, sql: str, params: Any) -> Any:
        frame = self._frame(sql, params)
        if frame is None:
            import pyarrow as pa

            return pa.table({})
        try:
            return frame.toArrow()
        except Exception as exc:
            raise _error(exc, self._statement(sql)) from None

    def fetchall(self, sql: str, params: list[Any] | dict[str, Any] | None = None
                 ) -> list[tuple[Any, ...]]:
        table = self._arrow(sql, params)
        columns = [c.to_pylist() for c in table.columns]
        return list(zip(*columns, strict=True)) if columns else []

    def records(self, sql: str, params: list[Any] | dict[str, Any] | None = None
                ) -> list[dict[str, Any]]:
        return self._arrow(sql, params).to_pylist()

    def scalar(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        rows = self.fetchall(sql, params)
        return rows[0][0] if rows else None

    def pl(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        import polars as pl

        return pl.from_arrow(self._arrow(sql, params))

    def batches(self, sql: str, rows: int, params: list[Any] | dict[str, Any] | None = None
                ) -> Iterator[Any]:
        """A query's result in frames of ``rows`` rows: Spark writes the result to a
        temporary Parquet folder (in order, for an ordered query), read back one batch at
        a time, so only a batch is in the driver's memory."""
        import pyarrow.dataset as ds

        from contactops.engine.batching import rebatch

        if rows < 1:
            raise ValueError("batches() needs a positive number of rows per batch")
        folder = Path(tempfile.mkdtemp(prefix="contactops-spark-batches-"))
        try:
            target = folder / "result"
            try:
                self._query(sql, params).write.parquet(str(target))
            except Exception as exc:
                raise _error(exc, self._statement(sql)) from None
            dataset = ds.dataset(sorted(str(p) for p in target.glob("*.parquet")),
                                 format="parquet")
            yield from rebatch(dataset.to_batches(batch_size=rows, use_threads=False),
                               dataset.schema, rows)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def next_value(self, sequence: str) -> int:
        data = self.store.read_catalog()
        if sequence not in data["sequences"]:
            raise ContactopsError(f"no sequence {sequence} in warehouse {self.path}")
        data["sequences"][sequence] += 1
        self.store.write_catalog(data)
        self._catalog = data
        return int(data["sequences"][sequence])

    # -- tables and frames -------------------------------------------------------------
    def table_exists(self, name: str, catalog: str | None = None) -> bool:
        if catalog not in (None, OWN_CATALOG):
            return False
        return self._paths(name) is not None or name in self._catalog["views"]

    def table_kind(self, name: str) -> str | None:
        if name in self._catalog["views"]:
            return "view"
        return "table" if self._paths(name) is not None else None

    def columns(self, table: str) -> list[str]:
        if not self.table_exists(table):
            return []
        return [name for name, _ in self._columns(table)]

    @contextmanager
    def registered(self, name: str, frame: Any) -> Iterator[str]:
        """Expose a Polars/Arrow frame to SQL as ``name`` for the duration of the block
        (written to a temporary Parquet folder that Spark reads)."""
        folder = Path(tempfile.mkdtemp(prefix="contactops-spark-frame-"))
        try:
            self._write_frame(_arrow_of(frame), folder / "data")
            self._spark.read.parquet(str(folder / "data")).createOrReplaceTempView(name)
            yield name
        finally:
            self._spark.catalog.dropTempView(name)
            if name in self._registered:
                self._register(name)
            shutil.rmtree(folder, ignore_errors=True)

    def replace_table(self, name: str, frame: Any, catalog: str | None = None) -> int:
        if catalog not in (None, OWN_CATALOG):
            raise ContactopsError(f"the Spark engine has no catalog {catalog}")
        table = _arrow_of(frame)
        self._replace(name, table)
        return int(table.num_rows)

    def append_frame(self, table: str, frame: Any) -> None:
        data = conform(_arrow_of(frame), self._arrow_schema(table))
        if data.num_rows:
            self._append(table, data)

    def map_batches(self, query: str, fn: BatchFunction, into: Sequence[str], *, rows: int,
                    params: list[Any] | dict[str, Any] | None = None, append: bool = False,
                    progress: Callable[[int], None] | None = None) -> Mapped:
        """``fn`` on the executors, per partition; the rows skip the driver (:mod:`.mapping`)."""
        from contactops.engine.spark.mapping import map_batches

        return map_batches(self, query, fn, into, rows=rows, params=params, append=append,
                           progress=progress)

    # -- snapshots: none on Spark (readers read the Parquet folders) -------------------
    def snapshot_path(self, name: str) -> Path | None:
        return None

    def write_snapshot(self, name: str, tables: dict[str, str], *,
                       row_group_size: int | None = None,
                       background: bool = False) -> Path | None:
        return None

    def patch_snapshot(self, name: str, changes: dict[str, tuple[str, str]], *,
                       row_group_size: int | None = None, before: Sequence[str] = (),
                       after: Sequence[str] = (), guard: str | None = None) -> bool:
        return False

    def drop_snapshot(self, name: str) -> None:
        return None

    def wait_snapshots(self) -> None:
        return None

    # -- DDL helpers used by statements ------------------------------------------------
    def _set_view(self, name: str, sql: str | None) -> None:
        data = self.store.read_catalog()
        if sql is None:
            data["views"].pop(name, None)
        else:
            data["views"][name] = sql
        self.store.write_catalog(data)
        self._catalog = data
        if sql is None:
            self._spark.catalog.dropTempView(name)
            self._registered.discard(name)
        else:
            self._registered.discard(name)
            self._register_views()

    def _set_defaults(self, table: str, defaults: dict[str, str]) -> None:
        data = self.store.read_catalog()
        data["defaults"].setdefault(table, {}).update(defaults)
        self.store.write_catalog(data)
        self._catalog = data

    def _defaults(self, table: str) -> dict[str, str]:
        return dict(self._catalog["defaults"].get(table, {}))

    def _add_sequence(self, name: str, start: int) -> None:
        data = self.store.read_catalog()
        if name not in data["sequences"]:
            data["sequences"][name] = start - 1
            self.store.write_catalog(data)
        self._catalog = data


def _arrow_of(frame: Any) -> Any:
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        return arrow_safe(frame)
    if hasattr(frame, "to_arrow"):  # Polars
        return arrow_safe(frame.to_arrow())
    if isinstance(frame, pa.RecordBatch):
        return arrow_safe(pa.Table.from_batches([frame]))
    return arrow_safe(pa.Table.from_pandas(frame, preserve_index=False))


def _args(params: Any) -> Any:
    if isinstance(params, dict):
        return {k: _arg(v) for k, v in params.items()}
    return [_arg(v) for v in params]


def _arg(value: Any) -> Any:
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return value


def _error(exc: Exception, text: str) -> ContactopsError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ContactopsError(f"Spark could not run a statement: {first}\n  in: {text[:2000]}")


def _create_schema(wh: SparkWarehouse) -> None:
    """The foundation's tables, views and sequence (as DuckDB's ``create_schema``)."""
    from contactops.catalog import T
    from contactops.catalog.ddl import warehouse_ddl
    from contactops.engine.schema import SCHEMA_VERSION

    if wh.table_exists(T.meta.name):
        version = wh.scalar(f"SELECT value FROM {T.meta} WHERE key = 'schema_version'")
        if version == str(SCHEMA_VERSION):
            return
    with wh.transaction():
        wh.execute(warehouse_ddl())
        wh.execute(f"DELETE FROM {T.meta} WHERE key = 'schema_version'")
        wh.execute(f"INSERT INTO {T.meta} VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


__all__ = ["SparkWarehouse", "parse_type", "spark_type"]
