"""Great Expectations suites, run off the critical path in a worker process.

Suites are GX suite JSON files in ``expectations/suites/`` (versioned with the project; the
table they check is ``meta.contactops_table``). ``import great_expectations`` takes ~15 s,
so this module never imports it: :func:`prewarm` starts :mod:`gx_worker` when the run
starts (only if a suite exists and GX is enabled), the worker imports GX while ingest,
normalize and dedupe run, and :meth:`GxWorker.submit` later hands it the needed columns as
Parquet. The validate stage runs its Polars/Pandera checks meanwhile and only then waits.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.config.validate import GxSettings
from contactops.config.yamlfile import display_path, load_yaml
from contactops.config.yamlguard import check_size
from contactops.errors import ConfigError, ConfigIssue, ContactopsError

if TYPE_CHECKING:
    import polars as pl

_WORKERS: dict[Path, GxWorker] = {}
_COLUMN_KEYS = ("column", "column_A", "column_B", "column_list", "column_set")


SUITE_PATTERNS = ("*.json", "*.yaml", "*.yml")
_META_FIX = ("add meta: {contactops_table: contacts} — the warehouse table the suite checks "
             "(normalized_records or contacts)")


def suite_files(root: Path, settings: GxSettings) -> list[Path]:
    """The suite files (GX JSON, or the same structure written as YAML) of the project."""
    folder = root / settings.dir / "suites"
    if not settings.enabled or not folder.is_dir():
        return []
    return sorted(p for pattern in SUITE_PATTERNS for p in folder.glob(pattern))


def load_suite(path: Path) -> dict[str, Any]:
    """Read one suite; every problem is a :class:`ConfigError` naming the file and line."""
    shown = display_path(path)
    if path.suffix in (".yaml", ".yml"):
        doc = load_yaml(path, display_name=shown)  # the YAML budget applies: no bombs
        if doc.issues:
            raise ConfigError(doc.issues)
        # the worker takes JSON: YAML dates and the like become their text
        spec, line_of = json.loads(json.dumps(doc.data, default=str)), doc.line_of
    else:
        spec, line_of = _load_json(path, shown), (lambda _path: None)
    if not isinstance(spec, dict):
        raise ConfigError(ConfigIssue(
            shown, 1, "", "a GX suite is a mapping with 'expectations' and 'meta'",
            value=type(spec).__name__, suggestion="export the suite from GX as JSON"))
    meta = spec.get("meta")
    if not isinstance(meta, dict) or "contactops_table" not in meta:
        raise ConfigError(ConfigIssue(shown, line_of(("meta",)), "meta.contactops_table",
                                      "required key is missing", suggestion=_META_FIX))
    if not isinstance(spec.get("expectations", []), list):
        raise ConfigError(ConfigIssue(shown, line_of(("expectations",)), "expectations",
                                      "must be a list of expectations",
                                      value=type(spec["expectations"]).__name__,
                                      suggestion="write 'expectations: [...]'"))
    spec.setdefault("name", path.stem)
    return spec


def _load_json(path: Path, shown: str) -> Any:
    check_size(path, shown)
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ConfigError(ConfigIssue(shown, exc.lineno, "", f"invalid JSON: {exc.msg} "
                                      f"(column {exc.colno})",
                                      suggestion="fix the JSON at that line")) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(ConfigIssue(shown, None, "", f"not UTF-8 text ({exc.reason})",
                                      suggestion="save the file as UTF-8")) from None
    except RecursionError:
        raise ConfigError(ConfigIssue(shown, None, "", "nesting too deep to read",
                                      suggestion="flatten the structure")) from None


def check_suites(root: Path, settings: GxSettings) -> list[dict[str, Any]]:
    """Read every suite and the GX context file now, so a bad one stops the run before any
    stage (the GX context's ``great_expectations.yml`` gets the same YAML budget)."""
    context_file = root / settings.dir / "gx" / "great_expectations.yml"
    if settings.enabled and context_file.is_file():
        # only the budget matters here: GX reads the file itself, with its own ${VAR} rules
        load_yaml(context_file, display_name=display_path(context_file))
    return [load_suite(path) for path in suite_files(root, settings)]


def needed_columns(spec: dict[str, Any], available: list[str]) -> list[str]:
    """Columns the suite's expectations name (all columns if one is table-wide)."""
    wanted: list[str] = []
    for item in spec.get("expectations", []):
        kwargs = item.get("kwargs", {})
        for key in _COLUMN_KEYS:
            value = kwargs.get(key)
            wanted += [value] if isinstance(value, str) else list(value or [])
    return [c for c in dict.fromkeys(wanted) if c in available]


@dataclass
class GxWorker:
    """A running gx_worker process and the job it was given."""

    process: subprocess.Popen[bytes]
    context_dir: Path
    started: float
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="contactops-gx-")))
    submitted: float | None = None

    @classmethod
    def start(cls, context_dir: Path) -> GxWorker:
        env = {**os.environ, "GX_ANALYTICS_ENABLED": "False", "TQDM_DISABLE": "1"}
        log_dir = context_dir / "gx" / "uncommitted"
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / "gx_worker.log", "wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "contactops.validate.gx_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=log, env=env)
        log.close()
        worker = cls(process, context_dir, time.perf_counter())
        atexit.register(worker.stop)
        return worker

    def submit(self, frames: dict[str, pl.DataFrame], specs: list[dict[str, Any]],
               data_docs: bool, max_rows: int | None = None) -> dict[str, int]:
        """Hand the suites' data to the worker; returns the rows sampled per table, if any."""
        suites = []
        sampled: dict[str, int] = {}
        for spec in specs:
            table = spec["meta"]["contactops_table"]
            frame = frames[table]
            if max_rows is not None and frame.height > max_rows:
                frame = frame.sample(max_rows, seed=0)  # deterministic for the same data
                sampled[table] = max_rows
            path = self.workdir / f"{spec['name']}.parquet"
            frame.select(needed_columns(spec, frame.columns) or frame.columns[:1]) \
                .write_parquet(path, compression="lz4")
            suites.append({"spec": spec, "parquet": str(path)})
        job = {"context_dir": str(self.context_dir), "suites": suites, "data_docs": data_docs,
               "result_path": str(self.workdir / "result.json")}
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(job) + "\n").encode())
        self.process.stdin.close()
        self.submitted = time.perf_counter()
        return sampled

    def result(self, timeout: float) -> dict[str, Any]:
        """Wait for the worker; its results, plus how long the caller waited."""
        waited = time.perf_counter()
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise ContactopsError(f"Great Expectations did not finish within {timeout:.0f} s; "
                                  "raise validate.gx.timeout_seconds") from None
        waited = time.perf_counter() - waited
        path = self.workdir / "result.json"
        if code != 0 or not path.is_file():
            log = self.context_dir / "gx" / "uncommitted" / "gx_worker.log"
            raise ContactopsError(f"the Great Expectations worker failed (exit {code}); "
                                  f"see {log}")
        out = json.loads(path.read_text(encoding="utf-8"))
        out["wait_seconds"] = round(waited, 3)
        out["worker_seconds"] = round(time.perf_counter() - self.started, 3)
        shutil.rmtree(self.workdir, ignore_errors=True)
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def prewarm(root: Path, settings: GxSettings) -> GxWorker | None:
    """Check the suites, then start (once) the GX worker, if GX is on and a suite exists."""
    if not check_suites(root, settings) or not settings.prewarm:
        return None
    return worker_for(root, settings)


