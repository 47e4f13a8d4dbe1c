"""Report sections about who can be reached: consent, taxonomy, audiences, run-over-run change.

Audience *plans* are computed by the caller (the CLI or the Workbench, which may use the
audiences package) and passed in as ``Plan.asdict()`` dicts: the report stage reads only the
warehouse and never imports another stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.contract import touched
from contactops.fields import CONSENT_CHANNELS
from contactops.report.sections import as_json, not_run, rows

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

CHANNELS = CONSENT_CHANNELS
TOP_TAGS = 25


def _people_table(wh: Warehouse) -> str | None:
    """Contacts once dedupe has run, else normalized records."""
    for table in ("contacts", "normalized_records"):
        if wh.table_exists(table):
            return table
    return None


def consent(wh: Warehouse) -> dict[str, Any]:
    table = _people_table(wh)
    if table is None:
        return not_run("normalize", "normalized_records")
    have = set(wh.columns(table))
    channels: dict[str, dict[str, int]] = {}
    for channel in CHANNELS:
        column = f"consent_{channel}"
        if column in have:
            channels[channel] = {r["state"]: r["n"] for r in rows(
                wh, f"SELECT coalesce({column}, 'unknown') AS state, count(*)::BIGINT AS n "
                    f"FROM {table} GROUP BY 1 ORDER BY n DESC")}
    total = int(wh.scalar(f"SELECT count(*) FROM {table}"))
    return {"status": "ok", "table": table, "total": total, "channels": channels,
            **_decisions(wh, table, have)}


def _decisions(wh: Warehouse, table: str, have: set[str]) -> dict[str, Any]:
    """How merged consent was decided: reasons per channel, and the two that matter most.

    ``kept_over_edit``: contacts whose opt-out was kept although an opted-in record of
    theirs was edited later (a merge on record dates would have sent to them);
    ``overridden``: contacts whose opt-out gave way to an opt-in with a later consent
    timestamp. Both count a contact once, on whichever channel.
    """
    reasons = [f"consent_{ch}_reason" for ch in CHANNELS if f"consent_{ch}_reason" in have]
    if table != "contacts" or not reasons:
        return {"decisions": {}, "kept_over_edit": None, "overridden": None}
    decisions = {c.removeprefix("consent_").removesuffix("_reason"): {
        r["reason"]: r["n"] for r in rows(
            wh, f"SELECT {c} AS reason, count(*)::BIGINT AS n FROM {table} "
                f"WHERE {c} IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1")} for c in reasons}

    def contacts_with(reason: str) -> int:
        hit = " OR ".join(f"{c} = '{reason}'" for c in reasons)
        return int(wh.scalar(f"SELECT count(*) FROM {table} WHERE {hit}"))

    return {"decisions": decisions, "kept_over_edit": contacts_with("opt_out_kept_over_edit"),
            "overridden": contacts_with("opt_in_later_consent")}


def _unnest_counts(wh: Warehouse, table: str, column: str, limit: int | None = None
                   ) -> list[dict[str, Any]]:
    cut = f" LIMIT {int(limit)}" if limit else ""
    return rows(wh, f"SELECT value, count(*)::BIGINT AS n FROM (SELECT unnest({column}) AS "
                    f"value FROM {table}) GROUP BY value ORDER BY n DESC, value{cut}")


def taxonomy(wh: Warehouse) -> dict[str, Any]:
    """Contact types, tag and list counts, and tags/lists outside the configured taxonomy."""
    table = _people_table(wh)
    if table is None:
        return not_run("normalize", "normalized_records")
    have = set(wh.columns(table))
    out: dict[str, Any] = {"status": "ok", "table": table}
    out["contact_types"] = {r["t"]: r["n"] for r in rows(
        wh, f"SELECT coalesce(contact_type, 'unknown') AS t, count(*)::BIGINT AS n "
            f"FROM {table} GROUP BY 1 ORDER BY n DESC")} if "contact_type" in have else {}
    out["type_conflicts"] = int(wh.scalar(
        f"SELECT count(*) FROM {table} WHERE contact_type_conflict")) \
        if "contact_type_conflict" in have else 0
    for column in ("tags", "lists"):
        out[column] = _unnest_counts(wh, table, column, TOP_TAGS) if column in have else []
        out[f"{column}_distinct"] = int(wh.scalar(
            f"SELECT count(DISTINCT v) FROM (SELECT unnest({column}) AS v FROM {table})")) \
            if column in have else 0
    out["unknown_tags"], out["unknown_lists"] = [], []
    if wh.table_exists(T.normalized_records.name):
        norm = set(wh.columns(T.normalized_records.name))
        for column in ("unknown_tags", "unknown_lists"):
            if column in norm:
                out[column] = _unnest_counts(wh, "normalized_records", column)
    return out


def audiences(wh: Warehouse, plans: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Last publish per audience and, when given, the plans (diff, exclusions, blockers)."""
    published: list[dict[str, Any]] = []
    if wh.table_exists(T.publishes.name):
        # interrupted (staging/swapping) and rolled-back publishes were never published
        committed = ("WHERE status = 'committed'" if "status" in wh.columns(T.publishes.name)
                     else "")
        published = rows(wh, f"""
            SELECT audience, publish_id, mode, published_at, published_by, members, added,
                   removed, excluded, exclusions
            FROM {T.publishes} {committed}
            QUALIFY row_number() OVER (PARTITION BY audience, mode
                                                      ORDER BY published_at DESC) = 1
            ORDER BY audience, mode""")
        for p in published:
            p["published_at"] = str(p["published_at"])
            p["exclusions"] = as_json(p["exclusions"]) or {}
    if not published and not plans:
        if not wh.table_exists(T.publishes.name):
            return {"status": "not_run",
                    "note": "nothing published yet: 'contactops plan NAME', then "
                            "'contactops publish NAME' (audiences in config/audiences.yaml)"}
    return {"status": "ok", "published": published, "plans": [
        {k: p.get(k) for k in ("audience", "mode", "channel", "purpose", "candidates", "size",
                               "added", "removed", "exclusions", "blockers", "unchanged",
                               "previous_publish_id", "notes")} for p in plans or []]}


