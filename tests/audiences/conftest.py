"""Fixtures: a project with config/audiences.yaml and a warehouse holding a `contacts` table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

CONTACT_SCHEMA: dict[str, Any] = {
    "contact_id": pl.Utf8, "first_name": pl.Utf8, "last_name": pl.Utf8, "full_name": pl.Utf8,
    "email": pl.Utf8, "email_key": pl.Utf8, "phone_e164": pl.Utf8, "company": pl.Utf8,
    "contact_type": pl.Utf8, "lifecycle_stage": pl.Utf8, "tags": pl.List(pl.Utf8),
    "lists": pl.List(pl.Utf8), "consent_email": pl.Utf8, "consent_sms": pl.Utf8,
    "consent_phone": pl.Utf8, "sources": pl.List(pl.Utf8), "country": pl.Utf8,
    "created_at": pl.Datetime, "updated_at": pl.Datetime,
}


def contact(contact_id: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {k: None for k in CONTACT_SCHEMA}
    first = values.pop("first_name", contact_id.title())
    row.update(contact_id=contact_id, first_name=first, last_name="Test",
               full_name=f"{first} Test", email=f"{contact_id}@example.org",
               email_key=f"{contact_id}@example.org", phone_e164="+14155550100",
               contact_type="prospect", lifecycle_stage="lead", tags=[], lists=[],
               consent_email="opted_in", consent_sms="unknown", consent_phone="unknown",
               sources=["crm"], country="US")
    row.update(values)
    if "email" in values and "email_key" not in values:
        row["email_key"] = values["email"].lower() if values["email"] else None
    return row


def contacts_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CONTACT_SCHEMA)


AUDIENCES_YAML = """\
sending:
  confirmed: true
sandbox_target: sandbox
safe_records:
  tags: [test-contact]
targets:
  news_csv:
    type: csv
    path: exports/{audience}.csv
  news_table:
    type: duckdb
    table: aud_{audience}
  sandbox:
    type: csv
    environment: sandbox
    path: exports/sandbox/{audience}.csv
audiences:
  newsletter:
    channel: email
    purpose: marketing
    lists: [monthly-newsletter]
    targets: [news_csv, news_table]
  vips:
    channel: none
    purpose: internal
    tags: [vip]
    filter: "country = 'US'"
    targets: [news_csv]
  staff:
    channel: email
    purpose: internal
    contact_types: [internal]
    targets: [news_csv]
"""

SETTINGS_YAML = """\
project: t
warehouse: wh/t.duckdb
contact_types:
  internal_domains: [example-corp.com]
"""


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """``project_dir(audiences_yaml=..., references_yaml=...)`` -> project root (the cwd)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    monkeypatch.setenv("CONTACTOPS_SUPPRESSION_SALT", "pepper-for-tests")

    def make(audiences_yaml: str = AUDIENCES_YAML, references_yaml: str | None = None,
             settings_yaml: str = SETTINGS_YAML) -> Path:
        (tmp_path / "config").mkdir(exist_ok=True)
        (tmp_path / "config" / "contactops.yaml").write_text(settings_yaml)
        (tmp_path / "config" / "audiences.yaml").write_text(audiences_yaml)
        if references_yaml is not None:
            (tmp_path / "config" / "references.yaml").write_text(references_yaml)
        return tmp_path

    return make


def seed_warehouse(root: Path, rows: list[dict[str, Any]]) -> Path:
    from contactops.engine import Warehouse

    path = root / "wh" / "t.duckdb"
    with Warehouse(path) as wh:
        wh.replace_table("contacts", contacts_frame(rows))
    return path
