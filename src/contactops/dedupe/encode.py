"""Compared columns encoded once as integer codes over their distinct values.

Comparisons then gather small integers per candidate pair instead of strings, test
equality on codes, and run string similarity only on the distinct (value, value) pairs,
which repeat heavily (names, domains). Columns compared with each other (a first name
against a swapped last name) share one vocabulary so their codes are comparable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from contactops.config.dedupe import MatchField


@dataclass
class Vocabulary:
    """Distinct values of one or more columns; code ``len(values)`` means null."""

    values: pl.Series
    codes: dict[str, np.ndarray]
    derived: dict[str, np.ndarray] = field(default_factory=dict)
    #: shares measured on more records than these (``match``: the whole warehouse)
    shares: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def null(self) -> int:
        return self.values.len()

    def frequencies(self, column: str) -> np.ndarray:
        """Share of the column's non-null values per code (last entry: null, 0)."""
        if column in self.shares:
            return self.shares[column]
        counts = np.bincount(self.codes[column], minlength=self.null + 1).astype(np.float64)
        counts[self.null] = 0
        return counts / max(counts.sum(), 1.0)

    def strings(self, codes: np.ndarray) -> list[str]:
        return self.values.gather(codes).to_list()


def vocabulary(frame: pl.DataFrame, columns: list[str]) -> Vocabulary:
    """One vocabulary over ``columns`` (values in first-seen order: deterministic codes)."""
    data = {c: frame[c].cast(pl.String) for c in columns}
    # first-seen order: as deterministic as sorting, without sorting every distinct value
    values = pl.concat([s.drop_nulls().unique(maintain_order=True) for s in data.values()]
                       ).unique(maintain_order=True)
    null = values.len()
    lookup = pl.DataFrame({"_v": values}).with_row_index("_code")
    codes = {c: pl.DataFrame({"_v": s}).join(lookup, on="_v", how="left",
                                              maintain_order="left")["_code"]
             .fill_null(null).to_numpy() for c, s in data.items()}
    return Vocabulary(values=values, codes=codes)


#: Letters a mailbox's local part needs to name a person across domains
#: (``isabella.allen`` does, ``jsmith`` could be anyone's).
EMAIL_NAME_MIN = 8


def email_name(local: pl.Expr) -> pl.Expr:
    """The letters of a mailbox's local part when they are enough to name a person
    (:data:`EMAIL_NAME_MIN`), else null: ``isabella_allen`` and ``isabellaallen789`` agree."""
    letters = local.str.replace_all(r"[^a-z]", "")
    return pl.when(letters.str.len_chars() >= EMAIL_NAME_MIN).then(letters)


def _email_parts(vocab: Vocabulary) -> None:
    """Per email value: codes of its local part, domain, separator-free local part and
    the local part's letters when they name a person (``name``, else the null code)."""
    parts = vocab.values.str.split_exact("@", 1).struct.unnest()
    local, domain = parts["field_0"], parts["field_1"]
    stripped = local.str.replace_all(r"[._\-]", "")
    named = pl.select(email_name(pl.lit(local))).to_series()
    for name, s in (("local", local), ("domain", domain), ("stripped", stripped),
                    ("name", named)):
        # only equality of parts is tested: a 64-bit hash stands for the value
        codes = s.hash(seed=0).to_numpy().view(np.int64)
        codes = np.where(s.is_null().to_numpy(), -1, codes) if name == "name" else codes
        vocab.derived[name] = np.append(codes, -1)  # null email: matches nothing
    vocab.derived["local_len"] = np.append(local.str.len_chars().fill_null(0).to_numpy(), 0)


class Encoded:
    """Codes of every compared column of prepared features, plus shared-value flags."""

    def __init__(self, features: pl.DataFrame, fields: list[MatchField]) -> None:
        from contactops.dedupe.blocking import shared_column

        self.n = features.height
        self._vocab: dict[str, Vocabulary] = {}
        by_name = {f.name: f for f in fields}
        groups: list[list[str]] = []
        for f in fields:
            cols = [f.source_column]
            if f.swap_with is not None and f.swap_with in by_name:
                cols.append(by_name[f.swap_with].source_column)
            hit = next((g for g in groups if set(g) & set(cols)), None)
            if hit is None:
                groups.append(list(dict.fromkeys(cols)))
            else:
                hit.extend(c for c in cols if c not in hit)
        for cols in groups:
            vocab = vocabulary(features, [c for c in cols if c in features.columns])
            if any(f.kind == "email" and f.source_column in cols for f in fields):
                _email_parts(vocab)
            for c in cols:
                self._vocab[c] = vocab
        self.shared = {c: features[shared_column(c)].to_numpy()
                       for c in self._vocab if shared_column(c) in features.columns}

    def vocab(self, column: str) -> Vocabulary:
        return self._vocab[column]

    def codes(self, column: str) -> np.ndarray:
        return self._vocab[column].codes[column]


def distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (a, b) code pairs and, per input pair, the index of its distinct pair."""
    key = pl.Series((a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64))
    # hash-based distinct values and a dense rank (radix sorts) instead of np.unique's
    # merge sort of every pair
    uniq = key.unique().sort().to_numpy()
    inverse = (key.rank("dense").to_numpy() - 1).astype(np.int64)
    return ((uniq >> np.uint64(32)).astype(np.int64),
            (uniq & np.uint64(0xFFFFFFFF)).astype(np.int64), inverse)


#: Distinct pairs from which :func:`pair_scores` scores on every core.
_THREADED_PAIRS = 5000


def pair_scores(vocab: Vocabulary, a: np.ndarray, b: np.ndarray, mask: np.ndarray,
                scorer: object, dtype: type, fill: float) -> np.ndarray:
    """scorer(value a[i], value b[i]) where mask, computed once per distinct code pair."""
    from rapidfuzz.process import cpdist

    out = np.full(len(a), fill, dtype=dtype)
    if not mask.any():
        return out
    sel = np.flatnonzero(mask)
    ua, ub, inverse = distinct_pairs(a[sel], b[sel])
    # threads only where they pay: starting them costs more than scoring a few pairs
    workers = -1 if len(ua) >= _THREADED_PAIRS else 1
    scores = cpdist(vocab.strings(ua), vocab.strings(ub), scorer=scorer, workers=workers,
                    dtype=dtype)
    out[sel] = np.asarray(scores)[inverse]
    return out
