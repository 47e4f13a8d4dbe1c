"""Which emails/phones count as shared (role mailboxes, switchboards): literal tables."""

from __future__ import annotations

import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import dedupe
from contactops.dedupe.blocking import prepare, shared_column
from contactops.dedupe.ids import assign_ids, new_id

from .conftest import normalize_rows

# (case, names of the records using one address, shared?)
TABLE = [
    ("one person: nickname, typo, swap, missing last name",
     [("Robert", "Smith"), ("Bob", "Smith"), ("Robrt", "Smith"), ("Smith", "Robert"),
      ("Robert", None)], False),
    ("one person written two ways", [("Robert", "Smith"), ("Bob", "Smith")], False),
    ("three strangers", [("Alice", "Ngata"), ("Bertrand", "Ferreira"), ("Zoe", "Quist")], True),
    ("a team behind one number",
     [("Carla", "Moreau"), ("Dmitri", "Ivanov"), ("Carla", "Ivanova"), ("Eve", "Park")], True),
]


@pytest.mark.parametrize(("case", "names", "shared"), TABLE, ids=[t[0] for t in TABLE])
@pytest.mark.parametrize("channel", ["email", "phone"])
def test_shared_value(case: str, names: list, shared: bool, channel: str) -> None:
    value = "team.k7@zenith-works.io" if channel == "email" else "+1 212 555 0100"
    rows = [{"record_id": f"R{i}", "first_name": f, "last_name": last, channel: value}
            for i, (f, last) in enumerate(names)]
    features = prepare(normalize_rows(rows), DedupeSettings())
    col = "email_key" if channel == "email" else "phone_e164"
    assert features[shared_column(col)].to_list() == [shared] * len(names), case


def test_one_person_with_name_variants_is_one_contact() -> None:
    rows = [{"record_id": f"R{i}", "first_name": f, "last_name": last,
             "email": "rsmith.k7@zenith-works.io"}
            for i, (f, last) in enumerate(TABLE[0][1])]
    result = dedupe(normalize_rows(rows), DedupeSettings())
    assert result.links["contact_id"].n_unique() == 1


def test_new_ids_hash_the_smallest_record_and_avoid_retired_ids() -> None:
    import polars as pl

    clusters = pl.DataFrame({"record_id": ["b", "a", "c"], "cluster": [1, 1, 2]})
    fresh = dict(assign_ids(clusters).select("record_id", "contact_id").iter_rows())
    assert fresh == {"a": new_id("a"), "b": new_id("a"), "c": new_id("c")}
    # new_id("a") belonged to a contact that is gone: it is not handed out again
    retired = pl.DataFrame({"record_id": ["z"], "contact_id": [new_id("a")]})
    again = dict(assign_ids(clusters, retired).select("record_id", "contact_id").iter_rows())
    assert again["a"] == again["b"] == new_id("a|b")
