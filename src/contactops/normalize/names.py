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
_SCRATCH = ("_fn", "_ln", "_full", "_pfx", "_sfx", "_p_first", "_p_last", "_first", "_last")


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
    lf = lf.with_columns(
        _fn=clean(pl.col("_raw_first_name")),
        _ln=clean(pl.col("_raw_last_name")),
        _full=clean(pl.col("_raw_full_name")),
    )
    lf = lf.with_columns(
        _pfx=pl.coalesce(pl.col("_full").str.extract(_PREFIX_RE, 1),
                         pl.col("_fn").str.extract(_PREFIX_RE, 1)),
        _sfx=pl.coalesce(pl.col("_full").str.extract(rf"(?i)({_SUFFIX_BODY})", 1),
                         pl.col("_ln").str.extract(rf"(?i)({_SUFFIX_BODY})", 1)),
        _fn=clean(pl.col("_fn").str.replace(_PREFIX_RE, "")),
        _ln=clean(pl.col("_ln").str.replace(_SUFFIX_RE, "")),
        _full=clean(pl.col("_full").str.replace(_PREFIX_RE, "").str.replace(_SUFFIX_RE, "")),
    )
    comma = pl.col("_full").str.contains(",")
    needs_split = pl.col("_full").is_not_null() & (
        pl.col("_fn").is_null() | pl.col("_ln").is_null())
    lf = lf.with_columns(
        _p_first=pl.when(comma).then(clean(pl.col("_full").str.extract(r",(.*)$", 1)))
        .otherwise(pl.coalesce(pl.col("_full").str.extract(_SPLIT_RE, 1), pl.col("_full"))),
        _p_last=pl.when(comma).then(clean(pl.col("_full").str.extract(r"^([^,]*),", 1)))
        .otherwise(pl.col("_full").str.extract(_SPLIT_RE, 2)),
    )
    first = pl.when(needs_split).then(pl.coalesce("_fn", "_p_first")).otherwise(pl.col("_fn"))
    last = pl.when(needs_split).then(pl.coalesce("_ln", "_p_last")).otherwise(pl.col("_ln"))
    rule = (pl.when(needs_split & comma).then(pl.lit("name.last_comma_first"))
            .when(needs_split).then(pl.lit("name.split_full_name"))
            .otherwise(pl.lit("name.clean")))
    lf = lf.with_columns(_first=first, _last=last, _name_rule=rule)
    swapped = pl.lit(False)
    if detect_swaps:
        # Cheap and conservative: a common surname in first_name, a popular given name that is
        # not also a surname in last_name.
        fk, lk = match_key(pl.col("_first")), match_key(pl.col("_last"))
        surnames, popular = list(data.COMMON_SURNAMES), list(data.POPULAR_GIVEN_NAMES)
        swapped = (~needs_split & fk.is_in(surnames) & ~fk.is_in(popular)
                   & lk.replace(data.nickname_table()).is_in(popular)
                   & ~lk.is_in(surnames)).fill_null(False)
    lf = lf.with_columns(
        name_swapped=swapped | (needs_split & comma).fill_null(False),
        _first=pl.when(swapped).then(pl.col("_last")).otherwise(pl.col("_first")),
        _last=pl.when(swapped).then(pl.col("_first")).otherwise(pl.col("_last")),
        _name_rule=pl.when(swapped).then(pl.lit("name.swap_first_last"))
        .otherwise(pl.col("_name_rule")),
    )
    lf = lf.with_columns(
        first_name=fix_case(pl.col("_first"), surname=False),
        last_name=fix_case(pl.col("_last"), surname=True),
        name_prefix=_prefix_display(pl.col("_pfx")),
        name_suffix=_suffix_display(pl.col("_sfx")),
    )
    first_key = match_key(pl.col("first_name"))
    if nickname_keys:
        first_key = first_key.replace(data.nickname_table())
    return lf.with_columns(
        full_name=pl.coalesce(
            pl.concat_str("first_name", "last_name", separator=" ", ignore_nulls=True)
            .replace("", None),
            pl.col("_full")),
        first_name_key=pl.when(first_key.str.len_bytes() > 0).then(first_key),
        last_name_key=pl.when(match_key(pl.col("last_name")).str.len_bytes() > 0)
        .then(match_key(pl.col("last_name"))),
    )
