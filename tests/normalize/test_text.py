"""clean() collapses whitespace only where a read-only test says the collapse would change
the value; on any text it must equal collapsing everywhere."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactops.normalize.text import _WS, clean, nfkc

# Every kind of whitespace the collapse knows, plus look-alikes that are not whitespace.
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x85", "\xa0", "\u1680", "\u2000",
          "\u2007", "\u200b", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff",
          "\u00ad"]
pieces = st.sampled_from(SPACES) | st.text(alphabet="aZ1.é\uff2a", min_size=1, max_size=3)


def _everywhere(expr: pl.Expr) -> pl.Expr:
    return nfkc(expr).str.replace_all(_WS, " ").str.strip_chars().replace("", None)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(pieces, max_size=8).map("".join) | st.none(), min_size=1,
                max_size=40))
def test_clean_equals_collapsing_everywhere(values: list[str | None]) -> None:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    got = frame.select(clean(pl.col("v"))).to_series()
    want = frame.select(_everywhere(pl.col("v"))).to_series()
    assert got.to_list() == want.to_list()


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Jane \t Doe ", "Jane Doe"), ("a\u00a0b", "a b"), ("a\u3000\u3000b", "a b"),
    ("plain text", "plain text"), ("x\ny", "x y"), (" \t ", None), ("", None),
    ("Ｊｏｈｎ", "John"), ("a\u200bb", "a b"),
])
def test_clean_literals(raw: str, expected: str | None) -> None:
    assert pl.select(clean(pl.lit(raw, dtype=pl.String))).item() == expected
