"""Project settings: ``config/contactops.yaml``.

These are the team's shared vocabularies (consent words, tag taxonomy, internal domains) and
machine settings (warehouse path). A pipeline may override any of them under ``settings:``.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from contactops.config.base import Frozen
from contactops.config.consent import (  # noqa: F401 - re-exported
    DEFAULT_CONSENT_VOCABULARY,
    ConsentSettings,
)
from contactops.config.memory import validate_setting

DEFAULT_LIFECYCLE_ALIASES: dict[str, list[str]] = {
    "subscriber": ["subscriber", "newsletter", "subscribed"],
    "lead": ["lead", "new lead", "raw lead"],
    "mql": ["mql", "marketing qualified lead", "marketing qualified", "marketingqualifiedlead"],
    "sql": ["sql", "sales qualified lead", "sales qualified", "salesqualifiedlead"],
    "opportunity": ["opportunity", "opp", "deal", "pipeline"],
    "customer": ["customer", "client", "won", "closed won", "paying"],
    "evangelist": ["evangelist", "advocate", "promoter", "champion"],
    "other": ["other", "partner", "vendor"],
}


class TaxonomySettings(Frozen):
    tags: dict[str, list[str]] = Field(
        default_factory=dict, description="canonical tag -> aliases that mean it")
    lists: dict[str, list[str]] = Field(
        default_factory=dict, description="canonical list -> aliases that mean it")
    max_tags: int = Field(50, ge=1, description="budget: distinct tags before validation warns")
    max_lists: int = Field(25, ge=1, description="budget: distinct lists before validation warns")


class ContactTypeRules(Frozen):
    internal_domains: tuple[str, ...] = Field(
        (), description="email domains of your own organization: contacts there are internal")
    customer_lifecycle_stages: tuple[str, ...] = ("customer", "evangelist")
    prospect_lifecycle_stages: tuple[str, ...] = ("subscriber", "lead", "mql", "sql", "opportunity")


_REGION = re.compile(r"^[A-Z]{2}$")


ENGINES = ("duckdb", "spark")


class EngineSettings(Frozen):
    """``engine:``: where the warehouse lives and what runs the stages' SQL.

    ``engine: duckdb`` (the default: one embedded file) or ``engine: spark``; the long form
    names the Spark master and any ``spark.*`` options::

        engine:
          name: spark
          master: spark://head:7077        # local[2] by default; sc://host:15002 for Connect
          spark.executor.memory: 8g
    """

    name: str = Field("duckdb", description="duckdb (the default) or spark")
    master: str = Field("local[2]", description="the Spark master URL (Spark only)")
    options: dict[str, str] = Field(default_factory=dict,
                                    description="spark.* options for the Spark session")

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, value: object) -> object:
        if isinstance(value, str):
            return {"name": value}
        if isinstance(value, dict):
            value = dict(value)
            options = dict(value.pop("options", None) or {})
            for key in [k for k in value if str(k).startswith("spark.")]:
                options[key] = str(value.pop(key))
            value["options"] = {str(k): str(v) for k, v in options.items()}
        return value

    @field_validator("name")
    @classmethod
    def _known(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ENGINES:
            raise ValueError(f"unknown engine {value!r}: use one of {', '.join(ENGINES)}")
        return value


class ProjectSettings(Frozen):
    """Everything in ``config/contactops.yaml``; all keys are optional."""

    project: str = Field("contactops", description="project name shown in reports")
    warehouse: str = Field("warehouse/contactops.duckdb",
                           description="DuckDB warehouse file, relative to the project root")
    default_country: str = Field(
        "US", description="ISO 3166 alpha-2 country assumed for phones without one")
    lock_timeout_seconds: float = Field(
        30.0, ge=0, description="how long a run waits for a busy warehouse before giving up")
    consent: ConsentSettings = Field(default_factory=ConsentSettings)
    taxonomy: TaxonomySettings = Field(default_factory=TaxonomySettings)
    lifecycle_aliases: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_LIFECYCLE_ALIASES.items()})
    contact_types: ContactTypeRules = Field(default_factory=ContactTypeRules)
    free_email_domains: tuple[str, ...] = Field(
        (), description="extra free-mail domains, on top of the built-in list")
    max_shrink: float = Field(
        0.2, ge=0, le=1, description="volume gate: a snapshot source whose new version has "
        "more than this share fewer records than the current one stops the run (0.2 = 20%; "
        "1 turns the gate off); a source's own max_shrink overrides it")

    engine: EngineSettings = Field(
        default_factory=EngineSettings,
        description="duckdb (the default) or spark, with its master and spark.* options")
    memory_limit: str | None = Field(
        None, description="memory one contactops process may use: a size such as 6GB or "
        "512MiB, or a share of the machine such as 50% (default: half of the machine's "
        "memory; --memory-limit and CONTACTOPS_MEMORY_LIMIT also set it)")

    @field_validator("memory_limit", mode="before")
    @classmethod
    def _memory(cls, value: object) -> str | None:
        return validate_setting(value)

    @field_validator("default_country")
    @classmethod
    def _iso2(cls, value: str) -> str:
        value = value.strip().upper()
        if not _REGION.match(value):
            raise ValueError("must be an ISO 3166 alpha-2 code such as US, GB or DE")
        return value
