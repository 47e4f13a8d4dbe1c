"""Street addresses in one form for matching: ``167 Oak Blvd., Apt 20`` and ``167 Oak
Boulevard, Apartment 20`` are one home.

:func:`street_form` lower-cases a street, spells out the usual street-type abbreviations
(USPS Publication 28 suffixes, the British ones, German ``Str.``), writes every unit word
(apartment, flat, suite, ``#``) as ``unit`` and drops punctuation. :func:`house` keeps the
numbers and the first word of a street's name: a blocking key for one building that its
abbreviations do not change, and whose numbers keep the neighbours apart. Both are computed
once per distinct value.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from contactops.dedupe.latin import per_distinct

#: Abbreviation -> the word (street types and unit designators; lower case, no dot).
ABBREVIATIONS: dict[str, str] = {
    "st": "street", "str": "strasse", "ave": "avenue", "av": "avenue", "rd": "road",
    "dr": "drive", "ln": "lane", "blvd": "boulevard", "ct": "court", "pl": "place",
    "cl": "close", "gdns": "gardens", "gdn": "garden", "sq": "square", "cres": "crescent",
    "ter": "terrace", "tce": "terrace", "hwy": "highway", "pkwy": "parkway", "cir": "circle",
    "trl": "trail", "pde": "parade", "mt": "mount", "n": "north", "s": "south", "e": "east",
    "w": "west", "apt": "unit", "apartment": "unit", "flat": "unit", "ste": "unit",
    "suite": "unit", "no": "", "nr": "",
}


def _form(values: pl.Series) -> pl.Series:
    s = (values.str.to_lowercase().str.replace_all("ß", "ss")
         .str.replace_all(r"(\w)str(?:\.|\b)", "${1}strasse")   # Schillerstr. 5
         .str.replace_all("#", " unit ").str.replace_all(r"[^\w\s]", " ")
         .str.replace_all(r"(\d)([^\W\d_])", "$1 $2").str.split(" "))
    words = s.list.eval(pl.element().replace(ABBREVIATIONS)).list.eval(
        pl.element().filter(pl.element().str.len_chars() > 0))
    # the unit after the street, wherever it was written (Flat 25, 331 London Lane)
    return (words.list.join(" ").str.replace(r"^unit (\w+) (.+)$", "$2 unit $1")
            .replace("", None))


def street_form(values: pl.Series) -> pl.Series:
    """The comparable form of each street (null stays null)."""
    return per_distinct(values.cast(pl.String), _form)


def _sorted(lists: pl.Expr | pl.Series) -> Any:
    """Each list of strings sorted. ``list.eval`` of a sort, not ``list.sort()``: the same
    lists, ~25x faster on many short lists of strings (polars 2.1: 5.6 s vs 0.2 s for the
    250k distinct streets of 1M records)."""
    return lists.list.eval(pl.element().sort())


def _house(values: pl.Series) -> pl.Series:
    form = _form(values)
    frame = pl.DataFrame({"f": form}).select(
        numbers=_sorted(pl.col("f").str.extract_all(r"\d+")).list.join(" "),
        word=pl.col("f").str.extract_all(r"[^\W\d_]{2,}").list.eval(
            pl.element().filter(pl.element() != "unit")).list.first())
    return frame.select(pl.when(pl.col("numbers").str.len_chars() > 0).then(
        pl.concat_str(["numbers", "word"], separator=" ", ignore_nulls=True))).to_series()


def numbers(values: pl.Series) -> pl.Series:
    """The numbers of each street, sorted and joined (null without a number)."""
    out = _sorted(values.cast(pl.String).str.extract_all(r"\d+")).list.join(" ")
    return out.replace("", None)


def house(values: pl.Series) -> pl.Series:
    """Numbers (sorted) and first word of each street; null without a number."""
    return per_distinct(values.cast(pl.String), _house)


def house_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`house` as an expression (a blocking key)."""
    return expr.map_batches(house, return_dtype=pl.String)
