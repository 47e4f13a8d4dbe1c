"""The engine protocol: everything stages, the report and the core ask of a warehouse.

Modelled on Splink's ``DatabaseAPI``: a small surface of statements in, rows or Polars frames
out, with the engine's SQL dialect named by ``sql_dialect``. Callers write SQL once, in DuckDB's
dialect (see :mod:`contactops.engine.sql`); an engine for another dialect transpiles it. There
is no public connection: what a caller needs beyond SQL (exchanging frames, transactions,
another database beside the warehouse) is a method here, so a second engine (Spark) implements
this protocol and the stages stay as they are. :class:`~contactops.engine.warehouse.Warehouse`
is the DuckDB implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.mapping import BatchFunction, Mapped

Params = list[Any] | dict[str, Any] | None


@runtime_checkable
class Engine(Protocol):
    """A warehouse: statements in, rows or Polars frames out."""

    #: sqlglot's name for the SQL this engine runs (``duckdb``, ``spark``, ...).
    sql_dialect: str
    #: the warehouse file, or None for an in-memory warehouse.
    path: Path | None
    read_only: bool
    #: bytes the engine may hold in memory before it spills to disk (None: its default).
    memory_limit: int | None

    # -- statements --------------------------------------------------------------------
    def execute(self, sql: str, params: Params = None) -> None:
        """Run a statement (or several, separated by ``;``, without parameters)."""

    def fetchall(self, sql: str, params: Params = None) -> list[tuple[Any, ...]]:
        """All rows of a query, as tuples."""

    def records(self, sql: str, params: Params = None) -> list[dict[str, Any]]:
        """All rows of a query, as dicts keyed by column name."""

    def scalar(self, sql: str, params: Params = None) -> Any:
        """The first column of the first row, or None when there is no row."""

    def pl(self, sql: str, params: Params = None) -> pl.DataFrame:
        """A query's result as a Polars frame."""

    def batches(self, sql: str, rows: int, params: Params = None) -> Iterator[pl.DataFrame]:
        """A query's result as Polars frames of ``rows`` rows each (the last may be shorter;
        an empty result gives one empty frame with its columns), streamed so that only one
        batch is in memory. The engine stays usable for writes between batches. A query
        that needs a stable chunking orders its rows (``ORDER BY``)."""

    def next_value(self, sequence: str) -> int:
        """The next number of a counter the schema declares (``load_seq``); never reused,
        even when the transaction that drew it rolls back."""

    # -- tables and frames -------------------------------------------------------------
    def table_exists(self, name: str, catalog: str | None = None) -> bool:
        """Whether a table or view ``name`` exists (in ``catalog``, default the warehouse)."""

    def columns(self, table: str) -> list[str]:
        """The column names of a table or view, in order."""

    def table_kind(self, name: str) -> str | None:
        """``table`` or ``view`` for a name in the warehouse's own catalog, else None."""

    def registered(self, name: str, frame: Any) -> AbstractContextManager[str]:
        """Expose a Polars/Arrow frame to SQL as ``name`` for the duration of the block."""

    def replace_table(self, name: str, frame: Any, catalog: str | None = None) -> int:
        """Replace table ``name`` with the rows of a frame; returns the row count."""

    def append_frame(self, table: str, frame: Any) -> None:
        """Insert a frame's rows into ``table``, matching columns by name."""

    def map_batches(self, query: str, fn: BatchFunction, into: Sequence[str], *, rows: int,
                    params: Params = None, append: bool = False,
                    progress: Callable[[int], None] | None = None) -> Mapped:
        """Apply a pure batch function to a query's rows and land its results as tables.

        ``fn(frame)`` gets a Polars frame of at most ``rows`` of the query's rows and
        returns ``(frames, numbers)``: a Polars/Arrow frame for each table named in
        ``into``, and numbers (counts, seconds) summed over the batches into the result's
        ``totals``. Each table is replaced by the rows of every batch (``append=True``: the
        rows are added to it), through the engine's normal writes, so inside a
        :meth:`transaction` they commit with the rest. The engine decides where ``fn`` runs
        and how the rows are split: on its executors, per partition, in any order (Spark,
        without the rows passing through the driver), or in this process one batch after
        another (DuckDB). So ``fn`` must be pure (its output depends only on its batch,
        and a row's only on that row), picklable, and import neither duckdb nor pyspark;
        for an empty frame it gives empty frames with its outputs' columns and types (an
        engine may call it so to learn them). A query order is kept where the engine keeps
        one (DuckDB). ``progress(n)``: called on the caller's side as batches land (an
        engine that runs them elsewhere calls it once, at the end)."""

    # -- scope -------------------------------------------------------------------------
    def transaction(self) -> AbstractContextManager[Engine]:
        """Statements inside commit together or not at all."""

    def catalog(self, database: str | Path | None = None) -> AbstractContextManager[str]:
        """The name SQL qualifies tables with: the warehouse's own catalog, or (given a
        path) another database of this engine's kind opened beside it for the block."""

    def close(self) -> None:
        """Release the warehouse (its lock, its connection)."""

    # -- snapshots ---------------------------------------------------------------------
    def snapshot_path(self, name: str) -> Path | None:
        """Where the named read-only copy beside the warehouse lives (None in memory)."""

    def write_snapshot(self, name: str, tables: dict[str, str], *,
                       row_group_size: int | None = None,
                       background: bool = False) -> Path | None:
        """Replace the named copy, whole and atomically, with these ``SELECT`` results
        (table name -> query, read from one committed state): readers use it while a run
        holds the warehouse. ``row_group_size``: rows per storage unit, smaller for point
        lookups (a hint an engine without row groups ignores). ``background``: the caller
        may go on while it is written (an engine may still write it before returning);
        every later snapshot call and :meth:`close` wait for it, and :meth:`close` raises
        its error."""

    def patch_snapshot(self, name: str, changes: dict[str, tuple[str, str]], *,
                       row_group_size: int | None = None, before: Sequence[str] = (),
                       after: Sequence[str] = (), guard: str | None = None) -> bool:
        """Apply a delta to the named copy in one transaction (table -> (``WHERE`` of the
        rows to delete, ``SELECT`` of the rows to insert)); False, changing nothing, when
        there is no copy or a reader holds it. ``row_group_size``: the copy's, as it was
        written (another makes the engine re-lay the whole copy). ``before``, ``after``:
        statements around the changes, ``{copy}`` naming the copy's catalog. ``guard``: a
        query over the copy whose one value must be true for the delta to apply (else
        False, changing nothing: the copy is not the state the delta is against)."""

    def drop_snapshot(self, name: str) -> None:
        """Remove the named copy, if any."""

    def wait_snapshots(self) -> None:
        """Wait for a copy :meth:`write_snapshot` writes in the background, if any."""


#: The protocol's members, for structural checks and docs.
MEMBERS = ("sql_dialect", "path", "read_only", "memory_limit", "execute", "fetchall",
           "records", "scalar", "pl", "batches", "next_value", "table_exists", "columns",
           "table_kind", "registered", "replace_table", "append_frame", "map_batches",
           "transaction", "catalog", "close",
           "snapshot_path", "write_snapshot", "patch_snapshot", "drop_snapshot",
           "wait_snapshots")
