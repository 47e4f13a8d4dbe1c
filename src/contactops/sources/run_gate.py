"""The run's side of the volume gate: ``--accept-shrink`` names, and removed sources.

The per-load check lives with landing (:mod:`contactops.sources.volume`); here the ingest
stage checks, before anything lands, that every accepted name means something, and holds back
sources the pipeline no longer declares whose records are still current.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.contract import StageContext
    from contactops.sources.volume import Shrink


def check_accepted(ctx: StageContext) -> None:
    """Every ``--accept-shrink`` name is a source of the pipeline or one in the warehouse."""
    from contactops.sources.retire import list_sources

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    known = {s.name for s in pipeline.sources}
    unknown = sorted(ctx.accept_shrink - known)
    if unknown:
        known |= set(list_sources(ctx.warehouse)["source"].to_list())
        unknown = sorted(ctx.accept_shrink - known)
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            hints.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        raise UsageError(f"--accept-shrink names no source of pipeline '{pipeline.name}' or "
                         f"of the warehouse: {', '.join(hints)}; sources: "
                         f"{', '.join(sorted(known))}")


def removed_sources_gate(ctx: StageContext) -> list[Shrink]:
    """A source this pipeline loaded before, no longer declares, and whose records are still
    current: blocked (the run stops after ingest), or retired when its name is accepted.
    Returns the gate's findings, one per such source."""
    from contactops.sources.retire import assess_removed, removed_sources, retire_source
    from contactops.sources.volume import audit

    pipeline = ctx.project.pipeline
    assert pipeline is not None
    from contactops.config.yamlfile import display_path

    shown = display_path(ctx.project.pipeline_file) if ctx.project.pipeline_file else None
    wh = ctx.warehouse
    shrinks: list[Shrink] = []
    for name in removed_sources(wh, pipeline.name, {s.name for s in pipeline.sources}):
        if name in ctx.accept_shrink:
            shrink = retire_source(wh, name, f"--accept-shrink {name} in run {ctx.run_id}",
                                   run_id=ctx.run_id, pipeline_file=shown)
        else:
            shrink = assess_removed(wh, name, shown)
            with wh.transaction():
                audit(wh, shrink, ctx.run_id)
        shrinks.append(shrink)
    return shrinks
