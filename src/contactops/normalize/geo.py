"""Countries to ISO 3166 alpha-2, and conventional casing of region, postal code and city."""

from __future__ import annotations

import polars as pl

from contactops.normalize import country_data as data
from contactops.normalize.distinct import Distinct, with_distinct
from contactops.normalize.text import clean, is_single_case, match_key

_GB_POSTCODE = r"^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$"
_CA_POSTCODE = r"^[A-Z]\d[A-Z]\d[A-Z]\d$"
_NL_POSTCODE = r"^\d{4}[A-Z]{2}$"


def _title_if_single_case(value: pl.Expr) -> pl.Expr:
    return pl.when(is_single_case(value)).then(value.str.to_titlecase()).otherwise(value)


def _postal(raw: pl.Expr, country: pl.Expr) -> pl.Expr:
    upper = raw.str.to_uppercase()
    compact = upper.str.replace_all(r"[\s-]", "")
    us = upper.str.replace_all(r"\s", "")
    return (
        pl.when((country == "US") & us.str.contains(r"^\d{5}(?:-?\d{4})?$"))
        .then(pl.concat_str(us.str.slice(0, 5),
                            pl.when(us.str.len_bytes() > 5)
                            .then(pl.lit("-") + us.str.replace("-", "").str.slice(5)),
                            ignore_nulls=True))
        # Spreadsheets drop the leading zero of New England ZIP codes: 2134 -> 02134.
        .when((country == "US") & us.str.contains(r"^\d{4}$")).then(pl.lit("0") + us)
        .when(country.is_in(["GB", "IE"]) & compact.str.contains(_GB_POSTCODE))
        .then(compact.str.slice(0, compact.str.len_bytes() - 3) + " " + compact.str.slice(-3))
        .when((country == "CA") & compact.str.contains(_CA_POSTCODE))
        .then(compact.str.slice(0, 3) + " " + compact.str.slice(3))
        .when((country == "NL") & compact.str.contains(_NL_POSTCODE))
        .then(compact.str.slice(0, 4) + " " + compact.str.slice(4))
        .otherwise(upper)
    )


_GEO_KEYS = ("_raw_country", "_raw_region", "_raw_postal_code", "_raw_city", "_raw_street",
             "_raw_street_number", "_raw_street_2")


def normalize_geo(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Add country, country_unknown, region, postal_code, city, street and street_2.

    A house number kept in its own column is written before the street name.

    Computed once per distinct (country, region, postal code, city, street): a few hundred
    per million rows.
    """
    return with_distinct(lf, [geo_spec()])


def geo_spec() -> Distinct:
    """normalize_geo as a per-distinct-value mapping."""
    return Distinct(_GEO_KEYS, _geo, drop=("_country_raw",))


def _geo(lf: pl.LazyFrame) -> pl.LazyFrame:
    countries = data.country_table()
    raw_country = clean(pl.col("_raw_country"))
    lf = lf.with_columns(
        _country_raw=raw_country,
        country=match_key(raw_country).replace_strict(countries, default=None,
                                                      return_dtype=pl.String),
    )
    lf = lf.with_columns(
        country_unknown=pl.col("_country_raw").is_not_null() & pl.col("country").is_null())
    country = pl.col("country")
    region = clean(pl.col("_raw_region"))
    region_key = region.str.to_lowercase().str.replace_all(r"\.", "")
    us_code = region_key.replace_strict(data.US_STATES, default=None, return_dtype=pl.String)
    ca_code = region_key.replace_strict(data.CA_PROVINCES, default=None, return_dtype=pl.String)
    # NSW, CA, QLD: an abbreviation keeps its capitals (title case would make it Nsw)
    two_letters = region.str.contains(r"^[A-Za-z]{2,3}$")
    region_out = (
        pl.when(two_letters).then(region.str.to_uppercase())
        .when((country == "US") | (country.is_null() & us_code.is_not_null()))
        .then(pl.coalesce(us_code, _title_if_single_case(region)))
        .when(country == "CA").then(pl.coalesce(ca_code, _title_if_single_case(region)))
        .otherwise(_title_if_single_case(region))
    )
    return lf.with_columns(
        region=region_out,
        postal_code=_postal(clean(pl.col("_raw_postal_code")), country),
        city=_title_if_single_case(clean(pl.col("_raw_city"))),
        street=_title_if_single_case(clean(pl.concat_str(
            [clean(pl.col("_raw_street_number")), clean(pl.col("_raw_street"))],
            separator=" ", ignore_nulls=True))),
        street_2=_title_if_single_case(clean(pl.col("_raw_street_2"))),
    )
