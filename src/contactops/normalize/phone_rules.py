"""Phone validity from the ``phonenumbers`` metadata, applied column-wise by Polars.

``phonenumbers.parse`` + ``is_valid_number`` cost ~36 µs a value: 93k German landlines in
1M generated rows took 3.4 s. The library's rules for a number are data (per region: country
code, international and national prefixes, possible lengths and a full-match pattern per
number type), so this module applies that same data to whole columns as regexes. It mirrors
the library's steps (country code extraction, national prefix stripping with its viability
and length checks, region of a shared country code, type patterns) and decides only the
cases where those steps are plain; anything else (letters, a prefix given as a regex or
with a transform rule, a national number that starts with its own country code, unknown
codes) stays undecided for the library. ``tests/normalize/test_phone_rules.py`` compares
both on the library's example numbers of every region, valid and altered.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import polars as pl

_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
          "voicemail", "fixed_line", "mobile")
_PLAIN_DIGITS = frozenset("0123456789")
_MIN_NSN, _MAX_NSN = 2, 17


@dataclass(frozen=True)
class Desc:
    """A number type: the lengths it may have and its full-match pattern."""

    lengths: tuple[int, ...]
    pattern: str


@dataclass(frozen=True)
class RegionRules:
    """What this module needs of one region's metadata."""

    region: str
    country_code: int
    idd: str | None  # international prefix, when it is plain digits
    national_prefix: str | None  # the library's prefix-for-parsing regex, if any
    prefix_is_plain: bool  # False: the library's prefix rule transforms the number
    general: Desc
    local_lengths: tuple[int, ...]
    types: tuple[Desc, ...]
    leading_digits: str | None


def _plain(text: str | None) -> bool:
    return bool(text) and set(text or "") <= _PLAIN_DIGITS


@lru_cache(maxsize=512)
def rules_for(region: str) -> RegionRules | None:
    """The region's rules, or None for a region the library has no metadata for."""
    from phonenumbers import PhoneMetadata

    meta = PhoneMetadata.metadata_for_region(region, None)
    if meta is None or meta.general_desc is None:
        return None
    general = meta.general_desc
    prefix = meta.national_prefix_for_parsing
    types = []
    for name in (*_ORDER, *(t for t in _TYPES if t not in _ORDER)):
        desc = getattr(meta, name)
        if desc is not None and desc.national_number_pattern:
            types.append(Desc(tuple(desc.possible_length), f"^(?:{desc.national_number_pattern})$"))
    return RegionRules(
        region=region, country_code=meta.country_code,
        idd=meta.international_prefix if _plain(meta.international_prefix) else None,
        national_prefix=prefix or None,
        prefix_is_plain=not meta.national_prefix_transform_rule,
        general=Desc(tuple(general.possible_length), f"^(?:{general.national_number_pattern})$"),
        local_lengths=tuple(general.possible_length_local_only),
        types=tuple(types), leading_digits=meta.leading_digits)


@lru_cache(maxsize=1)
def country_codes() -> dict[int, tuple[str, ...]]:
    """Country calling code -> its regions, main region first (the library's own map)."""
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    return {cc: tuple(regions) for cc, regions in COUNTRY_CODE_TO_REGION_CODE.items()}


#: The common types first: a number stops being tested once one type matched.
_ORDER = ("fixed_line", "mobile")


