"""Running the pipeline and reading run history: ``run``, ``runs``, ``check``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.core.project import OpenedProject, Surface

if TYPE_CHECKING:
    import polars as pl

    from contactops.pipeline.result import RunResult


class RunFlows(OpenedProject):
    """``ctx.run()``, ``ctx.runs()``, ``ctx.check()`` and the run's terminal summary."""

    def run(self, *, until: str | None = None, sample: int | None = None,
            warn_only: bool = False, accept_shrink: Iterable[str] = (),
            progress: Any = None, surface: Surface = "cli",
            memory_limit: str | None = None, full: bool = False) -> RunResult:
        """Run every stage of the pipeline (up to ``until``); returns the RunResult.

        ``sample`` loads N rows per source into the sandbox warehouse. A failed gate sets
        the exit code unless ``warn_only``; a shrunk snapshot stops the run after ingest
        unless its source is in ``accept_shrink``. ``memory_limit`` (``6GB``, ``50%``)
        overrides the pipeline's, the project's and ``CONTACTOPS_MEMORY_LIMIT``.

        Runs are incremental; ``full`` runs every stage over everything (the run record's
        ``reason`` says why a run was full, incremental or had nothing to do).
        """
        from contactops.pipeline import run_pipeline

        project = self.require_pipeline(surface)
        return run_pipeline(project, sample=sample, until=until,
                            warehouse=self.warehouse_override, progress=progress,
                            warn_only=warn_only, accept_shrink=accept_shrink,
                            memory_limit=memory_limit, full=full)

    def print_run_summary(self, result: RunResult, console: Any) -> None:
        """The Rich pre-rollout summary of what a run left in the warehouse."""
        from contactops.report import build_summary, render_terminal

        limit = result.memory_limit or self.memory_limit
        render_terminal(build_summary(result.warehouse, result.run_id,
                                      memory_limit=limit.engine_bytes), console=console)

    def runs(self, limit: int = 20) -> pl.DataFrame:
        """The latest runs, newest first: status, exit code, stage timings, and the memory
        limit each worked under (bytes and where it came from; NULL for runs from before
        it was recorded), the settings and inputs fingerprints and the reason for the kind
        of run (full, incremental, nothing changed)."""
        with self.open_warehouse(read_only=True) as wh:
            return wh.pl(f"SELECT run_id, pipeline, status, exit_code, sample_rows, "
                         f"started_at, finished_at, stages, error, memory_limit_bytes, "
                         f"memory_limit_origin, reason, fingerprint, inputs_fingerprint, "
                         f"fingerprint_parts FROM {T.runs} "
                         "ORDER BY started_at DESC LIMIT ?", [limit])

    def check(self) -> list[str]:
        """Warnings about the checked pipeline: sources with current records in the
        warehouse that it no longer declares (the next run stops on them). Read-only, and
        skipped while the warehouse is busy. The config itself was checked on opening."""
        path = self.warehouse
        if not path.exists():  # nothing to compare with: do not pay for importing DuckDB
            return []
        from contactops.errors import WarehouseBusy
        from contactops.sources.retire import list_sources, removed_sources

        project = self.require_pipeline()
        assert project.pipeline is not None
        declared = {s.name for s in project.pipeline.sources}
        try:
            with self.open_warehouse(read_only=True, lock_timeout=0) as wh:
                if not wh.table_exists(T.loads.name):
                    return []
                ours = set(removed_sources(wh, project.pipeline.name, declared))
                live = [r for r in list_sources(wh, declared).iter_rows(named=True)
                        if r["current_records"] and not r["in_pipeline"]]
        except WarehouseBusy:
            return [f"warehouse {path} is busy: not checked for sources missing from the "
                    "pipeline"]
        out = []
        for r in live:
            name = r["source"]
            if name in ours:
                out.append(f"source '{name}' has {r['current_records']} current records in "
                           f"{path} but is no longer in this pipeline: the next run stops "
                           f"until you retire it (contactops sources retire {name} --reason "
                           "\"...\") or put it back")
            else:
                out.append(f"source '{name}' has {r['current_records']} current records in "
                           f"{path}, loaded by another pipeline: this pipeline's contacts "
                           "include them")
        return out
