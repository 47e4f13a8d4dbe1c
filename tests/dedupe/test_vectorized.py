"""The vectorized building blocks agree with plain reference implementations."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import dedupe, defaults
from contactops.dedupe.blocking import _block_pairs, key_expr, key_hashes, prepare
from contactops.dedupe.cluster import components
from contactops.dedupe.encode import distinct_pairs
from contactops.dedupe.survivorship import golden_records, golden_records_split


def _components_reference(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(x) for x in range(n)])


@pytest.mark.parametrize("seed", range(5))
def test_components_match_union_find(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    m = int(rng.integers(0, 400))
    left, right = rng.integers(0, n, m), rng.integers(0, n, m)
    assert (components(n, left, right) == _components_reference(n, left, right)).all()


def test_components_long_chain() -> None:
    n = 5000
    left = np.arange(n - 1)[::-1]
    assert (components(n, left, left + 1) == 0).all()


@pytest.mark.parametrize("cap", [2, 3, 30])
def test_block_pairs_match_naive(cap: int) -> None:
    rng = np.random.default_rng(cap)
    rows = np.sort(rng.choice(1000, 400, replace=False))
    keys = rng.integers(0, 120, len(rows)).astype(np.uint64)
    left, right = _block_pairs(keys, rows, cap)
    got = set(zip(left.tolist(), right.tolist(), strict=True))
    want = set()
    for k in np.unique(keys):
        members = rows[keys == k]
        if 2 <= len(members) <= cap:
            want |= set(itertools.combinations(sorted(members.tolist()), 2))
    assert got == want
    assert len(got) == len(left)


def test_key_hashes_equal_hashing_each_records_key(background: pl.DataFrame) -> None:
    """Keys are hashed per record, or (soundex) computed per distinct value and mapped back:
    either way each record's key is key_expr's, shared values (role mailboxes) dropped."""
    from contactops.config.dedupe import BlockingRule

    options, _ = defaults.follow_data(DedupeSettings(), background)
    options = options.model_copy(update={"blocking": [
        *options.blocking, BlockingRule(name="sx", keys=("last_name_key:soundex", "city")),
        BlockingRule(name="sx_mail", keys=("email_key:soundex",))]})  # alone: drops shared
    features = prepare(background, options)
    hashes = key_hashes(features, options)
    assert {("last_name_key:soundex", False), ("email_key:soundex", True)} <= set(hashes)
    assert ("email_key", True) in hashes  # a key alone drops shared values
    for (key, alone), (h, ok) in hashes.items():
        ref = features.select(key_expr(key, features.columns, drop_shared=alone)).to_series()
        assert ref.null_count() < ref.len(), key
        assert np.array_equal(ok, ref.is_not_null().to_numpy()), key
        assert np.array_equal(h[ok], ref.hash(seed=0).to_numpy()[ok]), key


def test_distinct_pairs_inverse() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 50, 2000), rng.integers(0, 50, 2000)
    ua, ub, inverse = distinct_pairs(a, b)
    assert len(set(zip(ua.tolist(), ub.tolist(), strict=True))) == len(ua)
    assert (ua[inverse] == a).all() and (ub[inverse] == b).all()


def test_split_golden_records_match_golden_records(background: pl.DataFrame) -> None:
    options = DedupeSettings()
    rng = np.random.default_rng(0)
    records = background.with_columns(
        contact_id=pl.Series((rng.integers(0, background.height // 2, background.height))
                             .astype(str)).str.zfill(6))
    size = records.select(pl.len().over("contact_id"))["len"]
    contacts, provenance = golden_records(records, options)
    split, split_prov = golden_records_split(records.filter(size > 1),
                                             records.filter(size == 1), options)
    cols = contacts.columns
    assert split.select(cols).sort("contact_id").equals(contacts.sort("contact_id"))
    order = ["contact_id", "field"]
    assert split_prov.select(provenance.columns).sort(order).equals(provenance.sort(order))


def test_timings_have_wall_and_cpu(background: pl.DataFrame) -> None:
    result = dedupe(background.head(500), DedupeSettings())
    timings = result.asdict()["timings"]
    assert {"blocking", "compare", "cluster", "survivorship"} <= set(timings)
    assert all(set(v) == {"wall", "cpu"} for v in timings.values())
