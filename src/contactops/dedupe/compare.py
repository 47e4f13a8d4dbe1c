"""Comparison levels of candidate pairs, computed column-wise.

Each match field becomes one ``int8`` column of levels: ``-1`` when either side is empty
(the field then contributes nothing), ``0`` for disagreement and higher codes for better
agreement. String similarity runs element-wise in C++ through ``rapidfuzz.process.cpdist``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from contactops.config.dedupe import MatchField
from contactops.dedupe.blocking import shared_column


def level_names(field: MatchField) -> list[str]:
    """Human names of a field's level codes, index = code."""
    if field.kind in ("name", "string"):
        return ["different", *[f"similar >= {t}" for t in reversed(field.levels)], "exact"]
    if field.kind == "email":
        return ["different", "shared mailbox", "similar (typo)", "exact"]
    if field.kind == "phone":
        return ["different", "shared number", "exact"]
    if field.kind in ("id", "date"):
        return ["different", "two edits", "one edit", "exact"]
    return ["different", "exact"]


def _strings(frame: pl.DataFrame, column: str, idx: pl.Series) -> pl.Series:
    return frame[column].cast(pl.String).gather(idx)


def _pairwise(a: pl.Series, b: pl.Series, mask: np.ndarray, scorer: object, dtype: type,
              fill: float) -> np.ndarray:
    """scorer(a[i], b[i]) where mask, computed once per distinct value pair (names repeat)."""
    from rapidfuzz.process import cpdist

    out = np.full(len(a), fill, dtype=dtype)
    if not mask.any():
        return out
    sel = np.flatnonzero(mask)
    frame = pl.DataFrame({"a": a.gather(sel), "b": b.gather(sel)})
    uniq = frame.unique(maintain_order=False)
    scores = cpdist(uniq["a"].to_list(), uniq["b"].to_list(), scorer=scorer, workers=-1,
                    dtype=dtype)
    uniq = uniq.with_columns(_s=pl.Series(scores))
    out[sel] = frame.join(uniq, on=["a", "b"], how="left", maintain_order="left")["_s"]\
        .to_numpy()
    return out


def _jw(a: pl.Series, b: pl.Series, mask: np.ndarray) -> np.ndarray:
    from rapidfuzz.distance import JaroWinkler

    return _pairwise(a, b, mask, JaroWinkler.normalized_similarity, np.float32, 0.0)


def _lev(a: pl.Series, b: pl.Series, mask: np.ndarray) -> np.ndarray:
    from rapidfuzz.distance import Levenshtein

    return _pairwise(a, b, mask, Levenshtein.distance, np.int32, 99)


def field_levels(field: MatchField, features: pl.DataFrame, left: pl.Series, right: pl.Series
                 ) -> np.ndarray:
    """Level codes of one field for pairs (left, right)."""
    col = field.source_column
    a, b = _strings(features, col, left), _strings(features, col, right)
    present = (a.is_not_null() & b.is_not_null()).to_numpy()
    equal = (a == b).fill_null(False).to_numpy()
    out = np.where(present, 0, -1).astype(np.int8)
    differ = present & ~equal
    if field.kind in ("name", "string"):
        sim = _jw(a, b, differ)
        n = len(field.levels)
        for i, t in enumerate(reversed(field.levels)):  # lowest first, higher overwrite
            out[differ & (sim >= t)] = i + 1
        out[equal] = n + 1
    elif field.kind == "email":
        shared = features[shared_column(col)].gather(left).to_numpy() | \
            features[shared_column(col)].gather(right).to_numpy()
        # a typo in the domain (gmai.com) or one slip in the local part of the same domain
        la, da = a.str.split("@").list.first(), a.str.split("@").list.last()
        lb, db = b.str.split("@").list.first(), b.str.split("@").list.last()
        same_local = (la == lb).fill_null(False).to_numpy()
        same_domain = (da == db).fill_null(False).to_numpy()
        cand = differ & ~shared
        dist = _lev(a, b, cand)
        near = cand & (same_local & (dist <= 2) | same_domain & (dist <= 1)
                       & (la.str.len_chars() >= 6).fill_null(False).to_numpy())
        out[near] = 2
        out[equal] = np.where(shared[equal], 1, 3)
    elif field.kind == "phone":
        shared = features[shared_column(col)].gather(left).to_numpy()
        out[equal] = np.where(shared[equal], 1, 2)
    elif field.kind in ("id", "date"):
        dist = _lev(a, b, differ)
        out[differ & (dist <= 2)] = 1
        out[differ & (dist <= 1)] = 2
        out[equal] = 3
    else:
        out[equal] = 1
    return out


def compare(pairs: pl.DataFrame, features: pl.DataFrame, fields: list[MatchField]
            ) -> pl.DataFrame:
    """``pairs`` with one ``g_<field>`` level column per match field.

    A first/last name pair written the other way round (``swap_with``) is compared crossed
    when that agrees better (both names must agree at some level).
    """
    left, right = pairs["l"], pairs["r"]
    levels = {f.name: field_levels(f, features, left, right) for f in fields}
    by_name = {f.name: f for f in fields}
    for f in fields:
        if f.swap_with is None or f.swap_with not in levels:
            continue
        other = by_name[f.swap_with]
        # first/last written the other way round: compare a's first with b's last and back
        crossed = features.select(
            pl.col(f.source_column).alias("_first"), pl.col(other.source_column).alias("_last"))
        swapped = crossed.select(pl.col("_last").alias("_first"), pl.col("_first").alias("_last"))
        probe = pl.concat([crossed, swapped])
        n = features.height
        f_x = field_levels(f.model_copy(update={"column": "_first"}), probe, left, right + n)
        o_x = field_levels(other.model_copy(update={"column": "_last"}), probe, left, right + n)
        direct = levels[f.name].astype(np.int16) + levels[other.name]
        cross = f_x.astype(np.int16) + o_x
        use = (cross > direct) & (f_x > 0) & (o_x > 0)
        levels[f.name] = np.where(use, f_x, levels[f.name]).astype(np.int8)
        levels[other.name] = np.where(use, o_x, levels[other.name]).astype(np.int8)
    return pairs.with_columns(
        pl.Series(f"g_{name}", values, dtype=pl.Int8) for name, values in levels.items())


def tf_values(features: pl.DataFrame, fields: list[MatchField]) -> dict[str, pl.DataFrame]:
    """Relative frequency of each value of the term-frequency-adjusted fields."""
    out = {}
    for f in fields:
        if not f.tf_adjust:
            continue
        col = features[f.source_column].cast(pl.String).drop_nulls()
        if col.len() == 0:
            continue
        out[f.name] = (col.value_counts(name="_n")
                       .with_columns(tf=pl.col("_n") / col.len()).drop("_n"))
    return out
