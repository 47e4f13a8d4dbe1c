"""Normalize stage: pure Polars LazyFrame -> LazyFrame functions; never touches the engine.

Quickstart::

    from contactops.normalize import normalize
    out = normalize(raw_records, project_settings, NormalizeSettings())
    records, changes = out.collect()
    out.rule_counts().collect()
"""

from __future__ import annotations

from contactops.normalize.enrich import enrich, enrich_all
from contactops.normalize.stage import OUTPUT_COLUMNS, NormalizeOutput, build_wide, normalize

__all__ = ["OUTPUT_COLUMNS", "NormalizeOutput", "build_wide", "enrich", "enrich_all",
           "normalize"]
