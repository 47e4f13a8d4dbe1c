"""The normalize stage's adapter: current source records in, normalized records out.

Hands the warehouse a query of ``current_source_records`` (ordered by ``record_id``, so on
DuckDB the output, and every count downstream, is the same from run to run) and the pure
:class:`~contactops.normalize.batch.BatchNormalizer`; the engine's ``map_batches`` applies it
to chunks of the records and lands ``normalized_records``, the compact audit
(``normalization_audit`` change bits, ``normalization_enrichments``; ``normalization_changes``
is their view) and ``normalized_versions`` in one transaction. DuckDB runs the chunks in this
process one after another; Spark runs them on its executors, per partition, so the records
never pass through the driver. The chunk size follows the run's memory limit
(:func:`chunk_rows`), so memory is bounded by the setting, not by the number of records.
What is global stays set work in SQL on the engine: which records changed (incremental),
the counts, the ``normalization_changes`` view. No engine import: the warehouse object is all
it needs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from contactops.catalog import T
from contactops.contract import StageInfo, StageResult
from contactops.fields import CONTACT_FIELDS
from contactops.normalize.batch import FILLED, OUTPUTS, BatchNormalizer

if TYPE_CHECKING:

    from contactops.config.memory import MemoryLimit
    from contactops.contract import StageContext

#: Peak bytes normalize holds per record of a chunk (raw text, the wide frame with helper
#: columns, records and audit), measured at 1M hard-preset records (see chunk_rows).
BYTES_PER_ROW = 2_000
#: What the process holds besides normalize's chunk (interpreter, libraries, caches).
BASELINE_BYTES = 400 * 1024**2
#: Chunks smaller than this cost more in per-chunk overhead than they save.
MIN_CHUNK_ROWS = 50_000
#: Chunks larger than this save no time: measured at 1M hard-preset records, whole process,
#: normalize took 13.7 s and peaked at 3.96 GB in one chunk, 12.2 s and 2.93 GB in chunks
#: of 250k (a few large appends write faster than one replace of the whole table).
MAX_CHUNK_ROWS = 250_000


@dataclass
class NormalizeResult(StageResult):
    """Records normalized, values enriched, changes audited; timings per phase."""

    name: ClassVar[str] = "normalize"
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def chunk_rows(memory: MemoryLimit | None, records: int) -> int:
    """Records per chunk: what fits in the limit's share for frames, past the baseline, and
    at most :data:`MAX_CHUNK_ROWS`, past which larger chunks only cost memory.

    Without a limit (a stage called outside a run), all records in one chunk.
    """
    if memory is None:
        return max(records, 1)
    fits = memory.chunk_rows(BYTES_PER_ROW, baseline=BASELINE_BYTES, minimum=MIN_CHUNK_ROWS)
    return min(fits, MAX_CHUNK_ROWS)


def run(ctx: StageContext, *, rows_per_chunk: int | None = None) -> NormalizeResult | StageInfo:
    """Bring ``normalized_records`` and the audit up to date with the current records.

    In an incremental run (``ctx.incremental``) whose normalize settings and reference loads
    are those the tables were built on, only new or changed records are normalized and the
    rows of records no longer current are removed (:mod:`contactops.normalize.incremental`);
    otherwise the tables are rebuilt from every current record.
    ``rows_per_chunk`` forces the chunk size (tests); by default :func:`chunk_rows`.
    """
    from contactops.catalog.ddl import replace_view
    from contactops.normalize import incremental as delta

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    wh = ctx.warehouse
    if not pipeline.normalize.enabled:
        ctx.progress.stage("normalize")
        return StageInfo("normalize", notes=["disabled in the pipeline"])
    basis = delta.basis(wh, ctx.fingerprint_parts, enrichment=bool(pipeline.normalize.enrichment))
    extend = ctx.incremental and delta.can_extend(wh, basis)
    columns = ["record_id", "load_id", "source", "source_kind", *CONTACT_FIELDS]
    enrichment = None
    if pipeline.normalize.enrichment:
        from contactops.normalize.enrich_stage import Enrichment

        enrichment = Enrichment.prepare(wh, ctx.project, pipeline.normalize.enrichment)
    # one reference time (future-date flags) for every batch, wherever it runs
    normalizer = BatchNormalizer(ctx.project.settings, pipeline.normalize,
                                 datetime.now(UTC), enrichment)
    result = NormalizeResult(counts={"records": 0, "changes": 0})
    timings: dict[str, float] = {}
    with wh.transaction():
        removed = changed = kept = 0
        if extend:
            begun = time.perf_counter()
            delta.find_current(wh)
            kept = delta.repoint_unchanged(wh)
            removed, changed = delta.remove_stale(wh)
            total = delta.collect_pending(wh, columns)
            sql = delta.pending_query(columns)
            timings["delta_seconds"] = time.perf_counter() - begun
        else:
            sql = (f"SELECT {', '.join(columns)} FROM {T.current_source_records} "
                   "ORDER BY record_id")
            total = int(wh.scalar(f"SELECT count(*) FROM {T.current_source_records}"))
        rows = rows_per_chunk or chunk_rows(ctx.memory, total)
        expected = max(-(-total // rows), 1)
        ctx.progress.stage("normalize", total=expected)

        def landed(number: int) -> None:
            ctx.progress.advance(f"normalize: chunk {number}/{max(number, expected)}")

        chunks = 0
        totals: dict[str, float] = {}
        if total or not extend:  # an incremental run with nothing new writes nothing
            mapped = wh.map_batches(sql, normalizer, OUTPUTS, rows=rows, append=extend,
                                    progress=landed)
            chunks, totals = mapped.batches, mapped.totals
            timings["map_seconds"] = mapped.seconds
        if extend:
            delta.drop_scratch(wh)
        result.counts["records"] = int(totals.get("records", 0))
        result.counts["changes"] = int(totals.get("changes", 0))
        for key, seconds in totals.items():
            if key.endswith("_seconds"):
                timings[key] = timings.get(key, 0.0) + seconds
        # appended records are out of record_id order; a full normalize wrote all in order
        if extend and total:
            delta.mark_unordered(wh, True)
        elif not extend:
            delta.mark_unordered(wh, False)
        delta.store_basis(wh, basis)
        replace_view(wh, T.normalization_changes)
    if extend:
        # records: what normalized_records holds after the run, as a full run counts it (the
        # report compares it run to run); normalized: what this run worked on
        processed = result.counts["records"]
        result.counts["records"] = int(wh.scalar(f"SELECT count(*) FROM {T.normalized_records}"))
        result.counts["normalized"] = processed
        result.counts["removed"] = removed
        result.counts["changed"] = changed
        result.counts["new"] = processed - changed
        result.counts["unchanged_versions"] = kept
        result.notes.append(
            f"records normalized: {result.counts['new']:,} new, {changed:,} changed, "
            f"{removed:,} removed (incremental: the other records were already normalized"
            + (f"; {kept:,} reloaded as they were" if kept else "") + ")")
    if enrichment is not None:
        enrichment.absorb({k[len(FILLED):]: n for k, n in totals.items()
                           if k.startswith(FILLED)}, int(totals.get("records", 0)))
        result.counts["enriched"] = enrichment.filled
        result.notes = [*enrichment.notes, *result.notes]
    result.timings = {k: round(v, 3) for k, v in timings.items()} | {
        "chunks": chunks, "chunk_rows": rows}
    if chunks > 1:  # one chunk is the usual case and needs no note
        limit = f" under the {ctx.memory}" if ctx.memory is not None else ""
        result.notes.append(f"normalized in {chunks} chunks of up to {rows:,} records{limit}")
    return result
