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
from contactops.validate import gx_suites, reads
from contactops.validate.pandera_schemas import SCHEMAS, SchemaChecks
from contactops.validate.phone_regions import regions_from_counts
from contactops.validate.result import ISSUE_SCHEMA, SUMMARY_SCHEMA, ValidationResult
from contactops.validate.rules import RecordChecks
from contactops.validate.set_rules import (
    check_duplicates,
    check_loads,
    check_taxonomy_counts,
    list_members,
    mixed_lists,
)

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.memory import MemoryLimit
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

#: Peak bytes per record of a chunk (the columns read, the rules' masks and issue rows,
#: Pandera's copy), measured at 1M hard-preset records: see :func:`run`.
BYTES_PER_ROW = 1_500

#: contacts columns the set rules read besides the Pandera schema's (list mixing)
CONTACT_RULE_COLUMNS = ("lists", "contact_type", "tags")


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
             *, chunk_rows: int | None = None) -> ValidationResult:
    """Run every check on the current warehouse and return one ValidationResult.

    Record rules, list mixing and the Pandera schemas read the tables in chunks of
    ``chunk_rows`` rows (default: all in one); taxonomy, duplicate keys and the phone
    regions are counted by the engine over the whole table; GX gets a sample.
    """
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
    gx_wanted: dict[str, set[str]] = {}
    for spec in specs:
        table = spec["meta"]["contactops_table"]
        needed = gx_suites.needed_columns(spec, wh.columns(table))
        gx_wanted.setdefault(table, set()).update(needed)
    records = T.normalized_records.name
    columns = {records: reads.present(wh, records, wanted),
               T.contacts.name: reads.present(wh, T.contacts.name, contact_wanted)}
    worker = None
    if specs:
        samples: dict[str, pl.DataFrame] = {}
        for table, needed in gx_wanted.items():
            key = SCHEMAS[table][1]
            frame, sampled = reads.sample(wh, table, reads.present(wh, table, {*needed, key}),
                                          key, options.gx.max_rows)
            samples[table] = frame
            if sampled:
                notes.append(f"GX checked a sample of {sampled:,} rows of {table} "
                             "(rules and Pandera: all)")
        timings["gx_sample"] = time.perf_counter() - t
        t = time.perf_counter()
        worker = gx_suites.take_worker(project.root, options.gx)
        assert worker is not None
        worker.submit(samples, specs, options.gx.data_docs)
        del samples
        timings["gx_submit"] = time.perf_counter() - t

    result = ValidationResult(run_id)
    t = time.perf_counter()
    schemas = []
    if not columns[records]:
        notes.append("no normalized_records table: run the normalize stage first")
    else:
        checked, schema = _check_records(wh, project, options, run_id, columns[records],
                                         chunk_rows)
        result = result.merge(checked)
        schemas.append(schema)
    if columns[T.contacts.name]:
        contacts = columns[T.contacts.name]
        keys, checked_contacts = reads.shared_keys(wh, options.duplicate_keys,
                                                   columns[records], contacts)
        result = result.merge(check_duplicates(keys, options, run_id, checked=checked_contacts))
        mixing, schema = _check_contacts(wh, options, run_id, contacts, chunk_rows)
        result = result.merge(mixing)
        schemas.append(schema)
    if wh.table_exists(T.current_loads.name):
        loads = wh.pl(f"SELECT load_id, source, rows_read, rows_rejected FROM {T.current_loads} "
                      "ORDER BY load_id")
        result = result.merge(check_loads(loads, options, run_id))
    for schema in schemas:  # Pandera's rows after the rules', as they always came
        result = result.merge(schema.result())
    timings["rules"] = time.perf_counter() - t

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


def _check_records(wh: Warehouse, project: Project, options: ValidateSettings, run_id: str,
                   columns: list[str], chunk_rows: int | None,
                   ) -> tuple[ValidationResult, SchemaChecks]:
    """Record rules, list mixing and Pandera over normalized_records, chunk by chunk, with
    taxonomy and phone regions from the engine's counts; the rules' result and the schema's
    checks (their result comes last)."""
    table = T.normalized_records.name
    regions = regions_from_counts(reads.region_counts(wh, table, columns))
    rules = RecordChecks(options, run_id, regions=regions)
    schema = SchemaChecks(table, options, run_id)
    members: list[pl.DataFrame] = []
    for chunk in reads.chunks(wh, table, columns, "record_id", chunk_rows or _count(wh, table)):
        rules.add(chunk)
        if (found := list_members(chunk)) is not None:
            members.append(found)
        schema.add(_schema_columns(chunk, table))
    labels = {column: reads.label_counts(wh, table, column) for column in ("tags", "lists")
              if column in columns}
    return (rules.result()
            .merge(check_taxonomy_counts(labels, options, project.settings, run_id))
            .merge(mixed_lists(members, options, run_id)), schema)


def _check_contacts(wh: Warehouse, options: ValidateSettings, run_id: str,
                    columns: list[str], chunk_rows: int | None,
                    ) -> tuple[ValidationResult, SchemaChecks]:
    """List mixing and Pandera over contacts, chunk by chunk."""
    table = T.contacts.name
    schema = SchemaChecks(table, options, run_id)
    members: list[pl.DataFrame] = []
    for chunk in reads.chunks(wh, table, columns, "contact_id", chunk_rows or _count(wh, table)):
        if (found := list_members(chunk)) is not None:
            members.append(found)
        schema.add(_schema_columns(chunk, table))
    mixing = (mixed_lists(members, options, run_id, table) if members
              else ValidationResult(run_id))
    return mixing, schema


def _count(wh: Warehouse, table: str) -> int:
    return max(int(wh.scalar(f'SELECT count(*) FROM "{table}"')), 1)


def _schema_columns(chunk: pl.DataFrame, table: str) -> pl.DataFrame:
    wanted = set(SCHEMAS[table][0]().columns) | {"source"}
    return chunk.select([c for c in chunk.columns if c in wanted])


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


def chunk_rows(memory: MemoryLimit | None) -> int | None:
    """Records per chunk under ``memory`` (None: no limit, one chunk)."""
    return memory.chunk_rows(BYTES_PER_ROW) if memory is not None else None


def run(ctx: StageContext) -> ValidationResult | StageInfo:
    """The stage's adapter: validate, store the results; error rules over their threshold
    are the result's gate failures."""
    pipeline = ctx.project.pipeline
    assert pipeline is not None
    ctx.progress.stage("validate")
    if not pipeline.validate_.enabled:
        return StageInfo("validate", notes=["disabled in the pipeline"])
    result = validate(ctx.warehouse, ctx.project, pipeline.validate_, ctx.run_id,
                      chunk_rows=chunk_rows(ctx.memory))
    t = time.perf_counter()
    persist(ctx.warehouse, result)
    result.timings["persist"] = round(time.perf_counter() - t, 3)
    return result

