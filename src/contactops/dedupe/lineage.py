"""Merge lineage: what each run (or user action) did to contacts, as ``merge_events`` rows.

Event types: ``merge`` (a contact gained records from other contacts or new records),
``split`` (records of one previous contact now belong to several), ``unmerge`` and
``decision`` (user actions, written by :mod:`.review`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl

EVENT_SCHEMA = {
    "event_id": pl.String, "run_id": pl.String, "event_type": pl.String,
    "contact_id": pl.String, "record_ids": pl.List(pl.String),
    "from_contact_ids": pl.List(pl.String), "rules": pl.List(pl.String),
    "detail": pl.String, "created_at": pl.Datetime("us"),
}


def event(run_id: str, event_type: str, contact_id: str, record_ids: list[str], *,
          from_contact_ids: list[str] | None = None, rules: list[str] | None = None,
          detail: dict[str, object] | None = None) -> pl.DataFrame:
    """One event row (user actions)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return pl.DataFrame([{
        "event_id": f"{run_id}:{event_type}:{contact_id}", "run_id": run_id,
        "event_type": event_type, "contact_id": contact_id, "record_ids": record_ids,
        "from_contact_ids": from_contact_ids or [], "rules": rules or [],
        "detail": json.dumps(detail or {}, default=str), "created_at": now,
    }], schema=EVENT_SCHEMA)


def run_events(assigned: pl.DataFrame, links: pl.DataFrame, run_id: str,
               multi: pl.Series | None = None) -> pl.DataFrame:
    """Merge and split events of one run.

    Args:
        assigned: ``record_id, contact_id, previous_contact_id`` for every record.
        links: ``record_id, contact_id, rule`` (contact_links of this run).
        multi: optional mask (aligned with ``assigned``) of records in multi-record
            contacts; only those can be merged, so the merge pass skips the rest.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    everyone = assigned
    key = "contact_id"
    if multi is not None:
        aligned = (links.height == assigned.height and "cluster" in assigned.columns
                   and bool((links["record_id"] == assigned["record_id"]).all()))
        assigned = assigned.filter(multi)
        if aligned:  # group on the integer cluster (one per contact) instead of the id
            key = "cluster"
            links = links.filter(multi).with_columns(cluster=assigned["cluster"])
        else:
            links = links.join(assigned.select("contact_id").unique(), on="contact_id",
                               how="semi")
    rules = links.group_by(key).agg(pl.col("rule").drop_nulls().unique().sort()
                                    .alias("rules"))
    per_contact = assigned.group_by(key).agg(
        *([pl.col("contact_id").first()] if key != "contact_id" else []),
        pl.col("record_id").sort().alias("record_ids"),
        pl.col("previous_contact_id").drop_nulls().unique().sort().alias("from_contact_ids"),
        pl.col("previous_contact_id").is_null().sum().alias("_new_records"),
        pl.len().alias("_n"))
    # a contact changed by merging when it holds records of another contact or new records
    merged = per_contact.filter(
        (pl.col("_n") > 1) & ((pl.col("from_contact_ids").list.len() > 1)
                              | (pl.col("_new_records") > 0))
    ).join(rules, on=key, how="left")
    merges = merged.select(
        (pl.lit(run_id + ":merge:") + pl.col("contact_id")).alias("event_id"),
        pl.lit(run_id).alias("run_id"), pl.lit("merge").alias("event_type"), "contact_id",
        "record_ids", "from_contact_ids", pl.col("rules").fill_null([]),
        pl.format('{{"new_records": {}}}', "_new_records").alias("detail"),
        pl.lit(now).alias("created_at"))
    prev = everyone.drop_nulls("previous_contact_id").group_by("previous_contact_id").agg(
        pl.col("contact_id").unique().sort().alias("to_contact_ids"),
        pl.col("record_id").sort().alias("record_ids"))
    splits = prev.filter(pl.col("to_contact_ids").list.len() > 1).select(
        (pl.lit(run_id + ":split:") + pl.col("previous_contact_id")).alias("event_id"),
        pl.lit(run_id).alias("run_id"), pl.lit("split").alias("event_type"),
        pl.col("previous_contact_id").alias("contact_id"), "record_ids",
        pl.col("to_contact_ids").alias("from_contact_ids"),
        pl.lit([], pl.List(pl.String)).alias("rules"),
        pl.lit('{"note": "from_contact_ids holds the contacts it split into"}').alias("detail"),
        pl.lit(now).alias("created_at"))
    return pl.concat([merges.cast(EVENT_SCHEMA), splits.cast(EVENT_SCHEMA)])  # type: ignore[arg-type]
