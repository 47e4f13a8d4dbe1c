"""What a run's results depend on, as hashes, and what kind of run that calls for.

Two fingerprints go in the run record:

* the **settings fingerprint** hashes everything that alters results for the same inputs:
  the project's vocabularies (consent words, taxonomy, lifecycle aliases, contact types,
  free-mail domains, default country), the pipeline's normalize, dedupe and validate
  options, the dedupe model file and the validation suite files they name, and the
  contactops version. Machine settings (warehouse path, lock timeout, memory limit) and the
  volume gate's ``max_shrink`` change no result and are left out. Each part is hashed on its
  own too (``fingerprint_parts``), so a full run can say which part changed.
* the **inputs fingerprint** hashes the inputs state: the current loads, the undone loads,
  the number of landed records (an erasure removes some without a new load) and the
  reviewers' match decisions.

:func:`plan_run` compares them with the last successful run that went through every stage.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.catalog import T

if TYPE_CHECKING:
    from contactops.config.loader import Project

#: Project settings that change no result: where the warehouse is, how long to wait for it,
#: how much memory to use, the project's display name, the volume gate's threshold.
MACHINE_SETTINGS = frozenset({"project", "warehouse", "lock_timeout_seconds", "memory_limit",
                              "max_shrink"})


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _files_digest(files: list[Path]) -> str | None:
    """The names and bytes of ``files`` (small config files), or None when there are none."""
    if not files:
        return None
    digest = hashlib.sha256()
    for file in sorted(files):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def settings_parts(project: Project) -> dict[str, str]:
    """Each part of the settings fingerprint, hashed: ``vocabularies``, ``normalize``,
    ``dedupe``, ``validate`` and ``contactops`` (the version itself)."""
    from importlib.metadata import version

    # the installed distribution's version (the package itself is the notebook facade's)
    __version__ = version("contactops")
    pipeline = project.pipeline
    assert pipeline is not None
    settings = project.settings.model_dump(mode="json", exclude=set(MACHINE_SETTINGS))
    # the drift threshold says when an incremental run falls back to a full one; a full
    # run's result is the same under any
    dedupe = pipeline.dedupe.model_dump(mode="json", exclude={"drift"})
    model_file = pipeline.dedupe.model_file
    if model_file and project.path(model_file).is_file():
        dedupe["model_file_content"] = _files_digest([project.path(model_file)])
    validate = pipeline.validate_.model_dump(mode="json", by_alias=True)
    suites = project.path(pipeline.validate_.gx.dir) / "suites"
    if suites.is_dir():
        validate["suite_files"] = _files_digest(
            [p for p in suites.iterdir() if p.suffix in (".json", ".yaml", ".yml")])
    return {"contactops": __version__, "vocabularies": _digest(settings),
            "normalize": _digest(pipeline.normalize.model_dump(mode="json")),
            "dedupe": _digest(dedupe), "validate": _digest(validate)}


def combined(parts: dict[str, str]) -> str:
    """The settings fingerprint: one hash of all its parts."""
    return _digest(parts)


def inputs_fingerprint(wh: Any) -> str:
    """The inputs state: current and undone loads, landed records, review decisions."""
    current = [r[0] for r in wh.fetchall(
        f"SELECT load_id FROM {T.current_loads} ORDER BY load_id")]
    undone = [r[0] for r in wh.fetchall(
        f"SELECT load_id FROM {T.loads} WHERE status = 'undone' ORDER BY load_id")]
    records = int(wh.scalar(f"SELECT count(*) FROM {T.source_records}"))
    decisions: Any = (0, None)  # no table yet: no decisions, as in an empty table
    if wh.table_exists(T.match_decisions.name):
        decisions = tuple(wh.fetchall(f"SELECT count(*), CAST(max(decided_at) AS VARCHAR) "
                                      f"FROM {T.match_decisions}")[0])
    return _digest({"current": current, "undone": undone, "records": records,
                    "decisions": list(decisions)})


@dataclass(frozen=True)
class LastRun:
    """A past successful run: its settings fingerprint parts and (for a run through every
    stage) its inputs fingerprint."""

    run_id: str
    finished_at: Any
    parts: dict[str, str]
    inputs: str | None

    def label(self) -> str:
        when = (self.finished_at.strftime("%Y-%m-%d %H:%M:%S UTC")
                if hasattr(self.finished_at, "strftime") else str(self.finished_at))
        return f"run {self.run_id} ({when})"


def last_run(wh: Any, pipeline: str, *, complete: bool) -> LastRun | None:
    """The last successful run of ``pipeline`` that recorded its fingerprint; ``complete``:
    only one that went through every stage (the one an unchanged rerun stands on)."""
    through = " AND inputs_fingerprint IS NOT NULL" if complete else ""
    rows = wh.fetchall(
        f"SELECT run_id, finished_at, fingerprint_parts, inputs_fingerprint FROM {T.runs} "
        f"WHERE pipeline = ? AND status = 'success' AND fingerprint_parts IS NOT NULL{through} "
        "ORDER BY started_at DESC LIMIT 1", [pipeline])
    if not rows:
        return None
    run_id, finished_at, parts, inputs = rows[0]
    return LastRun(run_id, finished_at, json.loads(parts), inputs)


def full_run_reason(parts: dict[str, str], last: LastRun | None, *, forced: bool) -> str | None:
    """Why this run must work over everything, or None when it may be incremental."""
    if forced:
        return "--full"
    if last is None:
        return "first run"
    if parts["contactops"] != last.parts.get("contactops"):
        return (f"contactops version changed ({last.parts.get('contactops')} -> "
                f"{parts['contactops']})")
    changed = [name for name in ("vocabularies", "normalize", "dedupe", "validate")
               if parts[name] != last.parts.get(name)]
    return f"settings changed: {', '.join(changed)}" if changed else None
