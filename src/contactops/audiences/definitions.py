"""Load audience definitions, check them against the project, and turn them into SQL.

Config-level problems (unknown keys, bad types) are reported by the config loader with
file:line; this module adds the checks that need the project: filters refused by
:mod:`contactops.audiences.filters`, lists and tags missing from the taxonomy, unknown export
columns. All problems come back at once as one :class:`ConfigError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from contactops.audiences.filters import FilterError, compile_filter
from contactops.config.audiences import (
    AUDIENCES_FILE,
    Audience,
    AudiencesFile,
    ReferencesFile,
    audiences_document,
    load_audiences_file,
    load_references_file,
)
from contactops.config.loader import Project
from contactops.errors import ConfigError, ConfigIssue, UsageError

#: Columns every ``contacts`` table is expected to have (dedupe's golden records).
CONTACT_COLUMNS = (
    "contact_id", "first_name", "last_name", "full_name", "email", "email_key", "phone_e164",
    "company", "contact_type", "lifecycle_stage", "tags", "lists", "consent_email",
    "consent_sms", "consent_phone", "sources", "country", "created_at", "updated_at",
)

#: The column each channel delivers to; an audience's ``columns:`` must include it.
ADDRESS_COLUMNS = {"email": ("email", "email_key"), "sms": ("phone_e164",),
                   "phone": ("phone_e164",)}

DEFAULT_COLUMNS = {
    "email": ("contact_id", "first_name", "last_name", "email"),
    "sms": ("contact_id", "first_name", "last_name", "phone_e164"),
    "phone": ("contact_id", "first_name", "last_name", "phone_e164", "company"),
    "none": ("contact_id", "first_name", "last_name", "email", "phone_e164", "company",
             "contact_type"),
}


@dataclass(frozen=True)
class AudienceConfig:
    """``config/audiences.yaml`` and ``config/references.yaml`` of one project, checked."""

    project: Project
    file: AudiencesFile
    references: ReferencesFile

    def audience(self, name: str) -> Audience:
        try:
            return self.file.audiences[name]
        except KeyError:
            names = list(self.file.audiences)
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise UsageError(f"no audience '{name}' in {AUDIENCES_FILE}{hint} (audiences: "
                             f"{', '.join(names) or 'none defined'})") from None


def load_audience_config(project: Project, columns: Iterable[str] | None = None
                         ) -> AudienceConfig:
    """Parse and check both files; ``columns`` are the real ``contacts`` columns if known."""
    file = load_audiences_file(project.root)
    refs = load_references_file(project.root)
    issues = check_definitions(project, file, list(columns or CONTACT_COLUMNS))
    if issues:
        raise ConfigError(issues)
    return AudienceConfig(project, file, refs)


def check_definitions(project: Project, file: AudiencesFile,
                      columns: list[str]) -> list[ConfigIssue]:
    doc = audiences_document(project.root)
    shown = str(AUDIENCES_FILE)

    def line(*path: str | int) -> int | None:
        return doc.line_of(path) if doc is not None else None

    taxonomy = project.settings.taxonomy
    issues: list[ConfigIssue] = []
    for name, audience in file.audiences.items():
        base = ("audiences", name)
        if audience.filter:
            try:
                compile_filter(audience.filter, columns, audience=name)
            except FilterError as exc:
                issues.append(ConfigIssue(shown, line(*base, "filter"),
                                          f"audiences.{name}.filter", str(exc)))
        for key, known in (("lists", taxonomy.lists), ("tags", taxonomy.tags),
                           ("all_tags", taxonomy.tags), ("exclude_tags", taxonomy.tags)):
            if not known:
                continue  # no taxonomy declared: any label is allowed
            for i, value in enumerate(getattr(audience, key)):
                if value not in known:
                    close = difflib.get_close_matches(value, list(known), n=1)
                    issues.append(ConfigIssue(
                        shown, line(*base, key, i), f"audiences.{name}.{key}[{i}]",
                        f"not a {key.rsplit('_', 1)[-1].rstrip('s')} of the taxonomy in "
                        "config/contactops.yaml", value,
                        f"did you mean '{close[0]}'?" if close else None))
        if audience.columns is not None:
            issues += _column_issues(name, audience, columns, shown, line)
    return issues


def _column_issues(name: str, audience: Audience, columns: list[str], shown: str,
                   line: Callable[..., int | None]) -> list[ConfigIssue]:
    """``columns:`` must name real columns, once each, including the channel's address."""
    base = ("audiences", name, "columns")
    issues: list[ConfigIssue] = []
    chosen = audience.columns or ()
    if not chosen:
        return [ConfigIssue(shown, line(*base), f"audiences.{name}.columns",
                            "lists no column", [], "list the columns to publish, or remove "
                            f"'columns:' for the {audience.channel} default "
                            f"({', '.join(DEFAULT_COLUMNS[audience.channel])})")]
    seen: set[str] = set()
    for i, column in enumerate(chosen):
        key = f"audiences.{name}.columns[{i}]"
        if column not in columns:
            close = difflib.get_close_matches(column, columns, n=1)
            issues.append(ConfigIssue(shown, line(*base, i), key, "not a column of contacts",
                                      column, f"did you mean '{close[0]}'?" if close
                                      else f"columns: {', '.join(columns)}"))
        elif column in seen:
            issues.append(ConfigIssue(shown, line(*base, i), key, "listed twice", column,
                                      "list each column once"))
        seen.add(column)
    needed = ADDRESS_COLUMNS.get(audience.channel, ())
    if needed and not seen.intersection(needed):
        issues.append(ConfigIssue(
            shown, line(*base), f"audiences.{name}.columns",
            f"has no {audience.channel} address column, so the published audience could not "
            "be reached", list(chosen), f"add '{needed[0]}' to columns"))
    return issues


