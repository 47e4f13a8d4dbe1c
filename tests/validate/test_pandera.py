"""Pandera schema failures come back as issue rows naming the record, never as exceptions."""

from __future__ import annotations

import polars as pl
from tests.validate.conftest import GOOD, normalized

from contactops.config.validate import ValidateSettings
from contactops.validate.pandera_schemas import check_schema


def test_valid_frame_passes() -> None:
    result = check_schema(normalized([dict(GOOD)] * 2), "normalized_records",
                          ValidateSettings(), "r")
    assert result.passed and result.issues.height == 0


def test_broken_contract_reports_every_failure() -> None:
    records = normalized([dict(GOOD), dict(GOOD), dict(GOOD)]).with_columns(
        contact_type=pl.when(pl.col("record_id") == "r1").then(pl.lit("alien"))
        .otherwise("contact_type"),
        email_key=pl.when(pl.col("record_id") == "r2").then(pl.lit(None, pl.String))
        .otherwise("email_key"),
        record_id=pl.when(pl.col("record_id") == "r2").then(pl.lit("r0"))
        .otherwise("record_id"))
    result = check_schema(records, "normalized_records", ValidateSettings(), "r")
    assert not result.passed
    messages = " | ".join(result.issues["message"].to_list())
    for check in ("isin", "email_key is set exactly for valid emails", "field_uniqueness"):
        assert check in messages
    alien = result.issues.filter(pl.col("field") == "contact_type")
    assert alien["value"].to_list() == ["alien"]


def test_contacts_schema_checks_contact_id() -> None:
    contacts = pl.DataFrame({"contact_id": ["c1", "c1", None]})
    result = check_schema(contacts, "contacts", ValidateSettings(), "r")
    assert not result.passed
