"""The Fellegi-Sunter model: m/u probabilities, EM training, scoring and the JSON model file.

``u`` (how often two different people agree at a level) is counted on random record pairs,
which are almost all non-matches; ``m`` (how often one person's records agree) and the share
of matches among candidate pairs are estimated by EM with ``u`` held fixed. A pair's match
weight is ``log2(prior odds) + sum(log2(m/u))``; for term-frequency fields an exact agreement
uses the value's own frequency instead of the average ``u``, so "smith" = "smith" counts less
than "zbigniew" = "zbigniew".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from contactops.config.dedupe import DedupeSettings, MatchField
from contactops.dedupe.compare import EMAIL_OTHER_DOMAIN, compare, level_names
from contactops.dedupe.encode import Encoded

MODEL_VERSION = 1
_FLOOR = 1e-6
#: Prior share of matches among random pairs before (or without) any evidence.
_DEFAULT_PRIOR = 1e-4
#: Pairs needed to estimate a field's m; with fewer the field keeps a default m.
_MIN_PAIRS = 20


@dataclass
class MatchModel:
    """m/u per field and level, and the prior share of matches among candidate pairs."""

    m: dict[str, list[float]]
    u: dict[str, list[float]]
    prior: float
    kinds: dict[str, str] = field(default_factory=dict)
    trained_on: dict[str, Any] = field(default_factory=dict)

    def weights(self, name: str) -> np.ndarray:
        """log2 Bayes factor per level code of one field.

        One name's mailbox at two domains weighs nothing either way: the address repeats
        the names' evidence (namesakes have it too), but it is no disagreement.
        """
        m = np.maximum(np.asarray(self.m[name]), _FLOOR)
        u = np.maximum(np.asarray(self.u[name]), _FLOOR)
        w = np.log2(m / u)
        if self.kinds.get(name) == "email" and len(w) > EMAIL_OTHER_DOMAIN:
            w[EMAIL_OTHER_DOMAIN] = 0.0
        return w

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1 - self.prior)))

    def to_json(self) -> dict[str, Any]:
        return {"version": MODEL_VERSION, "prior": self.prior, "kinds": self.kinds,
                "m": self.m, "u": self.u, "trained_on": self.trained_on}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MatchModel:
        return cls(m=data["m"], u=data["u"], prior=data["prior"], kinds=data.get("kinds", {}),
                   trained_on=data.get("trained_on", {}))

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_json(), indent=2))

    @classmethod
    def load(cls, path: str | Path) -> MatchModel:
        return cls.from_json(json.loads(Path(path).read_text()))

    @property
    def notes(self) -> list[str]:
        """What the training could not estimate for lack of data (empty when all was)."""
        return list(self.trained_on.get("notes", []))

    def fits(self, fields: list[MatchField]) -> bool:
        """Whether this model has the fields (and level counts) of the settings."""
        return all(f.name in self.m and len(self.m[f.name]) == len(level_names(f))
                   for f in fields)


def _proportions(levels: np.ndarray, n_levels: int, weights: np.ndarray | None = None
                 ) -> list[float]:
    ok = levels >= 0
    counts = np.bincount(levels[ok], weights=None if weights is None else weights[ok],
                         minlength=n_levels)[:n_levels]
    total = counts.sum()
    if total <= 0:
        return [1.0 / n_levels] * n_levels
    return [float(max(c / total, _FLOOR)) for c in counts]


def estimate_u(features: pl.DataFrame, fields: list[MatchField], *, pairs: int = 300_000,
               seed: int = 42, encoded: Encoded | None = None) -> dict[str, list[float]]:
    """u probabilities from random record pairs.

    The exact level is computed from value frequencies (sum of squared shares), which is
    exact and resolves the tiny u of identifiers that random sampling would miss.
    """
    n = features.height
    rng = np.random.default_rng(seed)
    size = min(pairs, max(n * (n - 1) // 2, 1))
    a = rng.integers(0, n, size)
    b = rng.integers(0, n, size)
    keep = a != b
    sample = pl.DataFrame({"l": np.minimum(a, b)[keep], "r": np.maximum(a, b)[keep]},
                          schema={"l": pl.UInt32, "r": pl.UInt32})
    gammas = compare(sample, features, fields, encoded)
    u = {}
    for f in fields:
        props = np.asarray(_proportions(gammas[f"g_{f.name}"].to_numpy(), len(level_names(f))))
        if encoded is not None:  # value counts from the integer codes
            codes = encoded.codes(f.source_column)
            null = encoded.vocab(f.source_column).null
            counts = np.bincount(codes, minlength=null + 1)[:null]
            counts = counts[counts > 0]
        else:
            counts = features[f.source_column].drop_nulls().value_counts(
                name="_n")["_n"].to_numpy()
        total = counts.sum()
        if total and f.kind not in ("email", "phone"):
            shares = counts / total
            exact = float(max((shares ** 2).sum(), _FLOOR))
            rest = props[:-1] / max(props[:-1].sum(), _FLOOR) * (1 - exact)
            props = np.append(rest, exact)
        u[f.name] = [float(max(x, _FLOOR)) for x in props]
    return u


def _combos(levels: dict[str, np.ndarray], sizes: dict[str, int]
            ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Distinct level combinations and how many pairs have each.

    EM only sees a pair through its levels, so a few thousand weighted combinations stand
    for millions of pairs.
    """
    n = len(next(iter(levels.values()))) if levels else 0
    bits = max((max(sizes.values(), default=1)).bit_length(), 1)
    if n == 0 or bits * len(levels) > 62:
        return levels, np.ones(n)
    key = np.zeros(n, dtype=np.int64)
    for i, g in enumerate(levels.values()):
        key |= (g + 1) << (i * bits)
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return {name: g[first] for name, g in levels.items()}, counts.astype(np.float64)


