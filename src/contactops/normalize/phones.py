"""Phone numbers to E.164 with a vectorized fast path and a per-unique-value fallback.

Region of a national number: the record's (normalized) country, else the pipeline's
``phone_region``, else the project's ``default_country``; so '020 7946 0958' with country UK
becomes +442079460958, never +1. The fast path decides common formats for NANP (US/CA), GB,
DE, FR and +1/+44/+49/+33 international numbers; everything else goes, once per unique
(number, region), to the ``phonenumbers`` library. Invalid numbers are flagged, never dropped:
``phone`` keeps the cleaned raw text.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from contactops.normalize.text import clean

_EXT_RE = r"(?i)\s*(?:,|;)?\s*(?:ext\.?|extension|ext|x|#)\s*(\d{1,7})\s*$"
_NANP = r"^[2-9]\d{2}[2-9]\d{6}$"
_GB = r"^(?:[123]\d{9}|7[1-9]\d{8})$"
_DE_MOBILE = r"^1[5-7]\d{8,9}$"
_FR = r"^[1-9]\d{8}$"
_NANP_REGIONS = ["US", "CA"]

_RESULT = pl.Struct({"e164": pl.String, "valid": pl.Boolean, "region": pl.String})


@lru_cache(maxsize=131072)
def _library_parse(number: str, region: str) -> tuple[str | None, bool, str | None]:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None, False, None
    if not phonenumbers.is_valid_number(parsed):
        return None, False, phonenumbers.region_code_for_number(parsed) or region
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, True, phonenumbers.region_code_for_number(parsed)


def _parse_undecided(batch: pl.Series) -> pl.Series:
    """Decide the fast path's leftovers with phonenumbers, once per unique (number, region)."""
    frame = batch.struct.unnest()
    todo = frame.filter(pl.col("undecided")).select("number", "region").unique().drop_nulls()
    rows = [(n, r, *_library_parse(n, r)) for n, r in todo.iter_rows()]
    table = pl.DataFrame(rows, schema={"number": pl.String, "region": pl.String,
                                       "e164": pl.String, "valid": pl.Boolean,
                                       "found_region": pl.String}, orient="row")
    joined = frame.with_row_index("_i").join(table, on=["number", "region"], how="left") \
        .sort("_i")
    decided = joined.select(
        e164=pl.when("undecided").then("e164_right").otherwise("e164"),
        valid=pl.when("undecided").then("valid_right").otherwise("valid"),
        region=pl.when("undecided").then("found_region").otherwise("region_out"),
    )
    return decided.to_struct(batch.name)


def normalize_phones(lf: pl.LazyFrame, *, default_region: str,
                     library_fallback: bool = True) -> pl.LazyFrame:
    """Add phone, phone_e164, phone_extension, phone_valid, phone_region.

    Needs ``_raw_phone`` and the normalized ``country`` column.
    """
    raw = clean(pl.col("_raw_phone"))
    lf = lf.with_columns(
        phone=raw,
        phone_extension=raw.str.extract(_EXT_RE, 1),
        _pmain=raw.str.replace(_EXT_RE, "").str.replace(r"\(0\)", ""),
        _pregion=pl.coalesce(pl.col("country"), pl.lit(default_region)),
    )
    main, region = pl.col("_pmain"), pl.col("_pregion")
    intl = main.str.contains(r"^[^\d+]*(?:\+|00)")
    digits = main.str.replace_all(r"\D", "")
    digits = pl.when(intl & main.str.contains(r"^[^\d+]*00")).then(digits.str.slice(2)) \
        .otherwise(digits)
    lf = lf.with_columns(_pintl=intl, _pdig=digits)
    d, intl = pl.col("_pdig"), pl.col("_pintl")
    nat0 = d.str.slice(1)
    e164, valid, reg = [], [], []

    def case(cond: pl.Expr, number: pl.Expr, ok: pl.Expr, region_code: pl.Expr) -> None:
        e164.append((cond, number))
        valid.append((cond, ok))
        reg.append((cond, region_code))

    nanp_region = pl.when(region.is_in(_NANP_REGIONS)).then(region).otherwise(pl.lit("US"))
    # International numbers with a country code we know.
    case(intl & d.str.contains(r"^1\d{10}$"), "+" + d, d.str.slice(1).str.contains(_NANP),
         nanp_region)
    case(intl & d.str.contains(r"^44") & d.str.slice(2).str.contains(_GB), "+" + d,
         pl.lit(True), pl.lit("GB"))
    case(intl & d.str.contains(r"^33\d{9}$"), "+" + d, d.str.slice(2).str.contains(_FR),
         pl.lit("FR"))
    case(intl & d.str.contains(r"^49") & d.str.slice(2).str.contains(_DE_MOBILE), "+" + d,
         pl.lit(True), pl.lit("DE"))
    # National numbers in the record's region.
    nanp = region.is_in(_NANP_REGIONS) & ~intl
    case(nanp & d.str.contains(r"^\d{10}$"), "+1" + d, d.str.contains(_NANP), region)
    case(nanp & d.str.contains(r"^1\d{10}$"), "+" + d, d.str.slice(1).str.contains(_NANP),
         region)
    national0 = ~intl & d.str.starts_with("0")
    case((region == "GB") & national0 & nat0.str.contains(_GB), "+44" + nat0, pl.lit(True),
         region)
    case((region == "FR") & national0 & (d.str.len_bytes() == 10), "+33" + nat0,
         nat0.str.contains(_FR), region)
    case((region == "DE") & national0 & nat0.str.contains(_DE_MOBILE), "+49" + nat0,
         pl.lit(True), region)
    # Hopeless: no digits, or too short / long for any plan.
    case(d.str.len_bytes().is_between(0, 4) | (d.str.len_bytes() > 15), pl.lit(None),
         pl.lit(False), region)

    def chain(parts: list[tuple[pl.Expr, pl.Expr]], dtype: pl.DataType) -> pl.Expr:
        expr = pl.when(parts[0][0]).then(parts[0][1])
        for cond, value in parts[1:]:
            expr = expr.when(cond).then(value)
        return expr.otherwise(pl.lit(None, dtype=dtype))

    fast_valid = chain(valid, pl.Boolean)
    lf = lf.with_columns(
        _pvalid=fast_valid,
        _pe164=pl.when(fast_valid).then(chain([(c, pl.lit(v) if isinstance(v, str) else v)
                                               for c, v in e164], pl.String)),
        _preg=chain(reg, pl.String),
    )
    undecided = pl.col("phone").is_not_null() & pl.col("_pvalid").is_null()
    if library_fallback:
        out = pl.struct(number=pl.col("_pmain"), region=region, undecided=undecided,
                        e164=pl.col("_pe164"), valid=pl.col("_pvalid"),
                        region_out=pl.col("_preg")).map_batches(_parse_undecided,
                                                                return_dtype=_RESULT)
        lf = lf.with_columns(_pout=out).with_columns(
            phone_e164=pl.col("_pout").struct.field("e164"),
            phone_valid=pl.col("_pout").struct.field("valid"),
            phone_region=pl.col("_pout").struct.field("region"),
        )
    else:
        lf = lf.with_columns(phone_e164=pl.col("_pe164"), phone_valid=pl.col("_pvalid")
                             .fill_null(False), phone_region=pl.col("_preg"))
    return lf.with_columns(
        phone_valid=pl.when(pl.col("phone").is_not_null()).then(
            pl.col("phone_valid").fill_null(False)),
        phone_region=pl.when(pl.col("phone").is_not_null()).then(
            pl.coalesce("phone_region", region)),
    )
