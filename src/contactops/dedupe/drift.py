"""Model drift: do the pairs a change brings still look like those the model was fitted on?

An incremental dedupe scores the new records' candidate pairs with the saved m/u model. The
model describes, per match field, how often pairs agree at each comparison level. When new
records compare differently (another source's phones in another format never agree, a
feed of copies agrees on everything, a source without company names), the saved weights no
longer describe them and a full dedupe, with the model estimated again, is needed.

The statistic: per match field, the **population stability index** (PSI) between the share
of candidate pairs at each comparison level in the last full dedupe (the pairs the model
was fitted on, :func:`profile` over all of them, kept in the diagnostics) and the share
among this run's pairs that involve a new or changed record::

    PSI = sum over levels of (new share - fitted share) * ln(new share / fitted share)

Only pairs where both records hold the field count (an empty side compares nothing: the
model gives it no weight). Shares are smoothed by half a pair per level, so a level never
seen on one side does not make the index infinite. The run's drift is the largest PSI of a
field with at least ``min_pairs`` compared new pairs (fewer say too little); past the
threshold (``dedupe.drift.threshold``, 0.25 by default: the customary "significant shift"
of the PSI) the run dedupes everything. For scale: one level's share halving from 30% to
15% (another's growing to match) gives about 0.13.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from contactops.config.dedupe import MatchField, ModelDrift

#: Pairs added to each level's count before shares are taken.
SMOOTHING = 0.5


def profile(gammas: pl.DataFrame, fields: list[MatchField],
            among: np.ndarray | None = None) -> dict[str, list[int]]:
    """Pairs per comparison level (index = level code) of each field, over the pairs where
    both records hold it; ``among``: a mask of the pairs to count (default: all)."""
    out: dict[str, list[int]] = {}
    for f in fields:
        column = f"g_{f.name}"
        if column not in gammas.columns:
            continue
        levels = gammas[column].to_numpy()
        if among is not None:
            levels = levels[among]
        levels = levels[levels >= 0]
        out[f.name] = np.bincount(levels.astype(np.int64)).tolist() if levels.size else []
    return out


def psi(fitted: list[int], new: list[int]) -> float:
    """The population stability index of ``new`` level counts against ``fitted`` ones."""
    size = max(len(fitted), len(new))
    a = np.zeros(size)
    b = np.zeros(size)
    a[:len(fitted)] = fitted
    b[:len(new)] = new
    p = (a + SMOOTHING) / (a.sum() + SMOOTHING * size)
    q = (b + SMOOTHING) / (b.sum() + SMOOTHING * size)
    return float(((q - p) * np.log(q / p)).sum())


@dataclass(frozen=True)
class Drift:
    """The drift of one run: the largest PSI, its field, the new pairs it rests on."""

    value: float
    field: str | None
    pairs: int
    threshold: float

    @property
    def drifted(self) -> bool:
        return self.field is not None and self.value > self.threshold

    def describe(self) -> str:
        """The figure and what it rests on (the run's note: ``model drift: ...``)."""
        if self.field is None:
            return (f"not judged, no field has {self.pairs:,} or more compared new pairs "
                    f"(threshold {self.threshold:g})")
        return (f"PSI {self.value:.3f} on {self.field} over {self.pairs:,} new pairs "
                f"(threshold {self.threshold:g})")


def measure(fitted: dict[str, list[int]], new: dict[str, list[int]],
            settings: ModelDrift) -> Drift:
    """The largest PSI over the fields both profiles hold with enough new pairs."""
    worst = Drift(-math.inf, None, settings.min_pairs, settings.threshold)
    for name, counts in new.items():
        pairs = sum(counts)
        if name not in fitted or not sum(fitted[name]) or pairs < settings.min_pairs:
            continue
        value = psi(fitted[name], counts)
        if worst.field is None or value > worst.value:
            worst = Drift(value, name, pairs, settings.threshold)
    return worst
