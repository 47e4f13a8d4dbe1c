"""The application core: one project opened, its warehouse resolved, every command flow.

    from contactops.core import Context
    ctx = Context.open("pipelines/demo.yaml")     # or Context.open(sources=["crm.csv"])
    result = ctx.run()
    ctx.report(output="report.html")

The CLI (``contactops.cli``) adds argument parsing, printing and exit codes; the notebook
facade (``contactops.workbench``) adds lazy handles and reprs. Both call these methods and
nothing else. The flows live in one module per command family (runs, validation,
reporting, dedupe, audiences, deletion, sources); this module opens the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from contactops.core import project as resolve
from contactops.core.audiences import AudienceFlows
from contactops.core.dedupe import DedupeFlows
from contactops.core.deletion import DeletionFlows
from contactops.core.match import MatchFlows
from contactops.core.reporting import ReportFlows
from contactops.core.runs import RunFlows
from contactops.core.sources import SourceFlows
from contactops.core.validation import ValidationFlows
from contactops.errors import UsageError


class Context(RunFlows, ValidationFlows, ReportFlows, DedupeFlows, DeletionFlows,
              AudienceFlows, SourceFlows, MatchFlows):
    """An opened project with every command flow; build it with :meth:`open` (or from a
    loaded ``Project``: ``Context(project)``). The rule is in :mod:`contactops.core.project`.
    """

    @classmethod
    def open(cls, pipeline: str | Path | None = None, *, project: str | Path | None = None,
             warehouse: str | Path | None = None, sample: bool = False,
             sources: Sequence[str | Path] | None = None,
             engine: str | None = None) -> Context:
        """Open a project by the one rule (see :mod:`contactops.core.project`).

        Args:
            pipeline: pipeline file; relative to the working directory, or to ``project``
                when that is given (the notebook).
            project: the project folder (or a folder inside it); default: the working
                directory.
            warehouse: warehouse file to use instead of the pipeline's.
            sample: the ``--sample`` sandbox beside the warehouse.
            sources: raw files for a zero-config pipeline (``contactops run --source``).
            engine: ``duckdb`` or ``spark`` instead of the settings' ``engine:``.
        """
        if sources:
            if pipeline is not None:
                raise UsageError("give either a pipeline file or --source files, not both")
            found, data = resolve.zero_config(project, sources)
            return cls(found, warehouse=warehouse, sample=sample, inferred=data,
                       engine=engine)
        found, has = resolve.load(project, pipeline, relative_to_root=project is not None)
        return cls(found, has_pipeline=has, warehouse=warehouse, sample=sample,
                   engine=engine)

    def reload(self) -> Context:
        """Re-read the pipeline and settings files (after editing them)."""
        from contactops.config import load_pipeline, load_project

        if self.has_pipeline and self.project.pipeline_file is not None:
            self.project = resolve.with_engine(load_pipeline(self.project.pipeline_file),
                                       self.engine_override)
        elif self.inferred is None:
            self.project = resolve.with_engine(load_project(self.project.root),
                                       self.engine_override)
        return self
