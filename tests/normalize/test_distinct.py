from __future__ import annotations

import polars as pl

from contactops.normalize.distinct import Distinct, via_distinct, with_distinct


def test_via_distinct_keeps_order_and_maps_nulls() -> None:
    lf = pl.LazyFrame({"i": list(range(8)),
                       "a": ["x", None, "y", "x", None, "z", "y", None],
                       "b": ["1", "1", None, "1", None, None, None, "2"]})
    out = via_distinct(lf, ["a", "b"], lambda s: s.with_columns(
        ab=pl.concat_str(pl.col("a").fill_null("-"), pl.col("b").fill_null("-")),
        a_null=pl.col("a").is_null(), _tmp=pl.lit(1)), drop=("_tmp",)).collect()
    assert out["i"].to_list() == list(range(8))
    assert out["ab"].to_list() == ["x1", "-1", "y-", "x1", "--", "z-", "y-", "-2"]
    assert out["a_null"].to_list() == [False, True, False, False, True, False, False, True]
    assert "_tmp" not in out.columns


def test_with_distinct_flat_specs_many_times() -> None:
    lf = pl.LazyFrame({"a": ["p", "q", None, "p"]})
    specs = [Distinct(("a",), lambda s, k=k: s.with_columns(
        pl.col("a").str.to_uppercase().alias(f"u{k}"))) for k in range(12)]
    out = with_distinct(lf, specs).collect()
    for k in range(12):
        assert out[f"u{k}"].to_list() == ["P", "Q", None, "P"]


def test_nested_mappings_stay_aligned_in_both_engines() -> None:
    # A mapping's input is the distinct keys; a mapping that maps again inside (as the
    # names do per column) reads that input once per branch. The streaming engine computes
    # it once per branch, so its row order must be deterministic or rows get mixed up.
    lf = pl.LazyFrame({"i": list(range(40)), "a": [f"a{i % 7}" for i in range(40)],
                       "b": [f"B{i % 5}" for i in range(40)]})

    def inner(small: pl.LazyFrame) -> pl.LazyFrame:
        return with_distinct(small, [
            Distinct(("a",), lambda s: s.with_columns(A=pl.col("a").str.to_uppercase())),
            Distinct(("b",), lambda s: s.with_columns(lb=pl.col("b").str.to_lowercase()))])

    for engine in ("in-memory", "streaming"):
        for _ in range(10):
            out = with_distinct(lf, [Distinct(("a", "b"), inner)]).collect(engine=engine)
            assert out["i"].to_list() == list(range(40))
            assert (out["A"] == out["a"].str.to_uppercase()).all(), engine
            assert (out["lb"] == out["b"].str.to_lowercase()).all(), engine
