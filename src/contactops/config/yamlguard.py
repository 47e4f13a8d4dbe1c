"""Compose YAML within a budget, so a hostile file is refused before anything is built.

A "billion laughs" file nests anchors and aliases (``b: [*a, *a, ...]``, ``c: [*b, *b, ...]``)
so that a few hundred bytes stand for billions of nodes. PyYAML composes aliases as shared
nodes, which is cheap; the expansion happens when the node graph is walked into plain data.
:class:`GuardedLoader` counts, while composing, how many nodes the walk *would* produce (an
alias counts as the whole subtree of its anchor) and stops at the first alias over the
budget, before the walk starts. It also refuses aliases to an anchor that is still open (a
cycle), absurd nesting and, in :func:`check_size`, files too large to be configuration.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, MappingStartEvent, ScalarEvent, SequenceStartEvent
from yaml.resolver import Resolver

from contactops.errors import ConfigError, ConfigIssue

MAX_BYTES = 4 * 1024 * 1024
"""Largest YAML file read (4 MiB): configuration is hand-written and far smaller."""
MAX_NODES = 200_000
"""Most nodes a file may stand for once its aliases are expanded."""
MAX_ALIAS_NODES = 10_000
"""Most nodes all aliases of a file may add together (the small budget a bomb exceeds)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""


class YamlLimitError(yaml.YAMLError):
    """A budget was exceeded; carries the line, the key path and the fix."""

    def __init__(self, line: int, path: tuple[str | int, ...], problem: str, fix: str):
        super().__init__(problem)
        self.line, self.problem, self.fix = line, problem, fix
        self.path = path if len(path) <= 8 else (*path[:6], "…", path[-1])


if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _Base(Composer, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml's parser (7x faster) under PyYAML's composer, which we can count in."""

        def __init__(self, stream: Any) -> None:
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader  # type: ignore[misc,assignment]


class GuardedLoader(_Base):
    """A safe loader whose composer keeps the expanded size of the document bounded."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._nodes = 0                       # nodes of the document with aliases expanded
        self._alias_nodes = 0                 # of which added by aliases
        self._sizes: dict[str, int] = {}      # expanded size of each finished anchor
        self._anchor_lines: dict[str, int] = {}
        self._open: set[str] = set()          # anchors whose node is still being composed
        self._path: list[str | int] = []
        self._depth = 0                       # complex keys nest without a key path

    def compose_node(self, parent: Any, index: Any) -> Any:
        part = _part(parent, index)
        if part is not None:
            self._path.append(part)
        try:
            if self.check_event(AliasEvent):
                self._alias(self.peek_event())
                return super().compose_node(parent, index)
            event = self.peek_event()
            if isinstance(event, (MappingStartEvent, SequenceStartEvent)) \
                    and self._depth >= MAX_DEPTH:
                raise YamlLimitError(
                    event.start_mark.line + 1, tuple(self._path),
                    f"nesting deeper than {MAX_DEPTH} levels",
                    "flatten the structure; configuration never needs this depth")
            self._count(1, event)
            anchor = event.anchor if isinstance(
                event, (ScalarEvent, MappingStartEvent, SequenceStartEvent)) else None
            before = self._nodes
            if anchor is not None:
                self._open.add(anchor)
                self._anchor_lines[anchor] = event.start_mark.line + 1
            self._depth += 1
            try:
                node = super().compose_node(parent, index)
            finally:
                self._depth -= 1
            if anchor is not None:
                self._open.discard(anchor)
                self._sizes[anchor] = self._nodes - before + 1
            return node
        finally:
            if part is not None:
                self._path.pop()

    def _alias(self, event: AliasEvent) -> None:
        name = event.anchor
        line = event.start_mark.line + 1
        if name in self._open:
            raise YamlLimitError(
                line, tuple(self._path),
                f"alias *{name} refers to its own anchor &{name} (line "
                f"{self._anchor_lines[name]}), which would nest forever",
                f"remove *{name} or point it at a block outside &{name}")
        size = self._sizes.get(name)
        if size is None:
            return  # undefined alias: the composer reports it with its line
        self._alias_nodes += size
        if self._alias_nodes > MAX_ALIAS_NODES:
            raise YamlLimitError(
                line, tuple(self._path),
                f"alias *{name} (anchor &{name} at line {self._anchor_lines[name]} "
                f"stands for {size:,} values) takes this file's aliases past "
                f"{MAX_ALIAS_NODES:,} expanded values — nested anchors and aliases "
                "(a 'billion laughs' YAML bomb)",
                "write the values out, or use fewer and smaller anchors; "
                "nothing was expanded")
        self._count(size, event)

    def _count(self, size: int, event: Any) -> None:
        self._nodes += size
        if self._nodes > MAX_NODES:
            raise YamlLimitError(
                event.start_mark.line + 1, tuple(self._path),
                f"more than {MAX_NODES:,} values in one file",
                "split the data into several files; configuration is far smaller")


def _part(parent: Any, index: Any) -> str | int | None:
    """The key-path element of the node being composed (None for mapping keys)."""
    if isinstance(parent, yaml.SequenceNode) and isinstance(index, int):
        return index
    if isinstance(parent, yaml.MappingNode) and isinstance(index, yaml.ScalarNode):
        return str(index.value)
    return None


def check_size(path: Path, shown: str) -> None:
    """Refuse a file over :data:`MAX_BYTES` before reading it."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return  # the read reports it
    if size > MAX_BYTES:
        raise ConfigError(ConfigIssue(
            shown, None, "", f"YAML file is {size / 1024 / 1024:.1f} MiB, over the "
            f"{MAX_BYTES // 1024 // 1024} MiB limit for configuration",
            suggestion="keep data in source files (csv, parquet, ...) and only settings here"))