def _stage_counts(stages: Any) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for stage in as_json(stages) or []:
        for key, value in (stage.get("counts") or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                flat[f"{stage['stage']}.{key}"] = value
    return flat


def changes(wh: Warehouse, run: dict[str, Any] | None) -> dict[str, Any]:
    """Loads this run brought, stage counts and failing rules compared with the run before."""
    if run is None:
        return not_run("ingest", "runs")
    prev = rows(wh, f"SELECT run_id, status, started_at, stages FROM {T.runs} WHERE started_at < ?"
                    " AND status <> 'running' AND coalesce(sample_rows, 0) = "
                    "coalesce(?, 0) ORDER BY started_at DESC LIMIT 1",
                [run["started_at"], run.get("sample_rows")])
    loads = rows(wh, "SELECT load_id, source, rows_read, rows_accepted, rows_rejected, status "
                     f"FROM {T.loads} WHERE run_id = ? ORDER BY load_seq", [run["run_id"]])
    out: dict[str, Any] = {"status": "ok", "previous_run_id": None, "new_loads": loads,
                           "touched": touched(as_json(run.get("stages")) or []),
                           "counts": [], "rules_newly_failing": [], "rules_resolved": []}
    if not prev:
        out["note"] = "first run: nothing to compare with"
        return out
    before, now = _stage_counts(prev[0]["stages"]), _stage_counts(run.get("stages"))
    out["previous_run_id"] = prev[0]["run_id"]
    out["counts"] = [{"metric": k, "previous": before.get(k), "current": now.get(k),
                      "delta": (now[k] - before[k]) if k in now and k in before else None}
                     for k in sorted(set(before) | set(now)) if not k.startswith("ingest.")
                     or k in ("ingest.rows_read", "ingest.rows_rejected", "ingest.loaded")]
    # a run that validated nothing (nothing changed since the last) resolved no rule
    validated = "validate" in {s.get("stage") for s in as_json(run.get("stages")) or []}
    if validated and wh.table_exists(T.validation_summary.name):
        failing = {rid: {(r[0], r[1]) for r in wh.fetchall(
            f"SELECT rule, coalesce(source, '*') FROM {T.validation_summary} WHERE run_id = ? "
            "AND status = 'fail'", [rid])} for rid in (run["run_id"], prev[0]["run_id"])}
        cur, old = failing[run["run_id"]], failing[prev[0]["run_id"]]
        out["rules_newly_failing"] = [{"rule": r, "source": s} for r, s in sorted(cur - old)]
        out["rules_resolved"] = [{"rule": r, "source": s} for r, s in sorted(old - cur)]
    return out
