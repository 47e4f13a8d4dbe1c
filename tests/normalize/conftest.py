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
SETTINGS = ProjectSettings(
    taxonomy=TaxonomySettings(tags={"webinar-2024": ["Webinar 2024"], "vip": []}),
)


def frame(rows: list[dict[str, Any]]) -> pl.LazyFrame:
    data = [{"record_id": f"r{i}", "source": "s", "source_kind": "import",
             **{f: row.get(f) for f in CONTACT_FIELDS}} for i, row in enumerate(rows)]
    schema = {c: pl.String for c in ("record_id", "source", "source_kind", *CONTACT_FIELDS)}
    return pl.LazyFrame(data, schema=schema)


def run(rows: list[dict[str, Any]], settings: ProjectSettings = SETTINGS,
        options: NormalizeSettings | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    out = normalize(frame(rows), settings, options or NormalizeSettings(), now=NOW)
    return out.collect()


def one(settings: ProjectSettings = SETTINGS, options: NormalizeSettings | None = None,
        **fields: Any) -> dict[str, Any]:
    records, _ = run([fields], settings, options)
    return records.row(0, named=True)


@pytest.fixture
def normalize_one():
    return one
