"""What a batch of a load must know of the batches landed before it in the same load.

:func:`~contactops.sources.mapping.map_batch` decides duplicates within one batch. Across
batches two facts carry over, kept in a temporary table of the warehouse (so the engine
holds them and spills them, not Python):

* a keyed source: the keys already landed and the row that holds each (:meth:`Carry.earlier`,
  given to ``map_batch``). A row of a later batch with such a key is a ``duplicate_key``
  reject naming that row, exactly as when the whole file is one batch (the first row of a
  key always comes in the earliest batch).
* a source without a key: how many rows of each content (md5 of all raw values) were
  landed. A later row's ``_occurrence`` adds that count, so the ``#2``, ``#3`` suffixes of
  derived record ids count duplicates over the whole file.

The table lives inside the load's transaction and is dropped with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactops.sources.base import ROW, RawBatch
from contactops.sources.mapping import CONTENT, KEY, OCCURRENCE, MappedBatch, key_values

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.warehouse import Warehouse

#: The load's carried keys or content counts (temporary: it never outlives the load).
SEEN = "_ingest_seen"
#: The batch being mapped, as SQL sees it.
BATCH = "_ingest_batch"


class Carry:
    """Duplicates across the batches of one load; use inside the load's transaction."""

    def __init__(self, wh: Warehouse, key: str | None) -> None:
        self._wh = wh
        self._key = key
        self._batches = 0
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {SEEN} (k VARCHAR, first_row BIGINT, "
                   "n BIGINT)")

    def earlier(self, raw: RawBatch) -> pl.DataFrame | None:
        """Keyed: (``_key``, ``_first``) of this batch's keys that earlier batches hold."""
        if not self._key or not self._batches or raw.frame.is_empty():
            return None
        keys = raw.frame.select(key_values(self._key).alias(KEY)).drop_nulls().unique()
        with self._wh.registered(BATCH, keys):
            return self._wh.pl(f'SELECT b."{KEY}", s.first_row AS _first FROM {BATCH} b '
                               f'JOIN {SEEN} s ON s.k = b."{KEY}"')

    def follow(self, mapped: MappedBatch) -> MappedBatch:
        """Remember what ``mapped`` lands; a keyless batch's occurrences first count the
        earlier batches' rows of the same content."""
        if not mapped.frame.is_empty():
            if self._key:
                with self._wh.registered(BATCH, mapped.frame.select(ROW, KEY)):
                    self._wh.execute(f'INSERT INTO {SEEN} SELECT "{KEY}", "{ROW}", 1 '
                                     f"FROM {BATCH}")
            else:
                mapped.frame = self._content(mapped.frame)
        self._batches += 1
        return mapped

    def close(self) -> None:
        self._wh.execute(f"DROP TABLE IF EXISTS {SEEN}")

    def _content(self, frame: pl.DataFrame) -> pl.DataFrame:
        import polars as pl

        with self._wh.registered(BATCH, frame.select(ROW, CONTENT)):
            if self._batches:
                prior = self._wh.pl(
                    f'SELECT b."{ROW}", s.n AS _prior FROM {BATCH} b JOIN '
                    f'(SELECT k, sum(n)::BIGINT AS n FROM {SEEN} WHERE k IN '
                    f'(SELECT md5("{CONTENT}") FROM {BATCH}) GROUP BY k) s '
                    f'ON s.k = md5(b."{CONTENT}")')
                if prior.height:
                    frame = (frame.join(prior, on=ROW, how="left", maintain_order="left")
                             .with_columns((pl.col(OCCURRENCE) + pl.col("_prior").fill_null(0))
                                           .alias(OCCURRENCE)).drop("_prior"))
            self._wh.execute(f'INSERT INTO {SEEN} SELECT md5("{CONTENT}"), NULL, count(*) '
                             f"FROM {BATCH} GROUP BY 1")
        return frame
