"""An opened project: what the one rule resolved (see :mod:`contactops.core.project`).

The command families (``core/runs.py``, ``core/dedupe.py``, …) build on this class; the
:class:`~contactops.core.context.Context` joins them and knows how to open a project.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.core import project as resolve
from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.engine.relation import Relation
    from contactops.engine.warehouse import Warehouse


class OpenedProject:
    """Settings, the pipeline (if any) and the warehouse to work on."""

    def __init__(self, project: Project, *, has_pipeline: bool = True,
                 warehouse: str | Path | None = None, sample: bool = False,
                 inferred: dict[str, Any] | None = None) -> None:
        self.project = project
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

    def require_pipeline(self, surface: resolve.Surface = "cli") -> Project:
        """The project with its pipeline; "which pipeline?" when none was named or found."""
        if not self.has_pipeline and self.inferred is None:
            raise resolve.which_pipeline(self.root, surface)
        return self.project

    @property
    def warehouse(self) -> Path:
        """The warehouse file this context works on (rule 3)."""
        path = self.warehouse_override or self.project.warehouse_path
        return resolve.sample_path(path) if self.sample else path

    @property
    def lock_timeout(self) -> float:
        return self.project.settings.lock_timeout_seconds

    def open_warehouse(self, *, read_only: bool = False) -> Warehouse:
        """The warehouse, opened (never created); use it as a context manager."""
        from contactops.engine import Warehouse

        return Warehouse(self.warehouse, read_only=read_only, create=False,
                         lock_timeout=self.lock_timeout)

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
        return Relation(self.warehouse, f'SELECT * FROM "{name}"', name)

    def sql(self, query: str, *params: Any) -> Relation:
        """A read-only query over the warehouse, lazily."""
        from contactops.engine.relation import Relation

        return Relation(self.warehouse, query, "sql", params)
