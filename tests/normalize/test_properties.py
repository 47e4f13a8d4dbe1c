"""Hypothesis properties: idempotence, and no non-empty value dropped without a flag."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.normalize.conftest import run

FAST = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))

name_part = st.sampled_from(["john", "SMITH", "o'brien", "van der berg", "McDonald", "ÉLODIE",
                             "mary-jane", "Dr. Ann", "Lee Jr.", "  bob ", "ﬁona"])
emails = st.sampled_from([" A.B+x@GoogleMail.com", "info@acme.com", "bad@@x", "x@gmial.com",
                          "josé@exämple.de", "USER@Example.ORG "])
phones = st.sampled_from(["020 7946 0958", "(415) 555-2671 x12", "+33 6 12 34 56 78",
                          "0151 12345678", "12", "+81 3-1234-5678"])
countries = st.sampled_from([None, "UK", "USA", "Deutschland", "France", "Narnia"])
companies = st.sampled_from(["ACME INC.", "acme, inc", "IBM", "BOSCH GMBH", "bar l.l.c.",
                             "Société Générale S.A.", "The Widget Company"])
tags = st.sampled_from(["Webinar 2024, VIP", "webinar2024;x | Y z", "Trade Show", "a,,b"])
row = st.fixed_dictionaries({
    "first_name": name_part, "last_name": name_part, "email": emails, "phone": phones,
    "country": countries, "company": companies, "tags": tags,
    "consent_status": st.sampled_from(["yes", "maybe", None, "Opt-Out"]),
})


def _again(records: pl.DataFrame) -> list[dict]:
    """Feed normalized output back in as raw input."""
    return [{
        "first_name": r["first_name"], "last_name": r["last_name"], "email": r["email"],
        "phone": r["phone_e164"] or r["phone"], "country": r["country"], "company": r["company"],
        "tags": ",".join(r["tags"]),
    } for r in records.iter_rows(named=True)]


@FAST
@given(st.lists(row, min_size=1, max_size=6))
def test_normalizing_twice_changes_nothing(rows):
    first, _ = run(rows)
    second, _ = run(_again(first))
    for column in ("first_name", "last_name", "email", "email_key", "phone_e164", "company",
                   "company_key", "tags", "country"):
        assert second[column].to_list() == first[column].to_list(), column


# raw field -> (output columns that carry it, flags that excuse losing it)
CARRIERS = {
    "email": (["email"], []),
    "phone": (["phone"], []),
    "country": (["country"], ["country_unknown"]),
    "company": (["company"], []),
    "first_name": (["first_name", "last_name"], []),
    "last_name": (["first_name", "last_name", "name_suffix"], []),
    "consent_status": (["consent_email"], ["consent_unknown_value"]),
}


@FAST
@given(st.lists(row, min_size=1, max_size=6))
def test_no_non_empty_value_dropped_without_flag(rows):
    records, changes = run(rows)
    for raw, out in zip(rows, records.iter_rows(named=True), strict=True):
        for field, (columns, excuses) in CARRIERS.items():
            if raw.get(field) and raw[field].strip():
                kept = any(out[c] not in (None, "unknown") for c in columns)
                assert kept or any(f in out["flags"] for f in excuses), (field, raw, out)
    # every change is audited with a rule name
    assert changes["rule"].null_count() == 0
