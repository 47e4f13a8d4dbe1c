"""Phone validity from the ``phonenumbers`` metadata, applied column-wise by Polars.

``phonenumbers.parse`` + ``is_valid_number`` cost ~36 µs a value: 93k German landlines in
1M generated rows took 3.4 s. The library's rules for a number are data (per region: country
code, international and national prefixes, possible lengths and a full-match pattern per
number type), so this module applies that same data column-wise as regexes, each on the
rows it concerns (those of one region, parsing region or country code). It mirrors the
library's steps (country code extraction, national prefix stripping with its viability and
length checks, region of a shared country code, type patterns) and decides only the cases
where those steps are plain; anything else (letters, a prefix given as a regex or
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

    Works on sub-frames so that every rule is a literal test on the rows it concerns: the
    rows of one record region (international prefix, own country code), then of one
    parsing region (national prefix), then of one country code (region of the number and
    validity).

    Args:
        frame: ``digits`` (every digit of the number, Utf8), ``plus`` (written with a
            leading +), ``region`` (where a national number is from) and ``eligible``
            (only digits and separators were written).

    Returns:
        ``e164``, ``valid`` and ``region`` per row, all null where undecided.
    """
    rows = frame.with_row_index("_i").filter(pl.col("eligible"))
    split = [_split_region(part, rules) for (name,), part in
             rows.partition_by("region", as_dict=True, maintain_order=False).items()
             if name is not None and (rules := rules_for(name)) is not None]
    national = [n for n, _ in split]
    decided = pl.concat([*national, _international([i for _, i in split])], how="vertical")
    stripped = [_stripped(part, rules) for (name,), part in
                decided.partition_by("_pr", as_dict=True, maintain_order=False).items()
                if (rules := rules_for(name)) is not None and rules.prefix_is_plain]
    claims = [_claims(part, cc) for (cc,), part in
              pl.concat([_EMPTY, *stripped]).partition_by("_cc", as_dict=True,
                                                          maintain_order=False).items()]
    found = frame.with_row_index("_i").join(
        pl.concat([_CLAIMED, *claims]), on="_i", how="left", maintain_order="left")
    ok = pl.col("_valid").is_not_null()
    return found.select(
        e164=pl.when(pl.col("_valid")).then(pl.concat_str(pl.lit("+"), "_cc", "_nsn")),
        valid="_valid",
        region=pl.when(ok).then(pl.coalesce(pl.col("_found"), pl.col("region"))),
    )


_EMPTY = pl.DataFrame(schema={"_i": pl.UInt32, "_cc": pl.String, "_nsn": pl.String,
                              "_pr": pl.String})
_CLAIMED = pl.DataFrame(schema={"_i": pl.UInt32, "_cc": pl.String, "_nsn": pl.String,
                                "_found": pl.String, "_valid": pl.Boolean})


def _split_region(part: pl.DataFrame, rules: RegionRules) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One record region's rows: national numbers (country code, national number, parsing
    region) and international ones (digits after the + or the international prefix)."""
    d, plus = pl.col("digits"), pl.col("plus")
    intl = plus
    rest = pl.when(plus).then(d)
    if rules.idd:
        via = ~plus & d.str.starts_with(rules.idd) & (d.str.slice(len(rules.idd), 1) != "0")
        intl = plus | via
        rest = rest.when(via).then(d.str.slice(len(rules.idd)))
    part = part.with_columns(_intl=intl)
    international = part.filter("_intl").select("_i", _rest=rest)
    cc = str(rules.country_code)
    # Plain cases only: a national number starting with its own country code, or a region
    # whose international prefix is not plain digits, is the library's to read.
    national = part.filter(~pl.col("_intl") & ~d.str.starts_with(cc)) if rules.idd \
        else part.clear()
    return national.select("_i", _cc=pl.lit(cc), _nsn=d, _pr=pl.lit(rules.region)), \
        international


def _international(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Country code (the library's 1-3 digit prefix), national number and parsing region
    (the code's main region) of numbers written internationally."""
    codes = country_codes()
    known = [str(cc) for cc in codes]
    rest = pl.col("_rest")
    rows = pl.concat([pl.DataFrame(schema={"_i": pl.UInt32, "_rest": pl.String}), *parts])
    rows = rows.filter(rest.str.len_bytes() > _MIN_NSN)
    head = [rest.str.slice(0, n) for n in (1, 2, 3)]
    rows = rows.with_columns(_cc=pl.when(head[0].is_in(known)).then(head[0])
                             .when(head[1].is_in(known)).then(head[1])
                             .when(head[2].is_in(known)).then(head[2])).drop_nulls("_cc")
    main = {cc: codes[int(cc)][0] for cc in rows["_cc"].unique().to_list()}
    return rows.select(
        "_i", "_cc", _nsn=rest.str.slice(pl.col("_cc").str.len_bytes()),
        _pr=pl.col("_cc").replace_strict(main, return_dtype=pl.String))


def _stripped(part: pl.DataFrame, rules: RegionRules) -> pl.DataFrame:
    """One parsing region's rows, national prefix stripped, of a length a plan can have."""
    nsn = _strip_prefix(pl.col("_nsn"), rules)
    return part.with_columns(_nsn=nsn).filter(
        pl.col("_nsn").str.len_bytes().is_between(_MIN_NSN, _MAX_NSN))


def _claims(rows: pl.DataFrame, cc: str) -> pl.DataFrame:
    """Region of the number and validity, for the rows of one country code.

    The library's region_code_for_number: the first region of the code whose leading
    digits match or (without leading digits) for which the number is valid; the number is
    then valid if that region's types say so. Claimed rows leave ``rows``; what no region
    claims is invalid.
    """
    regions = country_codes()[int(cc)]
    single = len(regions) == 1
    rows = rows.select("_i", "_cc", "_nsn")
    claims = []
    for rules in (r for name in regions if (r := rules_for(name)) is not None):
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
        claims.append(claimed.with_columns(_found=pl.lit(rules.region), _valid=verdict))
        rows = rows.filter(~hit)
    claims.append(rows.with_columns(_found=pl.lit(None, dtype=pl.String),
                                    _valid=pl.lit(False)))
    return pl.concat(claims)
