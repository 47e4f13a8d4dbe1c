"""The validate stage: rules, Pandera schemas and GX suites over the warehouse tables.

Order matters for time: the GX job is handed to its worker first (the worker has been
importing GX since the run started, see :func:`contactops.validate.gx_suites.prewarm`), then
the Polars rules and Pandera schemas run here, and only then do we wait for GX. Results go to
``validation_issues`` (the latest run's issues) and ``validation_summary`` (one row per rule
and source, kept for every run).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops import catalog
from contactops.catalog import T
from contactops.config.validate import ValidateSettings
from contactops.contract import StageInfo
from contactops.validate import gx_suites
from contactops.validate.pandera_schemas import SCHEMAS, check_schema
from contactops.validate.result import ISSUE_SCHEMA, SUMMARY_SCHEMA, ValidationResult
from contactops.validate.rules import check_records
from contactops.validate.set_rules import (
    check_duplicates,
    check_list_mixing,
    check_loads,
    check_taxonomy,
)

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.contract import StageContext
    from contactops.engine.warehouse import Warehouse


#: normalized_records columns the rules and the Pandera schema read (others are not loaded)
RECORD_COLUMNS = (
    "record_id", "source", "source_kind", "first_name", "last_name", "full_name", "email",
    "email_key", "email_valid", "email_is_role", "email_is_disposable",
    "email_typo_suggestion", "phone", "phone_e164", "phone_valid", "phone_region", "country",
    "contact_type", "consent_email", "consent_sms", "consent_phone", "consent_unmapped",
    "consent_timestamp", "created_at", "updated_at", "tags", "lists", "unknown_tags",
    "unknown_lists", "flags",
    *(f"{f}_{flag}" for f in ("created_at", "updated_at", "consent_timestamp")
      for flag in ("future", "impossible", "unparsed")),
)

#: contacts columns the set rules read besides the Pandera schema's (list mixing)
CONTACT_RULE_COLUMNS = ("lists", "contact_type", "tags")


def _load(wh: Warehouse, table: str, wanted: set[str] | None = None) -> pl.DataFrame | None:
    if not wh.table_exists(table):
        return None
    if wanted is None:
        return wh.pl(f'SELECT * FROM "{table}"')
    columns = [c for c in wh.columns(table) if c in wanted]
    return wh.pl(f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} '
                 f'FROM "{table}"')


def _contact_keys(wh: Warehouse, contacts: pl.DataFrame, records: pl.DataFrame | None,
                  options: ValidateSettings) -> tuple[pl.DataFrame, int | None]:
    """Rows (contact_id, key) for the duplicate check, and the contacts it checked.

    With contact_links, the engine joins links to their records' keys and keeps only the
    key values more than one contact holds (one aggregate per key, role mailboxes left
    out of email keys): 1M records come back as the few thousand contacts that share a
    key. Without links, the contacts table's own keys, counted by the check itself.
    """
    if records is None or not wh.table_exists(T.contact_links.name) or \
            not {"contact_id", "record_id"} <= set(wh.columns(T.contact_links.name)):
        return contacts, None
    joined = (f"FROM {T.contact_links} AS l JOIN {T.normalized_records} AS r "
              "ON l.record_id = r.record_id")
    checked = wh.scalar("SELECT count(DISTINCT CAST(l.contact_id AS VARCHAR)) + "
                        "(count(*) FILTER (WHERE l.contact_id IS NULL) > 0)::INTEGER "
                        + joined)
    parts = []
    for key in dict.fromkeys(options.duplicate_keys):
        if key not in ("email_key", "phone_e164") or key not in records.columns:
            continue  # the keys the records carry for this check
        role = (" AND NOT coalesce(r.email_is_role, false)"
                if key.startswith("email") and "email_is_role" in records.columns else "")
        parts.append(wh.pl(
            f'SELECT contact_id, "{key}" FROM (SELECT DISTINCT CAST(l.contact_id AS VARCHAR) '
            f'AS contact_id, r."{key}" {joined} WHERE l.contact_id IS NOT NULL '
            f'AND r."{key}" IS NOT NULL{role}) '
            f'QUALIFY count(*) OVER (PARTITION BY "{key}") > 1'))
    if not parts:
        return pl.DataFrame(schema={"contact_id": pl.String}), checked
    return pl.concat(parts, how="diagonal_relaxed"), checked


def _gx_specs(project: Project, options: ValidateSettings, tables: set[str],
              notes: list[str]) -> list[dict[str, Any]]:
    specs = []
    for path in gx_suites.suite_files(project.root, options.gx):
        spec = gx_suites.load_suite(path)
        table = spec["meta"]["contactops_table"]
        if table in tables:
            specs.append(spec)
        else:
            notes.append(f"GX suite {path.name} skipped: no table {table} yet")
    return specs


def validate(wh: Warehouse, project: Project, options: ValidateSettings, run_id: str,
             ) -> ValidationResult:
    """Run every check on the current warehouse and return one ValidationResult."""
    timings: dict[str, float] = {}
    notes: list[str] = []
    t = time.perf_counter()
    tables = {t.name for t in (T.normalized_records, T.contacts) if wh.table_exists(t.name)}
    specs = _gx_specs(project, options, tables, notes)
    wanted = {*RECORD_COLUMNS, *(f.strip() for g in options.required for f in g.split("|"))}
    # contacts: what the Pandera schema, list mixing, duplicate keys and GX read (1M
    # records: 9 of 41 columns); table order, so contact_id stays the first column
    contact_wanted = {*SCHEMAS[T.contacts.name][0]().columns, *CONTACT_RULE_COLUMNS,
                      *options.duplicate_keys}
    for spec in specs:
        needed = gx_suites.needed_columns(spec, wh.columns(spec["meta"]["contactops_table"]))
        wanted.update(needed)
        if spec["meta"]["contactops_table"] == T.contacts.name:
            contact_wanted.update(needed)
    records = _load(wh, T.normalized_records.name, wanted)
    contacts = _load(wh, T.contacts.name, contact_wanted)
    frames = {k: v for k, v in ((T.normalized_records.name, records),
                                (T.contacts.name, contacts)) if v is not None}
    timings["load"] = time.perf_counter() - t

    worker = None
    if specs:
        t = time.perf_counter()
        worker = gx_suites.take_worker(project.root, options.gx)
        assert worker is not None
        sampled = worker.submit(frames, specs, options.gx.data_docs, options.gx.max_rows)
        timings["gx_submit"] = time.perf_counter() - t
        notes.extend(f"GX checked a sample of {n:,} rows of {table} (rules and Pandera: all)"
                     for table, n in sampled.items())

    result = ValidationResult(run_id)
    t = time.perf_counter()
    if records is None:
        notes.append("no normalized_records table: run the normalize stage first")
    else:
        result = result.merge(check_records(records, options, run_id))
        result = result.merge(check_taxonomy(records, options, project.settings, run_id))
        result = result.merge(check_list_mixing(records, options, run_id))
    if contacts is not None:
        keys, checked = _contact_keys(wh, contacts, records, options)
        result = result.merge(check_duplicates(keys, options, run_id, checked=checked))
        if {"lists", "contact_type"} <= set(contacts.columns):
            result = result.merge(check_list_mixing(contacts, options, run_id, "contacts"))
    if wh.table_exists(T.current_loads.name):
        loads = wh.pl(f"SELECT load_id, source, rows_read, rows_rejected FROM {T.current_loads} "
                      "ORDER BY load_id")
        result = result.merge(check_loads(loads, options, run_id))
    timings["rules"] = time.perf_counter() - t
    t = time.perf_counter()
    for table, frame in frames.items():
        columns = SCHEMAS[table][0]().columns
        subset = frame.select([c for c in frame.columns if c in columns or c == "source"])
        result = result.merge(check_schema(subset, table, options, run_id))
    timings["pandera"] = time.perf_counter() - t

    if worker is not None:
        out = worker.result(options.gx.timeout_seconds)
        result = result.merge(gx_suites.to_result(out, run_id))
        timings.update(gx_import=out["import_seconds"], gx_wait=out["wait_seconds"],
                       gx_checkpoints=sum(s["seconds"] for s in out["suites"]))
        if out.get("data_docs"):
            notes.append(f"GX Data Docs: {out['data_docs']}")
    elif options.gx.enabled and not specs:
        notes.append(f"no GX suite for the present tables in {options.gx.dir}/suites")
    result.timings.update({k: round(v, 3) for k, v in timings.items()})
    result.notes.extend(notes)
    return result


def _ensure_tables(wh: Warehouse) -> None:
    catalog.ensure_tables(wh, stage="validate")


def persist(wh: Warehouse, result: ValidationResult) -> None:
    """Replace validation_issues with this run's issues; add its summary rows."""
    _ensure_tables(wh)
    with wh.transaction():
        wh.execute(f"DELETE FROM {T.validation_issues}")
        wh.execute(f"DELETE FROM {T.validation_summary} WHERE run_id = ?", [result.run_id])
        if result.issues.height:
            wh.append_frame(T.validation_issues.name, result.issues.select(list(ISSUE_SCHEMA)))
        if result.summary.height:
            wh.append_frame(T.validation_summary.name,
                            result.summary.select(list(SUMMARY_SCHEMA)))


def run(ctx: StageContext) -> ValidationResult | StageInfo:
    """The stage's adapter: validate, store the results; error rules over their threshold
    are the result's gate failures."""
    pipeline = ctx.project.pipeline
    assert pipeline is not None
    ctx.progress.stage("validate")
    if not pipeline.validate_.enabled:
        return StageInfo("validate", notes=["disabled in the pipeline"])
    result = validate(ctx.warehouse, ctx.project, pipeline.validate_, ctx.run_id)
    t = time.perf_counter()
    persist(ctx.warehouse, result)
    result.timings["persist"] = round(time.perf_counter() - t, 3)
    return result

