"""Name-and-address lists (no email, no phone): literal pairs, derived defaults and the
message of a run that cannot look for duplicates at all."""

from __future__ import annotations

import polars as pl
import pytest

from contactops.config.dedupe import BlockingRule, DedupeSettings
from contactops.dedupe import dedupe
from contactops.dedupe.blocking import soundex
from contactops.dedupe.defaults import CANNOT_MATCH, follow_data
from contactops.dedupe.explain import explain_pair
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import normalize
from contactops.testing import make_contacts

from .conftest import NOW, normalize_rows

_KEPT = ("first_name", "last_name", "full_name", "street", "city", "region", "postal_code",
         "country", "date_of_birth")


@pytest.fixture(scope="module")
def mailing_list() -> pl.DataFrame:
    """3,000 generated people as a direct-mail list: names, addresses, some birth dates."""
    from contactops.config.normalize import NormalizeSettings
    from contactops.config.project import ProjectSettings

    gen = make_contacts(3000, seed=11, preset="hard")
    raw = gen.records.rename({"record_key": "record_id", "birth_date": "date_of_birth"})
    raw = raw.filter(pl.col("street").is_not_null()).with_columns(
        source_kind=pl.lit("import"),
        **{f: (pl.col(f) if f in _KEPT else pl.lit(None, pl.String)) for f in CONTACT_FIELDS})
    out = normalize(raw.lazy(), ProjectSettings(), NormalizeSettings(), now=NOW)
    return out.records.collect()


# (case, record a, record b, same contact?)
PAIRS = [
    ("same person, street abbreviated and a first-name typo",
     {"first_name": "Margaret", "last_name": "Okonkwo", "street": "14 Tenison Street",
      "postal_code": "2617", "city": "Belconnen", "date_of_birth": "1961-04-12"},
     {"first_name": "Margaert", "last_name": "Okonkwo", "street": "14 Tenison Street",
      "postal_code": "2617", "city": "Belconnen", "date_of_birth": "19610412"}, True),
    ("same person, house number in its own column, no birth date",
     {"first_name": "Tobias", "last_name": "Wennerholm", "street_number": "7",
      "street": "wallaby place", "postal_code": "4163", "city": "cleveland"},
     {"first_name": "Tobias", "last_name": "Wennerholm", "street": "7 Wallaby Place",
      "postal_code": "4163", "city": "Cleveland"}, True),
    ("same person, day and month of birth swapped",
     {"first_name": "Ines", "last_name": "Vasquez-Lind", "street": "3 Harbour Road",
      "postal_code": "2000", "date_of_birth": "1984-03-07"},
     {"first_name": "Ines", "last_name": "Vasquez-Lind", "street": "3 Harbour Road",
      "postal_code": "2000", "date_of_birth": "1984-07-03"}, True),
    ("namesakes at different addresses",
     {"first_name": "Margaret", "last_name": "Okonkwo", "street": "14 Tenison Street",
      "postal_code": "2617", "city": "Belconnen"},
     {"first_name": "Margaret", "last_name": "Okonkwo", "street": "88 Gouger Street",
      "postal_code": "5000", "city": "Adelaide"}, False),
    ("father and son: one name, one address, other birth dates",
     {"first_name": "Tobias", "last_name": "Wennerholm", "street": "7 Wallaby Place",
      "postal_code": "4163", "city": "Cleveland", "date_of_birth": "1958-11-02"},
     {"first_name": "Tobias", "last_name": "Wennerholm", "street": "7 Wallaby Place",
      "postal_code": "4163", "city": "Cleveland", "date_of_birth": "1989-05-23"}, False),
    ("one national id, names a typo apart",
     {"first_name": "Harley", "last_name": "Mccarthy", "external_id": "608-9216",
      "external_id_kind": "ssn", "postal_code": "3165"},
     {"first_name": "Harley", "last_name": "Mccarthey", "external_id": "6089216",
      "external_id_kind": "ssn", "postal_code": "3165"}, True),
    ("one id number in two systems is no link",
     {"first_name": "Harley", "last_name": "Mccarthy", "external_id": "6089216",
      "external_id_kind": "crm"},
     {"first_name": "Harley", "last_name": "Mccarthy", "external_id": "6089216",
      "external_id_kind": "loyalty"}, False),
]


