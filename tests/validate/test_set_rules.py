"""Taxonomy, list, duplicate and load rules; masking; config errors."""

from __future__ import annotations

import polars as pl
import pytest
from pydantic import ValidationError
from tests.validate.conftest import GOOD, normalized

from contactops.config.project import ProjectSettings, TaxonomySettings
from contactops.config.validate import ValidateSettings
from contactops.pii import mask_value
from contactops.validate.set_rules import (
    check_duplicates,
    check_list_mixing,
    check_loads,
    check_taxonomy,
    near_duplicates,
)


def test_near_duplicate_tags() -> None:
    pairs = near_duplicates(["Webinar2024", "webinar-2024", "webinar-2023", "partner",
                             "partners", "vip"], distance=1)
    assert ("Webinar2024", "webinar-2024") in pairs
    assert ("partner", "partners") in pairs
    assert not any("webinar-2023" in p for p in pairs)  # different year, different tag
    assert not any("vip" in p for p in pairs)


def test_taxonomy_budget_and_unused_lists() -> None:
    rows = [{**GOOD, "tags": "webinar2024, webinar-2024, alpha, beta", "lists": "newsletter"}]
    settings = ProjectSettings(taxonomy=TaxonomySettings(
        lists={"newsletter": [], "ghost-list": []}, max_tags=2))
    result = check_taxonomy(normalized(rows, settings), ValidateSettings(), settings, "r")
    by_rule = result.issues.group_by("rule").agg(pl.col("value")).rows_by_key("rule")
    assert by_rule["list_unused"][0][0] == ["ghost-list"]
    assert by_rule["tag_budget"][0][0] == ["4"]
    assert by_rule["tag_near_duplicate"][0][0] == ["webinar-2024 ~ webinar2024"]


def test_mixed_list_flagged_unless_tags_separate_types() -> None:
    rows = [{**GOOD, "lists": "newsletter", "contact_type": "customer"},
            {**GOOD, "lists": "newsletter", "contact_type": "prospect"},
            {**GOOD, "lists": "tagged", "contact_type": "customer", "tags": "customer"},
            {**GOOD, "lists": "tagged", "contact_type": "prospect", "tags": "prospect"},
            {**GOOD, "lists": "clean", "contact_type": "customer"}]
    settings = ProjectSettings()
    result = check_list_mixing(normalized(rows, settings), ValidateSettings(), "r")
    assert result.issues["value"].to_list() == ["newsletter"]


def test_duplicates_after_dedupe_ignore_role_mailboxes() -> None:
    keys = pl.DataFrame({
        "contact_id": ["c1", "c2", "c3", "c4", "c5"],
        "email_key": ["a@x.org", "a@x.org", "b@x.org", "info@x.org", "info@x.org"],
        "email_is_role": [False, False, False, True, True]})
    result = check_duplicates(keys, ValidateSettings(), "r")
    assert sorted(result.issues["contact_id"].to_list()) == ["c1", "c2"]
    assert result.issues["value"].to_list()[0] == "a***@x.org"
    assert not result.passed  # 2 of 5 contacts > 1%


def test_rejected_rows_threshold_per_source() -> None:
    loads = pl.DataFrame({"load_id": ["a-1", "b-2"], "source": ["a", "b"],
                          "rows_read": [100, 100], "rows_rejected": [1, 30]})
    result = check_loads(loads, ValidateSettings(), "r")
    status = dict(result.summary.select("source", "status").iter_rows())
    assert status == {"a": "warn", "b": "fail"}


@pytest.mark.parametrize(("field", "value", "masked"), [
    ("email", "ada@example.com", "a***@example.com"),
    ("phone_e164", "+14155550123", "+1******0123"),
    ("first_name", "Ada", "A***"),
    ("consent_email", "unknown", "unknown"),
])
def test_masking(field: str, value: str, masked: str) -> None:
    assert mask_value(field, value) == masked


def test_unknown_rule_in_config_suggests_a_name() -> None:
    with pytest.raises(ValidationError, match="did you mean 'email_invalid'"):
        ValidateSettings.model_validate({"rules": {"email_invalidd": {"severity": "warn"}}})
    with pytest.raises(ValidationError):
        ValidateSettings.model_validate({"rules": {"email_invalid": {"severity": "fatal"}}})


def test_duplicate_keys_aggregated_in_the_engine_equal_the_frame_check() -> None:
    """The stage asks the engine only for key values several contacts share (links joined
    to their records); issues and summary equal checking every linked record's keys."""
    from contactops.engine import Warehouse
    from contactops.validate.reads import shared_keys

    records = pl.DataFrame({
        "record_id": [f"r{i}" for i in range(9)],
        "email_key": ["a@x.org", "a@x.org", "a@x.org", "b@x.org", "info@x.org", "info@x.org",
                      None, "c@x.org", "c@x.org"],
        "phone_e164": ["+1", "+2", "+2", None, "+3", "+3", "+2", None, None],
        "email_is_role": [False, False, False, False, True, True, None, False, False]})
    links = pl.DataFrame({"record_id": [f"r{i}" for i in range(9)],
                          "contact_id": ["c1", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c7"]})
    options = ValidateSettings(duplicate_keys=("email_key", "phone_e164"))
    wh = Warehouse(":memory:")
    wh.replace_table("normalized_records", records)
    wh.replace_table("contact_links", links)
    keys, checked = shared_keys(wh, options.duplicate_keys, records.columns, [])
    assert checked == 7 and keys.height < links.height
    got = check_duplicates(keys, options, "r", checked=checked)
    want = check_duplicates(links.join(records, on="record_id"), options, "r")
    order = ["field", "value", "contact_id"]
    assert got.issues.sort(order).equals(want.issues.sort(order))
    # a@x.org: c1, c2; +2: c1, c2, c6; +3: c4, c5 (role mailboxes only spare emails)
    assert sorted(got.issues["contact_id"].to_list()) == ["c1", "c1", "c2", "c2", "c4", "c5",
                                                          "c6"]
    assert got.summary.equals(want.summary)


def test_duplicate_keys_without_links_use_the_contacts_own_keys() -> None:
    """No contact_links yet: the engine aggregates the contacts table's keys, and finds what
    checking the whole contacts frame finds (role mailboxes spared, null ids counted once)."""
    from contactops.engine import Warehouse
    from contactops.validate.reads import shared_keys

    contacts = pl.DataFrame({
        "contact_id": ["c1", "c2", "c3", "c4", "c5", None],
        "email_key": ["a@x.org", "a@x.org", "info@x.org", "info@x.org", None, "a@x.org"],
        "email_is_role": [False, False, True, True, None, False]})
    options = ValidateSettings()
    wh = Warehouse(":memory:")
    wh.replace_table("contacts", contacts)
    keys, checked = shared_keys(wh, options.duplicate_keys, [], contacts.columns)
    got = check_duplicates(keys, options, "r", checked=checked)
    want = check_duplicates(contacts, options, "r")
    order = ["field", "value", "contact_id"]
    assert sorted(got.issues["contact_id"].to_list()) == ["c1", "c2"]
    assert got.issues.sort(order).equals(want.issues.sort(order))
    assert got.summary.equals(want.summary)
