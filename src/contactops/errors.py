"""Errors raised by contactops.

Every error maps to one documented CLI exit code:

* 0 — ok
* 1 — a data-quality gate failed (:class:`GateFailed`)
* 2 — configuration or usage error (:class:`ConfigError`, :class:`UsageError`)
* 3 — runtime failure (:class:`ContactopsError` and every other subclass)

Messages name the object, the bad value and the fix, so that a scheduled run's log is
enough to act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_CONFIG = 2
EXIT_RUNTIME = 3
#: ``contactops match``: the record matches no existing contact (safe to create).
EXIT_NO_MATCH = 4


class ContactopsError(Exception):
    """Base class of every error contactops raises on purpose."""

    exit_code: int = EXIT_RUNTIME


class UsageError(ContactopsError):
    """The command was called in a way that cannot work (missing file, bad option)."""

    exit_code = EXIT_CONFIG


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration file, located as precisely as possible."""

    file: str
    line: int | None
    key: str
    message: str
    value: object = None
    suggestion: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.key or '<root>'}: {self.message}"
        if self.value is not None:
            text += f" (got {_short(self.value)})"
        if self.suggestion:
            text += f" — {self.suggestion}"
        return text


def _short(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ConfigError(ContactopsError):
    """One or more configuration problems, all reported at once."""

    exit_code = EXIT_CONFIG

    def __init__(self, issues: list[ConfigIssue] | ConfigIssue):
        found = [issues] if isinstance(issues, ConfigIssue) else list(issues)
        self.issues = sorted(found, key=lambda i: (i.file, i.line or 0))
        count = len(self.issues)
        head = "1 configuration error" if count == 1 else f"{count} configuration errors"
        super().__init__(head + ":\n" + "\n".join(f"  {issue}" for issue in self.issues))


class SourceError(ContactopsError):
    """A source could not be read at all (missing file, unreadable database, bad query)."""


class SourceRefused(SourceError):
    """The input itself is unusable (wrong format, binary, truncated, bad encoding): the
    message names the file, the problem and the fix. Bad input, so exit code 2."""

    exit_code = EXIT_CONFIG


class AccountingError(ContactopsError):
    """A load whose rows cannot be accounted for: read != accepted + rejected."""


class ResourceError(ContactopsError):
    """The machine refused: a full disk, a read-only folder, a path that is not a warehouse.

    The message is one line: the real cause, the file, and the fix.
    """


class WarehouseBusy(ContactopsError):
    """Another process holds the warehouse."""


@dataclass
class GateFailed(ContactopsError):
    """A data-quality gate failed; the run finished but must not be trusted for publishing."""

    reasons: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__("data-quality gate failed: " + "; ".join(self.reasons))

    exit_code = EXIT_GATE_FAILED
