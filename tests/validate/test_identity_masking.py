"""Dates of birth and external ids never appear unmasked in issue values."""

from __future__ import annotations

from datetime import date

import polars as pl

from contactops.pii import mask_expr, mask_identifier, mask_value


def test_issue_values_of_ids_and_birth_dates_are_masked() -> None:
    assert mask_value("date_of_birth", date(1956, 8, 17)) == "****-**-**"
    assert mask_value("external_id", "1804974") == "*****74"
    assert mask_value("external_id_key", "crm.member_no:AB12345") == "crm.member_no:*****45"
    assert mask_value("external_id", "A12") == "***"
    masked = pl.select(mask_expr("external_id", pl.lit("6089216"))).item()
    assert masked == "*****16"
    assert mask_identifier(None) is None
