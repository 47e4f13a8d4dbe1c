"""Record rules on literal rows: each planted problem is found, clean rows are not flagged."""

from __future__ import annotations

import polars as pl
import pytest
from tests.validate.conftest import GOOD, normalized

from contactops.config.validate import RuleSettings, ValidateSettings
from contactops.validate.rules import check_records

CASES = [
    ({"email": "ada@@lovelace.org"}, "email_invalid", "email"),
    ({"phone": "555 CALL NOW"}, "phone_invalid", "phone"),
    ({"email": "info@lovelace.org"}, "email_role", "email"),
    ({"email": "ada@mailinator.com"}, "email_disposable", "email"),
    ({"email": "ada@gmial.com"}, "email_typo", "email"),
    ({"first_name": None, "last_name": None}, "required_fields",
     "first_name|last_name|full_name"),
    ({"email": None, "phone": None}, "required_fields", "email|phone"),
    ({"created_at": "2031-05-01"}, "date_future", "created_at|updated_at|consent_timestamp"),
    ({"consent_timestamp": "2031-05-01"}, "consent_timestamp_future", "consent_timestamp"),
    ({"email_consent": None}, "consent_unknown", "consent_email"),
    ({"contact_type": None}, "contact_type_set", "contact_type"),
    ({"source_kind": "carrier_pigeon"}, "source_tracked", "source_kind"),
]


@pytest.mark.parametrize(("change", "rule", "field"), CASES)
def test_planted_problem_is_flagged_once(change: dict, rule: str, field: str) -> None:
    records = normalized([dict(GOOD), {**GOOD, **change}])
    result = check_records(records, ValidateSettings(), "run1")
    hits = result.issues.filter(pl.col("rule") == rule)
    assert hits["record_id"].to_list() == ["r1"]
    assert hits["field"].to_list() == [field]
    assert result.issues.filter(pl.col("record_id") == "r0").height == 0


def test_clean_rows_pass() -> None:
    result = check_records(normalized([dict(GOOD)] * 3), ValidateSettings(), "run1")
    assert result.issues.height == 0
    assert result.passed


def test_domestic_number_without_country_is_not_impossible() -> None:
    # Leeds number with no country: invalid as US, valid as GB -> phone_needs_country only
    uk = {**GOOD, "phone": "0113 496 0166", "country": None}
    records = normalized([{**GOOD, "country": "GB", "phone": "020 7946 0958"}] * 3 + [uk])
    rules = set(check_records(records, ValidateSettings(), "r").issues["rule"])
    assert "phone_needs_country" in rules
    assert "phone_invalid" not in rules


def test_per_source_threshold_fails_only_the_bad_source() -> None:
    good = [dict(GOOD, source="crm") for _ in range(20)]
    bad = [dict(GOOD, source="bad_import", email=f"x{i}@@x.org") for i in range(2)] + \
        [dict(GOOD, source="bad_import") for _ in range(8)]
    one_bad = [dict(GOOD, source="ok_import", email="y@@y.org")] + \
        [dict(GOOD, source="ok_import") for _ in range(29)]
    result = check_records(normalized(good + bad + one_bad), ValidateSettings(), "r")
    rows = result.summary.filter(pl.col("rule") == "email_invalid")
    status = dict(rows.select("source", "status").iter_rows())
    assert status == {"bad_import": "fail", "crm": "pass", "ok_import": "warn"}
    assert len(result.gate_failures()) == 1
    assert "bad_import" in result.gate_failures()[0]


def test_severity_and_source_overrides() -> None:
    rows = [dict(GOOD, source="legacy", email="z@@z.org")] + [dict(GOOD, source="legacy")] * 4
    base = check_records(normalized(rows), ValidateSettings(), "r")
    assert not base.passed
    relaxed = ValidateSettings(sources={"legacy": {"email_invalid": RuleSettings(max_rate=0.5)}})
    assert check_records(normalized(rows), relaxed, "r").passed
    off = ValidateSettings(rules={"email_invalid": RuleSettings(severity="off")})
    result = check_records(normalized(rows), off, "r")
    assert "email_invalid" not in set(result.issues["rule"])


def test_pii_is_masked_in_issues() -> None:
    records = normalized([{**GOOD, "email": "ada.secret@@lovelace.org",
                           "phone": "+1 000 12345678"}])
    values = check_records(records, ValidateSettings(), "r").issues["value"].to_list()
    assert "a***@lovelace.org" in values
    assert not any("secret" in (v or "") for v in values)
    phone = [v for v in values if v and v.startswith("+1")][0]
    assert phone.endswith("5678") and "*" in phone