def valid_mask(nsn: pl.Series, rules: RegionRules) -> pl.Series:
    """The library's ``_number_type_helper(nsn) != UNKNOWN`` for a column (null stays null).

    Each type's pattern runs only on the values no earlier type matched, and only on those
    of a length the type allows.
    """
    rows = pl.DataFrame({"i": pl.int_range(len(nsn), dtype=pl.UInt32, eager=True), "n": nsn})
    length = pl.col("n").str.len_bytes()

    def fits(desc: Desc) -> pl.Expr:
        allowed = length.is_in(list(desc.lengths)) if desc.lengths else pl.lit(True)
        return (allowed & pl.col("n").str.contains(desc.pattern)).fill_null(False)

    rows = rows.filter(fits(rules.general))
    hits = []
    for desc in rules.types:
        if rows.is_empty():
            break
        hit = rows.select(fits(desc)).to_series()
        hits.append(rows["i"].filter(hit))
        rows = rows.filter(~hit)
    out = pl.repeat(False, len(nsn), dtype=pl.Boolean, eager=True)
    if hits:
        out = out.scatter(pl.concat(hits), True)
    return pl.select(pl.when(nsn.is_not_null()).then(out)).to_series()


def _strip_prefix(nsn: pl.Expr, rules: RegionRules) -> pl.Expr:
    """The library's national prefix stripping (no transform rule), with both its checks:
    the stripped number must stay viable if the original was, and have a possible length."""
    if rules.national_prefix is None:
        return nsn
    if _plain(rules.national_prefix):
        candidate = pl.when(nsn.str.starts_with(rules.national_prefix)).then(nsn)
        stripped = candidate.str.slice(len(rules.national_prefix))
    else:  # Python's re.match and Rust's regex both take the leftmost-first alternative.
        prefix = nsn.str.extract(f"^((?:{rules.national_prefix}))", 1)
        candidate = pl.when(prefix.is_not_null()).then(nsn)
        stripped = candidate.str.slice(prefix.str.len_bytes())
    viable = candidate.str.contains(rules.general.pattern)
    still_viable = stripped.str.contains(rules.general.pattern)
    length = stripped.str.len_bytes()
    lengths = list(rules.general.lengths)
    length_ok = ~length.is_in(list(rules.local_lengths)) & (
        length.is_in(lengths) | (length > max(lengths, default=0)))
    strip = (~(viable & ~still_viable) & length_ok).fill_null(False)
    return pl.when(strip).then(stripped).otherwise(nsn)


