"""``map_batches`` on Spark: the batch function runs on the executors (``mapInArrow``), and
its tables land through the warehouse's staged commit, never through the driver.

The function is called once on the driver, on an empty frame, to learn its outputs' columns
and types (or, appending, they are the tables' own). Then Spark runs it per partition: each
Python worker regroups its partition's Arrow batches into frames of ``rows``, calls the
function, and writes each output's rows as a Parquet file (pyarrow, the types conformed to
the table's) into a scratch folder under the warehouse's staging area; what it hands back to
Spark is one small JSON row per batch, the *manifest*: the files it wrote, their row counts,
and the function's numbers. The driver collects the manifest (Spark keeps exactly one
attempt's result per partition, so a retried or speculative task's files are not in it),
moves each table's files into a staging folder of their own and hands that folder to the
warehouse as the table's new content or appended rows, committed (journal, then folder
swaps) with the rest of the transaction; the scratch folder, with any file a failed attempt
left, is removed. The rows go from the executors to Parquet and never through Spark's JVM
rows or the driver; the warehouse folder must be storage every executor writes to, as for
Spark's own writer.
"""

from __future__ import annotations

import itertools
import json
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.engine.mapping import BatchFunction, Mapped, check_outputs
from contactops.engine.spark.types import arrow_safe, conform

if TYPE_CHECKING:
    import pyarrow as pa

    from contactops.engine.spark.warehouse import SparkWarehouse

_MANIFEST_COLUMN = "written"
#: What the executors hand back to Spark: a JSON text per batch.
_MANIFEST = f"{_MANIFEST_COLUMN} STRING"


def map_batches(wh: SparkWarehouse, query: str, fn: BatchFunction, into: Sequence[str], *,
                rows: int, params: Any = None, append: bool = False,
                progress: Callable[[int], None] | None = None) -> Mapped:
    """See :meth:`contactops.engine.api.Engine.map_batches`."""
    from pyspark.sql.pandas.types import to_arrow_schema

    if rows < 1:
        raise ValueError("map_batches() needs a positive number of rows per batch")
    started = time.perf_counter()
    source = wh._query(unordered(query), params)
    schemas = (output_schemas(fn, into, to_arrow_schema(source.schema)) if not append
               else {table: wh._arrow_schema(table) for table in into})
    scratch = wh.store.new_folder()
    scratch.mkdir(parents=True)
    try:
        try:
            written = source.mapInArrow(_OnExecutor(fn, list(into), rows, schemas, scratch),
                                        _MANIFEST).collect()
        except Exception as exc:
            raise _failure(exc) from None
        result = Mapped(rows=dict.fromkeys(into, 0))
        files: dict[str, list[Path]] = {table: [] for table in into}
        for row in written:
            batch = json.loads(row[0])
            result.add(batch["totals"])
            for table, (count, name) in batch["files"].items():
                result.rows[table] += count
                if name is not None:
                    files[table].append(scratch / name)
            result.batches += 1
        with wh._auto():
            for table in into:
                _land(wh, table, files[table], schemas[table], append=append)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # with the files of failed task attempts
    if progress is not None:
        progress(result.batches)
    result.seconds = time.perf_counter() - started
    return result


def _land(wh: SparkWarehouse, table: str, files: list[Path], schema: pa.Schema, *,
          append: bool) -> None:
    """Move a table's files from the scratch folder into a staging folder of their own and
    hand it to the warehouse as the table's new content (or its appended rows)."""
    if append and not files:
        return
    folder = wh.store.new_folder()
    if files:
        folder.mkdir(parents=True)
        for file in files:
            file.rename(folder / file.name)
    else:  # no rows at all: the table still gets its columns
        wh._write_frame(schema.empty_table(), folder)
    if append:
        wh._append(table, folder)
    else:
        wh._replace(table, folder)


def unordered(query: str) -> str:
    """The query without its top-level ``ORDER BY`` (unless a ``LIMIT`` or ``OFFSET`` makes
    it choose rows): a global sort is a shuffle of every row, and the landed tables keep no
    order anyway (Spark reads a folder's files in no promised order)."""
    import sqlglot
    from sqlglot import exp

    from contactops.engine.sql import SOURCE_DIALECT

    tree = sqlglot.parse_one(query, read=SOURCE_DIALECT)
    if not isinstance(tree, exp.Query) or not tree.args.get("order") or \
            tree.args.get("limit") or tree.args.get("offset"):
        return query
    tree = tree.copy()
    tree.set("order", None)
    return tree.sql(dialect=SOURCE_DIALECT)


def output_schemas(fn: BatchFunction, into: Sequence[str], given: pa.Schema
                   ) -> dict[str, pa.Schema]:
    """Each output's Arrow schema (as the warehouse stores it), from ``fn`` of an empty
    frame with the query's columns."""
    import polars as pl

    frames, _ = fn(pl.from_arrow(given.empty_table()))  # type: ignore[arg-type]
    check_outputs(into, frames)
    return {table: arrow_safe(_arrow(frames[table])).schema for table in into}


class _OnExecutor:
    """The function Spark's Python workers run per partition (pickled with ``fn``): the
    partition's Arrow batches regrouped into frames of ``rows``, each through ``fn``, each
    output written as a Parquet file into the scratch folder; what goes back to Spark is one
    row per batch: its numbers and the files it wrote (the manifest)."""

    def __init__(self, fn: BatchFunction, into: list[str], rows: int,
                 schemas: dict[str, pa.Schema], scratch: Path) -> None:
        self.fn, self.into, self.rows = fn, into, rows
        self.schemas, self.scratch = schemas, str(scratch)

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from contactops.engine.batching import rebatch

        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            return  # an empty partition: nothing to land, nothing to count
        # the batches' own schema: Spark may send large string types
        for frame in rebatch(itertools.chain([first], batches), first.schema, self.rows):
            frames, numbers = self.fn(frame)
            check_outputs(self.into, frames)
            files: dict[str, tuple[int, str | None]] = {}
            for table in self.into:
                data = conform(_arrow(frames[table]), self.schemas[table])
                name = None
                if data.num_rows:
                    # unique per attempt: a retried task's files never clash, and only the
                    # files of the attempt Spark keeps are in the manifest
                    name = f"part-{uuid.uuid4().hex}.parquet"
                    pq.write_table(data, f"{self.scratch}/{name}")
                files[table] = (data.num_rows, name)
            text = json.dumps({"files": files, "totals": dict(numbers)})
            yield pa.RecordBatch.from_arrays([pa.array([text], pa.string())],
                                             names=[_MANIFEST_COLUMN])


def _arrow(frame: Any) -> pa.Table:
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        return frame
    return frame.to_arrow()


def _failure(exc: Exception) -> Exception:
    """The batch function's own error when Spark wrapped one from its Python worker."""
    from contactops.errors import ContactopsError

    text = str(exc)
    marker = "Traceback (most recent call last)"
    if marker in text:
        last = [line for line in text[text.index(marker):].splitlines() if line.strip()]
        detail = next((line for line in reversed(last) if not line.startswith(" ")), text)
        return ContactopsError(f"the batch function failed on a Spark executor: {detail}")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return ContactopsError(f"Spark could not run the batch function: {first}")
