"""Safety-first consent of a merged contact, per channel, with the reason it was decided.

* An opt-out on a channel is overridden only by an opt-in whose own ``consent_timestamp`` is
  later than the opt-out (and not in the future: a date not yet reached is a typo, not
  evidence). A record being edited (``updated_at``) or created (``created_at``) is not
  consent: an opt-in without a consent timestamp never overrides an opt-out.
* An opt-out's time is its ``consent_timestamp``; without one, its record's latest date
  (``updated_at``/``created_at``, the cautious side); with no date at all, the newest
  possible. Equal times keep the opt-out. With several opt-outs, the latest one counts.
* Otherwise (no opt-out, or one overridden) the latest stated status (opted_in or pending,
  by consent time, else record time) wins, ties going to pending; a pending never overrides
  an opt-out on its own. ``unknown`` never overrides anything. Merging therefore never
  upgrades consent on an edit.

Every decision names the record that made it and a reason (:data:`REASONS`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from contactops.fields import CONSENT_CHANNELS

CHANNELS = CONSENT_CHANNELS
_FAR_FUTURE = pl.datetime(9999, 1, 1)
_FAR_PAST = pl.datetime(1, 1, 1)
_STATED = ("opted_out", "opted_in", "pending")

#: ``consent_<channel>_reason`` codes and what they mean.
REASONS: dict[str, str] = {
    "only_record": "the contact has one record; its status is the contact's",
    "no_statement": "no record states opted_in, opted_out or pending on this channel",
    "opt_out_kept": "an opt-out, and no opt-in with a later consent timestamp",
    "opt_out_kept_over_edit": "an opt-out kept although an opted-in record was edited or "
                              "created later (or dated in the future): an edit is not consent",
    "opt_in_later_consent": "an opt-out overridden by an opt-in with a later consent timestamp",
    "latest_stated": "the latest opted_in or pending statement (ties to pending)",
}


def _when(records: pl.DataFrame, name: str) -> pl.Expr:
    if name in records.columns:
        return pl.col(name).cast(pl.Datetime("us"))
    return pl.lit(None, pl.Datetime("us"))


def merge_consent(records: pl.DataFrame, channels: tuple[str, ...] = CHANNELS,
                  now: datetime | None = None) -> pl.DataFrame:
    """One row per contact_id: ``consent_<channel>``, ``_record`` and ``_reason``.

    ``records`` has contact_id, record_id, consent_<channel> and optionally
    consent_timestamp/updated_at/created_at. A consent timestamp after ``now`` (default:
    the current UTC time) never lets an opt-in override an opt-out.
    """
    consent, updated, created = (_when(records, c) for c in
                                 ("consent_timestamp", "updated_at", "created_at"))
    cutoff = (now or datetime.now(UTC)).replace(tzinfo=None)
    base = records.select(
        "contact_id", "record_id",
        *[f"consent_{ch}" for ch in channels if f"consent_{ch}" in records.columns],
        _consent=consent,
        _evidence=pl.when(consent <= cutoff).then(consent),
        _latest=pl.max_horizontal(consent, updated, created),
        _stamp=pl.coalesce(consent, updated, created))
    out = base.select("contact_id").unique()
    for ch in channels:
        col = f"consent_{ch}"
        if col not in base.columns:
            out = out.with_columns(pl.lit("unknown").alias(col),
                                   pl.lit(None, base.schema["record_id"]).alias(f"{col}_record"),
                                   pl.lit("no_statement").alias(f"{col}_reason"))
            continue
        decided = _channel(base.filter(pl.col(col).is_in(_STATED)), col)
        out = out.join(decided, on="contact_id", how="left").with_columns(
            pl.col(col).fill_null("unknown"), pl.col(f"{col}_reason").fill_null("no_statement"))
    return out


def _channel(stated: pl.DataFrame, col: str) -> pl.DataFrame:
    """contact_id, status, deciding record and reason of contacts with a stated status."""
    status = pl.col(col)
    # the latest opt-out of each contact: consent time, else record time, else newest possible
    last_out = (stated.filter(status == "opted_out")
                .with_columns(_t=pl.coalesce("_consent", "_latest", _FAR_FUTURE))
                .sort(["contact_id", "_t", "record_id"], descending=[False, True, False])
                .unique("contact_id", keep="first")
                .select("contact_id", _out_t="_t", _out_record="record_id"))
    rest = stated.filter(status != "opted_out").join(last_out, on="contact_id", how="left")
    against_out = pl.col("_out_t").is_not_null()
    opted_in = status == "opted_in"
    rest = rest.with_columns(
        # against an opt-out only an opt-in's own consent time counts (none: never later)
        _t=pl.when(against_out & opted_in).then(pl.col("_evidence"))
        .otherwise(pl.col("_stamp").fill_null(_FAR_PAST)),
        _tie=pl.when(status == "pending").then(1).otherwise(0))
    later = rest.filter(~against_out | (pl.col("_t") > pl.col("_out_t")).fill_null(False))
    # statements after an opt-out count only where an opt-in overrides it
    overridden = later.filter(against_out & opted_in).select("contact_id").unique()
    eligible = pl.concat([later.filter(~against_out),
                          later.filter(against_out).join(overridden, on="contact_id",
                                                         how="semi")])
    winners = (eligible.sort(["contact_id", "_t", "_tie", "record_id"],
                             descending=[False, True, True, False])
               .unique("contact_id", keep="first")
               .select("contact_id", status,
                       pl.col("record_id").alias(f"{col}_record"),
                       pl.when(against_out & opted_in).then(pl.lit("opt_in_later_consent"))
                       .otherwise(pl.lit("latest_stated")).alias(f"{col}_reason")))
    edited = (rest.filter(opted_in & (pl.col("_latest") > pl.col("_out_t")))
              .select("contact_id").unique().with_columns(_edited=pl.lit(True)))
    kept = (last_out.join(winners, on="contact_id", how="anti")
            .join(edited, on="contact_id", how="left")
            .select("contact_id", pl.lit("opted_out").alias(col),
                    pl.col("_out_record").alias(f"{col}_record"),
                    pl.when(pl.col("_edited").fill_null(False))
                    .then(pl.lit("opt_out_kept_over_edit")).otherwise(pl.lit("opt_out_kept"))
                    .alias(f"{col}_reason")))
    return pl.concat([winners, kept])
