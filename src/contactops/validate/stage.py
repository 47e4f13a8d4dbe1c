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
from contactops.validate import gx_suites, reads, state
from contactops.validate import incremental as changed
from contactops.validate.incremental import Pending
from contactops.validate.pandera_schemas import SCHEMAS, SchemaChecks
from contactops.validate.phone_regions import regions_from_counts
from contactops.validate.result import ISSUE_SCHEMA, SUMMARY_SCHEMA, ValidationResult
from contactops.validate.rules import RecordChecks
from contactops.validate.set_rules import (
    check_duplicates,
    check_loads,
    check_taxonomy_counts,
    mixed_lists,
)

if TYPE_CHECKING:
    from contactops.catalog.model import Table
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
             *, chunk_rows: int | None = None, incremental: bool = False
             ) -> ValidationResult:
    """Run every check on the current warehouse and return one ValidationResult.

    Record rules, list mixing and the Pandera schemas read the tables in chunks of
    ``chunk_rows`` rows (default: all in one); taxonomy, list mixing, duplicate keys and the
    phone regions are counted by the engine over the whole table; GX gets a sample.
    ``incremental``: re-check only the records and contacts that changed since the last
    validation (:mod:`contactops.validate.incremental`) when its stored state allows; the
    result's notes say which it did and why.
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
    records = T.normalized_records.name
    columns = {records: reads.present(wh, records, wanted),
               T.contacts.name: reads.present(wh, T.contacts.name, contact_wanted)}
    worker = _submit_gx(wh, project, options, specs, notes, timings)
    t = time.perf_counter()
    result = ValidationResult(run_id)
    if not columns[records]:
        notes.append("no normalized_records table: run the normalize stage first")
        checked = ValidationResult(run_id), [], None
    else:
        checked = _record_level(wh, options, run_id, columns, chunk_rows, incremental, notes)
    rules_part, schemas, pending = checked
    result = result.merge(rules_part)
    result = result.merge(_set_level(wh, project, options, run_id, columns))
    for schema in schemas:  # Pandera's rows after the rules', as they always came
        result = result.merge(schema)
    timings["rules"] = time.perf_counter() - t
    if pending is not None and not pending.full:
        notes.append(pending.note())

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
    result.pending = pending
    if pending is not None:
        result.touched = pending.touched()
    return result


def _submit_gx(wh: Warehouse, project: Project, options: ValidateSettings,
               specs: list[dict[str, Any]], notes: list[str],
               timings: dict[str, float]) -> gx_suites.GxWorker | None:
    """Hand the GX suites their samples (the worker runs while the rules do)."""
    if not specs:
        return None
    t = time.perf_counter()
    gx_wanted: dict[str, set[str]] = {}
    for spec in specs:
        table = spec["meta"]["contactops_table"]
        needed = gx_suites.needed_columns(spec, wh.columns(table))
        gx_wanted.setdefault(table, set()).update(needed)
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
    timings["gx_submit"] = time.perf_counter() - t
    return worker


def _record_level(wh: Warehouse, options: ValidateSettings, run_id: str,
                  columns: dict[str, list[str]], chunk_rows: int | None, incremental: bool,
                  notes: list[str],
                  ) -> tuple[ValidationResult, list[ValidationResult], Pending]:
    """Record rules and Pandera over records and contacts: over the changed ones when the
    stored state allows, else over all; their result, Pandera's results, and the state to
    store."""
    table = T.normalized_records.name
    regions = regions_from_counts(reads.region_counts(wh, table, columns[table]))
    contact_columns = columns[T.contacts.name]
    frame_schema = wh.pl(f"SELECT {reads.quoted(columns[table])} FROM {table} LIMIT 0").schema

    def fresh() -> RecordChecks:
        rules = RecordChecks(options, run_id, regions=regions, track=True)
        rules.activate(frame_schema)
        return rules

    rules = fresh()
    entries = [(r.name, r.field) for r in rules.active or []]
    basis = state.basis(options, regions, entries, columns[table], contact_columns)
    why = changed.why_full(wh, basis, entries) if incremental else "not an incremental run"
    if why is None:
        try:
            return _check_changed(wh, rules, basis, columns[table], contact_columns,
                                  chunk_rows)
        except changed.NeedsFull as exc:
            why = str(exc)
            rules = fresh()  # what the changed rows added must not count twice
    if incremental:
        notes.append(f"full validation: {why}")
    return _check_all(wh, rules, basis, columns[table], contact_columns, chunk_rows)


def _check_changed(wh: Warehouse, rules: RecordChecks, basis: str, record_columns: list[str],
                   contact_columns: list[str], chunk_rows: int | None,
                   ) -> tuple[ValidationResult, list[ValidationResult], Pending]:
    """The records and contacts whose checked values changed since the stored state; the
    totals over every one (the others' from the state)."""
    options, run_id = rules.options, rules.run_id
    table = T.normalized_records.name
    records = state.diff(wh, T.normalized_records, T.validated_records, "record_id",
                         record_columns)
    contacts = (state.diff(wh, T.contacts, T.validated_contacts, "contact_id", contact_columns)
                if contact_columns else None)
    for delta in (records, contacts):
        if delta is not None and (why := changed.too_much(delta)):
            for scratch in (records, contacts):
                if scratch is not None:
                    scratch.drop(wh)
            raise changed.NeedsFull(why)
    schema = SchemaChecks(table, options, run_id)
    for chunk in reads.chunks(wh, table, record_columns, "record_id",
                              chunk_rows or max(records.changed, 1), hashed=True,
                              only=records.changed_table):
        rules.add(chunk)
        schema.add(_schema_columns(chunk, table))
    record_state = state.conform(rules.state().join(
        schema.failing_rows(), on="record_id", how="left"), state.RECORD_STATE)
    entries = [(r.name, r.field) for r in rules.active or []]
    counts = pl.concat([state.rule_counts(wh, entries, rules.names, exclude=records.touched),
                        *rules.counts], how="diagonal_relaxed")
    counts = counts.group_by("source").agg(pl.all().sum()).sort("source")
    rule_result = ValidationResult(run_id, rules.result().issues, rules.summary(counts))
    schemas = [_schema_result(wh, schema, T.validated_records, records, record_state)]
    contact_state = state.conform(pl.DataFrame(), state.CONTACT_STATE)
    if contacts is not None:
        contact_schema, contact_state = _check_contacts(wh, options, run_id, contact_columns,
                                                        chunk_rows or max(contacts.changed, 1),
                                                        only=contacts.changed_table)
        schemas.append(_schema_result(wh, contact_schema, T.validated_contacts, contacts,
                                      contact_state))
    if any(s.unplaced for s in (schema, *([contact_schema] if contacts else []))):
        for delta in (records, contacts):
            if delta is not None:
                delta.drop(wh)
        raise changed.NeedsFull("a Pandera check failed for a whole table")
    pending = Pending(basis, False, record_state, contact_state, records, contacts,
                      changed.rule_rows(rules), rules, record_columns)
    return rule_result, schemas, pending


def _schema_result(wh: Warehouse, schema: SchemaChecks, table: Table, delta: state.Delta,
                   fresh: pl.DataFrame) -> ValidationResult:
    """Pandera's rows for the re-checked rows, its summary over the whole table."""
    _, failing, checks = state.schema_counts(wh, table, delta.key, exclude=delta.touched)
    now = fresh.filter(pl.col("schema_checks").is_not_null())
    checks |= set(now["schema_checks"].explode().drop_nulls().to_list())
    issues = schema.result().issues
    return ValidationResult(schema.run_id, issues,
                            schema.summary(delta.total, failing + now.height, checks))


def _check_all(wh: Warehouse, rules: RecordChecks, basis: str, record_columns: list[str],
               contact_columns: list[str], chunk_rows: int | None,
               ) -> tuple[ValidationResult, list[ValidationResult], Pending]:
    """Every record and contact, chunk by chunk, with the state of each."""
    options, run_id = rules.options, rules.run_id
    table = T.normalized_records.name
    schema = SchemaChecks(table, options, run_id)
    for chunk in reads.chunks(wh, table, record_columns, "record_id",
                              chunk_rows or _count(wh, table), hashed=True):
        rules.add(chunk)
        schema.add(_schema_columns(chunk, table))
    record_state = state.conform(rules.state().join(
        schema.failing_rows(), on="record_id", how="left"), state.RECORD_STATE)
    schemas = [schema.result()]
    contact_state = state.conform(pl.DataFrame(), state.CONTACT_STATE)
    if contact_columns:
        contact_schema, contact_state = _check_contacts(wh, options, run_id, contact_columns,
                                                        chunk_rows)
        schemas.append(contact_schema.result())
    return rules.result(), schemas, Pending(basis, True, record_state, contact_state)


def _check_contacts(wh: Warehouse, options: ValidateSettings, run_id: str,
                    columns: list[str], chunk_rows: int | None, only: str | None = None,
                    ) -> tuple[SchemaChecks, pl.DataFrame]:
    """Pandera over contacts (``only``: those whose ids that scratch table holds), chunk by
    chunk; its checks and the contacts' state."""
    table = T.contacts.name
    schema = SchemaChecks(table, options, run_id)
    hashes: list[pl.DataFrame] = []
    for chunk in reads.chunks(wh, table, columns, "contact_id",
                              chunk_rows or _count(wh, table), hashed=True, only=only):
        hashes.append(chunk.select("contact_id", row_hash="_row_hash"))
        schema.add(_schema_columns(chunk, table))
    contact_state = state.conform(pl.concat(hashes).join(
        schema.failing_rows(), on="contact_id", how="left"), state.CONTACT_STATE)
    return schema, contact_state


def _set_level(wh: Warehouse, project: Project, options: ValidateSettings, run_id: str,
               columns: dict[str, list[str]]) -> ValidationResult:
    """Taxonomy, list mixing, duplicates left and loads: engine aggregates over the whole
    tables, in the order a validation always reported them."""
    records, contacts = T.normalized_records.name, T.contacts.name
    result = ValidationResult(run_id)
    if columns[records]:
        labels = {column: reads.label_counts(wh, records, column)
                  for column in ("tags", "lists") if column in columns[records]}
        members = reads.list_members(wh, records, columns[records])
        result = result.merge(
            check_taxonomy_counts(labels, options, project.settings, run_id)).merge(
            mixed_lists([] if members is None else [members], options, run_id))
    if columns[contacts]:
        keys, checked_contacts = reads.shared_keys(wh, options.duplicate_keys,
                                                   columns[records], columns[contacts])
        result = result.merge(check_duplicates(keys, options, run_id, checked=checked_contacts))
        members = reads.list_members(wh, contacts, columns[contacts])
        if members is not None:
            result = result.merge(mixed_lists([members], options, run_id, contacts))
    if wh.table_exists(T.current_loads.name):
        loads = wh.pl(f"SELECT load_id, source, rows_read, rows_rejected FROM {T.current_loads} "
                      "ORDER BY load_id")
        result = result.merge(check_loads(loads, options, run_id))
    return result


def _count(wh: Warehouse, table: str) -> int:
    return max(int(wh.scalar(f'SELECT count(*) FROM "{table}"')), 1)


def _schema_columns(chunk: pl.DataFrame, table: str) -> pl.DataFrame:
    wanted = set(SCHEMAS[table][0]().columns) | {"source"}
    return chunk.select([c for c in chunk.columns if c in wanted])


def _ensure_tables(wh: Warehouse) -> None:
    catalog.ensure_tables(wh, stage="validate")


def persist(wh: Warehouse, result: ValidationResult) -> None:
    """Store the validation: its issues in validation_issues (an incremental one changes
    the rows of what it re-checked and the windows they fall in, see
    :mod:`contactops.validate.incremental`), its summary rows, and the state the next
    validation builds on, in one transaction."""
    _ensure_tables(wh)
    pending = result.pending
    with wh.transaction():
        wh.execute(f"DELETE FROM {T.validation_summary} WHERE run_id = ?", [result.run_id])
        if pending is not None and not pending.full:
            changed.apply(wh, pending, result.issues, result.run_id)
        else:
            wh.execute(f"DELETE FROM {T.validation_issues}")
            if result.issues.height:
                wh.append_frame(T.validation_issues.name,
                                result.issues.select(list(ISSUE_SCHEMA)))
            if pending is not None:
                state.replace(wh, T.validated_records, pending.record_state)
                state.replace(wh, T.validated_contacts, pending.contact_state)
            state.store_basis(wh, pending.basis if pending is not None else None)
        if result.summary.height:
            wh.append_frame(T.validation_summary.name,
                            result.summary.select(list(SUMMARY_SCHEMA)))
        if pending is not None and not pending.full:
            result.issue_totals = _issue_totals(wh)
    result.pending = None


def _issue_totals(wh: Warehouse) -> dict[str, int]:
    total, errors, warnings = wh.fetchall(
        f"SELECT count(*), count(*) FILTER (WHERE severity = 'error'), count(*) FILTER "
        f"(WHERE severity = 'warn') FROM {T.validation_issues}")[0]
    return {"issues": int(total), "errors": int(errors), "warnings": int(warnings)}


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
                      chunk_rows=chunk_rows(ctx.memory), incremental=ctx.incremental)
    t = time.perf_counter()
    persist(ctx.warehouse, result)
    result.timings["persist"] = round(time.perf_counter() - t, 3)
    return result