def _em(levels: dict[str, np.ndarray], sizes: dict[str, int], u: dict[str, list[float]],
        m: dict[str, list[float]], prior: float, iterations: int, update_m: bool = True,
        all_pairs: float | None = None, counts: np.ndarray | None = None
        ) -> tuple[dict[str, list[float]], float]:
    """EM steps; with ``all_pairs`` the prior is per random pair (pairs outside the
    candidates are taken as non-matches), as the u probabilities are. ``counts``: pairs
    per row of ``levels`` (rows are level combinations)."""
    log_u = {name: np.log(np.maximum(np.asarray(u[name]), _FLOOR)) for name in levels}
    n = len(next(iter(levels.values()))) if levels else 0
    if counts is None:
        counts = np.ones(n)
    evidence = None
    for _ in range(iterations):
        if evidence is None or update_m:  # with m fixed only the prior moves: sum once
            evidence = np.zeros(n)
            for name, g in levels.items():
                lm = np.log(np.maximum(np.asarray(m[name]), _FLOOR))
                evidence += np.where(g >= 0, (lm - log_u[name])[np.maximum(g, 0)], 0.0)
        log_odds = evidence + np.log(prior / (1 - prior))
        p = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -50, 50)))
        denominator = all_pairs if all_pairs else counts.sum()
        if denominator <= 0:  # no pairs: nothing to learn, the prior stays
            break
        prior = float(np.clip((p * counts).sum() / denominator, 1e-12, 1 - 1e-6))
        if update_m:
            m = {name: _proportions(g, sizes[name], p * counts) for name, g in levels.items()}
    return m, prior


def _initial_m(size: int) -> list[float]:
    return [0.1 / max(size - 1, 1)] * (size - 1) + [0.9]


