"""Report sections read from the warehouse: imports, normalization, dedupe, validation.

Each function takes a read-only :class:`~contactops.engine.warehouse.Warehouse` and returns a
plain dict (JSON-ready) with a ``status``: ``ok``, or ``not_run`` when the stage's tables do
not exist yet (then ``note`` says which stage to run). Personal data is masked unless
``show_pii``; see :func:`mask`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.catalog.audit import rule_counts_sql
from contactops.catalog.queries import has_columns
from contactops.fields import CONTACT_FIELDS
from contactops.pii import mask_value
from contactops.report.diagnostics import match_diagnostics

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

EXAMPLE_CLUSTERS = 5


def not_run(stage: str, table: str) -> dict[str, Any]:
    return {"status": "not_run", "note": f"stage not run: no '{table}' table yet "
                                         f"(run the pipeline through the {stage} stage)"}


def mask(field: str, value: Any) -> str | None:
    """``a***@example.com``, ``+4******0123``, ``J***`` — same shapes as validation issues."""
    return mask_value(field, value)


def rows(wh: Warehouse, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return wh.records(sql, params)


def imports(wh: Warehouse) -> dict[str, Any]:
    """Per source: rows read / accepted / rejected (current loads), reasons, fill rates."""
    if not wh.table_exists(T.current_loads.name):
        return not_run("ingest", "loads")
    loads = rows(wh, "SELECT source, any_value(source_kind) AS kind, any_value(role) AS role, "
                     "string_agg(load_id, ', ' ORDER BY load_seq) AS load_ids, "
                     "sum(rows_read)::BIGINT AS read, sum(rows_accepted)::BIGINT AS accepted, "
                     "sum(rows_rejected)::BIGINT AS rejected, max(loaded_at) AS loaded_at "
                     f"FROM {T.current_loads} GROUP BY source ORDER BY source")
    reasons: dict[str, dict[str, int]] = {}
    examples: dict[str, list[dict[str, Any]]] = {}
    if wh.table_exists(T.rejected_records.name):
        for r in rows(wh, "SELECT r.source, r.reason_code, count(*)::BIGINT AS n FROM "
                          f"{T.rejected_records} r JOIN {T.current_loads} l USING (load_id) "
                          "GROUP BY ALL ORDER BY n DESC"):
            reasons.setdefault(r["source"], {})[r["reason_code"]] = r["n"]
        for r in rows(wh, "SELECT r.source, r.row_number, r.line_number, r.reason_code, "
                          f"r.field, r.message FROM {T.rejected_records} r "
                          f"JOIN {T.current_loads} l USING (load_id) "
                          "ORDER BY r.source, r.row_number LIMIT 50"):
            examples.setdefault(r.pop("source"), []).append(r)
    fill = _fill_rates(wh)
    sources = []
    for load in loads:
        name = load["source"]
        sources.append({**load, "loaded_at": str(load["loaded_at"]),
                        "rejected_reasons": reasons.get(name, {}),
                        "rejected_examples": examples.get(name, []),
                        "fill_rate": fill.get(name, {})})
    totals = {k: sum(s[k] or 0 for s in sources) for k in ("read", "accepted", "rejected")}
    return {"status": "ok", "sources": sources, "totals": totals,
            "fields": [f for f in CONTACT_FIELDS if any(f in s["fill_rate"] for s in sources)]}


def _fill_rates(wh: Warehouse) -> dict[str, dict[str, float]]:
    """Share of current records per source with a non-blank value, per canonical field."""
    if not wh.table_exists(T.current_source_records.name):
        return {}
    present = set(wh.columns(T.current_source_records.name))
    fields = [f for f in CONTACT_FIELDS if f in present]
    parts = ", ".join(f"avg(CASE WHEN nullif(trim(CAST(\"{f}\" AS VARCHAR)), '') IS NULL "
                      f"THEN 0 ELSE 1 END) AS \"{f}\"" for f in fields)
    out: dict[str, dict[str, float]] = {}
    for r in rows(wh, f"SELECT source, {parts} FROM {T.current_source_records} GROUP BY source"):
        source = r.pop("source")
        out[source] = {f: round(float(v), 4) for f, v in r.items()}
    return out


def normalization(wh: Warehouse) -> dict[str, Any]:
    if not wh.table_exists(T.normalization_changes.name):
        return not_run("normalize", "normalization_changes")
    if wh.table_exists(T.normalization_audit.name):  # counted from the change bits
        by_rule = rows(wh, rule_counts_sql(T.normalized_records))
    else:  # a warehouse whose last normalize wrote the long table
        by_rule = rows(wh, "SELECT field, rule, count(*)::BIGINT AS changes, "
                           "count(DISTINCT record_id)::BIGINT AS records "
                           f"FROM {T.normalization_changes} GROUP BY ALL "
                           "ORDER BY changes DESC, field")
    records = (wh.scalar(f"SELECT count(*) FROM {T.normalized_records}")
               if wh.table_exists(T.normalized_records.name) else 0)
    flags: list[dict[str, Any]] = []
    if has_columns(wh, T.normalized_records, "flags"):
        flags = rows(wh, "SELECT flag, count(*)::BIGINT AS records FROM (SELECT "
                         f"unnest(flags) AS flag FROM {T.normalized_records}) GROUP BY flag "
                         "ORDER BY records DESC, flag")
    return {"status": "ok", "records": int(records or 0),
            "changes": sum(r["changes"] for r in by_rule), "by_rule": by_rule,
            "flags": flags}


def dedupe(wh: Warehouse, show_pii: bool = False) -> dict[str, Any]:
    if not (wh.table_exists(T.contacts.name) and wh.table_exists(T.contact_links.name)):
        return not_run("dedupe", "contacts")
    contacts = int(wh.scalar(f"SELECT count(*) FROM {T.contacts}"))
    links = rows(wh, "SELECT link_type, coalesce(rule, '-') AS rule, count(*)::BIGINT AS "
                     f"records FROM {T.contact_links} GROUP BY ALL ORDER BY records DESC")
    records = sum(r["records"] for r in links)
    merged = rows(wh, "SELECT count(*)::BIGINT AS contacts, coalesce(sum(n), 0)::BIGINT AS "
                      f"records FROM (SELECT contact_id, count(*) AS n FROM {T.contact_links} "
                      "GROUP BY 1 HAVING count(*) > 1)")[0]
    events: dict[str, int] = {}
    if wh.table_exists(T.merge_events.name):
        events = {r["event_type"]: r["n"] for r in rows(
            wh, f"SELECT event_type, count(*)::BIGINT AS n FROM {T.merge_events} GROUP BY 1")}
    reviews = None
    if wh.table_exists(T.match_reviews.name):
        decided = (f"SELECT 1 FROM {T.match_decisions} d WHERE least(d.record_a, d.record_b) = "
                   "least(r.record_a, r.record_b) AND greatest(d.record_a, d.record_b) = "
                   "greatest(r.record_a, r.record_b)")
        where = f"WHERE NOT EXISTS ({decided})" if wh.table_exists(T.match_decisions.name) else ""
        reviews = int(wh.scalar(f"SELECT count(*) FROM {T.match_reviews} r {where}"))
    cannot_match = None
    if wh.table_exists(T.match_model.name) and "cannot_match" in wh.columns(T.match_model.name):
        cannot_match = wh.scalar(f"SELECT cannot_match FROM {T.match_model} LIMIT 1")
    return {"status": "ok", "cannot_match": cannot_match, "records": records, "contacts": contacts,
            "merged_contacts": merged["contacts"], "records_in_merged": merged["records"],
            "duplicates_removed": records - contacts, "links": links, "events": events,
            "open_reviews": reviews, "examples": _examples(wh, show_pii),
            "diagnostics": match_diagnostics(wh, show_pii)}


def _examples(wh: Warehouse, show_pii: bool) -> list[dict[str, Any]]:
    """The largest merged clusters, with each record's source, values and link rule."""
    have = (set(wh.columns(T.normalized_records.name))
            if wh.table_exists(T.normalized_records.name) else set())
    shown = [c for c in ("full_name", "first_name", "last_name", "email", "phone_e164",
                         "company", "date_of_birth", "external_id") if c in have]
    cols = "".join(f", n.{c}" for c in shown)
    join = f"LEFT JOIN {T.normalized_records} n USING (record_id)" if shown else ""
    found = rows(wh, f"""
        WITH big AS (SELECT contact_id, count(*) AS n FROM {T.contact_links} GROUP BY 1
                     HAVING count(*) > 1 ORDER BY n DESC, contact_id LIMIT {EXAMPLE_CLUSTERS})
        SELECT l.contact_id, big.n, l.record_id, l.link_type, l.rule, l.match_probability,
               {"n.source" if shown else "NULL AS source"}{cols}
        FROM {T.contact_links} l JOIN big USING (contact_id) {join}
        ORDER BY big.n DESC, l.contact_id, l.record_id""")
    clusters: dict[str, dict[str, Any]] = {}
    for r in found:
        cluster = clusters.setdefault(r["contact_id"], {
            "contact_id": r["contact_id"], "records": [], "why": []})
        why = r["rule"] or r["link_type"]
        if why and why not in cluster["why"] and r["link_type"] != "singleton":
            cluster["why"].append(why)
        values = {c: (r[c] if show_pii else mask(c, r[c])) for c in shown}
        name = values.pop("full_name", None) or " ".join(
            v for v in (values.pop("first_name", None), values.pop("last_name", None)) if v)
        values.pop("first_name", None)
        values.pop("last_name", None)
        prob = r["match_probability"]
        cluster["records"].append({"record_id": r["record_id"], "source": r["source"],
                                   "name": name or None, **values, "link": why,
                                   "match_probability": None if prob is None else round(prob, 3)})
    return list(clusters.values())


