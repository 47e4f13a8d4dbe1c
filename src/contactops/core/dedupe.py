"""Dedupe review flows: the review queue, decisions, unmerge, explanations, diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.core.project import OpenedProject
from contactops.errors import UsageError

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.relation import Relation


class DedupeFlows(OpenedProject):
    """``ctx.review()``, ``decide()``, ``unmerge()``, ``explain()``, ``match_diagnostics()``."""

    def dedupe_options(self) -> Any:
        """The pipeline's ``dedupe:`` block; the defaults without a pipeline."""
        from contactops.config.dedupe import DedupeSettings

        pipeline = self.project.pipeline if self.has_pipeline else None
        return pipeline.dedupe if pipeline is not None else DedupeSettings()

    def review(self, limit: int | None = None) -> pl.DataFrame:
        """Open review pairs (no decision yet), most likely matches first."""
        from contactops.dedupe.review import review_queue

        with self.open_warehouse() as wh:
            return review_queue(wh, limit)

    def export_reviews(self, path: str | Path) -> int:
        """Write the open review queue to a CSV file; returns the number of pairs."""
        from contactops.dedupe.review import export_reviews

        with self.open_warehouse() as wh:
            return export_reviews(wh, path)

    def decide(self, record_a: str, record_b: str, decision: str,
               note: str | None = None) -> None:
        """Store ``must_link`` or ``cannot_link``; the next run applies it."""
        from contactops.dedupe.review import decide

        with self.open_warehouse() as wh:
            decide(wh, record_a, record_b, decision, note)  # type: ignore[arg-type]

    def decisions(self) -> Relation:
        return self.table(T.match_decisions.name)

    def unmerge(self, contact_id: str, reason: str | None = None) -> list[str]:
        """Split a contact into one contact per record; returns the new contact ids."""
        from contactops.dedupe.review import unmerge

        with self.open_warehouse() as wh:
            return unmerge(wh, contact_id, reason)

    def explain(self, record_a: str, record_b: str | None = None, *,
                show_pii: bool = False) -> Any:
        """Per-field weights for a pair of records (a DataFrame); with one argument (a
        contact id), a ContactExplanation: every pair of its records (``.pairs``) and per
        channel the record that decided its consent and why (``.consent``). An unknown
        record or contact is a UsageError."""
        from contactops.dedupe.consent_explain import ContactExplanation, read_consent
        from contactops.dedupe.explain import explain_contact, explain_pair
        from contactops.dedupe.stage import load_model

        options = self.dedupe_options()
        with self.open_warehouse(read_only=True) as wh:
            model = load_model(wh)
            records = wh.pl(f"SELECT * FROM {T.normalized_records}")
            try:
                if record_b is None:
                    consent = read_consent(wh, record_a)
                    links = wh.pl(f"SELECT record_id, contact_id FROM {T.contact_links}")
                    pairs = explain_contact(records, links, record_a, options, model)
                    return ContactExplanation(record_a, pairs, consent)
                return explain_pair(records, record_a, record_b, options, model,
                                    show_pii=show_pii)
            except KeyError as exc:
                raise UsageError(str(exc).strip("'\"")) from None

    def explain_chart(self, record_a: str, record_b: str) -> Any:
        """An Altair waterfall of :meth:`explain` for a pair."""
        from contactops.dedupe.explain import waterfall_chart

        return waterfall_chart(self.explain(record_a, record_b))

    def match_diagnostics(self, *, show_pii: bool = False) -> Any:
        """Label-free match diagnostics of the last dedupe run (a MatchDiagnostics):
        blocking passes, largest blocks (keys masked unless ``show_pii``), the match-weight
        histogram and the expected precision at the thresholds."""
        from contactops.report.diagnostics import MatchDiagnostics, match_diagnostics

        with self.open_warehouse(read_only=True) as wh:
            return MatchDiagnostics(match_diagnostics(wh, show_pii))
