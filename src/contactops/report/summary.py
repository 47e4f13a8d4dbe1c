"""Build the report summary: one JSON-ready dict, the single input of every renderer.

    from contactops.report import build_summary, render_html, render_terminal
    summary = build_summary("warehouse/demo.duckdb")          # latest run, PII masked
    summary["verdict"]["status"]                             # ready | warnings | blocked

The shape is documented (and versioned) in ``docs/report-schema.md``; schedulers and alerting
read ``verdict``. The warehouse is opened read-only, so a report never blocks a run.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from contactops.catalog import T
from contactops.errors import UsageError
from contactops.report import reach, sections, volume

SCHEMA_VERSION = 1
SECTION_ORDER = ("imports", "normalization", "dedupe", "validation", "consent", "taxonomy",
                 "audiences", "changes")


def build_summary(warehouse: str | Path, run_id: str | None = None, *,
                  plans: list[dict[str, Any]] | None = None, show_pii: bool = False,
                  pipeline: str | None = None,
                  memory_limit: int | None = None) -> dict[str, Any]:
    """Read the warehouse and return the report summary (see ``docs/report-schema.md``).

    Args:
        warehouse: the DuckDB file.
        run_id: the run to report on; default the latest finished run.
        plans: audience plans (``Plan.asdict()``) computed by the caller, if any.
        show_pii: show names, emails and phones in example clusters unmasked.
        pipeline: pipeline name, when no run is recorded yet.
        memory_limit: bytes DuckDB may use while reading (it spills past them); default
            the enclosing engine memory scope's, else DuckDB's.
    """
    from contactops.engine.open import open_engine

    started = time.perf_counter()
    with open_engine(warehouse, read_only=True, memory_limit=memory_limit) as wh:
        run = _run(wh, run_id)
        found = {
            "imports": sections.imports(wh),
            "normalization": sections.normalization(wh),
            "dedupe": sections.dedupe(wh, show_pii),
            "validation": sections.validation(wh, run["run_id"] if run else None),
            "consent": reach.consent(wh),
            "taxonomy": reach.taxonomy(wh),
            "audiences": reach.audiences(wh, plans),
            "changes": reach.changes(wh, run),
        }
        if found["imports"]["status"] == "ok":
            found["imports"]["shrinks"] = volume.shrinks(wh, run)
    if run is not None:
        run = {k: v for k, v in run.items() if k != "stages"} | {
            "stages": sections.as_json(run.get("stages")) or []}
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "warehouse": str(warehouse),
        "pipeline": (run or {}).get("pipeline") or pipeline,
        "pii": "shown" if show_pii else "masked",
        "run": run,
        "verdict": verdict(found, run),
        "sections": found,
        "build_seconds": round(time.perf_counter() - started, 3),
    }


def _run(wh: Any, run_id: str | None) -> dict[str, Any] | None:
    if not wh.table_exists(T.runs.name):
        if run_id:
            raise UsageError(f"no run '{run_id}': the warehouse has no runs yet")
        return None
    cols = ("run_id, pipeline, status, exit_code, sample_rows, started_at, finished_at, "
            "stages, error")
    if run_id:
        found = sections.rows(wh, f"SELECT {cols} FROM {T.runs} WHERE run_id = ?", [run_id])
        if not found:
            known = [r[0] for r in wh.fetchall(
                f"SELECT run_id FROM {T.runs} ORDER BY started_at DESC LIMIT 5")]
            raise UsageError(f"no run '{run_id}' in {wh.path}; latest runs: "
                             f"{', '.join(known) or 'none'} (see 'contactops runs')")
    else:
        found = sections.rows(wh, f"SELECT {cols} FROM {T.runs} WHERE status <> 'running' "
                                  "ORDER BY started_at DESC LIMIT 1")
    if not found:
        return None
    run = found[0]
    for key in ("started_at", "finished_at"):
        run[key] = None if run[key] is None else str(run[key])
    return run


def _item(severity: str, section: str, code: str, message: str) -> dict[str, str]:
    return {"severity": severity, "section": section, "code": code, "message": message}


def verdict(found: dict[str, dict[str, Any]], run: dict[str, Any] | None) -> dict[str, Any]:
    """Ready to publish? Blocking items first, then warnings."""
    items: list[dict[str, str]] = []
    if run is None:
        items.append(_item("blocking", "run", "no_run", "no finished run in this warehouse"))
    elif run["status"] not in ("success", "gate_failed"):
        items.append(_item("blocking", "run", f"run_{run['status']}",
                           f"run {run['run_id']} ended '{run['status']}': {run.get('error')}"))
    elif run.get("sample_rows"):
        items.append(_item("warning", "run", "sample_run", f"run {run['run_id']} is a "
                           f"--sample {run['sample_rows']} test run in the sandbox warehouse"))
    items.extend(volume.items(found["imports"].get("shrinks", [])))
    for name in ("imports", "normalization", "dedupe", "validation"):
        if found[name]["status"] == "not_run":
            items.append(_item("blocking", name, "stage_not_run", found[name]["note"]))
    val = found["validation"]
    for r in val.get("summary", []):
        if r["status"] == "fail":
            where = f" in source '{r['source']}'" if r["source"] not in (None, "*") else ""
            items.append(_item("blocking", "validation", "rule_failed",
                               f"{r['rule']}{where}: {r['failed']:,} of {r['checked']:,} "
                               f"({r['rate']:.1%}) over max {r['max_rate']:.1%}"))
    for plan in found["audiences"].get("plans", []):
        for blocker in plan.get("blockers") or []:
            items.append(_item("blocking", "audiences", "plan_blocked",
                               f"audience '{plan['audience']}': {blocker}"))
    rejected = found["imports"].get("totals", {}).get("rejected", 0)
    if rejected:
        items.append(_item("warning", "imports", "rows_rejected",
                           f"{rejected:,} source rows were rejected (see import quality)"))
    if found["dedupe"].get("cannot_match"):
        items.append(_item("warning", "dedupe", "cannot_match", found["dedupe"]["cannot_match"]))
    reviews = found["dedupe"].get("open_reviews")
    if reviews:
        items.append(_item("warning", "dedupe", "open_reviews",
                           f"{reviews} possible duplicates wait for review "
                           "('contactops dedupe review')"))
    if val.get("rules", {}).get("warn"):
        items.append(_item("warning", "validation", "rules_warned",
                           f"{val['rules']['warn']} validation rules found problems below "
                           "their thresholds"))
    unknown = len(found["taxonomy"].get("unknown_tags", []))
    if unknown:
        items.append(_item("warning", "taxonomy", "unknown_tags",
                           f"{unknown} tags are not in the configured taxonomy"))
    items.sort(key=lambda i: i["severity"] != "blocking")
    blocking = sum(i["severity"] == "blocking" for i in items)
    status = "blocked" if blocking else ("warnings" if items else "ready")
    headline = {"blocked": f"Not ready to publish: {blocking} blocking item(s)",
                "warnings": "Ready to publish, with warnings to review",
                "ready": "Ready to publish"}[status]
    return {"ready": not blocking, "status": status, "headline": headline,
            "blocking": blocking, "warnings": len(items) - blocking, "items": items}