def export_columns(audience: Audience, columns: list[str]) -> list[str]:
    """The columns published: ``columns:`` (contact_id always first) or the channel default.

    ``contact_id`` is what the manifest records members by, so it is always published, also
    when ``columns:`` leaves it out.
    """
    wanted = audience.columns or DEFAULT_COLUMNS[audience.channel]
    if "contact_id" not in wanted:
        wanted = ("contact_id", *wanted)
    return [c for c in wanted if c in columns]


def filter_location(cfg: AudienceConfig, name: str) -> tuple[str, int | None]:
    """``(file, line)`` of audience ``name``'s filter, for messages."""
    doc = audiences_document(cfg.project.root)
    line = doc.line_of(("audiences", name, "filter")) if doc is not None else None
    return str(AUDIENCES_FILE), line


def _literals(values: Iterable[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def selection_sql(audience: Audience, columns: list[str], name: str = "") -> str:
    """The WHERE condition selecting an audience's candidates from ``contacts``."""
    parts: list[str] = []
    if audience.lists:
        parts.append(f'list_has_any(coalesce("lists", []), {_literals(audience.lists)})')
    if audience.tags:
        parts.append(f'list_has_any(coalesce("tags", []), {_literals(audience.tags)})')
    if audience.all_tags:
        parts.append(f'list_has_all(coalesce("tags", []), {_literals(audience.all_tags)})')
    if audience.lifecycle_stages:
        parts.append(f'list_contains({_literals(audience.lifecycle_stages)}, '
                     '"lifecycle_stage")')
    if audience.contact_types:
        parts.append(f'list_contains({_literals(audience.contact_types)}, "contact_type")')
    if audience.sources:
        if "sources" in columns:
            parts.append(f'list_has_any(coalesce("sources", []), {_literals(audience.sources)})')
        elif "source" in columns:
            parts.append(f'list_contains({_literals(audience.sources)}, "source")')
        else:
            raise UsageError(f"audience '{name}' selects by source, but contacts has no "
                             "'sources' or 'source' column")
    if audience.filter:
        parts.append("(" + compile_filter(audience.filter, columns, audience=name) + ")")
    where = " AND ".join(parts) or "TRUE"
    if audience.exclude_tags:
        where += (f' AND NOT list_has_any(coalesce("tags", []), '
                  f'{_literals(audience.exclude_tags)})')
    return where
