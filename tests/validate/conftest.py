from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
import pytest

from contactops.config.normalize import NormalizeSettings
from contactops.config.project import ProjectSettings, TaxonomySettings
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import normalize

NOW = datetime(2025, 1, 1)
SETTINGS = ProjectSettings(taxonomy=TaxonomySettings(
    tags={"webinar-2024": []}, lists={"newsletter": [], "ghost-list": []}))


def normalized(rows: list[dict[str, Any]], settings: ProjectSettings = SETTINGS) -> pl.DataFrame:
    """normalized_records for literal raw rows (record_id r0, r1, ...; source 'src')."""
    data = [{"record_id": f"r{i}", "source": row.get("source", "src"),
             "source_kind": row.get("source_kind", "import"),
             **{f: row.get(f) for f in CONTACT_FIELDS}} for i, row in enumerate(rows)]
    schema = {c: pl.String for c in ("record_id", "source", "source_kind", *CONTACT_FIELDS)}
    out = normalize(pl.LazyFrame(data, schema=schema), settings, NormalizeSettings(), now=NOW)
    return out.records.collect()


GOOD = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@lovelace.org",
        "phone": "+1 415 555 0101", "country": "US", "contact_type": "customer",
        "email_consent": "yes", "created_at": "2024-01-02"}


@pytest.fixture
def good() -> dict[str, Any]:
    return dict(GOOD)
