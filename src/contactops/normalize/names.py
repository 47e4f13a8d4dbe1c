"""Person names: split, honorifics and suffixes, safe case fixing, swap detection, keys.

Reads the raw ``_raw_first_name``, ``_raw_last_name`` and ``_raw_full_name`` columns and
writes first_name, last_name, full_name, name_prefix, name_suffix, first_name_key,
last_name_key and the ``_name_rule`` / ``name_swapped`` helpers used by audit and flags.
"""

from __future__ import annotations

import polars as pl

from contactops.normalize import name_data as data
from contactops.normalize.distinct import Distinct, with_distinct
from contactops.normalize.text import clean, is_single_case, match_key

_PREFIX_WORDS = "|".join(sorted((k.replace(".", r"\.") for k in data.PREFIXES if k != "m"),
                                key=len, reverse=True))
_PREFIX_RE = rf"(?i)^((?:{_PREFIX_WORDS})\.?)\s+"
_SUFFIX_WORDS = r"jr|junior|sr|senior|iii|ii|iv|ph\.?\s?d|m\.?d|esq|dds|cpa|mba|rn|j\.?d"
_SUFFIX_BODY = rf"(?:[,\s]+(?:{_SUFFIX_WORDS})\.?)+$"
_SUFFIX_RE = "(?i)" + _SUFFIX_BODY
_PARTICLE_RE = "|".join(data.PARTICLES)
# first part lazily, last part = optional particles + one token: 'Ludwig van Beethoven'.
_SPLIT_RE = rf"^(.+?)\s+((?i:(?:{_PARTICLE_RE})\s+)*\S+)$"
_MAC = {name.title(): name for name in data.MAC_NAMES}


def _prefix_display(raw: pl.Expr) -> pl.Expr:
    key = raw.str.to_lowercase().str.strip_chars(".")
    return key.replace_strict(data.PREFIXES, default=raw, return_dtype=pl.String)


def _suffix_display(raw: pl.Expr) -> pl.Expr:
    parts = raw.str.strip_chars(" ,").str.split(",").list.eval(
        pl.element().str.strip_chars().str.replace_all(r"[.\s]", "").str.to_lowercase()
        .replace_strict(data.SUFFIXES, default=pl.element().str.to_uppercase(),
                        return_dtype=pl.String))
    return parts.list.eval(pl.element().filter(pl.element().str.len_bytes() > 0)).list.join(" ")


def fix_case(value: pl.Expr, *, surname: bool) -> pl.Expr:
    """Title-case a name written all upper or all lower; mixed case is kept as written.

    O'Brien and Smith-Jones come from title-casing; McDonald is fixed for every Mc- name;
    Mac- only for a known list (MacLeod) because Mack or Machado must stay; surname particles
    (van der Berg, de la Cruz) stay lower case before the last word.
    """
    el = pl.element()
    titled = el.str.to_titlecase()
    token = pl.lit(None, dtype=pl.String)
    if surname:
        token = (pl.when(el.str.to_lowercase().is_in(data.PARTICLES)
                         & (pl.int_range(pl.len()) < pl.len() - 1))
                 .then(el.str.to_lowercase()))
    mc = pl.concat_str(pl.lit("Mc"), titled.str.slice(2, 1).str.to_uppercase(),
                       titled.str.slice(3))
    fixed_token = pl.coalesce(
        token,
        pl.when(titled.str.starts_with("Mc") & (titled.str.len_chars() > 2)).then(mc),
        titled.replace(_MAC),
    )
    fixed = value.str.split(" ").list.eval(fixed_token).list.join(" ")
    return pl.when(is_single_case(value)).then(fixed).otherwise(value)


_NAME_KEYS = ("_raw_first_name", "_raw_last_name", "_raw_full_name")
_SCRATCH = ("_fn", "_ln", "_full", "_fn_pfx", "_full_pfx", "_ln_sfx", "_full_sfx", "_comma",
            "_p_first", "_p_last", "_pfx", "_sfx", "_first", "_last", "_swapped",
            "_first_surname", "_last_given")


def normalize_names(lf: pl.LazyFrame, *, nickname_keys: bool = True,
                    detect_swaps: bool = True) -> pl.LazyFrame:
    """Add the normalized name columns to a frame holding the ``_raw_*`` name columns.

    Computed once per distinct (first, last, full) name triple.
    """
    return with_distinct(lf, [names_spec(nickname_keys=nickname_keys,
                                         detect_swaps=detect_swaps)])


def names_spec(*, nickname_keys: bool = True, detect_swaps: bool = True) -> Distinct:
    """normalize_names as a per-distinct-value mapping."""
    return Distinct(_NAME_KEYS, lambda small: _names(
        small, nickname_keys=nickname_keys, detect_swaps=detect_swaps), drop=_SCRATCH)


