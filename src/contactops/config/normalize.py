"""Settings of the normalize stage (the ``normalize:`` block of a pipeline)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from contactops.config.base import Frozen

#: Date fields normalize parses; each gets ``_future``, ``_impossible`` and ``_unparsed`` flags.
DATE_FIELDS = ("created_at", "updated_at", "consent_timestamp")

#: Columns of the normalized_records table, in order: what normalize writes and what an
#: enrichment rule's ``key_field`` may name.
NORMALIZED_COLUMNS: tuple[str, ...] = (
    "record_id", "source", "source_kind",
    "first_name", "last_name", "full_name", "name_prefix", "name_suffix", "first_name_key",
    "last_name_key",
    "email", "email_key", "email_valid", "email_domain", "email_is_role", "email_is_disposable",
    "email_typo_suggestion",
    "phone", "phone_e164", "phone_extension", "phone_valid", "phone_region",
    "company", "company_key", "company_domain_hint", "job_title", "industry",
    "street", "street_2", "city", "region", "postal_code", "country",
    "date_of_birth", "external_id", "external_id_kind", "external_id_key",
    "tags", "lists", "unknown_tags", "unknown_lists", "lifecycle_stage", "lifecycle_unmapped",
    "contact_type", "contact_type_derived",
    "consent_email", "consent_sms", "consent_phone", "consent_timestamp",
    "consent_lawful_basis", "consent_unmapped",
    "created_at", "updated_at",
    *(f"{f}_{flag}" for f in DATE_FIELDS for flag in ("future", "impossible", "unparsed")),
    "original_source", "campaign", "utm_source", "utm_medium", "utm_campaign", "notes",
    "flags",
)

#: Fields an enrichment rule may fill (normalized output columns).
ENRICHABLE_FIELDS = frozenset(
    {"company", "industry", "country", "city", "region", "job_title", "company_domain_hint"})


class EnrichmentRule(Frozen):
    """Fill missing fields of normalized records from a reference table.

    Example (YAML)::

        enrichment:
          - source: company_domains
            key_field: email_domain
            reference_key: domain
            fields: {company: company_name, industry: industry}
    """

    source: str = Field(description="name of the reference source (a loaded table)")
    key_field: str = Field("email_domain", description="normalized record column to join on")
    reference_key: str = Field("domain", description="column of the reference table to join on")
    fields: dict[str, str] = Field(
        description="record field -> reference column that fills it", min_length=1)
    overwrite: bool = Field(False, description="replace non-empty values too")

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(set(value) - ENRICHABLE_FIELDS)
        if bad:
            raise ValueError(f"cannot enrich {bad}; use {sorted(ENRICHABLE_FIELDS)}")
        return value


class NormalizeSettings(Frozen):
    enabled: bool = Field(True, description="run the normalize stage")
    phone_region: str | None = Field(
        None, description="region for national phone numbers; default: project default_country")
    nickname_keys: bool = Field(
        True, description="add a nickname-canonical first-name matching key (Bob -> robert)")
    flag_email_typos: bool = Field(
        True, description="flag likely email domain typos (gmial.com) with the suggested fix")
    date_order: Literal["mdy", "dmy"] = Field(
        "mdy",
        description="order of an ambiguous slash date such as 03/04/2024 when neither day nor "
        "month is above 12 (dotted dates 03.04.2024 are always day.month.year)")
    detect_swapped_names: bool = Field(
        True, description="swap first/last when last is a common first name and first is not")
    phone_library_fallback: bool = Field(
        True, description="use the phonenumbers library for numbers the fast path cannot decide")
    email_library_fallback: bool = Field(
        True, description="use email-validator for addresses the fast path cannot decide")
    extra_disposable_domains: tuple[str, ...] = Field(
        (), description="disposable email domains on top of the built-in list")
    extra_role_localparts: tuple[str, ...] = Field(
        (), description="role-account local parts on top of the built-in list (info, sales...)")
    enrichment: list[EnrichmentRule] = Field(
        default_factory=list, description="fill missing fields from reference tables")

    @field_validator("phone_region")
    @classmethod
    def _iso2(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        if len(value) != 2 or not value.isalpha():
            raise ValueError("must be an ISO 3166 alpha-2 code such as US, GB or DE")
        return value
