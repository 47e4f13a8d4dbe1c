"""Golden records: one row per contact by field-level survivorship rules.

Rules (per field, from ``DedupeSettings.survivorship``, else ``default_rule``):

* ``source_priority`` — the value from the most trusted source (``source_priority``), then
  the most recent;
* ``most_recent`` — the value of the most recently updated record;
* ``most_complete`` — the value of the record with the most filled fields;
* ``most_frequent`` — the most common value, ties to the most recent.

Every winning value records which record and source it came from (``contact_provenance``).
Tags and lists are unioned; consent is merged safety-first (:mod:`.consent`), each channel
with the record and the reason that decided it; differing contact types are kept and flagged.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe.consent import CHANNELS, merge_consent

#: Fields given one surviving value each (when the normalized records have them).
GOLDEN_FIELDS = (
    "first_name", "last_name", "full_name", "email", "email_key", "phone", "phone_e164",
    "company", "company_key", "job_title", "industry", "street", "city", "region",
    "postal_code", "country", "lifecycle_stage", "original_source", "street_2",
    "date_of_birth", "external_id", "external_id_kind", "external_id_key",
)
_NOT_FILLED = ("record_id", "source", "source_kind", "contact_id")


def _ranked(records: pl.DataFrame, options: DedupeSettings) -> pl.DataFrame:
    cols = records.columns
    times = [pl.col(c) for c in ("updated_at", "created_at") if c in cols]
    recency = pl.coalesce(times) if times else pl.lit(None, pl.Datetime("us"))
    priority = {s: i for i, s in enumerate(options.source_priority)}
    rules = {options.default_rule, *options.survivorship.values()}
    extra = {}
    if "most_complete" in rules:  # the only rule that counts filled fields
        extra["_filled"] = pl.sum_horizontal(pl.col(c).is_not_null().cast(pl.Int32)
                                             for c in cols if c not in _NOT_FILLED)
    return records.with_columns(
        _recency=recency.cast(pl.Datetime("us")),
        _priority=pl.col("source").replace_strict(priority, default=len(priority),
                                                  return_dtype=pl.Int32),
        **extra,
    )


_ORDER = {  # rule -> sort keys after contact_id (descending flags), best record first
    "source_priority": (["_priority", "_recency", "record_id"], [False, True, False]),
    "most_complete": (["_filled", "_recency", "record_id"], [True, True, False]),
    "most_recent": (["_recency", "_priority", "record_id"], [True, False, False]),
}


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
    prov = pl.concat(provenance) if provenance else pl.DataFrame()
    return pl.concat([contacts, one], how="diagonal_relaxed").sort("contact_id"), prov


def golden_records_split(multi: pl.DataFrame, singles: pl.DataFrame,
                         options: DedupeSettings, *, chunk_records: int | None = None
                         ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`golden_records` with the records already split by contact size.

    ``multi``: records of contacts with several records (with their contact's ``_group``);
    ``singles``: records alone in their contact. A single record's golden row is its own row
    (no survivorship, no provenance). Rows are multi-record contacts sorted by id, then
    single contacts in record order.

    ``chunk_records``: merge the contacts in chunks of about this many records (a contact is
    never split), so survivorship's working frames (ranks, sort orders, per-field winners)
    stay the size of a chunk. Every rule decides within one contact, so the result is the
    same as in one piece: contacts, and provenance field by field in contact order.
    """
    if "source" not in multi.columns:
        multi = multi.with_columns(source=pl.lit(None, pl.String))
        singles = singles.with_columns(source=pl.lit(None, pl.String))
    one_piece = chunk_records is None or multi.height <= chunk_records
    if not one_piece and "_group" not in multi.columns:
        multi = multi.with_columns(_group=pl.col("contact_id").rank("dense"))
    chunks = [multi] if one_piece else _chunks(multi, chunk_records or 1)
    del multi
    merged, parts = [], []
    for i in range(len(chunks)):
        contacts, provenance = _merge_records(chunks[i], options)
        chunks[i] = chunks[i].clear()  # merged: the chunk's records are no longer needed
        merged.append(contacts)
        parts.append(provenance)
    contacts = pl.concat(merged, how="diagonal_relaxed") if len(merged) > 1 else merged[0]
    del merged
    # part k of every chunk is the same field (rules and fields follow the options and the
    # columns alone), so joining part by part keeps the one-piece order: field, then contact
    provenance = [pl.concat([p[k] for p in parts]) for k in range(len(parts[0]))]
    del parts
    one = _single_contacts(singles, contacts.columns)
    prov = pl.concat(provenance) if provenance else pl.DataFrame()
    return pl.concat([contacts.sort("contact_id"), one], how="diagonal_relaxed"), prov


