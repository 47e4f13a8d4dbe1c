"""Fill missing fields of normalized records from a reference table, with provenance."""

from __future__ import annotations

import polars as pl

from contactops.config.normalize import EnrichmentRule


def enrich(records: pl.LazyFrame, reference: pl.LazyFrame, rule: EnrichmentRule
           ) -> pl.LazyFrame:
    """Fill ``rule.fields`` from ``reference`` joined on ``rule.key_field``.

    A non-empty value is kept unless ``rule.overwrite``. For every filled field a
    ``<field>_enriched_from`` column names ``rule.source`` (null where nothing was filled).
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
    joined = records.with_columns(
        pl.col(rule.key_field).cast(pl.String).str.strip_chars().str.to_lowercase()
        .alias("_enrich_key")
    ).join(ref, on="_enrich_key", how="left", maintain_order="left")
    updates = []
    for target, source_col in rule.fields.items():
        new = pl.col(f"_enrich_{source_col}").cast(pl.String)
        current = pl.col(target)
        empty = current.is_null() | (current.cast(pl.String).str.strip_chars() == "")
        fill = new.is_not_null() & (pl.lit(rule.overwrite) | empty) & new.ne_missing(current)
        updates += [
            pl.when(fill).then(new).otherwise(current).alias(target),
            pl.when(fill).then(pl.lit(rule.source)).alias(f"{target}_enriched_from"),
        ]
    return joined.with_columns(updates).drop(
        "_enrich_key", *(f"_enrich_{c}" for c in ref_cols))


def enrich_all(records: pl.LazyFrame, references: dict[str, pl.LazyFrame],
               rules: list[EnrichmentRule]) -> pl.LazyFrame:
    """Apply several rules in order; ``references`` maps rule.source to its table."""
    for rule in rules:
        records = enrich(records, references[rule.source], rule)
    return records
