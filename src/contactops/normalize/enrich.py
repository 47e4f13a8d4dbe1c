"""Fill missing fields of normalized records from a reference table, with provenance."""

from __future__ import annotations

import polars as pl

from contactops.config.normalize import EnrichmentRule


def enrich(records: pl.LazyFrame, reference: pl.LazyFrame, rule: EnrichmentRule
           ) -> pl.LazyFrame:
    """Fill ``rule.fields`` from ``reference`` joined on ``rule.key_field``.

    A non-empty value is kept unless ``rule.overwrite``. For every filled field a
    ``<field>_enriched_from`` column names ``rule.source`` (null where nothing was filled;
    an earlier rule's name stays where this one fills nothing).
    Keys are compared trimmed and lower-case; the reference's first row per key wins.

    Example:
        >>> enrich(out.records, companies, EnrichmentRule(
        ...     source="crm_accounts", fields={"company": "name", "industry": "industry"}))
    """
    ref_cols = list(dict.fromkeys(rule.fields.values()))
    ref = (reference.select(
        pl.col(rule.reference_key).cast(pl.String).str.strip_chars().str.to_lowercase()
        .alias("_enrich_key"),
        *(pl.col(c).alias(f"_enrich_{c}") for c in ref_cols))
        .drop_nulls("_enrich_key").unique("_enrich_key", keep="first", maintain_order=True))
    # Only the key goes through the join, the looked-up columns are set beside the records:
    # a join that carries every column of 1M records costs ~4x as much.
    looked_up = records.select(
        pl.col(rule.key_field).cast(pl.String).str.strip_chars().str.to_lowercase()
        .alias("_enrich_key")
    ).join(ref, on="_enrich_key", how="left", maintain_order="left")
    joined = pl.concat([records, looked_up], how="horizontal")
    names = records.collect_schema().names()
    updates = []
    for target, source_col in rule.fields.items():
        new = pl.col(f"_enrich_{source_col}").cast(pl.String)
        current = pl.col(target)
        empty = current.is_null() | (current.cast(pl.String).str.strip_chars() == "")
        fill = new.is_not_null() & (pl.lit(rule.overwrite) | empty) & new.ne_missing(current)
        provenance = f"{target}_enriched_from"
        earlier = pl.col(provenance) if provenance in names else pl.lit(None, dtype=pl.String)
        updates += [
            pl.when(fill).then(new).otherwise(current).alias(target),
            pl.when(fill).then(pl.lit(rule.source)).otherwise(earlier).alias(provenance),
        ]
    return joined.with_columns(updates).drop(
        "_enrich_key", *(f"_enrich_{c}" for c in ref_cols))


def enrich_all(records: pl.LazyFrame, references: dict[str, pl.LazyFrame],
               rules: list[EnrichmentRule]) -> pl.LazyFrame:
    """Apply several rules in order; ``references`` maps rule.source to its table."""
    for rule in rules:
        records = enrich(records, references[rule.source], rule)
    return records


def reference_table(extras: pl.Series) -> pl.DataFrame:
    """A reference source's rows as a table, one text column per raw column, from the
    ``extras`` JSON they were landed with (in ``reference_records``)."""
    if extras.drop_nulls().is_empty():
        return pl.DataFrame()
    decoded = extras.str.json_decode(infer_schema_length=None).struct.unnest()
    return decoded.select(pl.all().cast(pl.String))


def enrichment_changes(before: pl.DataFrame, after: pl.DataFrame,
                       rules: list[EnrichmentRule]) -> pl.DataFrame:
    """Audit rows (as in normalization_changes) for every value enrichment filled.

    ``before`` and ``after`` are the records without and with enrichment, in the same order;
    the rule of a change is ``enrich.<reference source>``.
    """
    parts = [pl.DataFrame(schema={c: pl.String for c in
                                  ("record_id", "source", "field", "rule", "before", "after")})]
    for target in dict.fromkeys(f for rule in rules for f in rule.fields):
        filled = after[f"{target}_enriched_from"].is_not_null()
        parts.append(after.filter(filled).select(
            "record_id", "source", pl.lit(target).alias("field"),
            (pl.lit("enrich.") + pl.col(f"{target}_enriched_from")).alias("rule"),
            before[target].filter(filled).cast(pl.String).alias("before"),
            pl.col(target).cast(pl.String).alias("after")))
    return pl.concat(parts)
