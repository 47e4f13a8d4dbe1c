"""Safety-first consent of a merged contact, per channel.

* An opt-out on a channel wins unless a *later*, explicit (time-stamped) opt-in exists on
  that channel. An opt-out without a time counts as the newest possible; an opt-in without
  a time as the oldest, so neither can override the other by accident.
* Otherwise the latest stated status (opted_in or pending) wins, ties going to pending;
  ``unknown`` never overrides anything. Merging therefore never upgrades consent.
"""

from __future__ import annotations

import polars as pl

CHANNELS = ("email", "sms", "phone")
_FAR_FUTURE = pl.datetime(9999, 1, 1)
_FAR_PAST = pl.datetime(1, 1, 1)


def merge_consent(records: pl.DataFrame, channels: tuple[str, ...] = CHANNELS) -> pl.DataFrame:
    """One row per contact_id: ``consent_<channel>`` and ``consent_<channel>_record``.

    ``records`` has contact_id, record_id, consent_<channel> and optionally
    consent_timestamp/updated_at/created_at.
    """
    cols = records.columns
    when = [pl.col(c) for c in ("consent_timestamp", "updated_at", "created_at") if c in cols]
    stamp = pl.coalesce(when) if when else pl.lit(None, pl.Datetime("us"))
    base = records.select("contact_id", "record_id",
                          *[f"consent_{ch}" for ch in channels if f"consent_{ch}" in cols],
                          _stamp=stamp.cast(pl.Datetime("us")))
    out = base.select("contact_id").unique()
    for ch in channels:
        col = f"consent_{ch}"
        if col not in base.columns:
            out = out.with_columns(pl.lit("unknown").alias(col),
                                   pl.lit(None, pl.String).alias(f"{col}_record"))
            continue
        status = pl.col(col)
        ranked = base.filter(status.is_in(["opted_out", "opted_in", "pending"])).with_columns(
            _t=pl.when(status == "opted_out").then(pl.col("_stamp").fill_null(_FAR_FUTURE))
            .when(status == "opted_in").then(pl.col("_stamp").fill_null(_FAR_PAST))
            .otherwise(pl.col("_stamp").fill_null(_FAR_PAST)),
            # on equal times: opt-out beats pending beats opt-in
            _tie=pl.when(status == "opted_out").then(2).when(status == "pending").then(1)
            .otherwise(0),
        )
        last_out = ranked.filter(status == "opted_out").group_by("contact_id").agg(
            pl.col("_t").max().alias("_out_t"))
        ranked = ranked.join(last_out, on="contact_id", how="left").filter(
            pl.col("_out_t").is_null() | (pl.col("_t") >= pl.col("_out_t")))
        winner = (ranked.sort(["contact_id", "_t", "_tie", "record_id"],
                              descending=[False, True, True, False])
                  .unique("contact_id", keep="first")
                  .select("contact_id", pl.col(col), pl.col("record_id").alias(f"{col}_record")))
        out = out.join(winner, on="contact_id", how="left").with_columns(
            pl.col(col).fill_null("unknown"))
    return out
