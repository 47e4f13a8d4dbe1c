"""Tell an impossible phone number from one that only lacks its country.

'0113 496 0166' is invalid as a US number but a valid Leeds number: the record has no
country, so the normalizer read it with the default region. That is not a bad import - the
fix is to set the country - so it is reported as ``phone_needs_country`` (with the region
that makes it valid), not as ``phone_invalid``. Only the unique invalid values are tried,
with the countries that occur in the data, most frequent first.
"""

from __future__ import annotations

from functools import lru_cache

import polars as pl

MAX_REGIONS = 8
MIN_SHARE = 0.01


@lru_cache(maxsize=262144)
def valid_region(number: str, regions: tuple[str, ...]) -> str | None:
    """The first region of ``regions`` in which ``number`` is a valid number, if any."""
    import phonenumbers

    digits = sum(ch.isdigit() for ch in number)
    if digits < 6 or digits > 17:
        return None
    # A number written with its country code parses alike in every region: one try is all.
    tries = regions[:1] if number.startswith("+") else regions
    for region in tries:
        try:
            parsed = phonenumbers.parse(number, region)
        except phonenumbers.NumberParseException:
            continue
        # is_valid_number(parsed) is exactly this, and the region it finds is the answer:
        # finding it once instead of twice halves the cost (it scans every region of the
        # country code, ~25 for +1)
        found = phonenumbers.region_code_for_number(parsed)
        if phonenumbers.is_valid_number_for_region(parsed, found):
            return found or region
    return None


def candidate_regions(records: pl.DataFrame) -> tuple[str, ...]:
    """Countries (and phone regions) making up at least 1% of the records, most common first."""
    cols = [c for c in ("country", "phone_region") if c in records.columns]
    if not cols:
        return ()
    values = pl.concat([records.select(pl.col(c).alias("r")) for c in cols]).drop_nulls()
    return regions_from_counts(values.group_by("r").len())


def regions_from_counts(counts: pl.DataFrame) -> tuple[str, ...]:
    """:func:`candidate_regions` from the counts of every country and phone region value
    (columns ``r`` and ``len``), so the engine can count them over a whole table."""
    total = counts["len"].sum() if counts.height else 0
    if not total:
        return ()
    counts = counts.sort("len", "r", descending=[True, False])
    keep = counts.filter(pl.col("len") >= MIN_SHARE * total).head(MAX_REGIONS)
    return tuple(r for r in keep["r"].to_list() if isinstance(r, str) and len(r) == 2)


def resolvable_regions(records: pl.DataFrame,
                       regions: tuple[str, ...] | None = None) -> pl.DataFrame:
    """record_id -> region for invalid phones that are valid in another likely region
    (``regions``: the likely ones; by default :func:`candidate_regions` of ``records``)."""
    invalid = records.filter(
        pl.col("phone").is_not_null() & ~pl.col("phone_valid").fill_null(False))
    if invalid.height == 0:
        return pl.DataFrame(schema={"record_id": pl.String, "phone_fix_region": pl.String})
    if regions is None:
        regions = candidate_regions(records)
    # Spelling variants of one number ('0113 496 0166', '0113.496.0166 x12') parse alike:
    # try each digit string once.
    key = (pl.col("phone").str.replace(r"(?i)\s*(?:ext\.?|x|#)\s*\d{1,7}\s*$", "")
           .str.replace_all(r"[^+0-9]", ""))
    keyed = invalid.select("record_id", key.alias("_key"))
    found = {k: valid_region(k, regions) for k in keyed["_key"].unique().to_list() if k}
    return keyed.select(
        "record_id",
        phone_fix_region=pl.col("_key").replace_strict(found, default=None,
                                                       return_dtype=pl.String),
    ).filter(pl.col("phone_fix_region").is_not_null())
