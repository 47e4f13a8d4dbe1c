"""Settings of the validate stage (the ``validate:`` block of a pipeline).

Every rule of the catalogue has a severity (``error`` blocks publishing, ``warn`` flags,
``off`` skips it) and a threshold ``max_rate``: the rule *fails* when the share of checked
rows that break it is above ``max_rate`` (0 means: any one row). ``per_source: true``
evaluates that share for each source separately, so a bad import is caught at its source.

Example::

    validate:
      required: ["email|phone", "first_name|last_name|full_name"]
      rules:
        email_invalid: {severity: error, max_rate: 0.05, per_source: true}
        email_role: {severity: off}
      sources:
        legacy_import:
          email_invalid: {max_rate: 0.2}
      gx: {enabled: true}
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import Field, field_validator

from contactops.config.base import Frozen

Severity = Literal["error", "warn", "off"]

#: rule -> (default severity, default max_rate, default per_source, what it checks)
RULE_CATALOGUE: dict[str, tuple[Severity, float, bool, str]] = {
    "required_fields": ("error", 0.05, True, "a record lacks every field of a required group"),
    "source_tracked": ("error", 0.0, False, "a record has no source name or a bad source kind"),
    "contact_type_set": ("warn", 0.0, False, "a record's contact type is unknown"),
    "email_invalid": ("error", 0.05, True, "an email is not a valid address"),
    "email_role": ("warn", 0.0, False, "an email is a role mailbox (info@, sales@)"),
    "email_disposable": ("warn", 0.0, False, "an email is at a disposable domain"),
    "email_typo": ("warn", 0.0, False, "an email domain looks like a typo (gmial.com)"),
    "phone_invalid": ("error", 0.05, True, "a phone number is not a possible number"),
    "phone_needs_country": ("warn", 0.0, False, "a phone is valid only with another country "
                            "than the record's"),
    "date_future": ("warn", 0.0, False, "a date lies in the future"),
    "consent_timestamp_future": ("error", 0.0, False, "a consent timestamp lies in the future"),
    "date_impossible": ("warn", 0.0, False, "a date is impossible (year out of range)"),
    "date_unparsed": ("warn", 0.0, False, "a date could not be parsed"),
    "consent_unknown": ("warn", 0.0, False, "consent status is unknown for a channel"),
    "consent_unmapped": ("warn", 0.0, False, "a consent word is not in the vocabulary"),
    "tag_unknown": ("warn", 0.0, False, "a tag is not in the taxonomy"),
    "list_unknown": ("warn", 0.0, False, "a list is not in the taxonomy"),
    "tag_near_duplicate": ("warn", 0.0, False, "two tags differ only by case, punctuation "
                           "or a small edit"),
    "list_near_duplicate": ("warn", 0.0, False, "two lists differ only by case, punctuation "
                            "or a small edit"),
    "tag_budget": ("warn", 0.0, False, "more distinct tags than settings.taxonomy.max_tags"),
    "list_budget": ("warn", 0.0, False, "more distinct lists than settings.taxonomy.max_lists"),
    "list_unused": ("warn", 0.0, False, "a list declared in the taxonomy has no members"),
    "list_mixed_contact_types": ("warn", 0.0, False, "a list mixes customers, prospects and "
                                 "internal contacts"),
    "duplicate_after_dedupe": ("error", 0.01, False, "contacts still share a matching key "
                               "after dedupe"),
    "load_rejected_rows": ("error", 0.05, True, "a load rejected too many rows"),
    "schema": ("error", 0.0, False, "a table breaks its Pandera schema (types, formats)"),
}


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"rules are: {', '.join(options)}"


class RuleSettings(Frozen):
    """Overrides for one rule; unset keys keep the catalogue default."""

    severity: Severity | None = Field(None, description="error, warn or off")
    max_rate: float | None = Field(
        None, ge=0, le=1, description="share of checked rows allowed to break the rule")
    per_source: bool | None = Field(None, description="apply max_rate to each source")


class ResolvedRule(Frozen):
    name: str
    severity: Severity
    max_rate: float
    per_source: bool


class GxSettings(Frozen):
    enabled: bool = Field(True, description="run the Great Expectations suites in expectations/")
    dir: str = Field("expectations", description="GX folder, relative to the project root: "
                     "suite files in suites/*.json (or *.yaml), the GX context in gx/")
    data_docs: bool = Field(True, description="build GX Data Docs after the checkpoints")
    prewarm: bool = Field(True, description="start the GX worker when the run starts, so its "
                          "~15 s import overlaps ingest, normalize and dedupe")
    timeout_seconds: float = Field(600, gt=0, description="give up waiting for GX after this")
    max_rows: int | None = Field(
        200_000, ge=1, description="GX checks a deterministic sample of this many rows of a "
        "larger table (its pandas checkpoints cost ~16 s per 1M rows); the rule engine and "
        "Pandera always check every row. null: GX checks every row too, and holds them in "
        "memory: memory_limit does not bound that")


def _default_rules() -> dict[str, RuleSettings]:
    return {}


class ValidateSettings(Frozen):
    enabled: bool = Field(True, description="run the validate stage")
    required: tuple[str, ...] = Field(
        ("email|phone", "first_name|last_name|full_name"),
        description="required field groups: each record needs at least one field of every "
        "group ('a|b' means a or b); source and source kind are always required")
    consent_channels: tuple[Literal["email", "sms", "phone"], ...] = Field(
        ("email",), description="channels whose unknown consent is flagged per record")
    near_duplicate_distance: int = Field(
        1, ge=0, le=3, description="edit distance under which two tags/lists are near-duplicates")
    duplicate_keys: tuple[str, ...] = Field(
        ("email_key",), description="normalized keys no two contacts may share after dedupe")
    max_issues_per_rule: int = Field(
        100_000, ge=1, description="issue rows kept per rule and field; the summary's "
        "counts are always exact")
    rules: dict[str, RuleSettings] = Field(default_factory=_default_rules,
                                           description="rule -> severity/threshold overrides")
    sources: dict[str, dict[str, RuleSettings]] = Field(
        default_factory=dict, description="source -> rule -> overrides for that source")
    gx: GxSettings = Field(default_factory=GxSettings)

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict[str, RuleSettings]) -> dict[str, RuleSettings]:
        for name in value:
            if name not in RULE_CATALOGUE:
                raise ValueError(f"unknown rule '{name}'; {_suggest(name, list(RULE_CATALOGUE))}")
        return value

    @field_validator("sources")
    @classmethod
    def _known_source_rules(cls, value: dict[str, dict[str, RuleSettings]]
                            ) -> dict[str, dict[str, RuleSettings]]:
        for source, rules in value.items():
            for name in rules:
                if name not in RULE_CATALOGUE:
                    raise ValueError(f"unknown rule '{name}' for source '{source}'; "
                                     f"{_suggest(name, list(RULE_CATALOGUE))}")
        return value

    @field_validator("required")
    @classmethod
    def _groups(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for group in value:
            if not all(part.strip() for part in group.split("|")):
                raise ValueError(f"empty field in required group '{group}'")
        return value

    def rule(self, name: str, source: str | None = None) -> ResolvedRule:
        """The rule's effective settings, with source overrides applied when given."""
        severity, max_rate, per_source, _ = RULE_CATALOGUE[name]
        layers = [self.rules.get(name)]
        if source is not None:
            layers.append(self.sources.get(source, {}).get(name))
        for layer in layers:
            if layer is None:
                continue
            severity = layer.severity or severity
            max_rate = layer.max_rate if layer.max_rate is not None else max_rate
            per_source = layer.per_source if layer.per_source is not None else per_source
        return ResolvedRule(name=name, severity=severity, max_rate=max_rate,
                            per_source=per_source)
