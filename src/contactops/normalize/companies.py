"""Company names: display casing and a matching key without legal suffixes."""

from __future__ import annotations

import polars as pl

from contactops.normalize.distinct import Distinct, with_distinct
from contactops.normalize.text import clean, is_single_case

#: Legal-form tokens (lower case, dots removed) -> display form.
LEGAL_FORMS: dict[str, str] = {
    "inc": "Inc", "incorporated": "Incorporated", "llc": "LLC", "llp": "LLP", "lp": "LP",
    "ltd": "Ltd", "limited": "Limited", "gmbh": "GmbH", "ag": "AG", "kg": "KG", "ug": "UG",
    "se": "SE", "sa": "SA", "sas": "SAS", "sarl": "SARL", "sàrl": "Sàrl", "srl": "SRL",
    "spa": "SpA", "bv": "BV", "nv": "NV", "plc": "PLC", "corp": "Corp",
    "corporation": "Corporation", "co": "Co", "company": "Company", "pty": "Pty", "ab": "AB",
    "as": "AS", "asa": "ASA", "oy": "Oy", "oyj": "Oyj", "aps": "ApS", "kk": "KK", "sl": "SL",
    "pte": "Pte", "pvt": "Pvt", "lda": "Lda", "ltda": "Ltda", "sro": "s.r.o.", "kft": "Kft",
    "mbh": "mbH", "ohg": "OHG", "eg": "eG", "ev": "e.V.", "gbr": "GbR", "plc.": "PLC",
}
_KEY_SUFFIXES = sorted({k.replace(".", "") for k in LEGAL_FORMS} | {"gmbh co kg", "co kg",
                                                                   "pty ltd", "co ltd",
                                                                   "pvt ltd", "pte ltd"},
                       key=len, reverse=True)
_SUFFIX_TAIL = rf"(?:\s+(?:{'|'.join(_KEY_SUFFIXES)}))+$"
_SMALL_WORDS = ["and", "of", "the", "for", "de", "der", "und", "et", "y"]


def company_key(value: pl.Expr) -> pl.Expr:
    """Lower case, '&' as 'and', punctuation dropped, legal forms at the end removed."""
    key = (value.str.to_lowercase().str.replace_all("&", " and ", literal=True)
           .str.replace_all(r"(\b\p{L})\.", "$1")  # L.L.C. -> LLC, S.A. -> SA
           .str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars())
    key = key.str.replace(r"^the\s+", "")
    stripped = key.str.replace(_SUFFIX_TAIL, "").str.strip_chars()
    # A name that is only a legal form ('Company') keeps it rather than becoming empty.
    key = pl.when(stripped.str.len_bytes() > 0).then(stripped).otherwise(key)
    return pl.when(key.str.len_bytes() > 0).then(key)


def display_case(value: pl.Expr) -> pl.Expr:
    """Title-case only names written all upper or all lower.

    Short all-caps tokens of an all-caps name stay (IBM, AT&T); legal forms get their usual
    spelling (GmbH, LLC); small joining words stay lower inside the name.
    """
    el = pl.element()
    bare = el.str.to_lowercase().str.replace_all(r"[.,]", "")
    upper_input = value == value.str.to_uppercase()
    token = (
        pl.when(bare.is_in(list(LEGAL_FORMS)))
        .then(pl.concat_str(bare.replace_strict(LEGAL_FORMS, default=el),
                            el.str.extract(r"(,)$", 1), ignore_nulls=True))
        .when(bare.is_in(_SMALL_WORDS) & (pl.int_range(pl.len()) > 0))
        .then(el.str.to_lowercase())
        .otherwise(el.str.to_titlecase())
    )
    short_caps = ((el.str.replace_all("&", "", literal=True).str.len_chars() <= 3)
                  & el.str.contains(r"^[\p{Lu}&]+$") & ~bare.is_in(_SMALL_WORDS))
    titled = value.str.split(" ").list.eval(token).list.join(" ")
    titled_keep = value.str.split(" ").list.eval(
        pl.when(short_caps & ~bare.is_in(list(LEGAL_FORMS))).then(el).otherwise(token)
    ).list.join(" ")
    return (pl.when(~is_single_case(value)).then(value)
            .when(upper_input).then(titled_keep).otherwise(titled))


def normalize_companies(lf: pl.LazyFrame) -> pl.LazyFrame:
    """Add company, company_key, job_title and industry (cleaned).

    Computed once per distinct (company, job title, industry).
    """
    return with_distinct(lf, [companies_spec()])


def companies_spec() -> Distinct:
    """normalize_companies as a per-distinct-value mapping."""
    return Distinct(("_raw_company", "_raw_job_title", "_raw_industry"), _company,
                    drop=("_company",))


def _company(lf: pl.LazyFrame) -> pl.LazyFrame:
    lf = lf.with_columns(_company=clean(pl.col("_raw_company")))
    lf = lf.with_columns(company=display_case(pl.col("_company")))
    return lf.with_columns(company_key=company_key(pl.col("company")),
                           job_title=clean(pl.col("_raw_job_title")),
                           industry=clean(pl.col("_raw_industry")))
