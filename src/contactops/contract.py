"""The stage contract: what every stage adapter is handed and what it gives back.

Each stage package has an adapter ``run(ctx: StageContext) -> <its result>``: it reads its
inputs through ``ctx.warehouse``, calls the stage's pure core, writes its outputs and
returns its typed result. Every result type derives from :class:`StageResult`, so the
runner, the CLI and notebooks read them alike (``name``, ``seconds``, ``counts``, ``notes``,
``timings``, ``asdict()``, ``str()``, ``_repr_html_``), as dlt's ``LoadInfo`` does.

This module sits below the stages: it imports no stage, pipeline or engine module.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.memory import MemoryLimit

#: The keys of one stage's entry in the run record (``runs.stages`` JSON).
RECORD_KEYS = ("stage", "seconds", "counts", "notes", "timings")


#: What a run worked on, from its stages' counts: (label, stage, counts tried in order; the
#: first present wins: an incremental stage's count of what it redid, else its total).
TOUCHED = (("records_normalized", "normalize", ("normalized", "records")),
           ("records_matched", "dedupe", ("matched", "records")),
           ("records_validated", "validate", ("records_validated",)),
           ("contacts_validated", "validate", ("contacts_validated",)))


def touched(stages: list[dict[str, Any]]) -> dict[str, int]:
    """How many records and contacts each stage of a run worked on (normalized, matched
    again, re-validated), from the stages' run-record entries (``stage``, ``counts``)."""
    counts = {entry.get("stage"): entry.get("counts") or {} for entry in stages}
    found: dict[str, int] = {}
    for label, stage, keys in TOUCHED:
        have = counts.get(stage, {})
        value = next((have[k] for k in keys if isinstance(have.get(k), int)), None)
        if value is not None:
            found[label] = int(value)
    return found


class Progress(Protocol):
    """Where a stage reports progress (Rich bars in the CLI; nothing in notebooks)."""

    def stage(self, name: str, total: int | None = None) -> None: ...
    def advance(self, label: str = "") -> None: ...
    def done(self, result: StageResult) -> None: ...


class Silent:
    """A :class:`Progress` that shows nothing."""

    def stage(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, label: str = "") -> None:
        return None

    def done(self, result: StageResult) -> None:
        return None


@dataclass
class StageContext:
    """What every stage adapter is handed: the same object for every stage.

    Attributes:
        project: the loaded project and its pipeline.
        warehouse: the open warehouse (the engine's ``Warehouse``); stages read and write
            through it and never open a connection of their own.
        run_id: the run this stage belongs to.
        sample: rows per source of a ``--sample`` run, else None.
        progress: where progress goes.
        accept_shrink: source names whose shrunken snapshots the volume gate lets through.
        memory: the run's memory limit and where it came from (``--memory-limit``, the
            pipeline, the project, the environment or the default); the engine already
            holds its share, stages size their chunks from :attr:`MemoryLimit.frame_bytes`.
            None outside a run (a stage then works in one piece).
        incremental: the runner found the settings unchanged since the last successful run,
            so a stage may work only on what changed since (normalize does); False (the
            default, and after ``--full``) means over everything.
        fingerprint_parts: the run's settings fingerprint part by part (``vocabularies``,
            ``normalize``, ``dedupe``, ``validate``, ``contactops``); a stage keeps the parts
            its tables depend on beside them, to know when they must be rebuilt.
    """

    project: Project
    warehouse: Any
    run_id: str
    sample: int | None = None
    progress: Progress = field(default_factory=Silent)
    accept_shrink: frozenset[str] = frozenset()
    memory: MemoryLimit | None = None
    incremental: bool = False
    fingerprint_parts: dict[str, str] = field(default_factory=dict)


class StageResult:
    """The base of every stage's typed result.

    Subclasses give ``name`` (a class attribute, or a field), ``counts`` (a field or a
    property), ``notes`` and ``timings``; ``seconds`` is set by the runner. ``asdict()``
    holds at least :data:`RECORD_KEYS`; a subclass may add its own keys, and
    :meth:`record` keeps only the run record's.
    """

    name: ClassVar[str] = "stage"
    seconds: float = 0.0
    counts: dict[str, Any]
    notes: list[str]
    timings: dict[str, Any]

    @property
    def stage(self) -> str:
        """The stage's name (as in the run record)."""
        return self.name

    def gate_failures(self) -> list[str]:
        """Blocking problems this stage found; the run ends ``gate_failed`` on any."""
        return []

    def asdict(self) -> dict[str, Any]:
        return {"stage": self.name, "seconds": self.seconds, "counts": dict(self.counts),
                "notes": list(self.notes), "timings": dict(self.timings)}

    def record(self) -> dict[str, Any]:
        """This stage's entry of the run record (``runs.stages``)."""
        data = self.asdict()
        return {key: data[key] for key in RECORD_KEYS}

    def one_line(self) -> str:
        """One line: the stage, its time and counts."""
        counts = ", ".join(f"{k} {v}" for k, v in self.counts.items())
        return f"{self.name:<10} {self.seconds:7.2f} s  {counts}"

    def __str__(self) -> str:
        return "\n".join([self.one_line(), *(f"  {note}" for note in self.notes)])

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(f"<tr><td>{esc(str(k))}</td><td>{esc(str(v))}</td></tr>"
                       for k, v in self.counts.items())
        notes = "".join(f"<li>{esc(note)}</li>" for note in self.notes)
        return (f"<div><b>{esc(self.name)}</b> {self.seconds:.2f}s<table>{rows}</table>"
                f"{f'<ul>{notes}</ul>' if notes else ''}</div>")


@dataclass
class StageInfo(StageResult):
    """The result of a stage that had nothing of its own to return (disabled, no input)."""

    name: str = "stage"  # type: ignore[misc]  # a field here, a class attribute above
    counts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
