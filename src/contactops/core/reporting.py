"""The run report (``contactops report``, ``wb.report()``) and the audience plans it shows."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.core.project import OpenedProject

if TYPE_CHECKING:
    from contactops.report.result import Report


class ReportFlows(OpenedProject):
    """``ctx.report()`` and ``ctx.audience_plans()``."""

    def report(self, run_id: str | None = None, *, show_pii: bool = False,
               plans: bool = True, path: str | Path | None = None) -> Report:
        """The report of a run (default: the latest finished one); PII masked unless
        ``show_pii``; with ``plans`` every active audience is planned into it. ``path``
        also saves it (``.html`` page or ``.json`` summary; relative to the working
        directory)."""
        from contactops.report import build_summary
        from contactops.report.result import Report

        found = self.audience_plans() if plans else None
        result = Report(build_summary(self.warehouse, run_id, plans=found, show_pii=show_pii,
                                      pipeline=self.pipeline_name,
                                      memory_limit=self.memory_limit.engine_bytes))
        if path is not None:
            result.save(path)
        return result

    def audience_plans(self) -> list[dict[str, Any]] | None:
        """``Plan.asdict()`` of every active audience, read-only; None when there is nothing
        to plan (no config/audiences.yaml, no contacts yet). A plan that cannot be made
        becomes a blocked plan with the reason, so the report says so instead of failing."""
        if not (self.root / "config" / "audiences.yaml").exists():
            return None
        try:
            from contactops.audiences import load_audience_config, make_plan
        except ImportError:  # the audiences stage is not installed in this build
            return None
        plans: list[dict[str, Any]] = []
        self.repair_publishes()
        with self.open_warehouse(read_only=True) as wh:
            if not wh.table_exists(T.contacts.name):
                return None
            config = load_audience_config(self.project, wh.columns(T.contacts.name))
            for name, audience in config.file.audiences.items():
                if not getattr(audience, "active", True):
                    continue
                try:
                    plans.append(make_plan(wh, config, name).asdict())
                except Exception as exc:  # one broken audience must not hide the others
                    plans.append({"audience": name, "channel": audience.channel,
                                  "blockers": [f"cannot plan: {exc}"]})
        return plans

    def repair_publishes(self) -> list[str]:
        """Finish or undo a publish a crash interrupted (see contactops.audiences.manifest);
        returns the notes of what was repaired.

        Reads the warehouse read-only; only when an interrupted publish is found is it
        opened for writing, for the repair.
        """
        from contactops.audiences import load_audience_config, manifest, tables

        with self.open_warehouse(read_only=True) as wh:
            if not manifest.interrupted(wh):
                return []
        with self.open_warehouse() as wh:
            tables.ensure_tables(wh)
            columns = wh.columns(T.contacts.name) if wh.table_exists(T.contacts.name) \
                else None
            return list(manifest.repair(wh, load_audience_config(self.project, columns)))
