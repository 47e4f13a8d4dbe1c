"""``map_batches`` on Spark: the batch function runs on the executors (``mapInArrow``), and
its results land through the warehouse's staged writes, never through the driver.

Spark's ``mapInArrow`` gives one output schema, and a batch function gives several tables
(and numbers to sum). So the executors emit one *union* stream: a ``_out`` column saying
which output a row belongs to, and one struct column per output holding its row (null for
the other outputs' rows), plus one ``_out = -1`` row per batch carrying the function's
numbers and row counts as JSON. Spark writes that stream once, as Parquet, to a staging
folder; each output table is then a Spark query of its rows (``_out = i``, its struct's
fields: Parquet reads only that struct's columns), written by the warehouse's ``_replace``
or ``_append`` like any other change, and the staging folder is removed. The driver reads
only the JSON rows. The function is called once on the driver, on an empty frame, to learn
the outputs' columns and types before Spark runs it.
"""

from __future__ import annotations

import itertools
import json
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from contactops.engine.mapping import BatchFunction, Mapped, check_outputs
from contactops.engine.spark.types import arrow_safe, conform

if TYPE_CHECKING:
    import pyarrow as pa

    from contactops.engine.spark.warehouse import SparkWarehouse

#: Rows per Arrow batch handed back to Spark: the JVM turns each into rows at once.
OUT_BATCH_ROWS = 10_000
_TOTALS = "_totals"


def map_batches(wh: SparkWarehouse, query: str, fn: BatchFunction, into: Sequence[str], *,
                rows: int, params: Any = None, append: bool = False,
                progress: Callable[[int], None] | None = None) -> Mapped:
    """See :meth:`contactops.engine.api.Engine.map_batches`."""
    from pyspark.sql.pandas.types import to_arrow_schema

    if rows < 1:
        raise ValueError("map_batches() needs a positive number of rows per batch")
    started = time.perf_counter()
    source = wh._query(query, params)
    given = to_arrow_schema(source.schema)
    schemas = output_schemas(fn, into, given)
    union = union_schema(schemas)
    spark_union = _spark_schema(union)
    mapped = source.mapInArrow(_OnExecutor(fn, list(into), rows, schemas, union), spark_union)
    staged = wh.store.new_folder()
    try:
        try:
            mapped.write.parquet(str(staged))
        except Exception as exc:
            raise _failure(exc) from None
        data = wh._spark.read.schema(spark_union).parquet(str(staged))
        result = Mapped(rows=dict.fromkeys(into, 0))
        for (text,) in data.where("_out = -1").select(_TOTALS).collect():
            batch = json.loads(text)
            result.add(batch["totals"])
            for table, count in batch["rows"].items():
                result.rows[table] += count
            result.batches += 1
        with wh._auto():
            for number, table in enumerate(into):
                rows_of = data.where(f"_out = {number}").select(f"_o{number}.*")
                if append:
                    wh._append(table, _cast_to(rows_of, wh._spark.table(table).schema))
                else:
                    wh._replace(table, rows_of)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    if progress is not None:
        progress(result.batches)
    result.seconds = time.perf_counter() - started
    return result


def output_schemas(fn: BatchFunction, into: Sequence[str], given: pa.Schema
                   ) -> dict[str, pa.Schema]:
    """Each output's Arrow schema (as the warehouse stores it), from ``fn`` of an empty
    frame with the query's columns."""
    import polars as pl

    frames, _ = fn(pl.from_arrow(given.empty_table()))  # type: ignore[arg-type]
    check_outputs(into, frames)
    return {table: arrow_safe(_arrow(frames[table])).schema for table in into}


def union_schema(schemas: dict[str, pa.Schema]) -> pa.Schema:
    """``_out``, the numbers' JSON, then one struct column per output (``_o<n>``)."""
    import pyarrow as pa

    return pa.schema([pa.field("_out", pa.int32()), pa.field(_TOTALS, pa.string()),
                      *(pa.field(f"_o{n}", pa.struct(list(schema)))
                        for n, schema in enumerate(schemas.values()))])


class _OnExecutor:
    """The function Spark's Python workers run per partition (pickled with ``fn``): the
    partition's Arrow batches regrouped into frames of ``rows``, each through ``fn``, its
    outputs as union rows, then a row of its numbers."""

    def __init__(self, fn: BatchFunction, into: list[str], rows: int,
                 schemas: dict[str, pa.Schema], union: pa.Schema) -> None:
        self.fn, self.into, self.rows = fn, into, rows
        self.schemas, self.union = schemas, union

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from contactops.engine.batching import rebatch

        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            return  # an empty partition: nothing to land, nothing to count
        # the batches' own schema: Spark may send large string types
        for frame in rebatch(itertools.chain([first], batches), first.schema, self.rows):
            frames, numbers = self.fn(frame)
            check_outputs(self.into, frames)
            counts = {}
            for number, table in enumerate(self.into):
                data = conform(_arrow(frames[table]), self.schemas[table])
                counts[table] = data.num_rows
                yield from self._rows(number, data)
            yield self._numbers({"rows": counts, "totals": dict(numbers)})

    def _rows(self, number: int, data: pa.Table) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        for batch in data.to_batches(max_chunksize=OUT_BATCH_ROWS):
            size = batch.num_rows
            columns = [pa.array([number] * size, pa.int32()), pa.nulls(size, pa.string())]
            for n, field in enumerate(list(self.union)[2:]):
                columns.append(pa.StructArray.from_arrays(batch.columns, fields=list(field.type))
                               if n == number else pa.nulls(size, field.type))
            yield pa.RecordBatch.from_arrays(columns, schema=self.union)

    def _numbers(self, numbers: dict[str, Any]) -> pa.RecordBatch:
        import pyarrow as pa

        columns = [pa.array([-1], pa.int32()), pa.array([json.dumps(numbers)], pa.string()),
                   *(pa.nulls(1, f.type) for f in list(self.union)[2:])]
        return pa.RecordBatch.from_arrays(columns, schema=self.union)


def _spark_schema(schema: pa.Schema) -> Any:
    """An Arrow schema as Spark's, naive timestamps as ``TIMESTAMP_NTZ`` (as stored)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema, prefer_timestamp_ntz=True)


def _arrow(frame: Any) -> pa.Table:
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        return frame
    return frame.to_arrow()


def _cast_to(frame: Any, schema: Any) -> Any:
    """A Spark frame with exactly ``schema``'s columns (by name; missing ones null), each
    cast to its type: appended files must read as the table's own."""
    from pyspark.sql import functions as F

    have = set(frame.columns)
    return frame.select(*[
        (F.col(f"`{f.name}`") if f.name in have else F.lit(None)).cast(f.dataType)
        .alias(f.name) for f in schema])


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
