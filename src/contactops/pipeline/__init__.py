"""Orchestration only: run a pipeline stage by stage and record run history."""

from __future__ import annotations

from contactops.pipeline.result import RunResult, StageResult
from contactops.pipeline.runner import run_pipeline, sample_warehouse

__all__ = ["RunResult", "StageResult", "run_pipeline", "sample_warehouse"]
