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
from yaml.constructor import SafeConstructor

from contactops.config.yamlguard import (
    MAX_BYTES,
    MAX_DEPTH,
    GuardedLoader,
    YamlLimitError,
    check_size,
)
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
    check_size(path, shown)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            ConfigIssue(shown, None, "", "file not found", suggestion="check the path")
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            ConfigIssue(shown, None, "", "is a folder, not a YAML file",
                        suggestion="give the path of the .yaml file")
        ) from None
    except PermissionError:
        raise ConfigError(
            ConfigIssue(shown, None, "", "cannot be read (permission denied)",
                        suggestion="make the file readable by this user (chmod a+r)")
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise ConfigError(
            ConfigIssue(shown, line, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                        f"column {column}: {exc.reason})",
                        suggestion="save the file as UTF-8")
        ) from None
    return parse_yaml(text, shown)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Compose ``text`` within the :mod:`~contactops.config.yamlguard` budget, then convert."""
    if len(text) > MAX_BYTES:
        raise ConfigError(ConfigIssue(
            file, None, "", f"YAML text is over the {MAX_BYTES // 1024 // 1024} MiB limit "
            "for configuration", suggestion="keep data in source files, settings here"))
    try:
        loader = GuardedLoader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except RecursionError:  # PyYAML's own recursion, before our depth check can see it
        raise ConfigError(ConfigIssue(file, None, "", "nesting too deep to read",
                                      suggestion="flatten the structure")) from None
    except YamlLimitError as exc:
        raise ConfigError(ConfigIssue(file, exc.line, _dotted(exc.path), exc.problem,
                                      suggestion=exc.fix)) from None
    except yaml.MarkedYAMLError as fast:
        exc = _python_error(text) or fast
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        fix = "fix the indentation or quoting on that line"
        if "maximum nesting depth" in problem:  # libyaml's own limit, far above ours
            problem, fix = (f"nesting deeper than {MAX_DEPTH} levels",
                            "flatten the structure; configuration never needs this depth")
        elif mark and _char_at(text, mark.line, mark.column) == "\t":
            problem, fix = ("a tab character where YAML needs spaces",
                            "indent with spaces, not tabs")
        raise ConfigError(
            ConfigIssue(file, line, "", f"invalid YAML: {problem}", suggestion=fix)
        ) from None
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        raise ConfigError(ConfigIssue(file, None, "", f"invalid YAML: {exc}",
                                      suggestion="remove the unprintable characters")) from None
    doc = YamlDocument(file=file, data=None)
    if node is None:
        doc.data = {}
        return doc
    doc.data = _convert(node, (), doc, doc.issues)
    return doc


def _python_error(text: str) -> yaml.MarkedYAMLError | None:
    """PyYAML's own wording of a syntax error (clearer than libyaml's) for files of
    ordinary size; composing without converting expands nothing."""
    if len(text) > 256 * 1024:
        return None
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        return exc
    except (yaml.YAMLError, RecursionError):
        return None
    return None


def _char_at(text: str, line: int, column: int) -> str:
    rows = text.splitlines()
    return rows[line][column:column + 1] if line < len(rows) else ""


def _convert(node: yaml.Node, path: Path_, doc: YamlDocument, issues: list[ConfigIssue]) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = SafeConstructor().construct_object(key_node)  # scalar keys only
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
    value = SafeConstructor().construct_object(node)
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
