"""Stage namespaces of the Workbench: ``wb.validate``, ``wb.dedupe``, ``wb.audiences``.

Thin: each method opens the warehouse, calls the stage package's public functions (the same
ones the CLI calls) and closes it again. Reads use read-only connections.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.loader import Project
    from contactops.engine.relation import Relation
    from contactops.workbench import Workbench


class _Namespace:
    def __init__(self, wb: Workbench) -> None:
        self._wb = wb

    def _open(self, *, read_only: bool = False) -> Any:
        from contactops.engine import Warehouse

        return Warehouse(self._wb.warehouse, read_only=read_only, create=False,
                         lock_timeout=self._wb.project.settings.lock_timeout_seconds)

    def __repr__(self) -> str:
        methods = [m for m in dir(self) if not m.startswith("_")]
        return f"<{type(self).__name__}: {', '.join(f'.{m}()' for m in methods)}>"


class ValidateNamespace(_Namespace):
    """``wb.validate``: run the checks; read issues and the rule summary."""

    def run(self, *, gx: bool = True) -> Any:
        """Validate the current warehouse and store the result (like ``contactops validate``);
        returns a ValidationResult."""
        from contactops.pipeline.runner import new_run_id
        from contactops.validate.stage import persist, validate

        assert self._wb.project.pipeline is not None
        options = self._wb.project.pipeline.validate_
        if not gx:
            options = options.model_copy(update={"gx": options.gx.model_copy(
                update={"enabled": False})})
        with self._open() as wh:
            result = validate(wh, self._wb.project, options, new_run_id())
            persist(wh, result)
        return result

    def issues(self, severity: str | None = None) -> Relation:
        """Issues of the latest validation (values masked), optionally of one severity."""
        rel = self._wb.table("validation_issues")
        return rel.where(f"severity = '{severity}'") if severity in ("error", "warn") else rel

    def summary(self, *, all_runs: bool = False) -> Relation:
        """One row per rule and source with its status; the latest run unless all_runs."""
        if all_runs:
            return self._wb.table("validation_summary")
        return self._wb.sql("SELECT * FROM validation_summary WHERE run_id = (SELECT "
                            "max(run_id) FROM validation_summary) ORDER BY status, rule")


class DedupeNamespace(_Namespace):
    """``wb.dedupe``: the review queue, must-link / cannot-link decisions, explanations."""

    def _options(self) -> Any:
        assert self._wb.project.pipeline is not None
        return self._wb.project.pipeline.dedupe

    def review(self, limit: int | None = None) -> pl.DataFrame:
        """Open review pairs (no decision yet), most likely matches first."""
        from contactops.dedupe.review import review_queue

        with self._open() as wh:
            return review_queue(wh, limit)

    def decide(self, record_a: str, record_b: str, decision: str,
               note: str | None = None) -> None:
        """Store ``must_link`` or ``cannot_link``; the next run applies it."""
        from contactops.dedupe.review import decide

        with self._open() as wh:
            decide(wh, record_a, record_b, decision, note)  # type: ignore[arg-type]

    def must_link(self, record_a: str, record_b: str, note: str | None = None) -> None:
        self.decide(record_a, record_b, "must_link", note)

    def cannot_link(self, record_a: str, record_b: str, note: str | None = None) -> None:
        self.decide(record_a, record_b, "cannot_link", note)

    def decisions(self) -> Relation:
        return self._wb.table("match_decisions")

    def unmerge(self, contact_id: str, reason: str | None = None) -> list[str]:
        from contactops.dedupe.review import unmerge

        with self._open() as wh:
            return unmerge(wh, contact_id, reason)

    def explain(self, record_a: str, record_b: str | None = None) -> Any:
        """Per-field weights for a pair of records (a DataFrame); with one argument (a
        contact id), a ContactExplanation: every pair of its records (``.pairs``) and per
        channel the record that decided its consent and why (``.consent``)."""
        from contactops.dedupe.consent_explain import ContactExplanation, read_consent
        from contactops.dedupe.explain import explain_contact, explain_pair
        from contactops.dedupe.stage import load_model

        with self._open(read_only=True) as wh:
            model = load_model(wh)
            records = wh.pl("SELECT * FROM normalized_records")
            if record_b is None:
                consent = read_consent(wh, record_a)
                links = wh.pl("SELECT record_id, contact_id FROM contact_links")
                pairs = explain_contact(records, links, record_a, self._options(), model)
                return ContactExplanation(record_a, pairs, consent)
        return explain_pair(records, record_a, record_b, self._options(), model)

    def diagnostics(self, *, show_pii: bool = False) -> Any:
        """Label-free match diagnostics of the last dedupe run (a MatchDiagnostics): blocking
        passes, largest blocks (keys masked unless ``show_pii``), the match-weight
        histogram and the expected precision at the thresholds."""
        from contactops.report.diagnostics import MatchDiagnostics, match_diagnostics

        with self._open(read_only=True) as wh:
            return MatchDiagnostics(match_diagnostics(wh, show_pii))

    def chart(self, record_a: str, record_b: str) -> Any:
        """An Altair waterfall of :meth:`explain`."""
        from contactops.dedupe.explain import waterfall_chart

        return waterfall_chart(self.explain(record_a, record_b))


class AudiencesNamespace(_Namespace):
    """``wb.audiences``: plan (diff, exclusions, blockers), then apply."""

    def _config(self, wh: Any) -> Any:
        from contactops.audiences import load_audience_config

        columns = wh.columns("contacts") if wh.table_exists("contacts") else None
        return load_audience_config(self._wb.project, columns)

    def names(self) -> list[str]:
        with self._open(read_only=True) as wh:
            return list(self._config(wh).file.audiences)

    def plan(self, name: str, *, test: bool = False, target: str | None = None) -> Any:
        """What publishing ``name`` would do: members, +added/-removed, exclusions by reason."""
        from contactops.audiences import make_plan

        with self._open() as wh:
            return make_plan(wh, self._config(wh), name, test=test, target=target)

    def apply(self, plan: Any) -> Any:
        """Publish a plan; refuses (GateFailed) while any blocker stands."""
        from contactops.audiences import apply

        with self._open() as wh:
            return apply(wh, self._config(wh), plan)

    def publishes(self) -> Relation:
        return self._wb.sql("SELECT * FROM publishes ORDER BY published_at DESC")


def audience_plans(project: Project, warehouse: Path) -> list[dict[str, Any]] | None:
    """``Plan.asdict()`` of every active audience, read-only; None when there is nothing to
    plan (no config/audiences.yaml, no contacts yet). A plan that cannot be made becomes a
    blocked plan with the reason, so the report says so instead of failing."""
    if not (project.root / "config" / "audiences.yaml").exists():
        return None
    try:
        from contactops.audiences import load_audience_config, make_plan
        from contactops.engine import Warehouse
    except ImportError:  # the audiences stage is not installed in this build
        return None
    plans: list[dict[str, Any]] = []
    _repair_publishes(project, warehouse)
    with Warehouse(warehouse, read_only=True) as wh:
        if not wh.table_exists("contacts"):
            return None
        config = load_audience_config(project, wh.columns("contacts"))
        for name, audience in config.file.audiences.items():
            if not getattr(audience, "active", True):
                continue
            try:
                plans.append(make_plan(wh, config, name).asdict())
            except Exception as exc:  # one broken audience must not hide the others
                plans.append({"audience": name, "channel": audience.channel,
                              "blockers": [f"cannot plan: {exc}"]})
    return plans


def _repair_publishes(project: Project, warehouse: Path) -> None:
    """Finish or undo a publish a crash interrupted, before reporting on audiences.

    The report reads the warehouse read-only; only when an interrupted publish is found is
    it opened for writing, for the repair (see contactops.audiences.manifest).
    """
    from contactops.audiences import load_audience_config, manifest, tables
    from contactops.engine import Warehouse

    with Warehouse(warehouse, read_only=True) as wh:
        if not manifest.interrupted(wh):
            return
    with Warehouse(warehouse, create=False,
                   lock_timeout=project.settings.lock_timeout_seconds) as wh:
        tables.ensure_tables(wh)
        columns = wh.columns("contacts") if wh.table_exists("contacts") else None
        manifest.repair(wh, load_audience_config(project, columns))
