"""The normalize stage's adapter: current source records in, normalized records out.

Reads ``current_source_records`` through the warehouse it is handed, in chunks of records
ordered by ``record_id`` (so the output, and every count downstream, is the same from run
to run), runs the pure Polars :func:`~contactops.normalize.stage.normalize` (and the
enrichment rules) on each chunk, and writes ``normalized_records`` and the compact audit
(``normalization_audit`` change bits, ``normalization_enrichments``; ``normalization_changes``
is their view) chunk after chunk in one transaction. The chunk size follows the run's memory
limit (:func:`chunk_rows`), so memory is bounded by the setting, not by the number of
records. No engine import: the warehouse object is all it needs (``scalar``, ``batches``,
``replace_table``, ``append_frame``, ``transaction``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from contactops.catalog import T
from contactops.contract import StageInfo, StageResult
from contactops.fields import CONTACT_FIELDS

if TYPE_CHECKING:
    import polars as pl

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
    now = datetime.now(UTC)  # one reference time for every chunk's future-date flags
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
            timings["delta_seconds"] = time.perf_counter() - begun
        else:
            sql = (f"SELECT {', '.join(columns)} FROM {T.current_source_records} "
                   "ORDER BY record_id")
            total = int(wh.scalar(f"SELECT count(*) FROM {T.current_source_records}"))
        rows = rows_per_chunk or chunk_rows(ctx.memory, total)
        chunks = max(-(-total // rows), 1)
        ctx.progress.stage("normalize", total=chunks)
        frames = (delta.pending_batches(wh, columns, rows, total) if extend
                  else wh.batches(sql, rows))
        for number, raw in enumerate(frames):
            normalized, audit_rows = _normalize_chunk(ctx, raw, now, timings)
            enriched = _empty_enrichments()
            if enrichment is not None:
                normalized, enriched = enrichment.apply(normalized)
            begun = time.perf_counter()
            first = number == 0 and not extend
            _write(wh, T.normalized_records.name, normalized, first=first)
            _write(wh, T.normalization_audit.name, audit_rows, first=first)
            _write(wh, T.normalization_enrichments.name, enriched, first=first)
            _write(wh, T.normalized_versions.name, raw.select("record_id", "load_id"),
                   first=first)
            timings["write_seconds"] = timings.get("write_seconds", 0.0) + \
                time.perf_counter() - begun
            result.counts["records"] += normalized.height
            result.counts["changes"] += _changed_values(audit_rows) + enriched.height
            ctx.progress.advance(f"normalize: chunk {number + 1}/{chunks}")
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
        result.counts["enriched"] = enrichment.filled
        result.notes = [*enrichment.notes, *result.notes]
    result.timings = {k: round(v, 3) for k, v in timings.items()} | {
        "chunks": chunks, "chunk_rows": rows}
    if chunks > 1:  # one chunk is the usual case and needs no note
        limit = f" under the {ctx.memory}" if ctx.memory is not None else ""
        result.notes.append(f"normalized in {chunks} chunks of up to {rows:,} records{limit}")
    return result


def _normalize_chunk(ctx: StageContext, raw: pl.DataFrame, now: datetime,
                     timings: dict[str, float]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One chunk of raw records normalized, and its compact audit (change bits per record);
    its phase timings added to ``timings``."""
    from contactops.normalize import audit
    from contactops.normalize.stage import OUTPUT_COLUMNS, normalize

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    output = normalize(raw.lazy(), ctx.project.settings, pipeline.normalize, now=now)
    begun = time.perf_counter()
    wide = output.collect_wide()  # its phases time themselves; collect_seconds is their sum
    output.timings["collect_seconds"] = time.perf_counter() - begun
    normalized = wide.select(OUTPUT_COLUMNS)
    begun = time.perf_counter()
    audit_rows = audit.compact(raw, wide)  # per-record change bits, not a row per value
    output.timings["audit_seconds"] = time.perf_counter() - begun
    del wide
    for key, seconds in output.timings.items():
        timings[key] = timings.get(key, 0.0) + seconds
    return normalized, audit_rows


def _changed_values(audit_rows: pl.DataFrame) -> int:
    from contactops.normalize import audit

    return audit.changed_values(audit_rows)


def _empty_enrichments() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={c: pl.String for c in T.normalization_enrichments.column_names})


def _write(wh: Any, table: str, frame: pl.DataFrame, *, first: bool) -> None:
    """The first chunk replaces the table, the next ones append to it."""
    if first:
        wh.replace_table(table, frame)
    else:
        wh.append_frame(table, frame)
