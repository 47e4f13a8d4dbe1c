"""What the whole warehouse says about a part of its records (an incremental dedupe).

An incremental run matches only the records a change can affect. Some of what matching
reads is a fact about *every* record, not about the part: which columns are filled enough
to compare and block on, which email or phone values several people use, which blocks are
too big to compare, and how common each name or value is (term-frequency weights, the
typo-rarity of the contradiction checks). :class:`WarehouseFacts` carries those facts,
measured over the warehouse by the stage, into the pure :func:`contactops.dedupe.core.dedupe`,
so the part is matched as a full run would match it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from contactops.dedupe.encode import Encoded


@dataclass
class WarehouseFacts:
    """Facts of the whole warehouse for the records a dedupe is given.

    Attributes:
        fill: share of filled values per column (which default fields and passes apply).
        shared: per email/phone column, whether each given record's value is used by
            several people (aligned with the records given to ``dedupe``).
        oversized: per blocking pass, the key hashes whose block holds more records than
            the pass's cap in the whole warehouse (skipped as a full run skips them).
        values: per counted column, how many records hold each value.
        totals: per counted column, how many records hold any value.
        fresh: ids of the new and changed records among those given (their pairs' comparison
            levels are the run's drift profile, :mod:`contactops.dedupe.drift`).
    """

    fill: dict[str, float] | None = None
    shared: dict[str, pl.Series] | None = None
    oversized: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    fresh: pl.Series | None = None

    def apply_shares(self, encoded: Encoded) -> None:
        """Value shares of the warehouse instead of those of the records encoded."""
        for column, by_value in self.values.items():
            try:
                vocab = encoded.vocab(column)
            except KeyError:
                continue
            hits = np.array([by_value.get(v, 0) for v in vocab.values.to_list()] + [0],
                            dtype=np.float64)
            vocab.shares[column] = hits / max(self.totals.get(column, 0), 1)
