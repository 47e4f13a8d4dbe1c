"""Arrow record batches of any size regrouped into Polars frames of exactly ``rows`` rows,
the shape every engine's ``batches()`` hands out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl


def rebatch(batches: Iterable[Any], schema: Any, rows: int) -> Iterator[pl.DataFrame]:
    """Frames of ``rows`` rows from ``batches`` (the last may be shorter; no batches at all
    give one empty frame with ``schema``'s columns). Only one frame's rows are held."""
    import polars as pl
    import pyarrow as pa

    if rows < 1:
        raise ValueError("batches() needs a positive number of rows per batch")
    pending: list[pa.RecordBatch] = []
    held = sent = 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - held, batch.num_rows)
            pending.append(batch.slice(0, take))
            held += take
            batch = batch.slice(take)
            if held == rows:
                yield pl.from_arrow(pa.Table.from_batches(pending, schema=schema))  # type: ignore[misc]
                pending, held, sent = [], 0, sent + 1
    if held or not sent:  # the rest; an empty result still gives its columns
        yield pl.from_arrow(pa.Table.from_batches(pending, schema=schema))  # type: ignore[misc]
