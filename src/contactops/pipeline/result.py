"""Result objects of a pipeline run: readable in a terminal, a notebook and as JSON."""

from __future__ import annotations

import html
from dataclasses import dataclass, field, fields
from typing import Any

from contactops.contract import StageResult, touched
from contactops.errors import EXIT_OK

__all__ = ["RunResult", "StageResult"]


@dataclass
class RunResult:
    """What ``contactops run`` / ``Workbench.run()`` did."""

    run_id: str
    pipeline: str
    warehouse: str
    status: str = "running"
    exit_code: int = EXIT_OK
    sample_rows: int | None = None
    stages: list[StageResult] = field(default_factory=list)  # typed, one per stage run
    loads: list[Any] = field(default_factory=list)   # LoadInfo
    gate_failures: list[str] = field(default_factory=list)
    shrinks: list[Any] = field(default_factory=list)  # volume gate findings (Shrink)
    error: str | None = None
    memory_limit: Any = None  # the MemoryLimit that applied, and where it came from
    fingerprint_parts: dict[str, str] = field(default_factory=dict)  # see pipeline.fingerprint
    inputs_fingerprint: str | None = None
    reason: str | None = None  # why a full run, "incremental: ...", or "nothing changed ..."
    unchanged_since: str | None = None  # "run <id> (<time>)" when no stage work was needed
    complete: bool = False  # went through every stage (or found nothing to do)
    complete_scope: bool = False  # asked for every stage (no --until short of the last)

    @property
    def fingerprint(self) -> str | None:
        """One hash of everything that alters results (its parts: ``fingerprint_parts``)."""
        from contactops.pipeline.fingerprint import combined

        return combined(self.fingerprint_parts) if self.fingerprint_parts else None

    @property
    def touched(self) -> dict[str, int]:
        """What the run worked on: records normalized, matched again and re-validated,
        contacts re-validated (see :func:`contactops.contract.touched`)."""
        return touched([stage.record() for stage in self.stages])

    @property
    def halted(self) -> bool:
        """The volume gate stopped the run after ingest: nothing downstream changed."""
        return any(s.status == "blocked" for s in self.shrinks)

    def asdict(self) -> dict[str, Any]:
        """JSON of the run; each stage as its run-record entry (``StageResult.record()``)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["stages"] = [stage.record() for stage in self.stages]
        data["gate_failures"] = list(self.gate_failures)
        data["loads"] = [load.asdict() for load in self.loads]
        data["shrinks"] = [s.asdict() for s in self.shrinks]
        data["halted"] = self.halted
        data["fingerprint"] = self.fingerprint
        data["touched"] = self.touched
        data["memory_limit"] = self.memory_limit.asdict() if self.memory_limit else None
        return data

    @property
    def seconds(self) -> float:
        return round(sum(s.seconds for s in self.stages), 3)

    def __str__(self) -> str:
        sample = f" (sample of {self.sample_rows} rows per source)" if self.sample_rows else ""
        lines = [f"run {self.run_id} of pipeline '{self.pipeline}': {self.status}{sample}",
                 f"warehouse: {self.warehouse}"]
        if self.memory_limit is not None:
            lines.append(str(self.memory_limit))
        for load in self.loads:
            lines.append(f"  load  {load}")
        if self.reason:
            lines.append(f"  {self.reason}")
        if self.touched and not self.unchanged_since:
            lines.append("  touched: " + ", ".join(
                f"{label.replace('_', ' ')} {n:,}"
                for label, n in self.touched.items()))
        for stage in self.stages:
            lines.append(f"  stage {stage.one_line()}")
            lines.extend(f"        {note}" for note in stage.notes)
        for failure in self.gate_failures:
            lines.append(f"  gate  {failure}")
        if self.halted:
            lines.append("  stopped after ingest by the volume gate: contacts and published "
                         "audiences are as they were")
        if self.error:
            lines.append(f"error: {self.error}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td>{esc(load.source)}</td><td>{load.rows_read}</td>"
            f"<td>{load.rows_accepted}</td><td>{load.rows_rejected}</td>"
            f"<td>{'unchanged' if load.skipped else esc(str(load.load_id))}"
            f"{' <b>blocked</b>' if getattr(load, 'blocked', False) else ''}</td></tr>"
            for load in self.loads)
        volume = "".join(f"<p><b>{esc(s.status)}</b>: {esc(str(s))}</p>" for s in self.shrinks)
        stages = "".join(
            f"<tr><td>{esc(s.stage)}</td><td>{s.seconds:.2f}s</td>"
            f"<td>{esc(', '.join(f'{k} {v}' for k, v in s.counts.items()))}</td></tr>"
            for s in self.stages)
        return (
            f"<div><b>run {esc(self.run_id)}</b> of <code>{esc(self.pipeline)}</code>: "
            f"<b>{esc(self.status)}</b><br><small>{esc(self.warehouse)}</small>"
            "<table><tr><th>source</th><th>read</th><th>accepted</th><th>rejected</th>"
            f"<th>load</th></tr>{rows}</table>"
            f"{volume}<table><tr><th>stage</th><th>time</th><th>counts</th></tr>{stages}</table>"
            "<small>Query the warehouse: <code>wb.table('source_records').pl()</code></small>"
            "</div>")
