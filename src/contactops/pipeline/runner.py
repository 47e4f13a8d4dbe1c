"""Run a pipeline stage by stage and record the run in ``runs``.

Orchestration only: each stage lives in its own package behind its adapter
(:mod:`contactops.pipeline.stages`); this module hands every adapter the same
:class:`~contactops.contract.StageContext`, times it, keeps its typed result and builds the
run record from those results.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from contactops.catalog import T
from contactops.config.loader import Project
from contactops.config.memory import MemoryLimit, resolve_memory_limit
from contactops.contract import Progress, Silent, StageContext
from contactops.errors import EXIT_GATE_FAILED, EXIT_RUNTIME, ContactopsError, UsageError
from contactops.pipeline.result import RunResult
from contactops.pipeline.stages import STAGES, Stage

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

__all__ = ["Progress", "Silent", "new_run_id", "run_pipeline", "sample_warehouse"]


def sample_warehouse(path: Path) -> Path:
    """The sandbox warehouse a ``--sample`` run writes to, beside the real one."""
    return path.with_name(path.stem + ".sample" + (path.suffix or ".duckdb"))


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def run_pipeline(project: Project, *, sample: int | None = None, until: str | None = None,
                 warehouse: str | Path | None = None, progress: Progress | None = None,
                 warn_only: bool = False, accept_shrink: Iterable[str] = (),
                 memory_limit: str | MemoryLimit | None = None) -> RunResult:
    """Run every stage (up to ``until``) of ``project.pipeline``.

    A stage that finds a blocking data-quality problem appends to ``result.gate_failures``;
    the run then ends with status ``gate_failed`` and exit code 1, unless ``warn_only``.
    The volume gate (a snapshot that shrank past its ``max_shrink``, a source gone from the
    pipeline) stops the run after ingest with exit code 1 even with ``warn_only``: only
    ``accept_shrink`` (source names) or retiring the source lets it through.

    ``memory_limit`` (a size such as ``6GB``, or a resolved :class:`MemoryLimit`) bounds the
    run's memory; unset, the pipeline's, the project's, ``CONTACTOPS_MEMORY_LIMIT`` or the
    default applies (see :mod:`contactops.config.memory`).
    """
    from contactops.engine import Warehouse, memory_scope

    if project.pipeline is None:
        raise UsageError("no pipeline given: pass a pipelines/*.yaml file or --source FILE")
    names = [stage.name for stage in STAGES]
    if until is not None and until not in names:
        raise UsageError(f"unknown stage '{until}' for --until; stages: {', '.join(names)}")
    if sample is not None and sample < 1:
        raise UsageError("--sample takes a positive number of rows per source")
    path = Path(warehouse) if warehouse else project.warehouse_path
    if sample is not None:
        path = sample_warehouse(path)
    memory = (memory_limit if isinstance(memory_limit, MemoryLimit)
              else resolve_memory_limit(memory_limit, project))
    progress = progress or Silent()
    run_id = new_run_id()
    result = RunResult(run_id=run_id, pipeline=project.pipeline.name, warehouse=str(path),
                       sample_rows=sample, memory_limit=memory)
    # the scope gives the limit to every connection a stage opens (the CSV reader...)
    with memory_scope(memory.engine_bytes), \
            Warehouse(path, lock_timeout=project.settings.lock_timeout_seconds,
                      create_folder=warehouse is None,  # a typed path: no new folders
                      memory_limit=memory.engine_bytes) as wh:
        _start(wh, result)
        ctx = StageContext(project, wh, run_id, sample, progress, frozenset(accept_shrink),
                           memory)
        try:
            chosen = STAGES[: names.index(until) + 1] if until else STAGES
            notes = [note for stage in chosen if (note := stage.prepare(ctx))]
            for stage in chosen:
                _run_stage(ctx, stage, result)
                if result.halted:
                    break
            if notes and result.stages:
                result.stages[-1].notes.extend(notes)
        except ContactopsError as exc:
            result.status, result.exit_code, result.error = "failed", exc.exit_code, str(exc)
            _finish(wh, result)
            raise
        except Exception as exc:
            result.status, result.exit_code = "failed", EXIT_RUNTIME
            result.error = f"{type(exc).__name__}: {exc}"
            _finish(wh, result)
            raise
        if (result.gate_failures and not warn_only) or result.halted:
            result.status, result.exit_code = "gate_failed", EXIT_GATE_FAILED
        else:
            result.status = "success"
        _finish(wh, result)
    return result


def _run_stage(ctx: StageContext, stage: Stage, result: RunResult) -> None:
    """Run one adapter; keep its typed result, its gate failures, and ingest's loads."""
    from contactops.sources.stage import IngestResult

    started = time.perf_counter()
    stage_result = stage.run(ctx)
    stage_result.seconds = round(time.perf_counter() - started, 3)
    result.stages.append(stage_result)
    if isinstance(stage_result, IngestResult):
        result.loads.extend(stage_result.loads)
        result.shrinks.extend(stage_result.shrinks)
    result.gate_failures.extend(stage_result.gate_failures())
    ctx.progress.done(stage_result)


def _start(wh: Warehouse, result: RunResult) -> None:
    with wh.transaction():
        # We hold the warehouse lock, so a run still marked running died (crash, kill -9).
        wh.execute(f"UPDATE {T.runs} SET status = 'interrupted', exit_code = 3, "
                   "error = 'process ended before the run finished' WHERE status = 'running'")
        memory = result.memory_limit
        wh.execute(f"INSERT INTO {T.runs} (run_id, pipeline, status, sample_rows, started_at, "
                   "memory_limit_bytes, memory_limit_origin) "
                   "VALUES (?, ?, 'running', ?, now(), ?, ?)",
                   [result.run_id, result.pipeline, result.sample_rows,
                    memory.bytes if memory else None, memory.origin if memory else None])


def _finish(wh: Warehouse, result: RunResult) -> None:
    stages = json.dumps([s.record() for s in result.stages], default=str)
    wh.execute(f"UPDATE {T.runs} SET status = ?, exit_code = ?, finished_at = now(), stages = ?, "
               "error = ? WHERE run_id = ?",
               [result.status, result.exit_code, stages, result.error, result.run_id])
