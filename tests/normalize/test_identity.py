"""Dates of birth, external ids, house numbers and state abbreviations."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import one, run

DOB_CASES = [
    ("19560817", date(1956, 8, 17)),
    ("1956-08-17", date(1956, 8, 17)),
    ("17.08.1956", date(1956, 8, 17)),
    ("08/17/1956", date(1956, 8, 17)),
    (" 17 August 1956 ", date(1956, 8, 17)),
]


@pytest.mark.parametrize(("raw", "expected"), DOB_CASES)
def test_date_of_birth_spellings(raw: str, expected: date) -> None:
    row = one(date_of_birth=raw)
    assert row["date_of_birth"] == expected
    assert "dob_invalid" not in row["flags"]


@pytest.mark.parametrize("raw", ["19561317", "2031-01-01", "1850-02-02", "not a date"])
def test_impossible_birth_dates_are_null_and_flagged(raw: str) -> None:
    row = one(date_of_birth=raw)
    assert row["date_of_birth"] is None
    assert "dob_invalid" in row["flags"]


def test_external_ids_are_case_and_separator_free_within_their_kind() -> None:
    records, _ = run([
        {"external_id": " ab-123 45 ", "external_id_kind": "CRM Member"},
        {"external_id": "AB12345", "external_id_kind": "crm_member"},
        {"external_id": "AB12345", "external_id_kind": "loyalty.card"},
        {"external_id": "AB/12.345"},
        {"external_id": "  "},
    ])
    assert records["external_id"].to_list() == ["AB12345"] * 4 + [None]
    assert records["external_id_key"].to_list() == [
        "crm_member:AB12345", "crm_member:AB12345", "loyalty.card:AB12345", "id:AB12345", None]


def test_house_number_goes_before_the_street_and_address_line_2_is_kept() -> None:
    row = one(street_number="13", street="miller place", street_2="the gables")
    assert (row["street"], row["street_2"]) == ("13 Miller Place", "The Gables")
    assert one(street="13 Miller Place")["street"] == "13 Miller Place"


@pytest.mark.parametrize(("raw", "expected"), [
    ("nsw", "NSW"), ("vic", "VIC"), ("Qld", "QLD"), ("ca", "CA"),
    ("new south wales", "New South Wales"), ("victoria", "Victoria")])
def test_state_abbreviations_keep_their_capitals(raw: str, expected: str) -> None:
    assert one(region=raw)["region"] == expected
