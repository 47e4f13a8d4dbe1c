"""Names in Latin letters for matching: one person's name written in two scripts.

Lists merged from several systems hold one name as ``Наталья`` and ``Natalya``, ``Γεωργίου``
and ``Georgiou``, ``李`` and ``Li``. Comparisons and blocking keys of names read a Latin form:
transliterated (``anyascii``, a table-driven Unicode-to-ASCII transliterator), lower-cased,
and stripped of everything but letters (``dell'acqua`` and ``dellacqua`` are one name). The
form is computed once per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

#: Greek digraphs a generic transliterator renders letter by letter (``ου`` -> ``oy``).
_GREEK = (("ου", "ou"), ("ού", "ou"), ("ούς", "ous"))


def _one(value: str) -> str:
    from anyascii import anyascii

    for greek, latin in _GREEK:
        value = value.replace(greek, latin)
    return anyascii(value)


def per_distinct(values: pl.Series, fn: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``fn`` applied to the distinct non-null values only, spread back (null stays null):
    a million records hold a few thousand names or streets."""
    values = values.cast(pl.String)
    distinct = values.drop_nulls().unique()
    lookup = pl.DataFrame({"_v": distinct, "_f": fn(distinct).cast(pl.String)})
    out = (pl.DataFrame({"_v": values})
           .join(lookup, on="_v", how="left", maintain_order="left")["_f"])
    return out.alias(values.name)


def _latin_distinct(values: pl.Series) -> pl.Series:
    ascii_ = values.str.contains(r"^[\x00-\x7f]*$").to_numpy()
    out = values.to_list()
    for i in (~ascii_).nonzero()[0]:
        out[i] = _one(out[i])
    return (pl.Series(out, dtype=pl.String).str.to_lowercase()
            .str.replace_all(r"[^a-z]", "").replace("", None))


def latin_one(value: str) -> str:
    """:func:`latin` of one value ('' when it has no letter)."""
    import re

    return re.sub(r"[^a-z]", "", (value if value.isascii() else _one(value)).lower())


def latin(values: pl.Series) -> pl.Series:
    """Latin, lower-case, letters-only form of each value (null stays null; a value with no
    letter at all becomes null)."""
    return per_distinct(values, _latin_distinct)


def latin_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`latin` as an expression (for blocking keys)."""
    return expr.map_batches(latin, return_dtype=pl.String)
