"""Vetoes that keep different people apart without costing recall (issue 19): a family's
landline, colleagues behind a switchboard, names and places alone."""

from __future__ import annotations

import polars as pl
import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import dedupe

from .conftest import normalize_rows, same_contact

# (case, record a, record b, same contact?)
PAIRS = [
    ("a family's landline: another first name is another person",
     {"first_name": "Theodora", "last_name": "Wennerholm", "phone": "+1 617 283 4471",
      "street": "7 Wallaby Place", "city": "Boston"},
     {"first_name": "Augustin", "last_name": "Wennerholm", "phone": "+1 617 283 4471",
      "street": "7 Wallaby Pl.", "city": "Boston"}, False),
    ("one landline, a nickname of the same person",
     {"first_name": "Lawrence", "last_name": "Wennerholm", "phone": "+1 617 283 4471",
      "city": "Boston"},
     {"first_name": "Larry", "last_name": "Wennerholm", "phone": "+1 617 283 4471",
      "city": "Boston"}, True),
]


@pytest.mark.parametrize(("case", "a", "b", "same"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pair(case: str, a: dict, b: dict, same: bool, background: pl.DataFrame) -> None:
    assert same_contact(background, a, b) is same, case


def test_colleagues_of_one_first_name_behind_a_switchboard_stay_apart(
        background: pl.DataFrame) -> None:
    """Four colleagues share the number, two of them a first name: the number is shared
    (no name token on all but one of them), so only the model links, and another last name
    keeps the two Gaelles apart."""
    board = {"phone": "+49 69 7305 9864", "company": "Hooli", "city": "Frankfurt"}
    assert not same_contact(background, {"first_name": "Gaelle", "last_name": "Murray", **board},
                     {"first_name": "Gaelle", "last_name": "Okonkwo", **board},
                     {"first_name": "Ingrid", "last_name": "Castell", **board},
                     {"first_name": "Tomas", "last_name": "Berg", **board})




def test_a_must_link_joins_a_pair_held_back_only_for_weak_evidence(
        background: pl.DataFrame) -> None:
    """Names, employer and city alone do not merge (two Daniel Neumanns at Globex may be two
    people), but that is too little evidence, not evidence of two people: when a user says
    the record is the same person as one of a contact linked by email, it joins that contact
    instead of being refused as "would join different people"."""
    place = {"first_name": "Daniel", "last_name": "Neumann", "company": "Globex",
             "city": "Boston"}
    rows = [{"record_id": "X-A", **place},
            {"record_id": "X-B", **place, "email": "danieln@globex.example"},
            {"record_id": "X-C", **place, "email": "danieln@globex.example",
             "phone": "+1 617 555 0142"}]
    records = pl.concat([background, normalize_rows(rows)], how="diagonal_relaxed")

    def contacts(decisions: pl.DataFrame | None) -> dict[str, str]:
        result = dedupe(records, DedupeSettings(), decisions=decisions)
        return dict(result.links.select("record_id", "contact_id").iter_rows())

    alone = contacts(None)
    assert alone["X-B"] == alone["X-C"] != alone["X-A"]
    decided = contacts(pl.DataFrame({"record_a": ["X-A"], "record_b": ["X-B"],
                                     "decision": ["must_link"]}))
    assert decided["X-A"] == decided["X-B"] == decided["X-C"]
