"""Read a YAML file into plain data plus a map from key path to line number.

The line map lets every config error point at ``file:line``. ``${ENV_VAR}`` references in
string values are interpolated here, at the edge, and the paths that held one are remembered
so their values are never printed back.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from contactops.errors import ConfigError, ConfigIssue

Path_ = tuple[str | int, ...]

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass
class YamlDocument:
    """Parsed YAML data with the line of every key path (1-based)."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    secret_paths: set[Path_] = field(default_factory=set)
    issues: list[ConfigIssue] = field(default_factory=list)

    def line_of(self, path: Path_) -> int | None:
        """Line of ``path`` or of its nearest ancestor that exists in the file."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


def display_path(path: str | Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter messages)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_yaml(path: str | Path, *, display_name: str | None = None) -> YamlDocument:
    """Parse ``path``; a syntax error becomes a :class:`ConfigError` with file:line."""
    path = Path(path)
    shown = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            ConfigIssue(shown, None, "", "file not found", suggestion="check the path")
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            ConfigIssue(shown, None, "", f"not UTF-8 text ({exc.reason})",
                        suggestion="save the file as UTF-8")
        ) from None
    return parse_yaml(text, shown)


def parse_yaml(text: str, file: str) -> YamlDocument:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        raise ConfigError(
            ConfigIssue(file, line, "", f"invalid YAML: {problem}",
                        suggestion="fix the indentation or quoting on that line")
        ) from None
    doc = YamlDocument(file=file, data=None)
    if node is None:
        doc.data = {}
        return doc
    doc.data = _convert(node, (), doc, doc.issues)
    return doc


def _convert(node: yaml.Node, path: Path_, doc: YamlDocument, issues: list[ConfigIssue]) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader(" ").construct_object(key_node)  # scalar keys only
            key = str(key)
            child = (*path, key)
            if key in out:
                issues.append(ConfigIssue(doc.file, key_node.start_mark.line + 1,
                                          _dotted(child), "duplicate key",
                                          suggestion="keep only one of them"))
            doc.lines[child] = key_node.start_mark.line + 1
            out[key] = _convert(value_node, child, doc, issues)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), doc, issues) for i, item in enumerate(node.value)]
    value = yaml.SafeLoader(" ").construct_object(node)
    if isinstance(value, str) and "${" in value:
        value = _interpolate(value, path, doc, issues)
    return value


def _interpolate(value: str, path: Path_, doc: YamlDocument, issues: list[ConfigIssue]) -> str:
    def repl(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        issues.append(ConfigIssue(doc.file, doc.line_of(path), _dotted(path),
                                  f"environment variable {name} is not set",
                                  suggestion=f"export {name}=... or write ${{{name}:-default}}"))
        return ""

    doc.secret_paths.add(path)
    return _ENV.sub(repl, value)


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted
