"""The pipeline's stages, in order. Each takes the run context and returns a StageResult."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contactops.fields import CONTACT_FIELDS
from contactops.pipeline.result import StageResult

if TYPE_CHECKING:
    from contactops.pipeline.runner import RunContext


def ingest(ctx: RunContext) -> StageResult:
    """Land every enabled source; the volume gate holds back shrunken snapshots and
    sources gone from the pipeline (``ctx.result.shrinks``; the runner stops after)."""
    from contactops.pipeline.volume import check_accepted, removed_sources_gate
    from contactops.sources.ingest import ingest_source

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    sources = [s for s in pipeline.sources if s.enabled]
    ctx.progress.stage("ingest", total=len(sources))
    check_accepted(ctx)
    removed_sources_gate(ctx)
    counts = {"sources": len(sources), "loaded": 0, "unchanged": 0, "rows_read": 0,
              "rows_accepted": 0, "rows_rejected": 0}
    for source in sources:
        info = ingest_source(ctx.warehouse, ctx.project, source, run_id=ctx.run_id,
                             sample=ctx.sample, accept_shrink=source.name in ctx.accept_shrink)
        ctx.result.loads.append(info)
        if info.shrink is not None:
            ctx.result.shrinks.append(info.shrink)
        outcome = "blocked" if info.blocked else "unchanged" if info.skipped else "loaded"
        counts[outcome] = counts.get(outcome, 0) + 1
        for key in ("rows_read", "rows_accepted", "rows_rejected"):
            counts[key] += getattr(info, key)
        ctx.progress.advance(source.name)
    blocked = [s for s in ctx.result.shrinks if s.status == "blocked"]
    ctx.result.gate_failures.extend(str(s) for s in blocked)
    notes = [str(s) for s in ctx.result.shrinks if s.status != "blocked"]
    removed = sum(s.reason == "removed" for s in ctx.result.shrinks)
    if removed:
        counts["removed_sources"] = removed
    return StageResult("ingest", 0.0, counts, notes)


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
    normalized, changes = output.collect()  # one plan: records and audit share the work
    notes: list[str] = []
    counts = {"records": normalized.height}
    if pipeline.normalize.enrichment:
        import polars as pl

        from contactops.pipeline.enrichment import apply_enrichment

        enriched = apply_enrichment(wh, ctx.project, pipeline.normalize.enrichment, normalized)
        normalized, notes = enriched.records, enriched.notes
        changes = pl.concat([changes.with_columns(pl.col("field", "rule").cast(pl.String)),
                             enriched.changes])
        counts["enriched"] = enriched.filled
    with wh.transaction():
        wh.replace_table("normalized_records", normalized)
        wh.replace_table("normalization_changes", changes)
    counts["changes"] = changes.height
    return StageResult("normalize", 0.0, counts, notes)


def validate_prepare(ctx: RunContext) -> str | None:
    """Start the Great Expectations worker at run start, so its ~15 s import overlaps the
    earlier stages. Imports nothing heavy when validation or GX is off or no suite exists."""
    pipeline = ctx.project.pipeline
    assert pipeline is not None
    options = pipeline.validate_
    if not options.enabled or not options.gx.enabled:
        return None
    from contactops.validate.gx_suites import prewarm

    worker = prewarm(ctx.project.root, options.gx)
    return "GX worker started early" if worker is not None else None


def validate(ctx: RunContext) -> StageResult:
    """Check normalized records, contacts and loads; error rules over threshold gate the run."""
    from contactops.validate import run as run_validate

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    ctx.progress.stage("validate")
    if not pipeline.validate_.enabled:
        return StageResult("validate", 0.0, {}, ["disabled in the pipeline"])
    counts, failures = run_validate(ctx.warehouse, ctx.project, pipeline.validate_, ctx.run_id)
    ctx.result.gate_failures.extend(failures)
    notes = counts.pop("notes", [])
    timings = counts.pop("timings", {})
    return StageResult("validate", 0.0, counts, notes, timings=timings)


def dedupe(ctx: RunContext) -> StageResult:
    """Normalized records -> contacts, contact_links, match_reviews and merge_events."""
    from contactops.dedupe.stage import run as run_dedupe

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    ctx.progress.stage("dedupe")
    if not pipeline.dedupe.enabled:
        return StageResult("dedupe", 0.0, {}, ["disabled in the pipeline"])
    counts = run_dedupe(ctx.warehouse, ctx.project.settings, pipeline.dedupe, ctx.run_id,
                        root=ctx.project.root)
    timings = counts.pop("timings", {})
    return StageResult("dedupe", 0.0, counts, counts.pop("notes", []), timings=timings)


@dataclass(frozen=True)
class Stage:
    """A stage: ``run`` does the work; ``prepare`` (optional) starts slow warm-ups when
    the run begins, so they overlap earlier stages instead of blocking this one."""

    name: str
    run: Callable[[RunContext], StageResult]
    prepare: Callable[[RunContext], str | None] | None = None


STAGES = (
    Stage("ingest", ingest),
    Stage("normalize", normalize),
    Stage("dedupe", dedupe),
    Stage("validate", validate, prepare=validate_prepare),
)
