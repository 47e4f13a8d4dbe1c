"""Consent survivorship on literal records: an edit is not consent, and every decision says why."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe.consent import REASONS, merge_consent
from contactops.dedupe.survivorship import golden_records

T1, T2, T3 = datetime(2024, 1, 10), datetime(2024, 3, 1), datetime(2024, 6, 1)
SCHEMA = {"contact_id": pl.String, "record_id": pl.String, "consent_email": pl.String,
          "consent_timestamp": pl.Datetime("us"), "updated_at": pl.Datetime("us"),
          "created_at": pl.Datetime("us")}


def _merge(rows: list[tuple]) -> dict:
    """rows: (status, consent_timestamp, updated_at, created_at); record ids r0, r1, ..."""
    frame = pl.DataFrame([("c", f"r{i}", *r) for i, r in enumerate(rows)], schema=SCHEMA,
                         orient="row")
    return merge_consent(frame, ("email",)).row(0, named=True)


CASES = [
    # opt-out + opt-in edited later but with no consent timestamp: an edit is not consent
    ([("opted_out", T1, T1, None), ("opted_in", None, T3, None)],
     ("opted_out", "r0", "opt_out_kept_over_edit")),
    ([("opted_out", T1, None, None), ("opted_in", None, None, T3)],
     ("opted_out", "r0", "opt_out_kept_over_edit")),
    # opt-in with an older consent timestamp but edited after the opt-out
    ([("opted_out", T2, None, None), ("opted_in", T1, T3, None)],
     ("opted_out", "r0", "opt_out_kept_over_edit")),
    # opt-out at T1, opt-in consented at T2 > T1: the later consent wins
    ([("opted_out", T1, T1, T1), ("opted_in", T2, T2, T1)],
     ("opted_in", "r1", "opt_in_later_consent")),
    # opt-out without a timestamp takes its record's latest date T3 > T2
    ([("opted_out", None, T3, T1), ("opted_in", T2, T2, None)],
     ("opted_out", "r0", "opt_out_kept")),
    # ... and is overridden only by a consent later than that latest date
    ([("opted_out", None, T2, T1), ("opted_in", T3, None, None)],
     ("opted_in", "r1", "opt_in_later_consent")),
    # ties keep the opt-out
    ([("opted_out", T2, None, None), ("opted_in", T2, None, None)],
     ("opted_out", "r0", "opt_out_kept")),
    ([("opted_out", None, T2, None), ("opted_in", T2, T3, None)],
     ("opted_out", "r0", "opt_out_kept_over_edit")),
    # an opt-out with no date at all counts as the newest possible
    ([("opted_out", None, None, None), ("opted_in", T3, T3, T3)],
     ("opted_out", "r0", "opt_out_kept")),
    # the latest of several opt-outs is the one to beat
    ([("opted_out", T1, None, None), ("opted_out", T3, None, None), ("opted_in", T2, None, None)],
     ("opted_out", "r1", "opt_out_kept")),
    # a pending never overrides an opt-out on its own, whatever its time
    ([("opted_out", T1, None, None), ("pending", T3, T3, None)],
     ("opted_out", "r0", "opt_out_kept")),
    # after a later opt-in, a still later pending is the latest statement
    ([("opted_out", T1, None, None), ("opted_in", T2, None, None), ("pending", T3, None, None)],
     ("pending", "r2", "latest_stated")),
    # no opt-out: the latest statement by consent time, else record time (as before)
    ([("opted_in", T1, None, None), ("pending", None, T2, None)],
     ("pending", "r1", "latest_stated")),
    ([("pending", T1, None, None), ("opted_in", T2, None, None)],
     ("opted_in", "r1", "latest_stated")),
    ([("opted_in", T2, None, None), ("pending", T2, None, None)],
     ("pending", "r1", "latest_stated")),
    ([("opted_in", T1, None, None), ("unknown", T3, T3, T3)],
     ("opted_in", "r0", "latest_stated")),
    ([("unknown", T1, None, None), ("unknown", None, None, None)],
     ("unknown", None, "no_statement")),
]


@pytest.mark.parametrize(("rows", "expected"), CASES)
def test_consent_decision(rows: list[tuple], expected: tuple) -> None:
    row = _merge(rows)
    assert (row["consent_email"], row["consent_email_record"],
            row["consent_email_reason"]) == expected
    assert row["consent_email_reason"] in REASONS


def test_a_consent_timestamp_in_the_future_is_no_evidence() -> None:
    rows = [("c", "r0", "opted_out", T1, None, None), ("c", "r1", "opted_in", T3, None, None)]
    frame = pl.DataFrame(rows, schema=SCHEMA, orient="row")
    before = merge_consent(frame, ("email",), now=T2).row(0, named=True)
    assert (before["consent_email"], before["consent_email_reason"]) == (
        "opted_out", "opt_out_kept_over_edit")
    after = merge_consent(frame, ("email",), now=datetime(2025, 1, 1)).row(0, named=True)
    assert (after["consent_email"], after["consent_email_reason"]) == (
        "opted_in", "opt_in_later_consent")


_NEVER, _ALWAYS = datetime(1, 1, 1), datetime(9999, 1, 1)


def _oracle(rows: list[tuple]) -> tuple:
    """The rules of :mod:`contactops.dedupe.consent`, one contact at a time, in plain Python."""
    recs = [(f"r{i}", *r) for i, r in enumerate(rows) if r[0] != "unknown"]
    if not recs:
        return ("unknown", None, "no_statement")

    def latest(r: tuple) -> datetime | None:
        return max((t for t in r[2:] if t is not None), default=None)

    def stamp(r: tuple) -> datetime:
        return next((t for t in r[2:] if t is not None), _NEVER)

    def best(cands: list[tuple], when) -> tuple:  # latest, ties to pending, then record id
        return min(cands, key=lambda r: (_ALWAYS - when(r), r[1] != "pending", r[0]))

    outs = [r for r in recs if r[1] == "opted_out"]
    if not outs:
        w = best(recs, stamp)
        return (w[1], w[0], "latest_stated")
    out_t = {r[0]: r[2] or latest(r) or _ALWAYS for r in outs}
    top = max(out_t.values())
    decider = min(rid for rid, t in out_t.items() if t == top)

    def when(r: tuple) -> datetime:
        return (r[2] or _NEVER) if r[1] == "opted_in" else stamp(r)

    later = [r for r in recs if r[1] != "opted_out" and when(r) > top]
    if any(r[1] == "opted_in" for r in later):
        w = best(later, when)
        return (w[1], w[0], "opt_in_later_consent" if w[1] == "opted_in" else "latest_stated")
    edited = any(r[1] == "opted_in" and (latest(r) or _NEVER) > top for r in recs)
    return ("opted_out", decider, "opt_out_kept_over_edit" if edited else "opt_out_kept")


_TIME = st.sampled_from([None, T1, T2, T3])
_RECORD = st.tuples(st.sampled_from(["opted_in", "opted_out", "pending", "unknown"]),
                    _TIME, _TIME, _TIME)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(_RECORD, min_size=1, max_size=5), min_size=1, max_size=6))
def test_merge_agrees_with_the_plain_rules(contacts: list[list[tuple]]) -> None:
    frame = pl.DataFrame([(f"c{c}", f"r{i}", *r) for c, rows in enumerate(contacts)
                          for i, r in enumerate(rows)], schema=SCHEMA, orient="row")
    got = merge_consent(frame, ("email",)).sort("contact_id")
    assert got.select("consent_email", "consent_email_record", "consent_email_reason").rows() \
        == [_oracle(rows) for rows in contacts]


def test_golden_contacts_carry_record_and_reason_per_channel() -> None:
    records = pl.DataFrame([
        ("c1", "a", "opted_out", "opted_in", T1, T1),
        ("c1", "b", "opted_in", "unknown", None, T3),
        ("c2", "c", "pending", "unknown", None, T1),
    ], schema={"contact_id": pl.String, "record_id": pl.String, "consent_email": pl.String,
               "consent_sms": pl.String, "consent_timestamp": pl.Datetime("us"),
               "updated_at": pl.Datetime("us")}, orient="row").with_columns(
        source=pl.lit("crm"))
    contacts, provenance = golden_records(records, DedupeSettings())
    got = contacts.sort("contact_id").select(
        "contact_id", "consent_email", "consent_email_record", "consent_email_reason",
        "consent_sms", "consent_sms_record", "consent_sms_reason").rows()
    assert got == [
        ("c1", "opted_out", "a", "opt_out_kept_over_edit", "opted_in", "a", "latest_stated"),
        ("c2", "pending", "c", "only_record", "unknown", None, "no_statement"),
    ]
    email = provenance.filter(pl.col("field") == "consent_email")
    assert email.select("contact_id", "record_id", "value").rows() == [
        ("c1", "a", "opted_out")]


def test_warehouse_doc_names_every_reason() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "warehouse.md").read_text()
    assert all(f"| `{reason}` |" in doc for reason in REASONS)
    assert "`consent_<channel>_reason`" in doc
