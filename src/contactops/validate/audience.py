"""Checks an audience calls on its member set before anything is sent."""

from __future__ import annotations

import polars as pl  # noqa: TID253 - the validate stage is Polars code, imported lazily

from contactops.config.validate import ValidateSettings
from contactops.validate.masking import mask
from contactops.validate.result import (
    ISSUE_SCHEMA,
    ValidationResult,
    conform,
    empty_summary,
)
from contactops.validate.rules import summary_rows

KNOWN = ("opted_in", "opted_out", "pending")
CONTACT_COLUMN = {"email": "email", "sms": "phone", "phone": "phone"}


def check_audience_consent(members: pl.DataFrame, channels: list[str] | tuple[str, ...],
                           *, audience: str, run_id: str,
                           options: ValidateSettings | None = None) -> ValidationResult:
    """Every member of an outbound audience needs a known consent status per channel.

    Args:
        members: contact_id or record_id, ``consent_<channel>`` columns, optionally
            email/phone (shown masked) and source.
        channels: channels the audience sends on (email, sms, phone).
        audience: the audience's name, reported as ``table_name``.
        run_id: run the result belongs to.
        options: severity/threshold of rule ``audience_consent`` (default: error, none
            allowed).

    Returns:
        A ValidationResult; ``passed`` is False when a member's consent is unknown.
    """
    options = options or ValidateSettings()
    id_col = "contact_id" if "contact_id" in members.columns else "record_id"
    severity = options.rule("audience_consent").severity
    issues, summaries = [], []
    for channel in channels:
        column = f"consent_{channel}"
        status = pl.col(column) if column in members.columns else pl.lit(None, pl.String)
        unknown = ~status.is_in(list(KNOWN)).fill_null(False)
        contact = CONTACT_COLUMN[channel]
        value = (mask(contact, pl.col(contact)) if contact in members.columns
                 else pl.lit(None, pl.String))
        frame = members.filter(unknown).select(
            value.alias("value"), pl.col(id_col).cast(pl.String).alias(id_col),
            *(["source"] if "source" in members.columns else []))
        issues.append(frame.with_columns(
            run_id=pl.lit(run_id), origin=pl.lit("rule"), table_name=pl.lit(audience),
            rule=pl.lit("audience_consent"), severity=pl.lit(severity), field=pl.lit(column),
            message=pl.lit(f"{channel} consent unknown: leave this member out of the "
                           f"{channel} send")))
        counts = pl.DataFrame({"checked": [members.height], "failed": [frame.height]})
        summaries.append(summary_rows(counts, "audience_consent", options, run_id=run_id,
                                      origin="rule", table=audience, message=column))
    issue_frame = conform(pl.concat([conform(i, ISSUE_SCHEMA) for i in issues]), ISSUE_SCHEMA) \
        if issues else conform(pl.DataFrame(), ISSUE_SCHEMA)
    return ValidationResult(run_id, issue_frame,
                            pl.concat(summaries) if summaries else empty_summary())
