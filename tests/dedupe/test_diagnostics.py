"""Label-free match diagnostics on a generated run (classic preset) and on literal inputs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import defaults
from contactops.dedupe.blocking import prepare, rule_pairs
from contactops.dedupe.core import DedupeResult, dedupe
from contactops.dedupe.diagnostics import (
    WEIGHT_MAX,
    WEIGHT_MIN,
    expected_precision,
    weight_histogram,
)
from contactops.pii import mask_value


@pytest.fixture(scope="module")
def run(background: pl.DataFrame) -> DedupeResult:
    return dedupe(background, DedupeSettings())


def test_every_pass_is_reported_with_the_pairs_blocking_makes(
        run: DedupeResult, background: pl.DataFrame) -> None:
    options, _ = defaults.follow_data(DedupeSettings(), background)  # as dedupe adapts them
    diag = run.diagnostics
    assert [p["rule"] for p in diag["passes"]] == [r.name for r in options.blocking]
    features = prepare(background, options)
    for p, rule in zip(diag["passes"], options.blocking, strict=True):
        assert p["pairs"] == rule_pairs(features, rule, options.max_block_size).height, p["rule"]
        assert p["blocks"] > 0 and len(p["largest"]) == min(10, p["blocks"])
    assert diag["passes"][0]["pairs"] > 0


def test_pass_pairs_add_up_to_the_candidate_pairs(run: DedupeResult) -> None:
    diag = run.diagnostics
    passes = diag["passes"]
    # a pair found by several passes counts once among the candidates: new_pairs counts it
    # for the first pass that found it, repeated_pairs for the others
    assert sum(p["new_pairs"] for p in passes) == diag["candidate_pairs"]
    assert sum(p["pairs"] for p in passes) == diag["comparisons"]
    assert diag["comparisons"] - diag["repeated_pairs"] == diag["candidate_pairs"]
    assert diag["repeated_pairs"] > 0
    assert diag["candidate_pairs"] == run.counts["candidate_pairs"]
    assert diag["scored_pairs"] == run.pairs["match_probability"].is_not_null().sum()


def _blocks_by_value(features: pl.DataFrame, rule, cap: int) -> tuple[pl.DataFrame, ...]:
    """Oracle: a pass's blocks counted by grouping on the key values themselves."""
    from contactops.dedupe.blocking import key_expr

    exprs = [key_expr(k, features.columns, drop_shared=len(rule.keys) == 1).alias(f"_k{i}")
             for i, k in enumerate(rule.keys)]
    names = [f"_k{i}" for i in range(len(exprs))]
    sizes = (features.select(exprs).drop_nulls().group_by(names).agg(n=pl.len())
             .filter(pl.col("n") >= 2)
             .with_columns(pairs=pl.col("n").cast(pl.Int64) * (pl.col("n") - 1) // 2)
             .sort(["pairs", *names], descending=[True] + [False] * len(names)))
    return sizes.filter(pl.col("n") <= cap), sizes.filter(pl.col("n") > cap)


@pytest.mark.parametrize("cap", [3, 1000])
def test_passes_counted_on_hashes_equal_counting_key_values(
        background: pl.DataFrame, cap: int) -> None:
    """Blocks are counted on blocking's key hashes; the figures, the largest blocks and
    their order (ties by key value) are those of grouping on the values."""
    options, _ = defaults.follow_data(DedupeSettings(max_block_size=cap), background)
    diag = dedupe(background, DedupeSettings(max_block_size=cap)).diagnostics
    features = prepare(background, options)
    for p, rule in zip(diag["passes"], options.blocking, strict=True):
        kept, capped = _blocks_by_value(features, rule, rule.max_block_size or cap)
        assert (p["blocks"], p["pairs"]) == (kept.height, int(kept["pairs"].sum())), p["rule"]
        assert p["capped"]["blocks"] == capped.height
        names = [c for c in kept.columns if c.startswith("_k")]
        for got, want in ((p["largest"], kept.head(10)), (p["capped"]["largest"],
                                                           capped.head(3))):
            assert [(b["value"], b["records"]) for b in got] == [
                (" | ".join(r[n] for n in names), r["n"]) for r in want.iter_rows(named=True)]


def test_largest_blocks_and_their_share(run: DedupeResult) -> None:
    diag = run.diagnostics
    for p in diag["passes"]:
        pairs = [b["pairs"] for b in p["largest"]]
        assert pairs == sorted(pairs, reverse=True)
        for b in p["largest"]:
            assert b["pairs"] == b["records"] * (b["records"] - 1) // 2
            assert b["share"] == pytest.approx(b["pairs"] / diag["comparisons"], abs=1e-6)
            assert b["share_of_pass"] == pytest.approx(b["pairs"] / p["pairs"], abs=1e-6)


def test_block_keys_are_kept_masked_beside_the_raw_value(run: DedupeResult) -> None:
    email = next(p for p in run.diagnostics["passes"] if p["rule"] == "email")
    top = email["largest"][0]
    assert top["kind"] == "email"
    local, domain = top["value"].split("@")
    assert top["masked"] == f"{local[0]}***@{domain}" != top["value"]
    combined = next(p for p in run.diagnostics["passes"] if p["rule"] == "name_email")
    block = combined["largest"][0]
    assert block["kind"] == "first_name + last_name + email"
    first, last, mail = block["value"].split(" | ")
    assert block["masked"] == f"{first[0]}*** | {last[0]}*** | {mail[0]}***@{mail.split('@')[1]}"


def test_masking_follows_the_report_policy() -> None:
    assert mask_value("email_key", "sam@globex.example") == "s***@globex.example"
    assert mask_value("phone_e164", "+442079460123") == "+4*******0123"
    assert mask_value("external_id_key", "crm:12345667") == "crm:******67"
    assert mask_value("date_of_birth", "1987-03-04") == "****-**-**"
    assert mask_value("last_name_key", "smith") == "s***"


def test_capped_blocks_are_counted_not_compared(background: pl.DataFrame) -> None:
    result = dedupe(background, DedupeSettings(max_block_size=3))
    options, _ = defaults.follow_data(DedupeSettings(max_block_size=3), background)
    features = prepare(background, options)
    sizes = (features.select(pl.col("last_name_key"), pl.col("phone_e164"))
             .drop_nulls().group_by("last_name_key", "phone_e164").len())
    over = sizes.filter(pl.col("len") > 3)
    last_phone = next(p for p in result.diagnostics["passes"] if p["rule"] == "last_phone")
    assert last_phone["capped"]["blocks"] == over.height > 0
    assert last_phone["capped"]["pairs"] == int((over["len"] * (over["len"] - 1) // 2).sum())
    assert all(b["records"] > 3 and b["share"] == 0.0
               for b in last_phone["capped"]["largest"])
    assert all(b["records"] <= 3 for b in last_phone["largest"])
    capped = sum(p["capped"]["blocks"] for p in result.diagnostics["passes"])
    assert result.asdict()["blocks_capped"] == capped


def test_weight_histogram_bins_of_one_unit() -> None:
    hist = weight_histogram(np.array([-40.0, -0.5, 0.0, 0.99, 1.0, 60.0]))
    counts = hist["counts"]
    assert len(counts) == WEIGHT_MAX - WEIGHT_MIN
    assert hist["pairs"] == sum(counts) == 6
    assert counts[0] == 1  # -40 clipped into the lowest bin
    assert counts[-1 - WEIGHT_MIN] == 1  # [-1, 0)
    assert counts[-WEIGHT_MIN] == 2  # [0, 1)
    assert counts[1 - WEIGHT_MIN] == 1  # [1, 2)
    assert counts[-1] == 1  # 60 clipped into the highest bin


def test_histogram_counts_every_scored_pair(run: DedupeResult) -> None:
    hist = run.diagnostics["histogram"]
    assert hist["pairs"] == sum(hist["counts"]) == run.diagnostics["scored_pairs"] > 0


def test_expected_precision_literal() -> None:
    probs = np.array([0.2, 0.6, 0.9, 1.0])
    assert expected_precision(probs, 0.95) == {
        "threshold": 0.95, "pairs": 1, "expected_precision": 1.0, "expected_false_merges": 0.0}
    half = expected_precision(probs, 0.5)
    assert half["pairs"] == 3
    assert half["expected_precision"] == pytest.approx(2.5 / 3, abs=1e-6)
    assert half["expected_false_merges"] == pytest.approx(0.5)
    assert expected_precision(probs, 0.99)["pairs"] == 1
    none = expected_precision(np.array([0.1]), 0.5)
    assert none["expected_precision"] is None and none["expected_false_merges"] == 0.0


def test_expected_precision_falls_as_the_threshold_is_lowered(run: DedupeResult) -> None:
    th = run.diagnostics["thresholds"]
    auto, review = th["auto_merge"], th["review"]
    assert (auto["threshold"], review["threshold"]) == (0.99, 0.5)
    assert 0.0 <= review["expected_precision"] < auto["expected_precision"] <= 1.0
    assert review["pairs"] > auto["pairs"]
    assert review["expected_false_merges"] > auto["expected_false_merges"] >= 0.0
    probs = run.pairs["match_probability"].drop_nulls().to_numpy()
    curve = [expected_precision(probs, t)["expected_precision"]
             for t in (0.999, 0.99, 0.9, 0.5, 0.1, 0.01)]
    assert curve == sorted(curve, reverse=True) and curve[0] > curve[-1]
    assert run.asdict()["expected_precision"] == auto["expected_precision"]


def test_no_candidate_pairs_gives_empty_diagnostics() -> None:
    from tests.dedupe.conftest import normalize_rows

    records = normalize_rows([
        {"record_id": "a", "first_name": "Ann", "last_name": "Lee", "email": "ann@x.example"},
        {"record_id": "b", "first_name": "Bob", "last_name": "Ray", "email": "bob@y.example"},
    ])
    diag = dedupe(records, DedupeSettings()).diagnostics
    assert diag["candidate_pairs"] == diag["scored_pairs"] == diag["histogram"]["pairs"] == 0
    assert diag["thresholds"]["auto_merge"]["expected_precision"] is None
