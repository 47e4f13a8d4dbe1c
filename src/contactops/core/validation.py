"""The validate stage on its own: ``contactops validate`` and ``wb.validate``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.core.project import OpenedProject

if TYPE_CHECKING:
    from contactops.engine.relation import Relation


class ValidationFlows(OpenedProject):
    """``ctx.validate()`` and the lazy issue / summary relations."""

    def validate_options(self, *, gx: bool = True) -> Any:
        """The pipeline's ``validate:`` block (defaults without a pipeline); ``gx=False``
        turns the Great Expectations suites off."""
        from contactops.config.validate import ValidateSettings

        pipeline = self.project.pipeline if self.has_pipeline else None
        options = pipeline.validate_ if pipeline is not None else ValidateSettings()
        if not gx:
            options = options.model_copy(update={"gx": options.gx.model_copy(
                update={"enabled": False})})
        return options

    def validate(self, *, gx: bool = True) -> Any:
        """Validate the warehouse as it is and store the result; returns the
        ValidationResult (``.passed`` says whether every error rule held)."""
        from contactops.pipeline.runner import new_run_id
        from contactops.validate import gx_suites
        from contactops.validate.stage import chunk_rows, persist
        from contactops.validate.stage import validate as run_validate

        options = self.validate_options(gx=gx)
        gx_suites.prewarm(self.root, options.gx)  # GX imports while we open the warehouse
        with self.open_warehouse() as wh:
            result = run_validate(wh, self.project, options, new_run_id(),
                                  chunk_rows=chunk_rows(self.memory_limit))
            persist(wh, result)
        return result

    def issues(self, severity: str | None = None) -> Relation:
        """Issues of the latest validation (values masked), optionally of one severity."""
        rel = self.table(T.validation_issues.name)
        return rel.where(f"severity = '{severity}'") if severity in ("error", "warn") else rel

    def validation_summary(self, *, all_runs: bool = False) -> Relation:
        """One row per rule and source with its status; the latest run unless all_runs."""
        if all_runs:
            return self.table(T.validation_summary.name)
        return self.sql(f"SELECT * FROM {T.validation_summary} WHERE run_id = (SELECT "
                        f"max(run_id) FROM {T.validation_summary}) ORDER BY status, rule")
