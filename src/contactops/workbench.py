"""The notebook facade: one object per project, calling the same core as the CLI.

    from contactops import Workbench
    wb = Workbench(".")                # the project folder (holds config/)
    wb.run()                           # every stage of the pipeline; returns a RunResult
    wb.contacts.pl()                   # lazy handles: .pl() .df() .arrow() .count() .limit()
    wb.validate.issues(); wb.dedupe.review(); wb.audiences.plan("monthly-newsletter")
    wb.report().save("report.html")    # ready to publish? (PII masked unless show_pii=True)

Stage namespaces (``wb.dedupe``, ``wb.validate``, ``wb.audiences``) group the
stage-specific calls; tables are read through read-only connections, so a notebook never
holds the lock a scheduled run needs.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.config import load_pipeline, load_project
from contactops.config.loader import Project
from contactops.config.yamlfile import display_path
from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.engine.relation import Relation
    from contactops.pipeline.result import RunResult
    from contactops.report.result import Report
    from contactops.workbench_ns import AudiencesNamespace, DedupeNamespace, ValidateNamespace


class Workbench:
    """A contactops project, opened for interactive work.

    Args:
        project: the project folder (or any folder inside it).
        pipeline: pipeline file, relative to the project root; default: the only
            ``pipelines/*.yaml``, or ``pipelines/demo.yaml`` when there are several.
        sample: work on the ``--sample`` sandbox warehouse instead of the real one.
    """

    def __init__(self, project: str | Path = ".", pipeline: str | Path | None = None,
                 *, sample: bool = False) -> None:
        base = load_project(project)
        self.root = base.root
        self.pipeline_file = self._pick_pipeline(pipeline)
        self.project: Project = load_pipeline(self.pipeline_file)
        self.sample = sample

    def _pick_pipeline(self, pipeline: str | Path | None) -> Path:
        if pipeline is not None:
            path = Path(pipeline)
            return path if path.is_absolute() else self.root / path
        found = sorted((self.root / "pipelines").glob("*.y*ml"))
        if len(found) == 1:
            return found[0]
        demo = self.root / "pipelines" / "demo.yaml"
        if demo in found:
            return demo
        raise UsageError(f"which pipeline? pass pipeline= one of: "
                         f"{', '.join(p.name for p in found) or 'none in pipelines/'}")

    # -- running ---------------------------------------------------------------------------
    def run(self, *, until: str | None = None, sample: int | None = None,
            warn_only: bool = True, accept_shrink: Iterable[str] = ()) -> RunResult:
        """Run the pipeline. In a notebook a failed gate is reported, not raised.

        A snapshot that shrank past ``max_shrink`` (or a source gone from the pipeline)
        stops the run after ingest whatever ``warn_only`` says (``result.halted``); name the
        source in ``accept_shrink`` to let the drop through.
        """
        from contactops.pipeline import run_pipeline

        return run_pipeline(self.project, until=until, sample=sample, warn_only=warn_only,
                            accept_shrink=accept_shrink)

    def reload(self) -> Workbench:
        """Re-read the YAML files after editing them."""
        self.project = load_pipeline(self.pipeline_file)
        self.__dict__.pop("warehouse", None)
        return self

    # -- data ------------------------------------------------------------------------------
    @cached_property
    def warehouse(self) -> Path:
        from contactops.pipeline import sample_warehouse

        path = self.project.warehouse_path
        return sample_warehouse(path) if self.sample else path

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

    @property
    def sources(self) -> list[dict[str, Any]]:
        """The pipeline's sources as configured (name, type, kind, where)."""
        assert self.project.pipeline is not None
        return [{"name": s.name, "type": s.type, "kind": str(s.kind), "role": s.role,
                 "where": getattr(s, "path", None) or getattr(s, "table", None) or "query"}
                for s in self.project.pipeline.sources]

    @property
    def records(self) -> Relation:
        return self.table("current_source_records")

    @property
    def rejected(self) -> Relation:
        return self.table("rejected_records")

    @property
    def loads(self) -> Relation:
        return self.sql("SELECT * FROM loads ORDER BY load_seq DESC")

    @property
    def runs(self) -> Relation:
        return self.sql("SELECT * FROM runs ORDER BY started_at DESC")

    @property
    def normalized(self) -> Relation:
        return self.table("normalized_records")

    @property
    def contacts(self) -> Relation:
        return self.table("contacts")

    def undo_load(self, load_id: str, reason: str = "undone from a notebook") -> dict[str, Any]:
        from contactops.engine import Warehouse
        from contactops.sources.loads import undo_load

        with Warehouse(self.warehouse, create=False) as wh:
            return undo_load(wh, load_id, reason)

    def retire_source(self, name: str, reason: str) -> Any:
        """Take a source out of the warehouse's current records (audited); returns what it
        cost: records, contacts losing their last record, published audience members."""
        from contactops.engine import Warehouse
        from contactops.sources.retire import retire_source

        shown = display_path(self.pipeline_file)
        with Warehouse(self.warehouse, create=False) as wh:
            return retire_source(wh, name, reason, pipeline_file=shown,
                                 declared=self._declared())

    def _declared(self) -> set[str]:
        assert self.project.pipeline is not None
        return {s.name for s in self.project.pipeline.sources if s.enabled}

    # -- stage namespaces -----------------------------------------------------------------
    @cached_property
    def validate(self) -> ValidateNamespace:
        """``run()``, ``issues()``, ``summary()``."""
        from contactops.workbench_ns import ValidateNamespace

        return ValidateNamespace(self)

    @cached_property
    def dedupe(self) -> DedupeNamespace:
        """``review()``, ``must_link()``, ``cannot_link()``, ``explain()``, ``unmerge()``."""
        from contactops.workbench_ns import DedupeNamespace

        return DedupeNamespace(self)

    @cached_property
    def audiences(self) -> AudiencesNamespace:
        """``names()``, ``plan(name)``, ``apply(plan)``, ``publishes()``."""
        from contactops.workbench_ns import AudiencesNamespace

        return AudiencesNamespace(self)

    def report(self, path: str | Path | None = None, *, run_id: str | None = None,
               show_pii: bool = False, plans: bool = True) -> Report:
        """The run report (same core as ``contactops report``); ``path`` also saves it
        (``.html`` page or ``.json`` summary)."""
        from contactops.report import build_summary
        from contactops.report.result import Report
        from contactops.workbench_ns import audience_plans

        name = self.project.pipeline.name if self.project.pipeline else None
        found = audience_plans(self.project, self.warehouse) if plans else None
        result = Report(build_summary(self.warehouse, run_id, plans=found, show_pii=show_pii,
                                      pipeline=name))
        if path is not None:
            result.save(path if Path(path).is_absolute() else self.root / path)
        return result

    # -- display ---------------------------------------------------------------------------
    def __repr__(self) -> str:
        name = self.project.pipeline.name if self.project.pipeline else "?"
        return f"<Workbench {self.root} pipeline={name} warehouse={self.warehouse}>"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(s['name'])}</td><td>{s['type']}</td>"
                       f"<td>{s['kind']}</td><td>{html.escape(str(s['where']))}</td></tr>"
                       for s in self.sources)
        return (f"<div><b>contactops</b> project <code>{html.escape(str(self.root))}</code>, "
                f"warehouse <code>{html.escape(str(self.warehouse))}</code>"
                f"<table><tr><th>source</th><th>type</th><th>kind</th><th>where</th></tr>"
                f"{rows}</table><small>wb.run(), wb.records, wb.normalized, wb.contacts, "
                "wb.loads, wb.runs, wb.table(name), wb.validate, wb.dedupe, wb.audiences, "
                "wb.report()</small></div>")
