"""The ``memory_limit`` setting: how much memory one contactops process may use.

Grammar (case-insensitive, spaces allowed between number and unit):

* a size with a unit: ``6GB``, ``6 GiB``, ``512MiB``, ``1.5GB``, ``800MB``. ``KB``/``MB``/
  ``GB``/``TB`` are powers of 1000, ``KiB``/``MiB``/``GiB``/``TiB`` powers of 1024 (as in
  DuckDB); ``B`` is bytes. A bare number is refused: ``6`` could be bytes or gigabytes.
* a share of the machine: ``50%`` (of the machine's memory, see :func:`machine_memory`).

Where the limit comes from, first found wins: the ``--memory-limit`` option, the pipeline's
``settings: memory_limit``, ``config/contactops.yaml``'s ``memory_limit``, the environment
variable ``CONTACTOPS_MEMORY_LIMIT``, else the default: half of the machine's memory.
:class:`MemoryLimit` keeps the origin so a run can say which limit applied and why.

Of the limit, the engine (DuckDB, which spills to disk past its share) gets
:data:`ENGINE_SHARE`; the rest is for Polars frames and Python (normalize sizes its chunks
from it).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from contactops.errors import ConfigError, ConfigIssue, UsageError

if TYPE_CHECKING:
    from contactops.config.loader import Project

ENV_VAR = "CONTACTOPS_MEMORY_LIMIT"
#: Share of the limit given to the engine; the rest is Polars and Python.
ENGINE_SHARE = 0.5
#: Below this, DuckDB and the Python process alone do not fit.
MINIMUM = 256 * 1024**2
#: The default: this share of the machine's memory.
DEFAULT_SHARE = 0.5

_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)
_EXAMPLES = "write a size with a unit such as 6GB, 512MiB or 1.5GiB, or a share such as 50%"
_CGROUP_FILES = (Path("/sys/fs/cgroup/memory.max"),
                 Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))


class MemorySizeError(ValueError):
    """A memory size that does not follow the grammar; the message says how to write one."""


def machine_memory() -> int:
    """Bytes of memory this process can have: physical memory, or the cgroup (container)
    limit when that is smaller."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for file in _CGROUP_FILES:
        try:
            text = file.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < physical:
            return int(text)
    return int(physical)


def parse_size(text: str | int | float) -> int:
    """Bytes of a memory size in the module's grammar; :class:`MemorySizeError` otherwise."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise MemorySizeError(f"expected text, got {type(text).__name__}; {_EXAMPLES}")
    if isinstance(text, int | float):
        raise MemorySizeError(f"a bare number has no unit; {_EXAMPLES}")
    value = text.strip()
    if value.endswith("%"):
        try:
            share = float(value[:-1])
        except ValueError:
            raise MemorySizeError(f"not a percentage; {_EXAMPLES}") from None
        if not 0 < share <= 100:
            raise MemorySizeError("a share of the machine must be above 0% and at most 100%")
        size = int(machine_memory() * share / 100)
    else:
        match = _SIZE.match(value)
        if match is None:
            raise MemorySizeError(f"not a memory size; {_EXAMPLES}")
        number, unit = match.groups()
        if not unit:
            raise MemorySizeError(f"a bare number has no unit; {_EXAMPLES}")
        factor = _UNITS.get(unit.lower())
        if factor is None:
            raise MemorySizeError(f"unknown unit '{unit}'; use B, KB, MB, GB, TB, KiB, MiB, "
                                  "GiB or TiB")
        size = int(float(number) * factor)
    if size < MINIMUM:
        raise MemorySizeError(f"{format_size(size)} is too little to run in; give at least "
                              "256MiB")
    return size


def format_size(size: int) -> str:
    """A size for people: ``6.0 GiB``, ``512 MiB``."""
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GiB"
    return f"{size / 1024**2:.0f} MiB"


@dataclass(frozen=True)
class MemoryLimit:
    """The memory a process may use, and where that number came from.

    Attributes:
        bytes: the limit.
        origin: where it was set (``--memory-limit``, a file and key, the environment
            variable, or ``default``).
        text: what was written there (``6GB``), or how the default was worked out.
    """

    bytes: int
    origin: str
    text: str

    @property
    def engine_bytes(self) -> int:
        """The engine's share (DuckDB's ``memory_limit``; it spills to disk past it)."""
        return int(self.bytes * ENGINE_SHARE)

    @property
    def frame_bytes(self) -> int:
        """What is left for Polars frames and Python."""
        return self.bytes - self.engine_bytes

    def chunk_rows(self, bytes_per_row: int, *, baseline: int = 400 * 1024**2,
                   minimum: int = 50_000) -> int:
        """Rows of a chunk that fit in :attr:`frame_bytes` past ``baseline`` (the
        interpreter, libraries and caches) when each costs ``bytes_per_row`` at its stage's
        peak; never fewer than ``minimum``, below which per-chunk overhead costs more than
        the memory saved."""
        return max(int((self.frame_bytes - baseline) // bytes_per_row), minimum)

    def asdict(self) -> dict[str, object]:
        return {"bytes": self.bytes, "origin": self.origin, "text": self.text,
                "engine_bytes": self.engine_bytes}

    def __str__(self) -> str:
        return (f"memory limit {format_size(self.bytes)} ({self.text}, from {self.origin}); "
                f"engine {format_size(self.engine_bytes)}")


def default_limit() -> MemoryLimit:
    """Half of the machine's memory (physical, or the cgroup limit when smaller)."""
    machine = machine_memory()
    return MemoryLimit(max(int(machine * DEFAULT_SHARE), MINIMUM), "default",
                       f"half of the machine's {format_size(machine)}")


