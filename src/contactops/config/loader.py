"""Load project settings and pipelines, turning every problem into a located ConfigIssue.

Layering: pipeline ``settings:`` over ``config/contactops.yaml`` over built-in defaults; the
environment supplies ``${VAR}`` values and ``CONTACTOPS_WAREHOUSE``.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from contactops.config.checks import check_pipeline
from contactops.config.pipeline import Pipeline
from contactops.config.project import ProjectSettings
from contactops.config.yamlfile import YamlDocument, display_path, dotted, load_yaml
from contactops.errors import ConfigError, ConfigIssue

SETTINGS_FILE = Path("config") / "contactops.yaml"
_MAPPING_FIX = "write 'key: value' lines here, not a list or a single value"
_TYPE_FIXES = {
    "dict_type": _MAPPING_FIX,
    "model_type": _MAPPING_FIX,
    "list_type": "write a list here: one '- item' line per entry",
    "string_type": "write a text value",
}
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Project:
    """A resolved project: its root folder, settings and (optionally) one pipeline."""

    root: Path
    settings: ProjectSettings
    pipeline: Pipeline | None = None
    pipeline_file: Path | None = None
    pipeline_doc: YamlDocument | None = field(default=None, repr=False, compare=False)

    def config_issue(self, path: tuple[str | int, ...], message: str, value: object = None,
                     suggestion: str | None = None) -> ConfigIssue:
        """An issue at ``path`` of the pipeline file, with its line: for the checks only
        data can decide (a stage at run time), without reading the YAML again."""
        doc = self.pipeline_doc
        if doc is None:
            return ConfigIssue("<pipeline>", None, dotted(path), message, value, suggestion)
        return ConfigIssue(doc.file, doc.line_of(path), dotted(path), message, value,
                           suggestion)

    def path(self, relative: str | Path) -> Path:
        """Resolve a path from config against the project root."""
        candidate = Path(relative).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    @property
    def warehouse_path(self) -> Path:
        env = os.environ.get("CONTACTOPS_WAREHOUSE")
        if env:
            return Path(env)
        if self.pipeline is not None and self.pipeline.warehouse:
            path = self.path(self.pipeline.warehouse)
        else:
            path = self.path(self.settings.warehouse)
        folder = path.with_suffix("") if path.suffix == ".duckdb" else path
        if self.settings.engine.name == "spark":
            return folder  # a Spark warehouse is a folder of Parquet tables
        if not path.exists() and (folder / "_contactops").is_dir():
            return folder  # made by `run --engine spark`: later commands find it
        return path


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that holds ``config/contactops.yaml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / SETTINGS_FILE).is_file():
            return folder
    return None


def load_project(root: str | Path | None = None) -> Project:
    """Load project settings from ``root`` (or the nearest project above the cwd)."""
    base = Path(root) if root is not None else Path.cwd()
    found = find_root(base)
    if found is None:
        return Project(root=base.resolve(), settings=ProjectSettings())
    doc = load_yaml(found / SETTINGS_FILE, display_name=display_path(found / SETTINGS_FILE))
    settings = parse_model(ProjectSettings, doc)
    return Project(root=found, settings=settings)


def load_pipeline(path: str | Path) -> Project:
    """Load a pipeline file and the project it belongs to; all errors are raised at once."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(ConfigIssue(str(file), None, "", "pipeline file not found",
                                      suggestion="give the path of a pipelines/*.yaml file"))
    root = find_root(file.parent) or file.resolve().parent
    shown = display_path(file)
    doc = load_yaml(file, display_name=shown)
    settings_doc = (load_yaml(root / SETTINGS_FILE, display_name=display_path(root / SETTINGS_FILE))
                    if (root / SETTINGS_FILE).is_file() else None)
    issues: list[ConfigIssue] = [*doc.issues, *(settings_doc.issues if settings_doc else [])]
    pipeline = _try_parse(Pipeline, doc, issues)
    base_data = settings_doc.data if settings_doc else {}
    settings = _try_parse(ProjectSettings, settings_doc, issues) if settings_doc else None
    if pipeline is not None and pipeline.settings:
        sub = YamlDocument(file=shown, data=pipeline.settings,
                           lines={k[1:]: v for k, v in doc.lines.items()
                                  if k[:1] == ("settings",)})
        _try_parse(ProjectSettings, sub, issues, prefix=("settings",), lines=doc)
        if not issues:
            settings = ProjectSettings.model_validate(_deep_merge(base_data, pipeline.settings))
    issues.extend(check_pipeline(doc, root))
    if issues:
        raise ConfigError(issues)
    assert pipeline is not None
    return Project(root=root, settings=settings or ProjectSettings(), pipeline=pipeline,
                   pipeline_file=file.resolve(), pipeline_doc=doc)


