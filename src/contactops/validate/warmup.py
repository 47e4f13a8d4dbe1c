"""The validate stage's warm-up hook, kept apart from the stage so that calling it imports
neither Polars nor Pandera (only :mod:`contactops.validate.gx_suites`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contactops.contract import StageContext


def prepare(ctx: StageContext) -> str | None:
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