def validation(wh: Warehouse, run_id: str | None) -> dict[str, Any]:
    """Rule summary of ``run_id`` (else the latest validated run), issues by rule/source."""
    if not wh.table_exists(T.validation_summary.name):
        return not_run("validate", "validation_summary")
    runs = [r[0] for r in wh.fetchall(f"SELECT DISTINCT run_id FROM {T.validation_summary} "
                                      "ORDER BY run_id DESC")]
    used = run_id if run_id in runs else (runs[0] if runs else None)
    summary = rows(wh, "SELECT rule, severity, source, table_name, origin, checked, failed, "
                       "rate, max_rate, status, message "
                       f"FROM {T.validation_summary} WHERE run_id = ?"
                       " ORDER BY CASE status WHEN 'fail' THEN 0 WHEN 'warn' THEN 1 ELSE 2 END,"
                       " failed DESC, rule, source", [used])
    by_status: dict[str, int] = {}
    for r in summary:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    issues: dict[str, Any] = {"by_severity": {}, "by_source": []}
    if wh.table_exists(T.validation_issues.name):
        issues["by_severity"] = {r["severity"]: r["n"] for r in rows(
            wh, f"SELECT severity, count(*)::BIGINT AS n FROM {T.validation_issues} GROUP BY 1")}
        issues["by_source"] = rows(
            wh, "SELECT coalesce(source, '*') AS source, count(*) FILTER (severity = 'error')"
                "::BIGINT AS errors, count(*) FILTER (severity <> 'error')::BIGINT AS warnings"
                f" FROM {T.validation_issues} GROUP BY 1 ORDER BY errors DESC, warnings DESC")
    note = None if used == run_id or run_id is None else \
        f"run {run_id} was not validated; showing run {used}"
    return {"status": "ok", "run_id": used, "passed": by_status.get("fail", 0) == 0,
            "rules": {"fail": by_status.get("fail", 0), "warn": by_status.get("warn", 0),
                      "pass": by_status.get("pass", 0)},
            "summary": [r for r in summary if r["status"] != "pass"],
            "issues": issues, "note": note}


def as_json(value: Any) -> Any:
    """A JSON column's value as Python (DuckDB hands JSON back as text)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
