"""The date cascade (exact formats, then the general parser per distinct leftover) agrees
with the general parser alone on every spelling, valid or not."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactops.normalize.dates import DATE_FIELDS, normalize_dates, parse_general

NOW = datetime(2025, 1, 1)
MANY = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

part = st.integers(0, 40).map(str) | st.integers(0, 9).map(lambda n: f"0{n}")
year = st.sampled_from(["2024", "1999", "24", "70", "0999", "20245", "2200", "2201"])
clock = st.sampled_from(["", " 09:05", " 9:05", " 23:59", " 24:00", " 10:20:30", "T10:20:30",
                         "T10:20:30Z", " 07:15 PM", " 12:00 am", "T10:20:30.123+02:00",
                         " 10:20:30 UTC", "T25:61:00"])


@st.composite
def spellings(draw: st.DrawFn) -> str:
    a, b, y = draw(part), draw(part), draw(year)
    shape = draw(st.sampled_from(["iso", "slash", "dot", "dash", "epoch", "named", "junk"]))
    if shape == "iso":
        text = f"{y}-{a.zfill(draw(st.sampled_from([1, 2])))}-{b.zfill(2)}"
    elif shape in ("slash", "dot", "dash"):
        sep = {"slash": "/", "dot": ".", "dash": "-"}[shape]
        text = f"{a}{sep}{b}{sep}{y}"
    elif shape == "epoch":
        return str(draw(st.integers(0, 10**14)))
    elif shape == "named":
        return draw(st.sampled_from(["March 5, 2024", "5 March 2024", "05-Mar-2024",
                                     "Feb 30, 2024", "Marchy 5 2024"]))
    else:
        return draw(st.sampled_from(["garbage", "", "  ", "2024", "T", "2024-03-05Z",
                                     "12/12", "--"]))
    return text + draw(clock)


def _cascade(values: list[str], order: str) -> pl.DataFrame:
    raw = {f"_raw_{f}": pl.Series(values, dtype=pl.String) for f in DATE_FIELDS}
    out = normalize_dates(pl.LazyFrame(raw), now=NOW, date_order=order).collect()
    return out.select(value="created_at", unparsed="created_at_unparsed",
                      impossible="created_at_impossible")


def _general(values: list[str], order: str) -> pl.DataFrame:
    frame = pl.LazyFrame({"v": pl.Series(values, dtype=pl.String)}).with_columns(
        pl.col("v").str.strip_chars().replace("", None))
    out = parse_general(frame, "v", order).collect()
    present = out["v"].is_not_null()
    value, shaped = out["_value"], out["_shaped"]
    return pl.DataFrame({
        "value": value, "unparsed": present & ~shaped,
        "impossible": (present & shaped & (value.is_null()
                       | ~value.dt.year().is_between(1900, 2200))).fill_null(True) & present,
    })


@pytest.mark.parametrize("order", ["mdy", "dmy"])
@MANY
@given(values=st.lists(spellings(), min_size=1, max_size=30))
def test_cascade_agrees_with_the_general_parser(values, order):
    cascade, general = _cascade(values, order), _general(values, order)
    for i, raw in enumerate(values):
        assert cascade.row(i) == general.row(i), raw


@pytest.mark.parametrize(("raw", "mdy", "dmy"), [
    ("03/04/2024", datetime(2024, 3, 4), datetime(2024, 4, 3)),
    ("13/04/2024", datetime(2024, 4, 13), datetime(2024, 4, 13)),
    ("04/13/2024 9:05", datetime(2024, 4, 13, 9, 5), datetime(2024, 4, 13, 9, 5)),
    ("05.03.2024 10:49", datetime(2024, 3, 5, 10, 49), datetime(2024, 3, 5, 10, 49)),
    ("2024-03-05T10:20:30Z", datetime(2024, 3, 5, 10, 20, 30),
     datetime(2024, 3, 5, 10, 20, 30)),
    ("02/30/2024", None, None),
    ("1709632800", datetime(2024, 3, 5, 10), datetime(2024, 3, 5, 10)),
])
def test_exact_shapes_literal(raw, mdy, dmy):
    assert _cascade([raw], "mdy")["value"][0] == mdy
    assert _cascade([raw], "dmy")["value"][0] == dmy
