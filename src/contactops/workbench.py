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

if TYPE_CHECKING:
    from contactops.core import Context, Project, Relation, Report, RunResult
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
                 *, sample: bool = False, engine: str | None = None) -> None:
        """``engine``: ``duckdb`` or ``spark`` instead of the settings' ``engine:`` (a
        warehouse that exists is read by the engine that made it either way)."""
        from contactops.core import Context

        self._ctx: Context = Context.open(pipeline, project=project, sample=sample,
                                          engine=engine)
        self._ctx.require_pipeline("notebook")
        self.root = self._ctx.root
        self.sample = sample

    @property
    def project(self) -> Project:
        """The resolved project: root, settings and pipeline."""
        return self._ctx.project

    @property
    def pipeline_file(self) -> Path:
        file = self._ctx.pipeline_file
        assert file is not None
        return file

    # -- running ---------------------------------------------------------------------------
    def run(self, *, until: str | None = None, sample: int | None = None,
            warn_only: bool = True, accept_shrink: Iterable[str] = ()) -> RunResult:
        """Run the pipeline. In a notebook a failed gate is reported, not raised.

        A snapshot that shrank past ``max_shrink`` (or a source gone from the pipeline)
        stops the run after ingest whatever ``warn_only`` says (``result.halted``); name the
        source in ``accept_shrink`` to let the drop through.
        """
        return self._ctx.run(until=until, sample=sample, warn_only=warn_only,
                             accept_shrink=accept_shrink, surface="notebook")

    def reload(self) -> Workbench:
        """Re-read the YAML files after editing them."""
        self._ctx.reload()
        return self

    # -- data ------------------------------------------------------------------------------
    @property
    def warehouse(self) -> Path:
        return self._ctx.warehouse

    def table(self, name: str) -> Relation:
        """Any warehouse table or view, lazily."""
        return self._ctx.table(name)

    def sql(self, query: str, *params: Any) -> Relation:
        """A read-only query over the warehouse, lazily."""
        return self._ctx.sql(query, *params)

    @property
    def sources(self) -> list[dict[str, Any]]:
        """The pipeline's sources as configured (name, type, kind, where)."""
        return self._ctx.sources_config()

    @property
    def records(self) -> Relation:
        return self.table("current_source_records")

    @property
    def rejected(self) -> Relation:
        return self.table("rejected_records")

    @property
    def loads(self) -> Relation:
        return self._ctx.loads_relation()

    @property
    def runs(self) -> Relation:
        return self._ctx.runs_relation()

    @property
    def normalized(self) -> Relation:
        return self.table("normalized_records")

    @property
    def contacts(self) -> Relation:
        return self.table("contacts")

    def match(self, record: dict[str, Any] | list[dict[str, Any]], *, limit: int = 5,
              min_probability: float = 0.5, show_pii: bool = False) -> Any:
        """Does this person already exist? The contacts a record not yet loaded may be
        (a MatchResult: ``.candidates``, ``.found``, ``.asdict()``), one per record for a
        list. Reads the warehouse without waiting for a run."""
        return self._ctx.match(record, limit=limit, min_probability=min_probability,
                               show_pii=show_pii)

    def undo_load(self, load_id: str, reason: str = "undone from a notebook") -> dict[str, Any]:
        return self._ctx.undo_load(load_id, reason)

    def retire_source(self, name: str, reason: str) -> Any:
        """Take a source out of the warehouse's current records (audited); returns what it
        cost: records, contacts losing their last record, published audience members."""
        return self._ctx.retire_source(name, reason)

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
        (``.html`` page or ``.json`` summary), relative to the project root."""
        if path is not None and not Path(path).is_absolute():
            path = self.root / path
        return self._ctx.report(run_id, show_pii=show_pii, plans=plans, path=path)

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