def _chunks(multi: pl.DataFrame, chunk_records: int) -> list[pl.DataFrame]:
    """``multi`` cut into frames of whole contacts (by ``_group``), about ``chunk_records``
    records each, in ``_group`` order."""
    group = multi["_group"].to_numpy()
    values, sizes = np.unique(group, return_counts=True)
    # a group goes to the chunk where its first record falls
    chunk_of_group = (np.cumsum(sizes) - sizes) // max(chunk_records, 1)
    chunk = chunk_of_group[np.searchsorted(values, group)]
    order = np.argsort(chunk, kind="stable")
    bounds = np.searchsorted(chunk[order], np.unique(chunk_of_group), side="left")
    ends = np.r_[bounds[1:], len(order)]
    return [multi[pl.Series(order[a:b])] for a, b in zip(bounds, ends, strict=True)]


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
                      pl.when(stated).then("record_id").alias(f"{col}_record"),
                      pl.when(stated).then(pl.lit("only_record"))
                      .otherwise(pl.lit("no_statement")).alias(f"{col}_reason")]
    return singles.select(exprs)


def _sort_key(column: pl.Series, descending: bool) -> np.ndarray:
    """int64 key sorting like ``column`` (nulls last either way)."""
    phys = column.to_physical().cast(pl.Int64)
    if descending:
        return ~phys.fill_null(np.iinfo(np.int64).min).to_numpy()
    return phys.fill_null(np.iinfo(np.int64).max).to_numpy()


def _positional_winners(ranked: pl.DataFrame, fields: list[str], rule: str
                        ) -> dict[str, pl.Series]:
    """Row (in ``ranked``) of each field's winner per ``_group``, groups in sorted order.

    Same result as sorting the records by ``(contact, *rule order)`` and taking each
    field's first non-null value, but only integer keys are sorted (``_rid_rank`` stands
    for ``record_id``), in numpy.
    """
    order, desc = _ORDER[rule]
    keys = [_sort_key(ranked["_rid_rank" if c == "record_id" else c], d)
            for c, d in zip(order, desc, strict=True)]
    group = ranked["_group"].to_numpy()
    perm = np.lexsort([*reversed(keys), group])
    g = group[perm]
    start = np.empty(len(g), dtype=bool)
    start[:1] = True
    start[1:] = g[1:] != g[:-1]
    dense = np.cumsum(start) - 1
    n_groups = int(dense[-1]) + 1 if len(dense) else 0
    out = {}
    for f in fields:
        nn = np.flatnonzero(ranked[f].is_not_null().to_numpy()[perm])
        dg = dense[nn]
        first = np.ones(len(nn), dtype=bool)
        first[1:] = dg[1:] != dg[:-1]
        rows = np.full(n_groups, -1, dtype=np.int64)
        rows[dg[first]] = perm[nn[first]]
        out[f] = pl.Series(f, rows).replace(-1, None).cast(pl.UInt32)
    return out


