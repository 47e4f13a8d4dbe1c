"""Vectorized random draws: every call draws a whole column at once from one numpy Generator."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


class Draw:
    """A seeded source of random columns; the order of calls fixes the output."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def flag(self, p: float, n: int) -> np.ndarray:
        """Booleans, True with probability ``p``."""
        return self.rng.random(n) < p

    def ints(self, low: int, high: int, n: int) -> np.ndarray:
        """Integers in ``[low, high)``."""
        return self.rng.integers(low, high, n)

    def weighted(self, weights: Sequence[float], n: int) -> np.ndarray:
        """Indices into ``weights`` drawn in proportion to them."""
        w = np.asarray(weights, dtype=float)
        return self.rng.choice(len(w), size=n, p=w / w.sum())

    def rowwise(self, weights: np.ndarray) -> np.ndarray:
        """One index per row of an ``n x k`` weight matrix (rows of zeros give k-1)."""
        cum = weights.cumsum(axis=1)
        u = self.rng.random(len(weights)) * cum[:, -1]
        return np.minimum((cum <= u[:, None]).sum(axis=1), weights.shape[1] - 1)

    def choice(self, options: Sequence[str], n: int) -> pl.Series:
        """Uniform picks from ``options`` as a String series."""
        return pl.Series(list(options), dtype=pl.Utf8).gather(self.ints(0, len(options), n))

    def variant(self, groups: Sequence[Sequence[str]], group: np.ndarray) -> pl.Series:
        """For each row, a uniform pick from ``groups[group[row]]``; null for empty groups."""
        flat = [word for g in groups for word in g]
        counts = np.array([len(g) for g in groups])
        offsets = np.concatenate([[0], counts.cumsum()[:-1]])
        c = counts[group]
        idx = offsets[group] + self.rng.integers(0, 1 << 30, len(group)) % np.maximum(c, 1)
        idx = np.where(c > 0, idx, len(flat))
        return pl.Series([*flat, None], dtype=pl.Utf8).gather(idx)


def take(values: Sequence[str], idx: np.ndarray) -> pl.Series:
    """``values[idx]`` as a String series (negative indices give null)."""
    safe = np.where(idx < 0, len(values), idx)
    return pl.Series([*values, None], dtype=pl.Utf8).gather(safe)


def lit(mask: np.ndarray) -> pl.Expr:
    """A numpy boolean mask as a polars expression usable in ``pl.when``."""
    return pl.lit(pl.Series(mask, dtype=pl.Boolean))


def ascii_slug() -> tuple[list[str], list[str]]:
    """Replacement pairs that turn a name into the letters of an email local part."""
    pairs = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ë": "e",
             "á": "a", "ñ": "n", "ç": "c", "ú": "u", "í": "i", "ó": "o", "ø": "o",
             "å": "a", "'": "", " ": "", "-": ""}
    return list(pairs), list(pairs.values())


def _columns(frame: pl.DataFrame, exprs: list[pl.Expr]) -> list[str]:
    """Columns the expressions read (at least one, so the frame keeps its height)."""
    return sorted({name for e in exprs for name in e.meta.root_names()}) or frame.columns[:1]


def patch(frame: pl.DataFrame, mask: np.ndarray, **exprs: pl.Expr) -> pl.DataFrame:
    """Set columns to ``exprs`` on the rows in ``mask`` only (evaluated on those rows alone).

    Rare changes (typos, defects) cost in proportion to the rows they touch. The expressions
    may use columns and scalars, not full-length literal series.
    """
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return frame
    sub = frame.select(_columns(frame, list(exprs.values())))[idx].select(**exprs)
    out = []
    for name in exprs:
        base = frame[name] if name in frame.columns else pl.Series(
            name, [None] * frame.height, dtype=sub[name].dtype)
        out.append(base.clone().scatter(idx, sub[name]))
    return frame.with_columns(out)


def by_choice(frame: pl.DataFrame, choice: np.ndarray, exprs: list[pl.Expr],
              name: str) -> pl.Series:
    """A String column whose row i is ``exprs[choice[i]]`` evaluated on that row alone."""
    small = frame.select(_columns(frame, exprs))
    out = pl.repeat(None, frame.height, dtype=pl.Utf8, eager=True).alias(name)
    for i, expr in enumerate(exprs):
        idx = np.flatnonzero(choice == i)
        if len(idx):
            out.scatter(idx, small[idx].select(expr.cast(pl.Utf8)).to_series())
    return out
