"""Tags and lists (split, slug, taxonomy aliases), lifecycle stage and contact type."""

from __future__ import annotations

import polars as pl

from contactops.config.project import ContactTypeRules, ProjectSettings
from contactops.normalize.distinct import Distinct, with_distinct
from contactops.normalize.text import clean, key_lookup, list_text, match_key, nfkc

LIFECYCLE_STAGES = ("subscriber", "lead", "mql", "sql", "opportunity", "customer",
                    "evangelist", "other")

CONTACT_TYPE_WORDS: dict[str, str] = {
    "customer": "customer", "client": "customer", "customers": "customer",
    "prospect": "prospect", "lead": "prospect", "prospects": "prospect",
    "internal": "internal", "employee": "internal", "staff": "internal", "team": "internal",
    "unknown": "unknown",
}


def slug(expr: pl.Expr) -> pl.Expr:
    """NFKC, lower case, runs of anything but letters and digits -> '-', trimmed of '-'."""
    return (nfkc(expr).str.to_lowercase()
            .str.replace_all(r"[^\p{L}\p{N}]+", "-").str.strip_chars("-"))


def _aliases(canonical_to_aliases: dict[str, list[str]]) -> dict[str, str]:
    words = {c: c for c in canonical_to_aliases}
    for canonical, aliases in canonical_to_aliases.items():
        for alias in aliases:
            words.setdefault(alias, canonical)
    return key_lookup(words)


def labels(raw: str, taxonomy: dict[str, list[str]]) -> tuple[pl.Expr, pl.Expr]:
    """(canonical labels, unknown labels) as List[Utf8] from a ',;|'-separated raw column."""
    el = pl.element()
    parts = pl.col(raw).str.replace_all(r"[;|]", ",").str.split(",")
    slugs = parts.list.eval(slug(el)).list.eval(el.filter(el.str.len_bytes() > 0))
    if not taxonomy:
        return slugs.list.unique(maintain_order=True), pl.lit([], dtype=pl.List(pl.String))
    lookup = _aliases(taxonomy)
    key = el.str.replace_all("-", "", literal=True)
    mapped = key.replace_strict(lookup, default=None, return_dtype=pl.String)
    canonical = slugs.list.eval(pl.coalesce(mapped, el)).list.unique(maintain_order=True)
    unknown = slugs.list.eval(el.filter(mapped.is_null())).list.unique(maintain_order=True)
    return canonical, unknown


def _contact_type(rules: ContactTypeRules, domain: pl.Expr, stage: pl.Expr) -> pl.Expr:
    internal = pl.lit(False)
    for d in rules.internal_domains:
        d = d.lower().lstrip("@")
        internal = internal | (domain == d) | domain.str.ends_with("." + d)
    return (pl.when(internal.fill_null(False)).then(pl.lit("internal"))
            .when(stage.is_in(list(rules.customer_lifecycle_stages))).then(pl.lit("customer"))
            .when(stage.is_in(list(rules.prospect_lifecycle_stages))).then(pl.lit("prospect"))
            .otherwise(pl.lit("unknown")))


def normalize_taxonomy(lf: pl.LazyFrame, settings: ProjectSettings) -> pl.LazyFrame:
    """Add tags, lists, unknown_tags, unknown_lists, lifecycle_stage, contact_type.

    Needs ``email_domain`` (for internal domains) from the email normalizer. Tags, lists and
    the lifecycle / contact-type words are computed once per distinct raw value.
    """
    return contact_type(with_distinct(lf, taxonomy_specs(settings)), settings)


def taxonomy_specs(settings: ProjectSettings) -> list[Distinct]:
    """The raw-value part of normalize_taxonomy as per-distinct-value mappings."""
    specs = []
    for raw, name, taxonomy in (("_raw_tags", "tags", settings.taxonomy.tags),
                                ("_raw_lists", "lists", settings.taxonomy.lists)):
        def _labels(small: pl.LazyFrame, raw: str = raw, name: str = name,
                    taxonomy: dict[str, list[str]] = taxonomy) -> pl.LazyFrame:
            canonical, unknown = labels(raw, taxonomy)
            small = small.with_columns(**{name: canonical, f"unknown_{name}": unknown})
            # The audit's text form, once per distinct value (a list join costs ~0.15 s
            # per 1M rows).
            return small.with_columns(list_text(pl.col(name)).alias(f"_text_{name}"))
        specs.append(Distinct((raw,), _labels))
    specs.append(Distinct(("_raw_lifecycle_stage", "_raw_contact_type"),
                          lambda small: _words(small, settings)))
    return specs


def _words(lf: pl.LazyFrame, settings: ProjectSettings) -> pl.LazyFrame:
    stage_raw = clean(pl.col("_raw_lifecycle_stage"))
    stage = match_key(stage_raw).replace_strict(_aliases(settings.lifecycle_aliases),
                                                default=None, return_dtype=pl.String)
    type_raw = clean(pl.col("_raw_contact_type"))
    given = match_key(type_raw).replace_strict(CONTACT_TYPE_WORDS, default=None,
                                               return_dtype=pl.String)
    return lf.with_columns(
        lifecycle_stage=stage,
        lifecycle_unmapped=pl.when(stage.is_null()).then(stage_raw),
        _type_given=given,
        contact_type_unmapped=pl.when(type_raw.is_not_null() & given.is_null()).then(type_raw),
    )


def contact_type(lf: pl.LazyFrame, settings: ProjectSettings) -> pl.LazyFrame:
    """contact_type and contact_type_derived from ``_type_given``, domain and lifecycle."""
    given = pl.col("_type_given")
    derived = _contact_type(settings.contact_types, pl.col("email_domain"),
                            pl.col("lifecycle_stage"))
    from_raw = given.is_not_null() & (given != "unknown")
    return lf.with_columns(
        contact_type=pl.when(from_raw).then(given).otherwise(derived),
        contact_type_derived=~from_raw,
    )
