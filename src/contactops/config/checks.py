"""Cross-field checks of a parsed pipeline that pydantic cannot express per field."""

from __future__ import annotations

import difflib
from collections import Counter
from typing import TYPE_CHECKING

from contactops.config.pipeline import FileSource, Pipeline, SqliteSource, DuckdbSource
from contactops.config.yamlfile import YamlDocument, dotted
from contactops.errors import ConfigIssue
from contactops.fields import ACTIVITY_FIELDS, CONTACT_FIELDS, MULTI_VALUED_FIELDS

if TYPE_CHECKING:
    from contactops.config.loader import Project


def check_pipeline(pipeline: Pipeline, doc: YamlDocument, project: Project) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []

    def add(path: tuple[str | int, ...], message: str, value: object = None,
            suggestion: str | None = None) -> None:
        issues.append(ConfigIssue(doc.file, doc.line_of(path), dotted(path), message, value,
                                  suggestion))

    names = Counter(s.name for s in pipeline.sources)
    seen: set[str] = set()
    for i, source in enumerate(pipeline.sources):
        base = ("sources", i)
        if names[source.name] > 1 and source.name in seen:
            add((*base, "name"), "duplicate source name", source.name,
                "give every source its own name")
        seen.add(source.name)
        fields = CONTACT_FIELDS if source.role == "contacts" else ACTIVITY_FIELDS
        targets: Counter[str] = Counter()
        for raw, target in source.mapping.items():
            targets[target] += 1
            if target not in fields:
                close = difflib.get_close_matches(target, list(fields), n=1, cutoff=0.6)
                add((*base, "mapping", raw), f"unknown canonical field for a {source.role} source",
                    target, f"did you mean '{close[0]}'?" if close
                    else "run 'contactops schema' to list the canonical fields")
        for target, count in targets.items():
            if count > 1 and target not in MULTI_VALUED_FIELDS and target in fields:
                raws = [r for r, t in source.mapping.items() if t == target]
                add((*base, "mapping", raws[-1]),
                    f"{count} raw columns map to '{target}' ({', '.join(raws)})", target,
                    "map only one of them; only tags, lists and notes take several")
        for field in source.constants:
            if field not in fields:
                close = difflib.get_close_matches(field, list(fields), n=1, cutoff=0.6)
                add((*base, "constants", field), "unknown canonical field", field,
                    f"did you mean '{close[0]}'?" if close else None)
        if source.links_to is not None:
            if source.role != "activity":
                add((*base, "links_to"), "only activity sources link to another source",
                    source.links_to, "remove links_to or set role: activity")
            elif source.links_to not in names:
                close = difflib.get_close_matches(source.links_to, list(names), n=1)
                add((*base, "links_to"), "no source has this name", source.links_to,
                    f"did you mean '{close[0]}'?" if close else None)
        if isinstance(source, FileSource | SqliteSource | DuckdbSource):
            if not project.path(source.path).exists():
                add((*base, "path"), "file not found", source.path,
                    f"paths are relative to the project root {project.root}")
    return issues
