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


def normalize_geo(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Add country, country_unknown, region, postal_code, city, street and street_2.

    A house number kept in its own column is written before the street name.

    Each output is computed once per distinct value of the raw columns it depends on
    (:func:`geo_specs`): a few hundred countries and regions, thousands of cities and
    postal codes per million rows; only streets are nearly one per record.
    """
    return with_distinct(lf, geo_specs())


def geo_specs() -> list[Distinct]:
    """normalize_geo as per-distinct-value mappings, one per group of dependent columns.

    One mapping keyed on all seven raw columns saw ~480k distinct tuples per 1M hard-preset
    records (streets make nearly every address distinct), so every city, region and country
    was cleaned again for each; keyed separately, each is cleaned once per distinct value
    (1M hard records, geo alone on a loaded machine: 52 s -> 8 s). A column that needs the
    country (region, postal code) keys on the raw country too and looks it up again.
    """
    return [
        Distinct(("_raw_country",), _country, drop=("_country_raw",)),
        Distinct(("_raw_country", "_raw_region"), _region, drop=("country",)),
        Distinct(("_raw_country", "_raw_postal_code"), _postal_code, drop=("country",)),
        Distinct(("_raw_city",), lambda lf: _titled(lf, "city", clean(pl.col("_raw_city")))),
        Distinct(("_raw_street_number", "_raw_street"), lambda lf: _titled(
            lf, "street", clean(pl.concat_str(
                [clean(pl.col("_raw_street_number")), clean(pl.col("_raw_street"))],
                separator=" ", ignore_nulls=True)))),
        Distinct(("_raw_street_2",), lambda lf: _titled(
            lf, "street_2", clean(pl.col("_raw_street_2")))),
    ]


def _country(lf: pl.LazyFrame) -> pl.LazyFrame:
    countries = data.country_table()
    lf = lf.with_columns(_country_raw=clean(pl.col("_raw_country")))
    lf = lf.with_columns(country=match_key(pl.col("_country_raw")).replace_strict(
        countries, default=None, return_dtype=pl.String))
    return lf.with_columns(
        country_unknown=pl.col("_country_raw").is_not_null() & pl.col("country").is_null())


def _region(lf: pl.LazyFrame) -> pl.LazyFrame:
    return _region_of(_country(lf).drop("_country_raw", "country_unknown"))


def _postal_code(lf: pl.LazyFrame) -> pl.LazyFrame:
    return _postal_of(_country(lf).drop("_country_raw", "country_unknown"))


def _region_of(lf: pl.LazyFrame) -> pl.LazyFrame:
    """``region`` from ``_raw_region`` and ``country``; the raw value is cleaned once."""
    lf = lf.with_columns(_region_clean=clean(pl.col("_raw_region")))
    country = pl.col("country")
    region = pl.col("_region_clean")
    region_key = region.str.to_lowercase().str.replace_all(r"\.", "")
    us_code = region_key.replace_strict(data.US_STATES, default=None, return_dtype=pl.String)
    ca_code = region_key.replace_strict(data.CA_PROVINCES, default=None, return_dtype=pl.String)
    titled = _title_if_single_case(region)
    # NSW, CA, QLD: an abbreviation keeps its capitals (title case would make it Nsw)
    two_letters = region.str.contains(r"^[A-Za-z]{2,3}$")
    region_out = (
        pl.when(two_letters).then(region.str.to_uppercase())
        .when((country == "US") | (country.is_null() & us_code.is_not_null()))
        .then(pl.coalesce(us_code, titled))
        .when(country == "CA").then(pl.coalesce(ca_code, titled))
        .otherwise(titled)
    )
    return lf.with_columns(region=region_out).drop("_region_clean")


def _postal_of(lf: pl.LazyFrame) -> pl.LazyFrame:
    """``postal_code`` from ``_raw_postal_code`` and ``country``, cleaned once."""
    lf = lf.with_columns(_postal_clean=clean(pl.col("_raw_postal_code")))
    return lf.with_columns(postal_code=_postal(pl.col("_postal_clean"), pl.col("country"))
                           ).drop("_postal_clean")


def _titled(lf: pl.LazyFrame, name: str, value: pl.Expr) -> pl.LazyFrame:
    """``name`` = ``value`` title-cased when single-case; ``value`` computed once."""
    return lf.with_columns(value.alias(name)).with_columns(
        _title_if_single_case(pl.col(name)).alias(name))
