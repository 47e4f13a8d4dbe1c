"""The CSV formula guard: numbers stay numbers, everything a spreadsheet would run is quoted."""

from __future__ import annotations

import polars as pl
import pytest

from contactops.audiences.formula import is_formula, neutralize

#: Values that are only a number: left exactly as they are.
SAFE = [
    "+16179542675",      # E.164 phone (SMS audiences broke on "'+1617...")
    "+442079460958",
    "-12.5",
    "12",
    "+.5",
    "-12.",
    "1e3",               # starts with a digit: no spreadsheet runs it
    "1-2",
    "a=b",
    "Ann O'Neil",
    "",
]

#: Values a spreadsheet would evaluate (OWASP CSV injection and friends): quoted.
RISKY = [
    "=1+2",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "=cmd|' /C notepad'!'A1'",
    "\tx",               # tab
    "\rx",               # carriage return
    "\nx",               # line feed
    "\t+16179542675",    # a control character before an otherwise safe number
    "  =1+2",            # leading spaces before '='
    "\u00a0=1+2",        # no-break space before '='
    "\uff1d1+2",         # fullwidth equals
    "\uff0b1+2",         # fullwidth plus
    "\uff0d2+3",         # fullwidth minus
    "\uff20SUM(1)",      # fullwidth at
    "\u22125",           # minus sign
    "-1e3",              # a spreadsheet computes it
    "-1,234",
    " -12",
    "+",
    "-",
]


@pytest.mark.parametrize("value", SAFE)
def test_numbers_and_plain_text_are_left_intact(value: str) -> None:
    assert not is_formula(value)
    out = neutralize(pl.DataFrame({"v": [value]}))
    assert out["v"].to_list() == [value]


@pytest.mark.parametrize("value", RISKY)
def test_formulas_are_prefixed_with_a_quote(value: str) -> None:
    assert is_formula(value)
    out = neutralize(pl.DataFrame({"v": [value]}))
    assert out["v"].to_list() == ["'" + value]


def test_only_text_columns_are_touched() -> None:
    frame = pl.DataFrame({"n": [-3], "s": ["=1"], "missing": [None]},
                         schema={"n": pl.Int64, "s": pl.Utf8, "missing": pl.Utf8})
    out = neutralize(frame)
    assert out.to_dicts() == [{"n": -3, "s": "'=1", "missing": None}]
