"""Golden records: one row per contact by field-level survivorship rules.

Rules (per field, from ``DedupeSettings.survivorship``, else ``default_rule``):

* ``source_priority`` — the value from the most trusted source (``source_priority``), then
  the most recent;
* ``most_recent`` — the value of the most recently updated record;
* ``most_complete`` — the value of the record with the most filled fields;
* ``most_frequent`` — the most common value, ties to the most recent.

Every winning value records which record and source it came from (``contact_provenance``).
Tags and lists are unioned; consent is merged safety-first (:mod:`.consent`); differing
contact types are kept and flagged.
"""

from __future__ import annotations

import polars as pl

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe.consent import CHANNELS, merge_consent

#: Fields given one surviving value each (when the normalized records have them).
GOLDEN_FIELDS = (
    "first_name", "last_name", "full_name", "email", "email_key", "phone", "phone_e164",
    "company", "company_key", "job_title", "industry", "street", "city", "region",
    "postal_code", "country", "lifecycle_stage", "original_source",
)
_NOT_FILLED = ("record_id", "source", "source_kind", "contact_id")


def _ranked(records: pl.DataFrame, options: DedupeSettings) -> pl.DataFrame:
    cols = records.columns
    times = [pl.col(c) for c in ("updated_at", "created_at") if c in cols]
    recency = pl.coalesce(times) if times else pl.lit(None, pl.Datetime("us"))
    priority = {s: i for i, s in enumerate(options.source_priority)}
    filled = pl.sum_horizontal(pl.col(c).is_not_null().cast(pl.Int32)
                               for c in cols if c not in _NOT_FILLED)
    return records.with_columns(
        _recency=recency.cast(pl.Datetime("us")),
        _priority=pl.col("source").replace_strict(priority, default=len(priority),
                                                  return_dtype=pl.Int32),
        _filled=filled,
    )


_ORDER = {  # rule -> sort keys after contact_id (descending flags), best record first
    "source_priority": (["_priority", "_recency", "record_id"], [False, True, False]),
    "most_complete": (["_filled", "_recency", "record_id"], [True, True, False]),
    "most_recent": (["_recency", "_priority", "record_id"], [True, False, False]),
}


def _winners(ranked: pl.DataFrame, fields: list[str], rule: str) -> pl.DataFrame:
    """One row per contact: each field's winning value, record and source under ``rule``.

    One sort per rule, then one grouped pass takes every field's first non-null value.
    """
    if rule == "most_frequent":
        return _most_frequent(ranked, fields)
    order, desc = _ORDER[rule]
    ordered = ranked.sort(["contact_id", *order], descending=[False, *desc], nulls_last=True)
    aggs = []
    for f in fields:
        has = pl.col(f).is_not_null()
        aggs += [pl.col(f).filter(has).first(),
                 pl.col("record_id").filter(has).first().alias(f"_rid:{f}"),
                 pl.col("source").filter(has).first().alias(f"_src:{f}")]
    return ordered.group_by("contact_id", maintain_order=True).agg(aggs)


def _most_frequent(ranked: pl.DataFrame, fields: list[str]) -> pl.DataFrame:
    out = ranked.select("contact_id").unique()
    for f in fields:
        vals = ranked.filter(pl.col(f).is_not_null()).with_columns(
            _freq=pl.len().over("contact_id", f))
        win = (vals.sort(["contact_id", "_freq", "_recency", "record_id"],
                         descending=[False, True, True, False], nulls_last=True)
               .unique("contact_id", keep="first")
               .select("contact_id", f, pl.col("record_id").alias(f"_rid:{f}"),
                       pl.col("source").alias(f"_src:{f}")))
        out = out.join(win, on="contact_id", how="left")
    return out