@pytest.mark.parametrize(("case", "a", "b", "same"), PAIRS, ids=[p[0] for p in PAIRS])
def test_name_and_address_pair(case: str, a: dict, b: dict, same: bool,
                               mailing_list: pl.DataFrame) -> None:
    pair = normalize_rows([{"record_id": "X-A", **a}, {"record_id": "X-B", **b}])
    records = pl.concat([mailing_list, pair], how="diagonal_relaxed")
    result = dedupe(records, DedupeSettings())
    ids = dict(result.links.select("record_id", "contact_id").iter_rows())
    assert (ids["X-A"] == ids["X-B"]) is same, case
    assert result.cannot_match is None


def test_defaults_follow_the_filled_fields(mailing_list: pl.DataFrame) -> None:
    options, cannot = follow_data(DedupeSettings(), mailing_list)
    assert cannot is None
    fields = {f.name for f in options.fields}
    assert {"street", "date_of_birth"} <= fields
    assert "postal_code" not in fields  # blocked on, not weighed twice with street and city
    assert "external_id" not in fields  # nobody has one
    rules = {r.name for r in options.blocking}
    assert {"name_postcode", "last_street", "soundex_birth_year", "street_city"} <= rules
    assert "external_id" not in rules
    declared = DedupeSettings(blocking=[BlockingRule(name="email", keys=("email_key",))])
    kept, cannot = follow_data(declared, mailing_list)
    assert [r.name for r in kept.blocking] == ["email"]
    assert cannot is not None and cannot.startswith(CANNOT_MATCH)


def test_names_alone_cannot_be_searched_for_duplicates() -> None:
    records = normalize_rows([
        {"record_id": f"R{i}", "first_name": first, "last_name": "Lee", "city": "Perth"}
        for i, first in enumerate(["Ann", "Ann", "Bo", "Cy"])])
    result = dedupe(records, DedupeSettings())
    assert result.cannot_match is not None
    assert result.cannot_match.startswith(CANNOT_MATCH)
    assert "first_name_key 100%" in result.cannot_match
    assert result.notes == [result.cannot_match]
    assert result.asdict()["notes"] == [result.cannot_match]
    assert result.contacts.height == 4


@pytest.mark.parametrize(("name", "code"), [
    ("robert", "R163"), ("rupert", "R163"), ("ashcraft", "A261"), ("tymczak", "T522"),
    ("pfister", "P236"), ("lee", "L000"), ("wennerholm", "W564"), ("", None)])
def test_soundex(name: str, code: str | None) -> None:
    assert pl.select(soundex(pl.lit(name))).item() == code


def test_explain_masks_ids_and_birth_dates_unless_shown() -> None:
    rows = [{"record_id": r, "first_name": "Harley", "last_name": "Mccarthy",
             "external_id": "6089216", "external_id_kind": "ssn", "date_of_birth": "19080419",
             "street": "177 Pridham Street", "postal_code": "3165"} for r in ("A", "B")]
    records = normalize_rows(rows)
    result = dedupe(records, DedupeSettings())
    masked = explain_pair(records, "A", "B", DedupeSettings(), result.model)
    values = dict(zip(masked["field"], masked["value_a"], strict=True))
    assert values["external_id"] == "ssn:*****16"
    assert values["date_of_birth"] == "****-**-**"
    shown = explain_pair(records, "A", "B", DedupeSettings(), result.model, show_pii=True)
    values = dict(zip(shown["field"], shown["value_a"], strict=True))
    assert values["external_id"] == "ssn:6089216"
    assert values["date_of_birth"] == "1908-04-19"
