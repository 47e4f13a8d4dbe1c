"""``map_batches``: a pure batch function applied to a query's rows, its results landed as
tables. What the function may do, what an engine promises, and the in-process loop an engine
that streams batches to its own process (DuckDB) uses.

The function is the unit an engine distributes: Spark runs it on its executors, one Arrow
batch stream per partition (:mod:`contactops.engine.spark.mapping`), so the rows never pass
through the driver; DuckDB streams the query's rows in batches through it in this process.
Either way the tables land through the engine's normal writes, inside the caller's
transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

#: A batch function: a Polars frame of the query's rows in, a frame for each output table
#: and numbers to sum over batches (counts, seconds) out.
BatchFunction = Callable[["pl.DataFrame"], tuple[Mapping[str, Any], Mapping[str, float]]]


@dataclass
class Mapped:
    """What a ``map_batches`` call landed.

    Attributes:
        rows: rows written to each output table.
        totals: the numbers the function returned, summed over every batch.
        batches: how many batches the function was called on.
        seconds: wall time on the caller's side, from the query to the last write.
    """

    rows: dict[str, int] = field(default_factory=dict)
    totals: dict[str, float] = field(default_factory=dict)
    batches: int = 0
    seconds: float = 0.0

    def add(self, numbers: Mapping[str, float]) -> None:
        """Sum one batch's numbers into :attr:`totals`."""
        for key, value in numbers.items():
            self.totals[key] = self.totals.get(key, 0.0) + value


def check_outputs(into: Sequence[str], frames: Mapping[str, Any]) -> None:
    """A batch function must return exactly the tables it was asked for."""
    if set(frames) != set(into):
        raise ValueError(f"the batch function returned tables {sorted(frames)}, "
                         f"map_batches was asked for {sorted(into)}")


def map_locally(engine: Any, batches: Iterable[pl.DataFrame], fn: BatchFunction,
                into: Sequence[str], *, append: bool = False,
                progress: Callable[[int], None] | None = None) -> Mapped:
    """``map_batches`` in this process: the query's ``batches`` (read by the engine) through
    ``fn``, each batch's frames written as they come (the first batch replaces each table
    unless ``append``, the next ones append), so only one batch is in memory."""
    started = time.perf_counter()
    result = Mapped(rows=dict.fromkeys(into, 0))
    for number, batch in enumerate(batches):
        frames, numbers = fn(batch)
        check_outputs(into, frames)
        for table in into:
            frame = frames[table]
            if number == 0 and not append:
                engine.replace_table(table, frame)
            else:
                engine.append_frame(table, frame)
            result.rows[table] += len(frame)
        result.add(numbers)
        result.batches += 1
        if progress is not None:
            progress(result.batches)
    result.seconds = time.perf_counter() - started
    return result
