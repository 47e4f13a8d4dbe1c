"""The formula guard of text targets: no cell a spreadsheet would run as a formula.

Spreadsheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` (OWASP's CSV
injection list, which adds tab and carriage return), and some also after leading spaces or
a line break, or with the fullwidth and small forms ``＝ ＋ － ＠ ﹦ ﹢ ﹣`` and the minus
sign ``−``. Such a cell is prefixed with a single quote, so it is shown as text.

A value that is only a number carries no formula and is left as it is: an optional sign
and decimal digits with at most one decimal point (``+16179542675``, ``-12.5``, ``+.5``).
Anything else that starts with a trigger is quoted, including numbers with exponents
(``-1e3``), thousands separators (``-1,234``) or arithmetic (``-2+3``), since a
spreadsheet would compute them.
"""

from __future__ import annotations

import polars as pl

#: Characters that start a formula (ASCII, fullwidth, small forms, minus sign).
TRIGGERS = "=+-@\uff1d\uff0b\uff0d\uff20\ufe66\ufe62\ufe63\u2212"
#: Characters that are never safe at the very start of a cell.
CONTROL_START = "\t\r\n"

_TRIGGER_CLASS = "[" + "".join("\\" + c if c in "-+" else c for c in TRIGGERS) + "]"
#: A cell whose first non-blank character is a trigger, or that starts with tab/CR/LF.
FORMULA_PATTERN = rf"^(?:\s*{_TRIGGER_CLASS}|[\t\r\n])"
#: A plain signed decimal number (E.164 phones included); ASCII digits only.
NUMBER_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"


def is_formula(value: str) -> bool:
    """Whether ``value`` would be neutralized (one value; the frame version is vectorized)."""
    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.Utf8})
    return neutralize(frame)["v"][0] != value


def neutralize(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix every text cell a spreadsheet would evaluate with a single quote."""
    def guarded(column: str) -> pl.Expr:
        value = pl.col(column)
        risky = value.str.contains(FORMULA_PATTERN) & ~value.str.contains(NUMBER_PATTERN)
        return pl.when(risky).then(pl.lit("'") + value).otherwise(value).alias(column)

    return frame.with_columns(guarded(c) for c, t in frame.schema.items() if t == pl.Utf8)