def golden_records(records: pl.DataFrame, options: DedupeSettings
                   ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``contacts`` (one row per contact_id) and ``contact_provenance`` (field winners).

    ``records`` are normalized records with a ``contact_id`` column. A single-record
    contact is its record (provenance rows are written for multi-record contacts only; a
    single record's provenance is its contact_links row).
    """
    if "source" not in records.columns:  # records of one unnamed source
        records = records.with_columns(source=pl.lit(None, pl.String))
    size = pl.len().over("contact_id")
    singles = records.filter(size == 1)
    multi = records.filter(size > 1)
    contacts, provenance = _merge_records(multi, options)
    one = _single_contacts(singles, contacts.columns)
    return pl.concat([contacts, one], how="diagonal_relaxed").sort("contact_id"), provenance


def _single_contacts(singles: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    cols = singles.columns
    exprs = [pl.col("contact_id"), pl.lit(1, pl.UInt32).alias("record_count"),
             pl.concat_list("source").alias("sources"),
             pl.concat_list("record_id").alias("record_ids")]
    exprs += [pl.col(f) for f in GOLDEN_FIELDS if f in cols and f in columns]
    exprs += [pl.col(f) for f in ("tags", "lists") if f in cols and f in columns]
    if "contact_type" in cols:
        known = pl.col("contact_type").is_not_null() & (pl.col("contact_type") != "unknown")
        exprs += [pl.when(known).then(pl.concat_list("contact_type")).alias("contact_types"),
                  pl.when(known).then("contact_type").otherwise(pl.lit("unknown"))
                  .alias("contact_type"), pl.lit(False).alias("contact_type_conflict")]
    for ch in CHANNELS:
        col = f"consent_{ch}"
        if col in cols:
            stated = pl.col(col).is_in(["opted_in", "opted_out", "pending"])
            exprs += [pl.col(col).fill_null("unknown"),
                      pl.when(stated).then("record_id").alias(f"{col}_record")]
    return singles.select(exprs)


def _merge_records(records: pl.DataFrame, options: DedupeSettings
                   ) -> tuple[pl.DataFrame, pl.DataFrame]:
    ranked = _ranked(records, options)
    contacts = ranked.group_by("contact_id").agg(
        pl.len().alias("record_count"),
        pl.col("source").unique().sort().alias("sources"),
        pl.col("record_id").sort().alias("record_ids"),
    )
    provenance = []
    by_rule: dict[str, list[str]] = {}
    for field in GOLDEN_FIELDS:
        if field in ranked.columns:
            by_rule.setdefault(options.survivorship.get(field, options.default_rule),
                               []).append(field)
    for rule, fields in by_rule.items():
        win = _winners(ranked, fields, rule)
        contacts = contacts.join(win.select("contact_id", *fields), on="contact_id",
                                 how="left")
        provenance.append(pl.concat([
            win.filter(pl.col(f).is_not_null()).select(
                "contact_id", pl.lit(f).alias("field"), pl.lit(rule).alias("rule"),
                pl.col(f"_rid:{f}").alias("record_id"), pl.col(f"_src:{f}").alias("source"),
                pl.col(f).cast(pl.String).alias("value")) for f in fields]))
    for field in ("tags", "lists"):
        if field in ranked.columns:
            union = ranked.group_by("contact_id").agg(
                pl.col(field).explode().drop_nulls().unique().sort().alias(field))
            contacts = contacts.join(union, on="contact_id", how="left")
    if "contact_type" in ranked.columns:
        types = ranked.filter(pl.col("contact_type").is_not_null()
                              & (pl.col("contact_type") != "unknown")).group_by(
            "contact_id").agg(pl.col("contact_type").unique().sort().alias("contact_types"))
        contacts = contacts.join(types, on="contact_id", how="left").with_columns(
            contact_type=pl.when(pl.col("contact_types").list.len() == 1)
            .then(pl.col("contact_types").list.first())
            # a conflict keeps the most consequential type (internal > customer > prospect)
            # and is flagged, so the golden record stays a valid contact type
            .when(pl.col("contact_types").list.contains("internal")).then(pl.lit("internal"))
            .when(pl.col("contact_types").list.contains("customer")).then(pl.lit("customer"))
            .when(pl.col("contact_types").list.contains("prospect")).then(pl.lit("prospect"))
            .otherwise(pl.lit("unknown")),
            contact_type_conflict=pl.col("contact_types").list.len().fill_null(0) > 1)
    consent_cols = [f"consent_{c}" for c in CHANNELS if f"consent_{c}" in ranked.columns]
    if consent_cols:
        consent = merge_consent(ranked, CHANNELS)
        contacts = contacts.join(consent, on="contact_id", how="left")
        for col in consent_cols:
            provenance.append(consent.filter(pl.col(f"{col}_record").is_not_null()).join(
                ranked.select(pl.col("record_id").alias(f"{col}_record"), "source"),
                on=f"{col}_record").select(
                "contact_id", pl.lit(col).alias("field"), pl.lit("consent_safety_first")
                .alias("rule"), pl.col(f"{col}_record").alias("record_id"), "source",
                pl.col(col).alias("value")))
    prov = pl.concat(provenance) if provenance else pl.DataFrame()
    return contacts, prov
