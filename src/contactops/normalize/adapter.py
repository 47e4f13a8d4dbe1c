"""The normalize stage's adapter: current source records in, normalized records out.

Reads ``current_source_records`` through the warehouse it is handed, runs the pure Polars
:func:`~contactops.normalize.stage.normalize` (and the enrichment rules), and replaces
``normalized_records`` and the compact audit (``normalization_audit``, enrichments;
``normalization_changes`` is their view). No engine import: the warehouse object
is all it needs (``pl``, ``replace_table``, ``transaction``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from contactops.catalog import T
from contactops.contract import StageInfo, StageResult
from contactops.fields import CONTACT_FIELDS

if TYPE_CHECKING:
    from contactops.contract import StageContext


@dataclass
class NormalizeResult(StageResult):
    """Records normalized, values enriched, changes audited; timings per phase."""

    name: ClassVar[str] = "normalize"
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def run(ctx: StageContext) -> NormalizeResult | StageInfo:
    """Rebuild ``normalized_records`` and the audit from current records."""
    import polars as pl

    from contactops.catalog.ddl import replace_view
    from contactops.normalize import audit
    from contactops.normalize.stage import OUTPUT_COLUMNS, normalize

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    wh = ctx.warehouse
    ctx.progress.stage("normalize")
    if not pipeline.normalize.enabled:
        return StageInfo("normalize", notes=["disabled in the pipeline"])
    columns = ", ".join(["record_id", "load_id", "source", "source_kind", *CONTACT_FIELDS])
    records = wh.pl(f"SELECT {columns} FROM {T.current_source_records}")
    output = normalize(records.lazy(), ctx.project.settings, pipeline.normalize)
    wide = output.collect_wide()
    normalized = wide.select(OUTPUT_COLUMNS)
    begun = time.perf_counter()
    changes = audit.compact(records, wide)  # per-record change bits, not a row per value
    output.timings["audit_seconds"] = time.perf_counter() - begun
    del wide
    enrichments = pl.DataFrame(schema={c: pl.String for c in T.normalization_enrichments
                                       .column_names})
    result = NormalizeResult(counts={"records": normalized.height},
                             timings={k: round(v, 3) for k, v in output.timings.items()})
    if pipeline.normalize.enrichment:
        from contactops.normalize.enrich_stage import apply_enrichment

        enriched = apply_enrichment(wh, ctx.project, pipeline.normalize.enrichment, normalized)
        normalized, result.notes = enriched.records, enriched.notes
        enrichments = enriched.changes
        result.counts["enriched"] = enriched.filled
    begun = time.perf_counter()
    with wh.transaction():
        wh.replace_table(T.normalized_records.name, normalized)
        wh.replace_table(T.normalization_audit.name, changes)
        wh.replace_table(T.normalization_enrichments.name, enrichments)
        replace_view(wh, T.normalization_changes)
    result.timings["write_seconds"] = round(time.perf_counter() - begun, 3)
    result.counts["changes"] = audit.changed_values(changes) + enrichments.height
    return result
