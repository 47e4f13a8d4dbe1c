"""Validate stage: rule catalogue, Pandera schemas and Great Expectations suites.

    from contactops.validate import validate
    result = validate(wh, project, project.pipeline.validate_, run_id="adhoc")
    print(result); result.issues; result.summary

Great Expectations is never imported in this process: suites run in a worker
(:mod:`contactops.validate.gx_worker`) started early in the run. Names are imported on first
use, so starting that worker (``gx_suites.prewarm``) does not pay for Pandera.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"ValidationResult": "result", "persist": "stage", "run": "stage",
            "validate": "stage"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"contactops.validate.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'contactops.validate' has no attribute '{name}'")
