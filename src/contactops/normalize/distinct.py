"""Run a normalizer once per distinct raw input instead of once per row.

Contact data is highly repetitive (a few dozen countries, a few thousand first names, a few
hundred consent spellings per million rows), so the string work of a normalizer is done on the
distinct values of its input columns and the results are joined back on those columns only.
Joining only key -> results (then concatenating horizontally) is ~0.1 s per 1M rows; a join
that carries the whole wide frame costs 0.4-1 s per column. Nulls are keys like any other
value, and the input row order is kept.

Plan shape matters: each mapping reads its input frame twice (keys, and the frame it is
concatenated to), so chaining many of them nests the plan and the optimizer blows up.
:func:`with_distinct` therefore adds several mappings of the same frame in one flat concat.

Row order: the concat pairs rows by position, and the streaming engine may compute the input
once per branch, so the input's order must be deterministic. A mapping receives its distinct
keys in first-seen order for that reason: a mapping that maps again inside (names do, per
column) would otherwise mix rows up.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class Distinct:
    """``fn`` computes new columns row-wise from the ``keys`` columns alone.

    Every column it adds, except the scratch columns in ``drop``, is joined back (each
    carried column costs a 1M-row gather).
    """

    keys: tuple[str, ...]
    fn: Callable[[pl.LazyFrame], pl.LazyFrame]
    drop: tuple[str, ...] = ()


def _mapped(lf: pl.LazyFrame, spec: Distinct) -> tuple[pl.LazyFrame, list[str]]:
    keys = list(spec.keys)
    small = spec.fn(lf.select(keys).unique(maintain_order=True))
    outputs = [c for c in small.collect_schema().names()
               if c not in keys and c not in spec.drop]
    joined = (lf.select(keys)
              .join(small.select(*keys, *outputs), on=keys, how="left", nulls_equal=True,
                    maintain_order="left")
              .select(outputs))
    return joined, outputs


def with_distinct(lf: pl.LazyFrame, specs: Sequence[Distinct]) -> pl.LazyFrame:
    """``lf`` plus the columns of every spec, each computed on its distinct keys."""
    lf = lf.cache()  # read by every branch below: computed once, not once per branch
    parts, outputs = [], []
    for spec in specs:
        joined, cols = _mapped(lf, spec)
        parts.append(joined)
        outputs += cols
    return pl.concat([lf.drop(outputs, strict=False), *parts], how="horizontal")


def via_distinct(lf: pl.LazyFrame, keys: Sequence[str],
                 fn: Callable[[pl.LazyFrame], pl.LazyFrame],
                 drop: Sequence[str] = ()) -> pl.LazyFrame:
    """``lf`` plus the columns ``fn`` adds, computed once per distinct row of ``keys``."""
    return with_distinct(lf, [Distinct(tuple(keys), fn, tuple(drop))])