def _merge_records(records: pl.DataFrame, options: DedupeSettings
                   ) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """Golden rows of multi-record contacts and their provenance, one frame per field (in
    the same order for any ``records`` of the same columns)."""
    ranked = _ranked(records, options)
    if "_group" not in ranked.columns:
        ranked = ranked.with_columns(_group=pl.col("contact_id").rank("dense"))
    ranked = ranked.with_row_index("_row")
    # one string sort: records by (contact, record_id); a record's place in it breaks ties
    by_rid = ranked.select("_group", "record_id", "source", "contact_id", "_row").sort(
        "_group", "record_id")
    rid_rank = np.empty(ranked.height, dtype=np.uint32)
    rid_rank[by_rid["_row"].to_numpy()] = np.arange(ranked.height, dtype=np.uint32)
    ranked = ranked.with_columns(_rid_rank=rid_rank)
    contacts = by_rid.group_by("_group", maintain_order=True).agg(
        pl.col("contact_id").first(),
        pl.len().cast(pl.UInt32).alias("record_count"),
        pl.col("source").unique().sort().alias("sources"),
        pl.col("record_id").alias("record_ids"),
    )
    del by_rid
    provenance = []
    by_rule: dict[str, list[str]] = {}
    for field in GOLDEN_FIELDS:
        if field in ranked.columns:
            by_rule.setdefault(options.survivorship.get(field, options.default_rule),
                               []).append(field)
    cid = contacts["contact_id"]
    for rule, fields in by_rule.items():
        if rule == "most_frequent":
            win = _most_frequent(ranked, fields)
            contacts = contacts.join(win.select("contact_id", *fields), on="contact_id",
                                     how="left")
            provenance.append(pl.concat([
                win.filter(pl.col(f).is_not_null()).select(
                    "contact_id", pl.lit(f).alias("field"), pl.lit(rule).alias("rule"),
                    pl.col(f"_rid:{f}").alias("record_id"),
                    pl.col(f"_src:{f}").alias("source"),
                    pl.col(f).cast(pl.String).alias("value")) for f in fields]))
            continue
        rows = _positional_winners(ranked, fields, rule)
        values = {}
        for f in fields:
            at = rows[f]
            values[f] = ranked[f].gather(at)
            has = at.is_not_null()
            picked = at.filter(has)
            provenance.append(pl.DataFrame({
                "contact_id": cid.filter(has),
                "record_id": ranked["record_id"].gather(picked),
                "source": ranked["source"].gather(picked),
                "value": values[f].filter(has).cast(pl.String),
            }).select("contact_id", pl.lit(f).alias("field"), pl.lit(rule).alias("rule"),
                      "record_id", "source", "value"))
        contacts = contacts.with_columns(**values)
    for field in ("tags", "lists"):
        if field in ranked.columns:
            # one explode and one (contact, value) sort instead of a list sort per contact
            union = (ranked.select("_group", field).explode(field).drop_nulls().unique()
                     .sort("_group", field)
                     .group_by("_group", maintain_order=True).agg(pl.col(field)))
            contacts = contacts.join(union, on="_group", how="left",
                                     maintain_order="left").with_columns(
                pl.col(field).fill_null(pl.lit([], pl.List(ranked.schema[field].inner))))
    if "contact_type" in ranked.columns:
        types = ranked.filter(pl.col("contact_type").is_not_null()
                              & (pl.col("contact_type") != "unknown")).group_by(
            "_group").agg(pl.col("contact_type").unique().sort().alias("contact_types"))
        contacts = contacts.join(types, on="_group", how="left",
                                 maintain_order="left").with_columns(
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
        # integer stand-ins: the contact is its _group, a record its _rid_rank (same order
        # as record_id within a contact), so the winners are those of the string keys
        keyed = ranked.drop("contact_id", "record_id").rename(
            {"_group": "contact_id", "_rid_rank": "record_id"})
        consent = merge_consent(keyed, CHANNELS).rename({"contact_id": "_group"})
        row_of_rank = np.empty(ranked.height, dtype=np.uint32)
        row_of_rank[rid_rank] = np.arange(ranked.height, dtype=np.uint32)
        rows = pl.Series(row_of_rank)
        consent = consent.with_columns(
            rows.gather(consent[f"{c}_record"]).alias(f"{c}_record") for c in consent_cols)
        consent = contacts.select("_group", "contact_id").join(
            consent, on="_group", how="left", maintain_order="left")
        for col in consent_cols:
            won = consent.filter(pl.col(f"{col}_record").is_not_null())
            at = won[f"{col}_record"]
            provenance.append(pl.DataFrame({
                "contact_id": won["contact_id"], "record_id": ranked["record_id"].gather(at),
                "source": ranked["source"].gather(at), "value": won[col]}).select(
                "contact_id", pl.lit(col).alias("field"),
                pl.lit("consent_safety_first").alias("rule"), "record_id", "source", "value"))
        consent = consent.with_columns(
            ranked["record_id"].gather(consent[f"{c}_record"]).alias(f"{c}_record")
            for c in consent_cols)
        contacts = contacts.join(consent.drop("contact_id"), on="_group", how="left",
                                 maintain_order="left")
    return contacts.drop("_group"), provenance
