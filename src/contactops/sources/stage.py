"""The ingest stage's adapter: land every enabled source of the pipeline.

The volume gate holds back shrunken snapshots and sources gone from the pipeline: their
findings are the result's ``shrinks``, the blocked ones its gate failures (the runner then
stops after ingest).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from contactops.contract import StageResult

if TYPE_CHECKING:
    from contactops.config.memory import MemoryLimit
    from contactops.contract import StageContext

#: Peak bytes ingest holds per row of a batch (the raw frame, its Arrow copy, the mapped
#: frame and its registration), measured on 1M generated rows (see batch_rows).
BYTES_PER_ROW = 2_000
#: What the process holds besides ingest's batch (interpreter, libraries, caches).
BASELINE_BYTES = 400 * 1024**2
#: Batches smaller than this cost more in per-batch overhead than they save.
MIN_BATCH_ROWS = 50_000
#: Batches larger than this are no faster; they only hold more memory.
MAX_BATCH_ROWS = 250_000


@dataclass
class IngestResult(StageResult):
    """What ingest landed: one ``LoadInfo`` per source, the volume gate's findings."""

    name: ClassVar[str] = "ingest"
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, Any] = field(default_factory=dict)
    loads: list[Any] = field(default_factory=list)    # LoadInfo
    shrinks: list[Any] = field(default_factory=list)  # Shrink
    seconds: float = 0.0

    def gate_failures(self) -> list[str]:
        return [str(s) for s in self.shrinks if s.status == "blocked"]

    def asdict(self) -> dict[str, Any]:
        return {**super().asdict(), "loads": [load.asdict() for load in self.loads],
                "shrinks": [s.asdict() for s in self.shrinks]}

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(f"<tr><td>{esc(load.source)}</td><td>{load.rows_read}</td>"
                       f"<td>{load.rows_accepted}</td><td>{load.rows_rejected}</td></tr>"
                       for load in self.loads)
        return (f"{super()._repr_html_()}<table><tr><th>source</th><th>read</th>"
                f"<th>accepted</th><th>rejected</th></tr>{rows}</table>")


def batch_rows(memory: MemoryLimit | None) -> int | None:
    """Rows per batch of a file source: what fits in the limit's share for frames, past
    the baseline, within [MIN_BATCH_ROWS, MAX_BATCH_ROWS]; None (one batch) without a limit
    (a stage called outside a run)."""
    if memory is None:
        return None
    return min(memory.chunk_rows(BYTES_PER_ROW, baseline=BASELINE_BYTES,
                                 minimum=MIN_BATCH_ROWS), MAX_BATCH_ROWS)


def run(ctx: StageContext, *, rows_per_batch: int | None = None) -> IngestResult:
    """Land every enabled source; check ``--accept-shrink`` names first, hold back sources
    gone from the pipeline.

    ``rows_per_batch`` forces the batch size (tests); by default :func:`batch_rows`.
    """
    from contactops.sources.ingest import ingest_source
    from contactops.sources.run_gate import check_accepted, removed_sources_gate

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    sources = [s for s in pipeline.sources if s.enabled]
    ctx.progress.stage("ingest", total=len(sources))
    check_accepted(ctx)
    result = IngestResult(shrinks=removed_sources_gate(ctx))
    counts = {"sources": len(sources), "loaded": 0, "unchanged": 0, "rows_read": 0,
              "rows_accepted": 0, "rows_rejected": 0}
    rows = rows_per_batch or batch_rows(ctx.memory)
    for source in sources:
        info = ingest_source(ctx.warehouse, ctx.project, source, run_id=ctx.run_id,
                             sample=ctx.sample, accept_shrink=source.name in ctx.accept_shrink,
                             rows_per_batch=rows)
        result.loads.append(info)
        if info.shrink is not None:
            result.shrinks.append(info.shrink)
        outcome = "blocked" if info.blocked else "unchanged" if info.skipped else "loaded"
        counts[outcome] = counts.get(outcome, 0) + 1
        for key in ("rows_read", "rows_accepted", "rows_rejected"):
            counts[key] += getattr(info, key)
        ctx.progress.advance(source.name)
    result.notes = [str(s) for s in result.shrinks if s.status != "blocked"]
    removed = sum(s.reason == "removed" for s in result.shrinks)
    if removed:
        counts["removed_sources"] = removed
    result.counts = counts
    return result