def resolve_memory_limit(option: str | None = None, project: Project | None = None,
                         environ: dict[str, str] | None = None) -> MemoryLimit:
    """The limit that applies: option > pipeline settings > project config > env > default.

    A bad value raises a :class:`UsageError` (the option, the environment variable) or a
    :class:`ConfigError` naming the file and line (config files; those were checked when
    they were loaded, so this is a safety net).
    """
    env = os.environ if environ is None else environ
    if option is not None:
        try:
            return MemoryLimit(parse_size(option), "--memory-limit", option)
        except MemorySizeError as exc:
            raise UsageError(f"--memory-limit {option!r}: {exc}") from None
    if project is not None:
        pipeline = project.pipeline
        if pipeline is not None and pipeline.settings.get("memory_limit") is not None:
            text = pipeline.settings["memory_limit"]
            where = _where(project, ("settings", "memory_limit"))
            return _from_config(text, where, project, ("settings", "memory_limit"))
        if project.settings.memory_limit is not None:
            return _from_config(project.settings.memory_limit,
                                "config/contactops.yaml: memory_limit", None, ("memory_limit",))
    if env.get(ENV_VAR):
        text = env[ENV_VAR]
        try:
            return MemoryLimit(parse_size(text), f"environment variable {ENV_VAR}", text)
        except MemorySizeError as exc:
            raise UsageError(f"environment variable {ENV_VAR}={text!r}: {exc}; fix or unset "
                             "it") from None
    return default_limit()


def _where(project: Project, path: tuple[str, ...]) -> str:
    file = project.pipeline_doc.file if project.pipeline_doc else "the pipeline"
    line = project.pipeline_doc.line_of(path) if project.pipeline_doc else None
    return f"{file}:{line}: settings.memory_limit" if line else f"{file}: settings.memory_limit"


def _from_config(text: object, where: str, project: Project | None,
                 path: tuple[str, ...]) -> MemoryLimit:
    try:
        return MemoryLimit(parse_size(text), where, str(text))  # type: ignore[arg-type]
    except MemorySizeError as exc:
        if project is not None:
            raise ConfigError(project.config_issue(path, str(exc), text)) from None
        raise ConfigError(ConfigIssue("config/contactops.yaml", None, ".".join(path), str(exc),
                                      text)) from None


def validate_setting(value: object) -> str | None:
    """The pydantic check of a ``memory_limit`` key: the text, unchanged, when it parses."""
    if value is None:
        return None
    parse_size(value)  # type: ignore[arg-type]
    return str(value)