def train_em(gammas: pl.DataFrame, fields: list[MatchField], u: dict[str, list[float]], *,
             records: int, iterations: int = 10, max_pairs: int = 2_000_000,
             seed: int = 42) -> MatchModel:
    """Estimate m from anchor pairs, then the prior and the anchors' own m by EM.

    1. Pairs agreeing exactly on an identifier (a non-shared email, phone or id) and
       disagreeing on none are almost surely one person: the level shares of every
       non-identifier field among them are its m.
    2. The prior (chance that two random records match, the scale u is on) is fitted by EM
       with m, u fixed, counting every pair outside the candidates as a non-match.
    3. Each identifier's m is re-estimated from the posterior of a model without it, so an
       identifier is never its own witness.
    """
    sizes = {f.name: len(level_names(f)) for f in fields}
    rng = np.random.default_rng(seed)
    pick = None if gammas.height <= max_pairs else np.sort(
        rng.choice(gammas.height, max_pairs, replace=False))
    levels = {}
    for name in sizes:
        g = gammas[f"g_{name}"].to_numpy().astype(np.int64)
        levels[name] = g if pick is None else g[pick]
    n_sample = gammas.height if pick is None else len(pick)
    levels, counts = _combos(levels, sizes)
    anchors = [f.name for f in fields if f.key]
    has = [levels[a] for a in anchors]
    rows = len(counts)
    sure = np.zeros(rows, dtype=bool)
    clash = np.zeros(rows, dtype=bool)
    for a, g in zip(anchors, has, strict=True):
        sure |= g == sizes[a] - 1
        clash |= g == 0
    sure &= ~clash
    n_sure = (sure * counts).sum()
    m = {name: (_proportions(levels[name], sizes[name], sure * counts)
                if name not in anchors and n_sure >= _MIN_PAIRS else _initial_m(sizes[name]))
         for name in sizes}
    notes = []
    if gammas.height == 0:
        notes.append(f"no candidate pairs among {records} records: default m and prior")
    elif n_sure < _MIN_PAIRS:
        notes.append(f"only {int(n_sure)} of the {_MIN_PAIRS} pairs needed to estimate m "
                     "agree on an identifier: the other fields use default m")
    all_pairs = records * (records - 1) / 2 * n_sample / max(gammas.height, 1)
    _, prior = _em(levels, sizes, u, m, _DEFAULT_PRIOR, iterations, update_m=False,
                   all_pairs=all_pairs, counts=counts)
    log_u = {name: np.log(np.maximum(np.asarray(u[name]), _FLOOR)) for name in sizes}
    base = np.log(prior / (1 - prior))
    contrib = {name: np.where(g >= 0, (np.log(np.maximum(np.asarray(m[name]), _FLOOR))
                                       - log_u[name])[np.maximum(g, 0)], 0.0)
               for name, g in levels.items()}
    total = base + sum(contrib.values())
    for a in anchors:
        without = np.clip(total - contrib[a], -50, 50)
        p = (1.0 / (1.0 + np.exp(-without)) > 0.99).astype(float)
        if (p * counts).sum() >= _MIN_PAIRS:
            m[a] = _proportions(levels[a], sizes[a], p * counts)
    _, prior = _em(levels, sizes, u, m, prior, iterations, update_m=False, all_pairs=all_pairs,
                   counts=counts)
    trained_on: dict[str, Any] = {"pairs": gammas.height, "anchors": anchors}
    if notes:
        trained_on["notes"] = notes
    return MatchModel(m=m, u=u, prior=prior, kinds={f.name: f.kind for f in fields},
                      trained_on=trained_on)


def train(features: pl.DataFrame, gammas: pl.DataFrame, options: DedupeSettings,
          encoded: Encoded | None = None) -> MatchModel:
    """u from random pairs, then m by per-rule EM on the candidate pairs."""
    u = estimate_u(features, options.fields, seed=options.seed, encoded=encoded)
    model = train_em(gammas, options.fields, u, records=features.height,
                     max_pairs=options.em_max_pairs, seed=options.seed)
    model.trained_on["records"] = features.height
    return model


def score(gammas: pl.DataFrame, features: pl.DataFrame, model: MatchModel,
          fields: list[MatchField], tf: dict[str, np.ndarray],
          encoded: Encoded | None = None) -> pl.DataFrame:
    """Add ``w_<field>`` partial weights, ``match_weight`` and ``match_probability``.

    ``tf``: per term-frequency field, the share of each value code (:func:`tf_values`);
    an exact agreement on value v weighs ``log2(m_exact / share(v))``.
    """
    enc = encoded if encoded is not None or not tf else Encoded(features, fields)
    total = np.full(gammas.height, model.prior_weight)
    left = gammas["l"].to_numpy()
    cols = []
    for f in fields:
        g = gammas[f"g_{f.name}"].to_numpy()
        w = np.where(g >= 0, model.weights(f.name)[np.maximum(g, 0)], 0.0)
        exact = g == len(level_names(f)) - 1
        if f.tf_adjust and f.name in tf and enc is not None and exact.any():
            sel = np.flatnonzero(exact)
            share = tf[f.name][enc.codes(f.source_column)[left[sel]]]
            m_exact = max(model.m[f.name][-1], _FLOOR)
            w[sel] = np.log2(m_exact / np.maximum(share, _FLOOR))
        total += w
        cols.append(pl.Series(f"w_{f.name}", w, dtype=pl.Float32))
    prob = 1.0 / (1.0 + np.exp2(-np.clip(total, -60, 60)))
    return gammas.with_columns(*cols, match_weight=pl.Series(total, dtype=pl.Float32),
                               match_probability=pl.Series(prob, dtype=pl.Float64))
