"""Audience definitions (``config/audiences.yaml``) and references (``config/references.yaml``).

An audience selects contacts from the ``contacts`` table by lists, tags, lifecycle stage,
contact type, source and a SQL filter, declares its channel and purpose, and names the
targets it is published to. Targets are a union told apart by ``type:``; file paths and
table names may contain ``{audience}``. Secrets (the PostgreSQL DSN, the erasure salt) come
only from the environment.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, model_validator

from contactops.config.base import Frozen
from contactops.config.yamlfile import YamlDocument, load_yaml
from contactops.errors import ConfigError, ConfigIssue

AUDIENCES_FILE = Path("config") / "audiences.yaml"
REFERENCES_FILE = Path("config") / "references.yaml"

Channel = Literal["email", "sms", "phone", "none"]
Purpose = Literal["marketing", "transactional", "internal"]
Environment = Literal["production", "sandbox"]
_TABLE = r"^[A-Za-z_{][A-Za-z0-9_{}]*$"


class TargetBase(Frozen):
    environment: Environment = Field(
        "production", description="sandbox targets are the only ones a --test publish may use")
    description: str = ""


class CsvTarget(TargetBase):
    type: Literal["csv"]
    path: str = Field(description="file path from the project root; may use {audience}")


class ParquetTarget(TargetBase):
    type: Literal["parquet"]
    path: str = Field(description="file path from the project root; may use {audience}")


class DuckdbTarget(TargetBase):
    type: Literal["duckdb"]
    table: str = Field(pattern=_TABLE, description="table name; may use {audience}")
    path: str | None = Field(
        None, description="another DuckDB file; default: a table in the warehouse itself")


class PostgresTarget(TargetBase):
    type: Literal["postgres"]
    dsn: SecretStr = Field(description="libpq connection string, from the environment: ${PG_DSN}")
    db_schema: str = Field("public", alias="schema", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    table: str = Field(pattern=_TABLE, description="table name; may use {audience}")


Target = Annotated[CsvTarget | ParquetTarget | DuckdbTarget | PostgresTarget,
                   Field(discriminator="type")]
TargetModel = CsvTarget | ParquetTarget | DuckdbTarget | PostgresTarget


class Audience(Frozen):
    """One audience: who is in it, what it is for, and where it is published."""

    description: str = ""
    channel: Channel = Field(description="email, sms, phone or none")
    purpose: Purpose = Field(description="marketing (outbound), transactional or internal")
    active: bool = Field(True, description="an active audience protects its members from delete")
    lists: tuple[str, ...] = Field((), description="members of any of these lists")
    tags: tuple[str, ...] = Field((), description="contacts with any of these tags")
    all_tags: tuple[str, ...] = Field((), description="contacts with every one of these tags")
    exclude_tags: tuple[str, ...] = Field((), description="leave out contacts with these tags")
    lifecycle_stages: tuple[str, ...] = ()
    contact_types: tuple[Literal["customer", "prospect", "internal", "unknown"], ...] = ()
    sources: tuple[str, ...] = Field((), description="contacts seen in any of these sources")
    filter: str | None = Field(None, description="SQL WHERE fragment over contacts' columns")
    columns: tuple[str, ...] | None = Field(
        None, description="columns written to targets; default depends on the channel")
    targets: tuple[str, ...] = Field((), description="names of targets under 'targets:'")
    validation_errors: Literal["block", "exclude"] = Field(
        "block", description="members with error-severity validation issues block the "
        "publish, or are left out with reason validation_error")
    one_per_address: bool | None = Field(
        None, description="one member per email address (email) or E.164 phone (sms, "
        "phone); the others sharing it are left out with reason duplicate_address. "
        "Default: on for outbound marketing audiences, off otherwise")

    @property
    def deduplicates_addresses(self) -> bool:
        """Whether members sharing the channel address are reduced to one."""
        if self.one_per_address is not None:
            return self.one_per_address
        return self.outbound

    @property
    def outbound(self) -> bool:
        """Outbound marketing on a real channel: needs opt-in and a confirmed sending setup."""
        return self.purpose == "marketing" and self.channel != "none"

    @model_validator(mode="after")
    def _selects_something(self) -> Audience:
        if not (self.lists or self.tags or self.all_tags or self.lifecycle_stages
                or self.contact_types or self.sources or self.filter):
            raise ValueError("an audience needs at least one of lists, tags, all_tags, "
                             "lifecycle_stages, contact_types, sources or filter")
        if self.purpose == "marketing" and self.channel == "none":
            raise ValueError("a marketing audience needs a channel (email, sms or phone)")
        if self.one_per_address and self.channel == "none":
            raise ValueError("one_per_address needs a channel (email, sms or phone) whose "
                             "address members share; remove it or set the channel")
        return self


class SendingSetup(Frozen):
    confirmed: bool = Field(
        False, description="set true once sender domain, DKIM/SPF and unsubscribe links are "
        "verified; outbound audiences cannot be published before")
    confirmed_by: str = ""
    note: str = ""


class SafeRecords(Frozen):
    """Which contacts a ``--test`` publish may touch."""

    tags: tuple[str, ...] = Field(("test-contact",), description="tags of seeded test contacts")
    domains: tuple[str, ...] = Field(
        (), description="extra safe email domains (internal_domains are always safe)")
    contact_ids: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


class SuppressionFile(Frozen):
    path: str
    kind: Literal["unsubscribe", "bounce", "do_not_contact"]
    channel: Literal["email", "sms", "phone", "all"] = "all"
    column: str = Field("email", description="column holding the email or phone")


class SuppressionSettings(Frozen):
    do_not_contact_tags: tuple[str, ...] = ("do-not-contact",)
    salt_env: str = Field("CONTACTOPS_SUPPRESSION_SALT",
                          description="environment variable holding the erasure salt")
    files: tuple[SuppressionFile, ...] = Field(
        (), description="CSV files of unsubscribes/bounces synced into suppressions")


class AudiencesFile(Frozen):
    """Everything in ``config/audiences.yaml``."""

    sending: SendingSetup = Field(default_factory=SendingSetup)
    safe_records: SafeRecords = Field(default_factory=SafeRecords)
    suppression: SuppressionSettings = Field(default_factory=SuppressionSettings)
    sandbox_target: str | None = Field(None, description="target a --test publish writes to")
    targets: dict[str, Target] = Field(default_factory=dict)
    audiences: dict[str, Audience] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _targets_exist(self) -> AudiencesFile:
        problems = []
        for name, audience in self.audiences.items():
            problems += [f"audience '{name}' names unknown target '{t}'"
                         for t in audience.targets if t not in self.targets]
        if self.sandbox_target is not None:
            target = self.targets.get(self.sandbox_target)
            if target is None:
                problems.append(f"sandbox_target '{self.sandbox_target}' is not under targets")
            elif target.environment != "sandbox":
                problems.append(f"sandbox_target '{self.sandbox_target}' must have "
                                "environment: sandbox")
        if problems:
            raise ValueError("; ".join(problems) + f" (targets: {', '.join(self.targets)})")
        return self


class Uses(Frozen):
    lists: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()


class Reference(Frozen):
    name: str
    active: bool = True
    description: str = ""
    uses: Uses = Field(default_factory=Uses)


class ReferencesFile(Frozen):
    """``config/references.yaml``: workflows and campaigns and what they rely on."""

    workflows: tuple[Reference, ...] = ()
    campaigns: tuple[Reference, ...] = ()


def audiences_document(root: Path) -> YamlDocument | None:
    file = root / AUDIENCES_FILE
    return load_yaml(file, display_name=str(AUDIENCES_FILE)) if file.is_file() else None


def load_audiences_file(root: Path) -> AudiencesFile:
    """Parse ``config/audiences.yaml``; a missing file means no audiences."""
    from contactops.config.loader import parse_model

    doc = audiences_document(root)
    if doc is None:
        return AudiencesFile()
    try:
        return parse_model(AudiencesFile, doc)
    except ConfigError as exc:
        raise ConfigError([_reword(issue) for issue in exc.issues]) from None


def _reword(issue: ConfigIssue) -> ConfigIssue:
    """Say 'target' where the shared loader says 'source'; suggest keys under named maps."""
    parts = issue.key.split(".")
    if parts[0] == "targets":
        message = issue.message.replace("source type", "target type")
        suggestion = (issue.suggestion or "").replace("source", "target") or None
        return replace(issue, message=message, suggestion=suggestion)
    if (parts[0] == "audiences" and len(parts) == 3 and issue.message == "unknown key"
            and not (issue.suggestion or "").startswith("did you mean")):
        options = list(Audience.model_fields)
        close = difflib.get_close_matches(parts[2], options, n=1, cutoff=0.6)
        suggestion = (f"did you mean '{close[0]}'?" if close
                      else f"allowed keys: {', '.join(sorted(options))}")
        return replace(issue, suggestion=suggestion)
    return issue


def load_references_file(root: Path) -> ReferencesFile:
    """Parse ``config/references.yaml``; a missing file means nothing is referenced."""
    from contactops.config.loader import parse_model

    file = root / REFERENCES_FILE
    if not file.is_file():
        return ReferencesFile()
    return parse_model(ReferencesFile, load_yaml(file, display_name=str(REFERENCES_FILE)))
