"""The pipeline's stages, in order: each is its package's adapter ``run(ctx)`` (see
:mod:`contactops.contract`), with an optional ``prepare`` hook called at run start.

Adapters are named, not imported: a run up to ``normalize`` never imports dedupe or
validate, and importing the pipeline stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contactops.contract import StageContext, StageResult


def _resolve(target: str) -> Callable[..., Any]:
    module, _, function = target.partition(":")
    return getattr(import_module(module), function)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Stage:
    """A stage: ``adapter`` does the work; ``prepare`` (optional) starts slow warm-ups when
    the run begins, so they overlap earlier stages instead of blocking this one. Both are
    ``module:function`` names."""

    name: str
    adapter: str
    prepare_hook: str | None = None

    def run(self, ctx: StageContext) -> StageResult:
        result: StageResult = _resolve(self.adapter)(ctx)
        return result

    def prepare(self, ctx: StageContext) -> str | None:
        if self.prepare_hook is None:
            return None
        note: str | None = _resolve(self.prepare_hook)(ctx)
        return note


STAGES = (
    Stage("ingest", "contactops.sources.stage:run"),
    Stage("normalize", "contactops.normalize.adapter:run"),
    Stage("dedupe", "contactops.dedupe.stage:run"),
    Stage("validate", "contactops.validate.stage:run",
          prepare_hook="contactops.validate.warmup:prepare"),
)
