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


def _load(wh: Warehouse, table: str, wanted: set[str] | None = None) -> pl.DataFrame | None:
    if not wh.table_exists(table):
        return None
    if wanted is None:
        return wh.pl(f'SELECT * FROM "{table}"')
    columns = [c for c in wh.columns(table) if c in wanted]
    return wh.pl(f'SELECT {", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)} '
                 f'FROM "{table}"')


def _contact_keys(wh: Warehouse, contacts: pl.DataFrame,
                  records: pl.DataFrame | None) -> pl.DataFrame:
    """contact_id with its matching keys: via contact_links when there, else contacts."""
    if records is not None and wh.table_exists(T.contact_links.name) and \
            {"contact_id", "record_id"} <= set(wh.columns(T.contact_links.name)):
        links = wh.pl("SELECT DISTINCT CAST(contact_id AS VARCHAR) AS contact_id, record_id "
                      f"FROM {T.contact_links}")
        keys = [c for c in ("email_key", "phone_e164", "email_is_role") if c in records.columns]
        return links.join(records.select("record_id", *keys), on="record_id", how="inner")
    return contacts


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
    for spec in specs:
        wanted.update(gx_suites.needed_columns(spec, wh.columns(
            spec["meta"]["contactops_table"])))
    records = _load(wh, T.normalized_records.name, wanted)
    contacts = _load(wh, T.contacts.name)
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
        result = result.merge(check_duplicates(_contact_keys(wh, contacts, records), options,
                                               run_id))
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