def _names(lf: pl.LazyFrame, *, nickname_keys: bool, detect_swaps: bool) -> pl.LazyFrame:
    """Runs on distinct (first, last, full) triples; what depends on one column alone
    (cleaning, honorifics, suffixes, the split of a full name, case and keys of the result)
    runs once per distinct value of that column.

    A cleaned value is a column before it is cleaned again: ``clean(clean(x))`` in one
    expression is evaluated ~10x over (the optimizer does not share nested repeats).
    """
    lf = with_distinct(lf, [
        Distinct(("_raw_first_name",), _first_parts), Distinct(("_raw_last_name",), _last_parts),
        Distinct(("_raw_full_name",), _full_parts)])
    comma = pl.col("_comma")
    needs_split = pl.col("_full").is_not_null() & (
        pl.col("_fn").is_null() | pl.col("_ln").is_null())
    first = pl.when(needs_split).then(pl.coalesce("_fn", "_p_first")).otherwise(pl.col("_fn"))
    last = pl.when(needs_split).then(pl.coalesce("_ln", "_p_last")).otherwise(pl.col("_ln"))
    rule = (pl.when(needs_split & comma).then(pl.lit("name.last_comma_first"))
            .when(needs_split).then(pl.lit("name.split_full_name"))
            .otherwise(pl.lit("name.clean")))
    lf = lf.with_columns(_first=first, _last=last, _name_rule=rule,
                         _pfx=pl.coalesce("_full_pfx", "_fn_pfx"),
                         _sfx=pl.coalesce("_full_sfx", "_ln_sfx"))
    swapped = pl.lit(False)
    if detect_swaps:
        # Cheap and conservative: a common surname in first_name, a popular given name that is
        # not also a surname in last_name.
        lf = with_distinct(lf, [Distinct(("_first",), _surname_like),
                                Distinct(("_last",), _given_like)])
        swapped = (~needs_split & pl.col("_first_surname") & pl.col("_last_given")) \
            .fill_null(False)
    lf = lf.with_columns(_swapped=swapped)  # its own column: read by four expressions below
    swapped = pl.col("_swapped")
    lf = lf.with_columns(
        name_swapped=swapped | (needs_split & comma).fill_null(False),
        _first=pl.when(swapped).then(pl.col("_last")).otherwise(pl.col("_first")),
        _last=pl.when(swapped).then(pl.col("_first")).otherwise(pl.col("_last")),
        _name_rule=pl.when(swapped).then(pl.lit("name.swap_first_last"))
        .otherwise(pl.col("_name_rule")),
    )
    lf = with_distinct(lf, [
        Distinct(("_first",), lambda u: _display(u, "_first", "first_name", surname=False,
                                                 nickname_keys=nickname_keys)),
        Distinct(("_last",), lambda u: _display(u, "_last", "last_name", surname=True,
                                                nickname_keys=False))])
    return lf.with_columns(
        name_prefix=_prefix_display(pl.col("_pfx")),
        name_suffix=_suffix_display(pl.col("_sfx")),
        full_name=pl.coalesce(
            pl.concat_str("first_name", "last_name", separator=" ", ignore_nulls=True)
            .replace("", None),
            pl.col("_full")),
    )


def _first_parts(lf: pl.LazyFrame) -> pl.LazyFrame:
    """A first name cleaned, its honorific (Dr., Mrs) apart."""
    fn = pl.col("_fn")
    return lf.with_columns(_fn=clean(pl.col("_raw_first_name"))).with_columns(
        _fn_pfx=fn.str.extract(_PREFIX_RE, 1), _fn=clean(fn.str.replace(_PREFIX_RE, "")))


def _last_parts(lf: pl.LazyFrame) -> pl.LazyFrame:
    """A last name cleaned, its suffix (Jr., PhD) apart."""
    ln = pl.col("_ln")
    return lf.with_columns(_ln=clean(pl.col("_raw_last_name"))).with_columns(
        _ln_sfx=ln.str.extract(rf"(?i)({_SUFFIX_BODY})", 1),
        _ln=clean(ln.str.replace(_SUFFIX_RE, "")))


def _full_parts(lf: pl.LazyFrame) -> pl.LazyFrame:
    """A full name cleaned, honorific and suffix apart, and split into first and last:
    'Last, First' at the comma, else particles stay with the last word (Ludwig van
    Beethoven)."""
    full = pl.col("_full")
    lf = lf.with_columns(_full=clean(pl.col("_raw_full_name"))).with_columns(
        _full_pfx=full.str.extract(_PREFIX_RE, 1),
        _full_sfx=full.str.extract(rf"(?i)({_SUFFIX_BODY})", 1),
        _full=clean(full.str.replace(_PREFIX_RE, "").str.replace(_SUFFIX_RE, "")))
    comma = full.str.contains(",")
    return lf.with_columns(
        _comma=comma,
        _p_first=pl.when(comma).then(clean(full.str.extract(r",(.*)$", 1)))
        .otherwise(pl.coalesce(full.str.extract(_SPLIT_RE, 1), full)),
        _p_last=pl.when(comma).then(clean(full.str.extract(r"^([^,]*),", 1)))
        .otherwise(full.str.extract(_SPLIT_RE, 2)),
    )


def _surname_like(lf: pl.LazyFrame) -> pl.LazyFrame:
    key = match_key(pl.col("_first"))
    return lf.with_columns(_first_surname=key.is_in(list(data.COMMON_SURNAMES))
                           & ~key.is_in(list(data.POPULAR_GIVEN_NAMES)))


def _given_like(lf: pl.LazyFrame) -> pl.LazyFrame:
    key = match_key(pl.col("_last"))
    return lf.with_columns(
        _last_given=key.replace(data.nickname_table()).is_in(list(data.POPULAR_GIVEN_NAMES))
        & ~key.is_in(list(data.COMMON_SURNAMES)))


def _display(lf: pl.LazyFrame, column: str, name: str, *, surname: bool,
             nickname_keys: bool) -> pl.LazyFrame:
    """The name as displayed (case fixed) and its matching key (nickname-canonical)."""
    lf = lf.with_columns(fix_case(pl.col(column), surname=surname).alias(name))
    key = match_key(pl.col(name))
    if nickname_keys:
        key = key.replace(data.nickname_table())
    return lf.with_columns(pl.when(key.str.len_bytes() > 0).then(key).alias(f"{name}_key"))
