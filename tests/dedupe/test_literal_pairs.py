"""Matching rules as a table of literal record pairs and the expected outcome."""

from __future__ import annotations

import polars as pl
import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import dedupe
from contactops.dedupe.model import MatchModel

from .conftest import normalize_rows

# (case, record a, record b, same contact?)
PAIRS = [
    ("same email, nickname",
     {"first_name": "Robert", "last_name": "Zielinski", "email": "rob.zielinski@acme.io"},
     {"first_name": "Bob", "last_name": "Zielinski", "email": "Rob.Zielinski@ACME.io "}, True),
    ("same email, swapped names",
     {"first_name": "Quentin", "last_name": "Okafor", "email": "q.okafor@initech.io"},
     {"first_name": "Okafor", "last_name": "Quentin", "email": "q.okafor@initech.io"}, True),
    ("phone, name with a typo, company, city",
     {"first_name": "Marguerite", "last_name": "Vasquez-Lind", "phone": "+1 415 555 0199",
      "company": "Hooli", "city": "San Francisco"},
     {"first_name": "Marguerite", "last_name": "Vasquez-Lnid", "phone": "(415) 555-0199",
      "company": "Hooli Inc", "city": "San Francisco"}, True),
    ("role mailbox shared by strangers",
     {"first_name": "Alice", "last_name": "Ngata", "email": "info@zenith-works.io"},
     {"first_name": "Bertrand", "last_name": "Ferreira", "email": "info@zenith-works.io"},
     False),
    ("same name, nothing else in common",
     {"first_name": "James", "last_name": "Smith", "email": "jsmith@gmail.com",
      "city": "Austin"},
     {"first_name": "James", "last_name": "Smith", "email": "james.smith77@yahoo.com",
      "city": "Seattle"}, False),
    ("switchboard phone, different people",
     {"first_name": "Carla", "last_name": "Moreau", "phone": "+1 212 555 0100",
      "company": "Globex"},
     {"first_name": "Dmitri", "last_name": "Ivanov", "phone": "+1 212 555 0100",
      "company": "Globex"}, False),
    ("same name at one company, other mailbox style (two mailboxes, not a typo)",
     {"first_name": "William", "last_name": "Chen", "email": "william.chen@hooli.io",
      "company": "Hooli"},
     {"first_name": "William", "last_name": "Chen", "email": "william_chen@hooli.io",
      "company": "Hooli"}, False),
    ("same email, typo in the first name and no last name",
     {"first_name": "Daniel", "last_name": "Collins", "email": "daniel_collins398@acme.io"},
     {"first_name": "Dniel", "email": "daniel_collins398@acme.io"}, True),
]


@pytest.mark.parametrize(("case", "a", "b", "same"), PAIRS, ids=[p[0] for p in PAIRS])
def test_literal_pair(case: str, a: dict, b: dict, same: bool, background: pl.DataFrame,
                      trained: MatchModel) -> None:
    extra = [{"record_id": "X-A", "source": "crm", **a},
             {"record_id": "X-B", "source": "import", **b}]
    if case.startswith("role mailbox") or case.startswith("switchboard"):
        # a shared value is shared because several different people use it
        value = a.get("email") or a.get("phone")
        col = "email" if "email" in a else "phone"
        extra.append({"record_id": "X-C", "first_name": "Zoe", "last_name": "Quist",
                      col: value})
    records = pl.concat([background, normalize_rows(extra)], how="diagonal_relaxed")
    result = dedupe(records, DedupeSettings(), match_model=trained)
    ids = dict(result.links.select("record_id", "contact_id").iter_rows())
    assert (ids["X-A"] == ids["X-B"]) is same, case


def test_review_band_and_explanation(background: pl.DataFrame, trained: MatchModel) -> None:
    """Every review pair lies between the thresholds (or was refused by a conflict)."""
    result = dedupe(background, DedupeSettings(), match_model=trained)
    th = DedupeSettings().thresholds
    between = result.reviews.filter(pl.col("reason") == "between thresholds")
    assert between["match_probability"].is_between(th.review, th.auto_merge,
                                                   closed="left").all()
    assert set(result.links["link_type"].unique()) <= {"key", "probability", "singleton"}
    assert result.contacts.height == result.links["contact_id"].n_unique()
