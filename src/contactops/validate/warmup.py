"""The validate stage's warm-up hook, kept apart from the stage so that calling it imports
neither Polars nor Pandera itself (only :mod:`contactops.validate.gx_suites`): the stage
module is imported by a thread while the earlier stages run."""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contactops.contract import StageContext

#: The stage's module: its import (Pandera, the schemas) is what the thread warms.
STAGE_MODULE = "contactops.validate.stage"


def prepare(ctx: StageContext) -> str | None:
    """Start importing the stage (Pandera: ~1 s, a fifth of an hourly run's validation at
    1M) in a thread, and the Great Expectations worker, so their imports overlap the
    earlier stages (whose engine and Polars work leaves the interpreter free). Called
    only when stages run; imports nothing heavy here when validation is off."""
    pipeline = ctx.project.pipeline
    assert pipeline is not None
    options = pipeline.validate_
    if options.enabled:
        # not a daemon: an interpreter never exits in the middle of the import
        threading.Thread(target=importlib.import_module, args=(STAGE_MODULE,),
                         name="contactops-validate-import").start()
    if not options.enabled or not options.gx.enabled:
        return None
    from contactops.validate.gx_suites import prewarm

    worker = prewarm(ctx.project.root, options.gx)
    return "GX worker started early" if worker is not None else None
