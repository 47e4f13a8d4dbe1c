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
                 memory_limit: str | MemoryLimit | None = None, full: bool = False) -> RunResult:
    """Run every stage (up to ``until``) of ``project.pipeline``.

    A stage that finds a blocking data-quality problem appends to ``result.gate_failures``;
    the run then ends with status ``gate_failed`` and exit code 1, unless ``warn_only``.
    The volume gate (a snapshot that shrank past its ``max_shrink``, a source gone from the
    pipeline) stops the run after ingest with exit code 1 even with ``warn_only``: only
    ``accept_shrink`` (source names) or retiring the source lets it through.

    ``memory_limit`` (a size such as ``6GB``, or a resolved :class:`MemoryLimit`) bounds the
    run's memory; unset, the pipeline's, the project's, ``CONTACTOPS_MEMORY_LIMIT`` or the
    default applies (see :mod:`contactops.config.memory`).

    Runs are incremental: when ingest found every source unchanged and the settings and
    inputs fingerprints equal the last successful run's, no other stage runs and the result
    says "nothing changed since run ..."; when only inputs changed, normalize works on the
    new and removed records alone. ``full`` (``--full``) runs every stage over everything;
    a first run, a settings change or a new contactops version does too, and the run
    record says why (see :mod:`contactops.pipeline.fingerprint`).
    """
    from contactops.engine import memory_scope, open_engine
    from contactops.pipeline.fingerprint import settings_parts

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
    engine = project.settings.engine
    run_id = new_run_id()
    result = RunResult(run_id=run_id, pipeline=project.pipeline.name, warehouse=str(path),
                       sample_rows=sample, memory_limit=memory,
                       fingerprint_parts=settings_parts(project))
    # the scope gives the limit to every connection a stage opens (the CSV reader...)
    with memory_scope(memory.engine_bytes), \
            open_engine(path, engine=engine.name, master=engine.master,
                        options=engine.options,
                        lock_timeout=project.settings.lock_timeout_seconds,
                      create_folder=warehouse is None,  # a typed path: no new folders
                      memory_limit=memory.engine_bytes) as wh:
        _start(wh, result)
        ctx = StageContext(project, wh, run_id, sample, progress, frozenset(accept_shrink),
                           memory)
        try:
            chosen = STAGES[: names.index(until) + 1] if until else STAGES
            _run_stage(ctx, chosen[0], result)  # ingest: then we know what changed
            later = [] if result.halted else list(chosen[1:])
            result.complete_scope = len(chosen) == len(STAGES)
            if later:
                ctx.incremental = not _plan(wh, result, forced=full)
                ctx.fingerprint_parts = result.fingerprint_parts
                if result.unchanged_since:
                    later = []
            notes = [note for stage in later if (note := stage.prepare(ctx))]
            for stage in later:
                _run_stage(ctx, stage, result)
                if result.halted:
                    break
            result.complete = not result.halted and result.complete_scope
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


def _plan(wh: Warehouse, result: RunResult, *, forced: bool) -> str | None:
    """Decide, after ingest, what the rest of the run does; returns why it must be a full
    run (None: incremental, or nothing to do when ``result.unchanged_since`` is set)."""
    from contactops.pipeline.fingerprint import (
        full_run_reason,
        inputs_fingerprint,
        last_run,
    )

    result.inputs_fingerprint = inputs_fingerprint(wh)
    why = full_run_reason(result.fingerprint_parts,
                          last_run(wh, result.pipeline, complete=False), forced=forced)
    last = last_run(wh, result.pipeline, complete=True)
    landed = any(not load.skipped for load in result.loads)
    if why is None and last is not None and not landed and result.complete_scope \
            and result.inputs_fingerprint == last.inputs \
            and last.parts == result.fingerprint_parts:
        result.unchanged_since = last.label()
        result.reason = f"nothing changed since {last.label()}"
        return None
    result.reason = f"full run: {why}" if why else "incremental: inputs changed"
    return why


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
    # only a run through every stage can stand for "nothing changed since" later
    inputs = result.inputs_fingerprint if result.complete else None
    wh.execute(f"UPDATE {T.runs} SET status = ?, exit_code = ?, finished_at = now(), stages = ?, "
               "error = ?, fingerprint = ?, fingerprint_parts = ?, inputs_fingerprint = ?, "
               "reason = ? WHERE run_id = ?",
               [result.status, result.exit_code, stages, result.error, result.fingerprint,
                json.dumps(result.fingerprint_parts), inputs, result.reason, result.run_id])
