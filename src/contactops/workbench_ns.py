"""Stage namespaces of the Workbench: ``wb.validate``, ``wb.dedupe``, ``wb.audiences``.

Thin: each method is one call into the application core (:class:`contactops.core.Context`),
the same flows the CLI calls. Reads use read-only connections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from contactops.core import Context, Relation
    from contactops.workbench import Workbench


class _Namespace:
    def __init__(self, wb: Workbench) -> None:
        self._wb = wb

    @property
    def _ctx(self) -> Context:
        return self._wb._ctx

    def __repr__(self) -> str:
        methods = [m for m in dir(self) if not m.startswith("_")]
        return f"<{type(self).__name__}: {', '.join(f'.{m}()' for m in methods)}>"


class ValidateNamespace(_Namespace):
    """``wb.validate``: run the checks; read issues and the rule summary."""

    def run(self, *, gx: bool = True) -> Any:
        """Validate the current warehouse and store the result (like ``contactops validate``);
        returns a ValidationResult."""
        return self._ctx.validate(gx=gx)

    def issues(self, severity: str | None = None) -> Relation:
        """Issues of the latest validation (values masked), optionally of one severity."""
        return self._ctx.issues(severity)

    def summary(self, *, all_runs: bool = False) -> Relation:
        """One row per rule and source with its status; the latest run unless all_runs."""
        return self._ctx.validation_summary(all_runs=all_runs)


class DedupeNamespace(_Namespace):
    """``wb.dedupe``: the review queue, must-link / cannot-link decisions, explanations."""

    def review(self, limit: int | None = None) -> pl.DataFrame:
        """Open review pairs (no decision yet), most likely matches first."""
        return self._ctx.review(limit)

    def decide(self, record_a: str, record_b: str, decision: str,
               note: str | None = None) -> None:
        """Store ``must_link`` or ``cannot_link``; the next run applies it."""
        self._ctx.decide(record_a, record_b, decision, note)

    def must_link(self, record_a: str, record_b: str, note: str | None = None) -> None:
        self.decide(record_a, record_b, "must_link", note)

    def cannot_link(self, record_a: str, record_b: str, note: str | None = None) -> None:
        self.decide(record_a, record_b, "cannot_link", note)

    def decisions(self) -> Relation:
        return self._ctx.decisions()

    def unmerge(self, contact_id: str, reason: str | None = None) -> list[str]:
        return self._ctx.unmerge(contact_id, reason)

    def explain(self, record_a: str, record_b: str | None = None) -> Any:
        """Per-field weights for a pair of records (a DataFrame); with one argument (a
        contact id), a ContactExplanation: every pair of its records (``.pairs``) and per
        channel the record that decided its consent and why (``.consent``)."""
        return self._ctx.explain(record_a, record_b)

    def diagnostics(self, *, show_pii: bool = False) -> Any:
        """Label-free match diagnostics of the last dedupe run (a MatchDiagnostics): blocking
        passes, largest blocks (keys masked unless ``show_pii``), the match-weight
        histogram and the expected precision at the thresholds."""
        return self._ctx.match_diagnostics(show_pii=show_pii)

    def chart(self, record_a: str, record_b: str) -> Any:
        """An Altair waterfall of :meth:`explain`."""
        return self._ctx.explain_chart(record_a, record_b)


class AudiencesNamespace(_Namespace):
    """``wb.audiences``: plan (diff, exclusions, blockers), then apply."""

    def names(self) -> list[str]:
        return self._ctx.audience_names()

    def plan(self, name: str, *, test: bool = False, target: str | None = None) -> Any:
        """What publishing ``name`` would do: members, +added/-removed, exclusions by reason."""
        return self._ctx.plan(name, test=test, target=target)

    def apply(self, plan: Any) -> Any:
        """Publish a plan; refuses (GateFailed) while any blocker stands."""
        return self._ctx.apply(plan)

    def publishes(self) -> Relation:
        return self._ctx.publishes()
