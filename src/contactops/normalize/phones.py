"""Phone numbers to E.164 with a vectorized fast path and a per-unique-value fallback.

Region of a national number: the record's (normalized) country, else the pipeline's
``phone_region``, else the project's ``default_country``; so '020 7946 0958' with country UK
becomes +442079460958, never +1. The fast path (:mod:`phone_rules`) applies the
``phonenumbers`` metadata of every region column-wise; what it leaves undecided goes, once per
unique (number, region), to the library itself. Invalid numbers are flagged, never dropped:
``phone`` keeps the cleaned raw text.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from contactops.normalize import phone_rules
from contactops.normalize.text import clean

_EXT_RE = r"(?i)\s*(?:,|;)?\s*(?:ext\.?|extension|ext|x|#)\s*(\d{1,7})\s*$"

_SCRATCH = ("_pmain", "_pregion", "_pnumber", "_pdigits", "_pout")
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


def _decide(batch: pl.Series) -> pl.Series:
    """E.164, validity and region: the metadata rules first, the library for what they leave.

    The library runs once per unique (number, region) the rules leave undecided.
    """
    frame = batch.struct.unnest()
    fast = phone_rules.decide(frame.select("digits", "plus", "region",
                                           eligible=pl.col("eligible") & ~pl.col("hopeless")))
    frame = frame.with_columns(
        e164=fast["e164"], valid=pl.when("hopeless").then(pl.lit(False)).otherwise(fast["valid"]),
        found=fast["region"])
    undecided = (pl.col("number").is_not_null() & pl.col("valid").is_null()
                 & pl.col("library"))
    todo = frame.filter(undecided).select("number", "region").unique().drop_nulls()
    rows = [(n, r, *_library_parse(n, r)) for n, r in todo.iter_rows()]
    table = pl.DataFrame(rows, schema={"number": pl.String, "region": pl.String,
                                       "lib_e164": pl.String, "lib_valid": pl.Boolean,
                                       "lib_region": pl.String}, orient="row")
    joined = frame.join(table, on=["number", "region"], how="left", maintain_order="left")
    decided = joined.select(
        e164=pl.when(undecided).then("lib_e164").otherwise("e164"),
        valid=pl.when(undecided).then("lib_valid").otherwise("valid"),
        region=pl.when(undecided).then("lib_region").otherwise("found"),
    )
    return decided.to_struct(batch.name)


def normalize_phones(lf: pl.LazyFrame, *, default_region: str,
                     library_fallback: bool = True) -> pl.LazyFrame:
    """Add phone, phone_e164, phone_extension, phone_valid, phone_region.

    Needs ``_raw_phone`` and the normalized ``country`` column.
    """
    # Each step's input is a column: an expression used by several others is not always
    # computed once by the optimizer (see names._names).
    lf = lf.with_columns(phone=clean(pl.col("_raw_phone")))
    raw = pl.col("phone")
    lf = lf.with_columns(
        phone_extension=raw.str.extract(_EXT_RE, 1),
        _pmain=raw.str.replace(_EXT_RE, "").str.replace(r"\(0\)", ""),
        _pregion=pl.coalesce(pl.col("country"), pl.lit(default_region)),
    )
    main = pl.col("_pmain")
    # A leading 00 is read as the international prefix whatever the region (as '+'), also
    # where that region dials out with another prefix (US: 011): people write it that way.
    via00 = main.str.contains(r"^[^\d+]*00[1-9]")
    lf = lf.with_columns(_pnumber=pl.when(via00).then(
        pl.lit("+") + main.str.replace(r"^[^\d+]*00", "")).otherwise(main))
    number = pl.col("_pnumber")
    lf = lf.with_columns(_pdigits=number.str.replace_all(r"\D", ""))
    digits = pl.col("_pdigits")
    n_digits = digits.str.len_bytes()
    out = pl.struct(
        number=number, region=pl.col("_pregion"), digits=digits,
        plus=number.str.contains(r"^[^\d+]*\+"),
        # Only digits and separators: letters (vanity numbers) and odd marks are the library's.
        eligible=number.str.contains(r"^\s*\+?[\d\s().\-/]+$").fill_null(False),
        # No digits, or too short / long for any plan: invalid without asking anyone.
        hopeless=(n_digits.is_between(0, 4) | (n_digits > 15)).fill_null(False),
        library=pl.lit(library_fallback),
    ).map_batches(_decide, return_dtype=_RESULT)
    lf = lf.with_columns(_pout=out)
    phone = pl.col("phone")
    return lf.with_columns(
        phone_e164=pl.col("_pout").struct.field("e164"),
        phone_valid=pl.when(phone.is_not_null()).then(
            pl.col("_pout").struct.field("valid").fill_null(False)),
        phone_region=pl.when(phone.is_not_null()).then(
            pl.coalesce(pl.col("_pout").struct.field("region"), pl.col("_pregion"))),
    ).drop(_SCRATCH)
