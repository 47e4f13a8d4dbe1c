"""Which project, which pipeline, which warehouse: the one resolution rule.

Every surface (the CLI, the notebook facade, tests) opens a project through here:

1. The project is the folder holding ``config/contactops.yaml`` at or above the start folder
   (the working directory for the CLI, the folder given to ``Workbench``); with none, the
   start folder itself, with default settings.
2. The pipeline is the file named (relative to the working directory for the CLI, to the
   project root for the notebook); else the project's only ``pipelines/*.yaml``; else
   ``pipelines/demo.yaml`` when there are several; else none. Commands that cannot work
   without one (``run``, the notebook) say "which pipeline?"; the others use the project's
   settings. ``--source`` files instead make a zero-config pipeline in the project.
3. The warehouse is ``--warehouse`` when given, else the pipeline's (``CONTACTOPS_WAREHOUSE``,
   the pipeline's ``warehouse:``, the settings' ``warehouse``); ``--sample`` turns it into
   the sandbox beside it. The lock timeout always comes from the resolved settings.

:class:`OpenedProject` holds what the rule resolved; the command families (``core/runs.py``,
``core/dedupe.py``, ...) build on it and :class:`~contactops.core.context.Context` joins them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.memory import MemoryLimit
    from contactops.engine.relation import Relation
    from contactops.engine.warehouse import Warehouse

Surface = Literal["cli", "notebook"]


def pipeline_candidates(root: Path) -> list[Path]:
    """The pipeline files of a project, sorted."""
    return sorted((root / "pipelines").glob("*.y*ml"))


def guess_pipeline(root: Path) -> Path | None:
    """The only ``pipelines/*.yaml`` of the project, else ``pipelines/demo.yaml``, else None."""
    found = pipeline_candidates(root)
    if len(found) == 1:
        return found[0]
    demo = root / "pipelines" / "demo.yaml"
    return demo if demo in found else None


def which_pipeline(root: Path, surface: Surface) -> UsageError:
    """The error for a command that needs a pipeline when none could be picked."""
    found = pipeline_candidates(root)
    if surface == "notebook":
        names = ", ".join(p.name for p in found) or "none in pipelines/"
        return UsageError(f"which pipeline? pass pipeline= one of: {names}")
    shown = ", ".join(_shown(p) for p in found) or "none in ./pipelines"
    return UsageError(f"which pipeline? pass one of: {shown} (or --source FILE)")


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)


def resolve_pipeline(root: Path, pipeline: str | Path | None, *,
                     relative_to_root: bool) -> Path | None:
    """Rule 2: the named pipeline file, else the guess."""
    if pipeline is None:
        return guess_pipeline(root)
    path = Path(pipeline)
    if relative_to_root and not path.is_absolute():
        return root / path
    return path


def load(start: str | Path | None, pipeline: str | Path | None, *,
         relative_to_root: bool) -> tuple[Project, bool]:
    """The project (with its pipeline when one is named or guessed) and whether it has one."""
    from contactops.config import load_pipeline, load_project

    if pipeline is not None and not relative_to_root:
        return load_pipeline(pipeline), True
    base = load_project(start)
    file = resolve_pipeline(base.root, pipeline, relative_to_root=relative_to_root)
    if file is None:
        return base, False
    return load_pipeline(file), True


def zero_config(start: str | Path | None, sources: Sequence[str | Path]
                ) -> tuple[Project, dict[str, Any]]:
    """A project whose pipeline is inferred from raw files (``contactops run --source``);
    also the inferred pipeline, so the caller can show the mapping it chose."""
    from contactops.config import load_project
    from contactops.config.loader import Project
    from contactops.config.pipeline import Pipeline
    from contactops.sources.infer import zero_config_pipeline

    base = load_project(start)
    data = zero_config_pipeline([str(s) for s in sources], root=base.root)
    return (Project(root=base.root, settings=base.settings,
                    pipeline=Pipeline.model_validate(data)), data)


def with_engine(project: Project, engine: str | None) -> Project:
    """``project`` with its settings' engine replaced by ``engine`` (``--engine``), keeping
    the configured Spark master and options."""
    if engine is None:
        return project
    from dataclasses import replace

    from pydantic import ValidationError

    from contactops.config.project import EngineSettings
    from contactops.errors import UsageError

    current = project.settings.engine
    try:
        chosen = EngineSettings.model_validate({"name": engine, "master": current.master,
                                                "options": dict(current.options)})
    except ValidationError:
        raise UsageError(f"unknown engine {engine!r} for --engine: use duckdb or spark"
                         ) from None
    return replace(project, settings=project.settings.model_copy(update={"engine": chosen}))


def sample_path(path: Path) -> Path:
    """The ``--sample`` sandbox warehouse beside ``path``."""
    from contactops.pipeline import sample_warehouse

    return sample_warehouse(path)


class OpenedProject:
    """Settings, the pipeline (if any) and the warehouse to work on."""

    def __init__(self, project: Project, *, has_pipeline: bool = True,
                 warehouse: str | Path | None = None, sample: bool = False,
                 inferred: dict[str, Any] | None = None, engine: str | None = None) -> None:
        self.engine_override = engine
        self.project = with_engine(project, engine)
        self.has_pipeline = has_pipeline and project.pipeline is not None
        self.warehouse_override = Path(warehouse) if warehouse is not None else None
        self.sample = sample
        self.inferred = inferred  # the zero-config pipeline, when made from --source files

    # -- what was resolved -----------------------------------------------------------------
    @property
    def root(self) -> Path:
        return self.project.root

    @property
    def pipeline_file(self) -> Path | None:
        return self.project.pipeline_file if self.has_pipeline else None

    @property
    def pipeline_name(self) -> str | None:
        return self.project.pipeline.name if self.has_pipeline and self.project.pipeline \
            else None

    def require_pipeline(self, surface: Surface = "cli") -> Project:
        """The project with its pipeline; "which pipeline?" when none was named or found."""
        if not self.has_pipeline and self.inferred is None:
            raise which_pipeline(self.root, surface)
        return self.project

    @property
    def warehouse(self) -> Path:
        """The warehouse file this context works on (rule 3)."""
        path = self.warehouse_override or self.project.warehouse_path
        return sample_path(path) if self.sample else path

    @property
    def lock_timeout(self) -> float:
        return self.project.settings.lock_timeout_seconds

    @property
    def memory_limit(self) -> MemoryLimit:
        """The memory limit commands other than ``run`` work under: the pipeline's, the
        project's, ``CONTACTOPS_MEMORY_LIMIT``'s or the default (``run`` also takes
        ``--memory-limit``)."""
        from contactops.config.memory import resolve_memory_limit

        return resolve_memory_limit(None, self.project)

    def open_warehouse(self, *, read_only: bool = False, lock_timeout: float | None = None,
                       path: Path | None = None) -> Warehouse:
        """The warehouse (or ``path``), opened (never created) by the engine that made it
        (the Spark master and options from the settings); use it as a context manager.
        The engine gets its share of :attr:`memory_limit` and spills past it."""
        from contactops.engine import open_engine

        engine = self.project.settings.engine
        return open_engine(path or self.warehouse, master=engine.master,
                           options=engine.options,
                           read_only=read_only, create=False,
                           lock_timeout=self.lock_timeout if lock_timeout is None
                           else lock_timeout,
                           memory_limit=self.memory_limit.engine_bytes)

    def declared_sources(self, *, enabled_only: bool = False) -> set[str] | None:
        """Names of the pipeline's sources; None without a pipeline."""
        if not self.has_pipeline or self.project.pipeline is None:
            return None
        return {s.name for s in self.project.pipeline.sources if s.enabled or not enabled_only}

    def sources_config(self) -> list[dict[str, Any]]:
        """The pipeline's sources as configured (name, type, kind, role, where)."""
        pipeline = self.require_pipeline().pipeline
        assert pipeline is not None
        return [{"name": s.name, "type": s.type, "kind": str(s.kind), "role": s.role,
                 "where": getattr(s, "path", None) or getattr(s, "table", None) or "query"}
                for s in pipeline.sources]

    # -- lazy relations --------------------------------------------------------------------
    def table(self, name: str) -> Relation:
        """Any warehouse table or view, lazily."""
        from contactops.engine.relation import Relation

        if not name.replace("_", "").isalnum():
            raise UsageError(f"not a table name: {name!r}")
        return Relation(self.warehouse, f'SELECT * FROM "{name}"', name,
                        memory_limit=self.memory_limit.engine_bytes)

    def sql(self, query: str, *params: Any) -> Relation:
        """A read-only query over the warehouse, lazily."""
        from contactops.engine.relation import Relation

        return Relation(self.warehouse, query, "sql", params,
                        memory_limit=self.memory_limit.engine_bytes)
