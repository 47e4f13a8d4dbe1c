"""Cross-field checks pydantic cannot express per field.

They read the raw YAML data, not the parsed model, so they still run (and report) when other
keys of the same file are invalid: the user sees every problem in one go.
"""

from __future__ import annotations

import difflib
from collections import Counter
from pathlib import Path
from typing import Any

from contactops.config.normalize import NORMALIZED_COLUMNS
from contactops.config.yamlfile import YamlDocument, dotted
from contactops.errors import ConfigIssue
from contactops.fields import ACTIVITY_FIELDS, CONTACT_FIELDS, MULTI_VALUED_FIELDS

FILE_TYPES = ("csv", "excel", "json", "parquet", "sqlite", "duckdb")


def check_pipeline(doc: YamlDocument, root: Path) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []

    def add(path: tuple[str | int, ...], message: str, value: object = None,
            suggestion: str | None = None) -> None:
        issues.append(ConfigIssue(doc.file, doc.line_of(path), dotted(path), message, value,
                                  suggestion))

    data = doc.data if isinstance(doc.data, dict) else {}
    sources = [s if isinstance(s, dict) else {} for s in (data.get("sources") or [])
               if isinstance(data.get("sources"), list)]
    names = Counter(str(s.get("name")) for s in sources if s.get("name"))
    seen: set[str] = set()
    for i, source in enumerate(sources):
        base: tuple[str | int, ...] = ("sources", i)
        name = str(source.get("name", ""))
        if names[name] > 1 and name in seen:
            add((*base, "name"), "duplicate source name", name, "give every source its own name")
        seen.add(name)
        role = source.get("role", "contacts")
        fields = ACTIVITY_FIELDS if role == "activity" else CONTACT_FIELDS
        if role == "reference":
            for key in ("mapping", "constants", "auto_map"):
                if source.get(key):
                    add((*base, key), "a reference source keeps its own columns", None,
                        f"remove {key}: name the columns in normalize.enrichment instead")
        else:
            _check_mapping(source.get("mapping"), fields, role, base, add)
            constants = source.get("constants")
            for field in constants if isinstance(constants, dict) else {}:
                if field not in fields:
                    add((*base, "constants", field), "unknown canonical field", field,
                        _did_you_mean(field, fields))
        links_to = source.get("links_to")
        if links_to is not None:
            if role != "activity":
                add((*base, "links_to"), "only activity sources link to another source",
                    links_to, "remove links_to or set role: activity")
            elif links_to not in names:
                add((*base, "links_to"), "no source has this name", links_to,
                    _did_you_mean(str(links_to), list(names)))
        path = source.get("path")
        if source.get("type") in FILE_TYPES and isinstance(path, str) and path:
            target = Path(path).expanduser()
            if not (target if target.is_absolute() else root / target).exists():
                add((*base, "path"), "file not found", path,
                    f"paths are relative to the project root {root}")
    _check_enrichment(data, {str(s.get("name")): str(s.get("role", "contacts"))
                             for s in sources if s.get("name")}, add)
    return issues


def _check_enrichment(data: dict[str, Any], roles: dict[str, str], add: Any) -> None:
    """Each enrichment rule reads a declared reference source and joins on a column of
    normalized_records. (The reference's own columns come with its data: the normalize
    stage checks them when it has read the rows.)"""
    normalize = data.get("normalize")
    rules = normalize.get("enrichment") if isinstance(normalize, dict) else None
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict):
            continue
        key_field = rule.get("key_field")
        if isinstance(key_field, str) and key_field not in NORMALIZED_COLUMNS:
            add(("normalize", "enrichment", i, "key_field"), "not a column of normalized_records",
                key_field, _did_you_mean(key_field, NORMALIZED_COLUMNS)
                or "use a normalized column such as email_domain or company_key")
        source = rule.get("source")
        if source is None:
            continue
        path = ("normalize", "enrichment", i, "source")
        if source not in roles:
            add(path, "no source has this name", source,
                _did_you_mean(str(source), list(roles))
                or "declare the reference table under sources: with role: reference")
        elif roles[source] != "reference":
            add(path, f"source '{source}' is a {roles[source]} source", source,
                f"set role: reference on source '{source}' (its rows then stay out of the "
                "contacts)")


def _check_mapping(mapping: Any, fields: dict[str, str], role: str,
                   base: tuple[str | int, ...], add: Any) -> None:
    if not isinstance(mapping, dict):
        return
    targets: Counter[str] = Counter(str(t) for t in mapping.values())
    for raw, target in mapping.items():
        if str(target) not in fields:
            add((*base, "mapping", raw), f"unknown canonical field for a {role} source", target,
                _did_you_mean(str(target), fields)
                or "run 'contactops schema' to list the canonical fields")
    for target, count in targets.items():
        if count > 1 and target not in MULTI_VALUED_FIELDS and target in fields:
            raws = [r for r, t in mapping.items() if t == target]
            add((*base, "mapping", raws[-1]),
                f"{count} raw columns map to '{target}' ({', '.join(map(str, raws))})", None,
                "map only one of them; only tags, lists and notes take several")


def _did_you_mean(value: str, options: Any) -> str | None:
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
