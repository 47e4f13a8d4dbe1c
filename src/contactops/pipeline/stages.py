"""The pipeline's stages, in order. Each takes the run context and returns a StageResult."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactops.fields import CONTACT_FIELDS
from contactops.pipeline.result import StageResult

if TYPE_CHECKING:
    from contactops.pipeline.runner import RunContext


def ingest(ctx: RunContext) -> StageResult:
    from contactops.sources.ingest import ingest_source

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    sources = [s for s in pipeline.sources if s.enabled]
    ctx.progress.stage("ingest", total=len(sources))
    counts = {"sources": len(sources), "loaded": 0, "unchanged": 0, "rows_read": 0,
              "rows_accepted": 0, "rows_rejected": 0}
    for source in sources:
        info = ingest_source(ctx.warehouse, ctx.project, source, run_id=ctx.run_id,
                             sample=ctx.sample)
        ctx.result.loads.append(info)
        counts["unchanged" if info.skipped else "loaded"] += 1
        for key in ("rows_read", "rows_accepted", "rows_rejected"):
            counts[key] += getattr(info, key)
        ctx.progress.advance(source.name)
    return StageResult("ingest", 0.0, counts)


def normalize(ctx: RunContext) -> StageResult:
    """Rebuild ``normalized_records`` and ``normalization_changes`` from current records."""
    from contactops.normalize import normalize as run_normalize

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    wh = ctx.warehouse
    ctx.progress.stage("normalize")
    if not pipeline.normalize.enabled:
        return StageResult("normalize", 0.0, {}, ["disabled in the pipeline"])
    columns = ", ".join(["record_id", "source", "source_kind", *CONTACT_FIELDS])
    records = wh.pl(f"SELECT {columns} FROM current_source_records")
    output = run_normalize(records.lazy(), ctx.project.settings, pipeline.normalize)
    normalized = output.records.collect()
    changes = output.changes.collect()
    with wh.transaction():
        wh.replace_table("normalized_records", normalized)
        wh.replace_table("normalization_changes", changes)
    counts = {"records": normalized.height, "changes": changes.height}
    return StageResult("normalize", 0.0, counts)


STAGES = (("ingest", ingest), ("normalize", normalize))
