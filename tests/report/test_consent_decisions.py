"""The consent section counts how merged consent was decided (kept over edits, overridden)."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl

from contactops.engine import Warehouse
from contactops.report import build_summary, render_html, render_terminal

CONTACTS = pl.DataFrame({
    "contact_id": ["c1", "c2", "c3", "c4", "c5"],
    "consent_email": ["opted_out", "opted_out", "opted_in", "opted_in", "unknown"],
    "consent_email_reason": ["opt_out_kept_over_edit", "opt_out_kept", "opt_in_later_consent",
                             "only_record", "no_statement"],
    "consent_sms": ["opted_out", "opted_in", "unknown", "unknown", "opted_out"],
    "consent_sms_reason": ["opt_out_kept_over_edit", "opt_in_later_consent", "no_statement",
                           "no_statement", "opt_out_kept_over_edit"],
})


def _summary(tmp_path: Path, contacts: pl.DataFrame) -> dict:
    path = tmp_path / "wh.duckdb"
    with Warehouse(path) as wh:
        wh.replace_table("contacts", contacts)
    return build_summary(path)


def test_decisions_are_counted_per_channel_and_per_contact(tmp_path: Path) -> None:
    consent = _summary(tmp_path, CONTACTS)["sections"]["consent"]
    assert consent["decisions"]["email"] == {
        "no_statement": 1, "only_record": 1, "opt_in_later_consent": 1, "opt_out_kept": 1,
        "opt_out_kept_over_edit": 1}
    assert consent["decisions"]["sms"]["opt_out_kept_over_edit"] == 2
    # contacts, not channel decisions: c1 counts once although both channels kept an opt-out
    assert consent["kept_over_edit"] == 2
    assert consent["overridden"] == 2


def test_decisions_are_rendered(tmp_path: Path) -> None:
    summary = _summary(tmp_path, CONTACTS)
    page = render_html(summary)
    assert "opt-outs kept over a later edit" in page and "<code>opt_in_later_consent</code>" \
        in page
    from rich.console import Console

    buffer = io.StringIO()
    render_terminal(summary, Console(file=buffer, width=200))
    assert "opt-outs kept over a later edit 2, overridden by a later consent 2" \
        in buffer.getvalue()


def test_contacts_without_reasons_report_no_decisions(tmp_path: Path) -> None:
    consent = _summary(tmp_path, CONTACTS.select("contact_id", "consent_email"))[
        "sections"]["consent"]
    assert consent["decisions"] == {} and consent["kept_over_edit"] is None
    assert consent["channels"]["email"] == {"opted_out": 2, "opted_in": 2, "unknown": 1}