def worker_for(root: Path, settings: GxSettings) -> GxWorker | None:
    """The prewarmed worker of this project, or a fresh one; None when no suite applies."""
    if not suite_files(root, settings):
        return None
    context_dir = (root / settings.dir).resolve()
    worker = _WORKERS.get(context_dir)
    if worker is None or worker.submitted is not None or worker.process.poll() is not None:
        worker = GxWorker.start(context_dir)
        _WORKERS[context_dir] = worker
    return worker


def take_worker(root: Path, settings: GxSettings) -> GxWorker | None:
    """Like :func:`worker_for`, and forget it: a worker runs one job."""
    worker = worker_for(root, settings)
    if worker is not None:
        _WORKERS.pop(worker.context_dir, None)
    return worker


def to_result(out: dict[str, Any], run_id: str) -> Any:
    """GX checkpoint results as summary rows (one per expectation) and issue rows."""
    import polars as pl

    from contactops.pii import mask_value
    from contactops.validate.result import (
        ISSUE_SCHEMA,
        SUMMARY_SCHEMA,
        ValidationResult,
        conform,
        empty_summary,
    )

    summary: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    for suite in out.get("suites", []):
        for r in suite["results"]:
            kwargs = r["kwargs"]
            column = kwargs.get("column")
            severity = r["meta"].get("severity", "error")
            checked = r["element_count"] if r["element_count"] is not None else suite["rows"]
            failed = r["unexpected_count"] or 0
            if not r["success"] and not failed:
                failed = 1  # a table-level expectation (row count, columns) failed
            status = ("pass" if r["success"] and not failed else
                      "fail" if not r["success"] and severity == "error" else "warn")
            rule = f"{suite['name']}.{r['type']}" + (f"[{column}]" if column else "")
            detail = r["exception"] or (f"observed {r['observed_value']}"
                                        if r["observed_value"] is not None else None)
            summary.append({
                "origin": "gx", "table_name": suite["table"], "rule": rule,
                "severity": severity, "source": "*", "checked": checked, "failed": failed,
                "rate": failed / checked if checked else 0.0,
                "max_rate": 1.0 - float(kwargs.get("mostly", 1.0)), "status": status,
                "message": detail})
            if status != "pass":
                sample = ", ".join(str(mask_value(column or "", v))
                                   for v in r["partial_unexpected_list"][:5])
                issues.append({
                    "origin": "gx", "table_name": suite["table"], "rule": rule,
                    "severity": severity, "field": column, "value": sample or None,
                    "message": (f"{r['type']} failed for {failed:,} of {checked:,} rows"
                                + (f": {detail}" if detail else ""))})
    ids = {"run_id": pl.lit(run_id)}
    issue_frame = conform(pl.DataFrame(issues, infer_schema_length=None).with_columns(**ids)
                          if issues else pl.DataFrame(), ISSUE_SCHEMA)
    summary_frame = (conform(pl.DataFrame(summary, infer_schema_length=None)
                             .with_columns(**ids), SUMMARY_SCHEMA)
                     if summary else empty_summary())
    notes = []
    if out.get("error"):  # a suite that cannot run must not pass silently
        notes.append(f"GX failed: {out['error']}")
        summary_frame = pl.concat([summary_frame, conform(pl.DataFrame({
            "run_id": [run_id], "origin": ["gx"], "table_name": ["*"], "rule": ["gx_run"],
            "severity": ["error"], "source": ["*"], "checked": [1], "failed": [1],
            "rate": [1.0], "max_rate": [0.0], "status": ["fail"],
            "message": [out["error"]]}), SUMMARY_SCHEMA)])
    return ValidationResult(run_id, issue_frame, summary_frame, notes=notes,
                            data_docs=out.get("data_docs"))