def decide(frame: pl.DataFrame) -> pl.DataFrame:
    """Decide numbers the library would parse by plain rules.

    Args:
        frame: ``digits`` (every digit of the number, Utf8), ``plus`` (written with a
            leading +), ``region`` (where a national number is from) and ``eligible``
            (only digits and separators were written).

    Returns:
        ``e164``, ``valid`` and ``region`` per row, all null where undecided.
    """
    codes = country_codes()
    by_region = {r: rules for r in frame["region"].drop_nulls().unique().to_list()
                 if (rules := rules_for(r)) is not None}
    regions = list(by_region)
    d, region = pl.col("digits"), pl.col("region")
    nat_cc = region.replace_strict({r: str(x.country_code) for r, x in by_region.items()},
                                   default=None, return_dtype=pl.String)
    idds = {x.idd for x in by_region.values() if x.idd}
    idd = region.replace_strict({r: x.idd for r, x in by_region.items() if x.idd},
                                default=None, return_dtype=pl.String)
    # One literal test per distinct prefix (expression-valued string arguments are slow).
    after_idd = pl.lit(None, dtype=pl.String)
    for prefix in idds:
        mine = ~pl.col("plus") & (idd == prefix) & d.str.starts_with(prefix) \
            & (d.str.slice(len(prefix), 1) != "0")
        after_idd = pl.when(mine.fill_null(False)).then(d.str.slice(len(prefix))) \
            .otherwise(after_idd)
    via_idd = after_idd.is_not_null()
    rest = pl.when(pl.col("plus")).then(d).otherwise(after_idd)
    known = [str(cc) for cc in codes]
    head = [pl.col("_rest").str.slice(0, n) for n in (1, 2, 3)]
    intl_cc = pl.when(head[0].is_in(known)).then(head[0]).when(head[1].is_in(known)) \
        .then(head[1]).when(head[2].is_in(known)).then(head[2])
    own_cc = pl.lit(False)  # a national number that starts with its region's country code
    for cc in {str(x.country_code) for x in by_region.values()}:
        own_cc = own_cc | ((nat_cc == cc) & d.str.starts_with(cc)).fill_null(False)
    work = frame.with_columns(_intl=pl.col("plus") | via_idd, _rest=rest).with_columns(
        _cc=pl.when("_intl").then(intl_cc).otherwise(nat_cc))
    cc_len = pl.col("_cc").str.len_bytes()
    work = work.with_columns(
        _nsn=pl.when(~pl.col("_intl")).then(d).when(cc_len == 1).then(pl.col("_rest").str.slice(1))
        .when(cc_len == 2).then(pl.col("_rest").str.slice(2))
        .otherwise(pl.col("_rest").str.slice(3)),
        # Plain cases only: a national number starting with its own country code, or a
        # region whose international prefix is not plain digits, is the library's to read.
        _ok=pl.col("eligible") & pl.col("_cc").is_not_null() & region.is_in(regions)
        & (pl.col("_intl") | (idd.is_not_null() & ~own_cc))
        & (pl.col("_rest").str.len_bytes() > _MIN_NSN).fill_null(True),
    )
    main = {cc: codes[int(cc)][0] for cc in work["_cc"].drop_nulls().unique().to_list()}
    parse_region = pl.when(pl.col("_intl")).then(
        pl.col("_cc").replace_strict(main, default=None, return_dtype=pl.String)).otherwise(region)
    work = work.with_columns(_pr=parse_region)
    nsn, ok = pl.col("_nsn"), pl.col("_ok")
    stripped = pl.lit(None, dtype=pl.String)
    for name in work["_pr"].drop_nulls().unique().to_list():
        rules = rules_for(name)
        if rules is not None and rules.prefix_is_plain:
            mine = pl.when(ok & (pl.col("_pr") == name)).then(nsn)
            stripped = pl.coalesce(_strip_prefix(mine, rules), stripped)
    work = work.with_columns(_nsn=stripped).with_columns(
        _ok=ok & nsn.str.len_bytes().is_between(_MIN_NSN, _MAX_NSN).fill_null(False))
    work = work.with_row_index("_i")
    claims = [pl.DataFrame(schema={"_i": pl.UInt32, "_found": pl.String, "_valid": pl.Boolean})]
    for cc in main:
        rows = work.filter(ok & (pl.col("_cc") == cc)).select("_i", "_nsn")
        single = len(codes[int(cc)]) == 1
        for rules in (r for name in codes[int(cc)] if (r := rules_for(name)) is not None):
            # The library's region_code_for_number: the first region whose leading digits
            # match or (without leading digits) for which the number is valid; the number is
            # then valid if that region's types say so. Claimed rows leave ``rows``.
            if rows.is_empty():
                break
            if single or rules.leading_digits:
                hit = (pl.repeat(True, rows.height, eager=True) if single else
                       rows["_nsn"].str.contains(f"^(?:{rules.leading_digits})").fill_null(False))
                claimed = rows.filter(hit)
                verdict = valid_mask(claimed["_nsn"], rules)
            else:
                hit = valid_mask(rows["_nsn"], rules).fill_null(False)
                claimed = rows.filter(hit)
                verdict = pl.repeat(True, claimed.height, eager=True)
            claims.append(claimed.select("_i", _found=pl.lit(rules.region), _valid=verdict))
            rows = rows.filter(~hit)
        claims.append(rows.select("_i", _found=pl.lit(None, dtype=pl.String),
                                  _valid=pl.lit(False)))
    work = work.join(pl.concat(claims), on="_i", how="left", maintain_order="left")
    return work.select(
        e164=pl.when(ok & pl.col("_valid")).then(pl.concat_str(pl.lit("+"), pl.col("_cc"), nsn)),
        valid=pl.when(ok).then(pl.col("_valid").fill_null(False)),
        region=pl.when(ok).then(pl.coalesce(pl.col("_found"), region)),
    )