def parse_model(model: type[M], doc: YamlDocument) -> M:
    issues: list[ConfigIssue] = list(doc.issues)
    result = _try_parse(model, doc, issues)
    if issues:
        raise ConfigError(issues)
    assert result is not None
    return result


def _try_parse(model: type[M], doc: YamlDocument, issues: list[ConfigIssue],
               prefix: tuple[str | int, ...] = (), lines: YamlDocument | None = None) -> M | None:
    if not isinstance(doc.data, dict):
        issues.append(ConfigIssue(doc.file, 1, dotted(prefix), "expected a mapping of keys",
                                  value=doc.data, suggestion=_MAPPING_FIX))
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        for error in exc.errors():
            issues.append(_issue(model, error, doc, prefix, lines or doc))
        return None


def _issue(model: type[BaseModel], error: Any, doc: YamlDocument,
           prefix: tuple[str | int, ...], lines: YamlDocument) -> ConfigIssue:
    loc = _strip_union_tags(doc.data, tuple(error["loc"]))
    path = (*prefix, *loc)
    secret = any(path[: len(p)] == p for p in lines.secret_paths)
    value = None if secret or error["type"] == "missing" else error.get("input")
    if isinstance(value, dict):  # a whole block: the key path already says which
        value = None
    suggestion = None
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown key"
        options = _allowed_keys(model, doc.data, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), options, n=1, cutoff=0.6)
        suggestion = (f"did you mean '{close[0]}'?" if close
                      else f"allowed keys: {', '.join(sorted(options))}")
        value = None
    elif error["type"] == "missing":
        message = "required key is missing"
        suggestion = f"add '{loc[-1]}:'"
    elif error["type"] == "union_tag_invalid":
        message = "unknown source type"
        tag = error.get("input", {}).get("type") if isinstance(error.get("input"), dict) else None
        options = list(error.get("ctx", {}).get("expected_tags", "").replace("'", "").split(", "))
        close = difflib.get_close_matches(str(tag), options, n=1, cutoff=0.5)
        suggestion = f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(options)}"
        value = tag
        path = (*path, "type")
    elif error["type"] == "union_tag_not_found":
        message = "source has no 'type'"
        suggestion = "add 'type: csv' (or excel, json, parquet, sqlite, duckdb, postgres)"
    elif error["type"] in _TYPE_FIXES:
        suggestion = _TYPE_FIXES[error["type"]]
        if error["type"] == "string_type" and isinstance(value, int | float):
            suggestion = f"quote it: '{value}'"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    elif error["type"] == "enum":
        expected = error.get("ctx", {}).get("expected", "")
        options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(",")]
        close = difflib.get_close_matches(str(error.get("input")), options, n=1, cutoff=0.5)
        message = f"must be one of {expected}"
        suggestion = f"did you mean '{close[0]}'?" if close else None
    return ConfigIssue(lines.file, lines.line_of(path), dotted(path), message, value, suggestion)


def _strip_union_tags(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Pydantic puts the union tag into ``loc`` (sources.0.csv.path); drop it."""
    out: list[Any] = []
    node = data
    i = 0
    while i < len(loc):
        part = loc[i]
        if isinstance(node, dict) and part not in node and isinstance(part, str) \
                and node.get("type") == part:
            i += 1
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
        i += 1
    return tuple(out)


def _allowed_keys(model: type[BaseModel], data: Any, loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found at ``loc`` (sources[1] -> the model of that source)."""
    annotation: Any = model
    node = data
    for part in loc:
        child = node[part] if isinstance(node, dict | list) and _has(node, part) else None
        if isinstance(part, int):
            annotation, node = _item_type(annotation), child
            continue
        current = _model_of(annotation, node)
        fields = {(f.alias or n): f for n, f in current.model_fields.items()} if current else {}
        field = fields.get(part)
        if field is None:
            return []
        annotation, node = field.annotation, child
    current = _model_of(annotation, node)
    if current is None:
        return []
    return [f.alias or name for name, f in current.model_fields.items()]


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _flatten(annotation: Any) -> list[Any]:
    from typing import get_args

    out = [annotation]
    for arg in get_args(annotation):
        out.extend(_flatten(arg))
    return out


def _item_type(annotation: Any) -> Any:
    from typing import get_args, get_origin

    for candidate in _flatten(annotation):
        if get_origin(candidate) in (list, tuple):
            args = get_args(candidate)
            return args[0] if args else Any
    return annotation


def _model_of(annotation: Any, node: Any) -> type[BaseModel] | None:
    from typing import get_args

    models = [c for c in _flatten(annotation)
              if isinstance(c, type) and issubclass(c, BaseModel)]
    if isinstance(node, dict) and "type" in node:
        for m in models:
            field = m.model_fields.get("type")
            if field is not None and node["type"] in get_args(field.annotation):
                return m
    return models[0] if models else None


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out
