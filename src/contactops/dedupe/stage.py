"""The dedupe stage: ``normalized_records`` -> contacts, contact_links, match_reviews, lineage.

Reads last run's ``contact_links`` (stable ids) and ``match_decisions`` (applied on every
run), runs the pure :func:`~contactops.dedupe.core.dedupe` and writes everything in one
transaction.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from contactops import catalog
from contactops.catalog import T
from contactops.catalog.queries import read_table
from contactops.catalog.stages import NORMALIZED_UNORDERED
from contactops.contract import StageInfo
from contactops.dedupe import apply, drift, incremental
from contactops.dedupe.core import DedupeResult, dedupe, needed_columns, survivor_chunk
from contactops.dedupe.lookup import (
    SNAPSHOT_ROW_GROUP,
    WRITTEN_KEY,
    counted_columns,
    snapshot_tables,
)

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.dedupe import DedupeSettings
    from contactops.contract import StageContext
    from contactops.engine.warehouse import Warehouse

__all__ = ["DedupeResult", "dedupe", "ensure_tables", "read_state", "run"]

def ensure_tables(wh: Warehouse) -> None:
    """``match_decisions`` and ``merge_events``, created on first use (see the catalog)."""
    catalog.ensure_tables(wh, stage="dedupe")


def read_state(wh: Warehouse) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """Last run's contact_links and every decision, latest decision per pair winning."""
    return read_table(wh, T.contact_links, ["record_id", "contact_id"]), read_decisions(wh)


def read_decisions(wh: Warehouse) -> pl.DataFrame | None:
    """Every decision, the latest per pair winning (None before the first)."""
    decisions = None
    if wh.table_exists(T.match_decisions.name):
        decisions = wh.pl(
            "SELECT record_a, record_b, decision FROM ("
            " SELECT *, row_number() OVER (PARTITION BY least(record_a, record_b),"
            " greatest(record_a, record_b) ORDER BY decided_at DESC) AS rn"
            f" FROM {T.match_decisions}) WHERE rn = 1")
    return decisions


def run(ctx: StageContext) -> DedupeResult | StageInfo:
    """The stage's adapter: read normalized records and last run's state, run the pure
    :func:`~contactops.dedupe.core.dedupe`, write its tables; returns its result."""
    pipeline = ctx.project.pipeline
    assert pipeline is not None
    options = pipeline.dedupe
    wh = ctx.warehouse
    ctx.progress.stage("dedupe")
    if not options.enabled:
        return StageInfo("dedupe", notes=["disabled in the pipeline"])
    ensure_tables(wh)
    columns = needed_columns(options, list(wh.pl(
        f"SELECT * FROM {T.normalized_records} LIMIT 0").columns))
    select = "*" if columns is None else ", ".join(f'"{c}"' for c in columns)
    if not wh.scalar(f"SELECT count(*) FROM {T.normalized_records}"):
        # every load undone or rejected: no contacts remain
        with wh.transaction():
            for table in (T.contacts, T.contact_links, T.contact_provenance, T.match_reviews,
                          T.match_index, T.dedupe_versions):
                if wh.table_exists(table.name):
                    wh.execute(f"DELETE FROM {table}")
        wh.drop_snapshot(SNAPSHOT)
        return StageInfo("dedupe", counts={"records": 0, "contacts": 0})
    chunk = survivor_chunk(ctx.memory.frame_bytes if ctx.memory is not None else None)
    wanted = incremental.basis(ctx.fingerprint_parts)
    why = _full_reason(ctx, wanted)
    if why is None:
        done = _incremental(ctx, select, columns, chunk)
        if isinstance(done, str):
            why = done
        else:
            return done
    if why.startswith(DRIFTED):
        # the model is estimated again on the current data; a model_file stays as it is
        options = options.model_copy(update={"model_file": None})
    previous, decisions = read_state(wh)
    # read in the call: no name here keeps the records alive, so dedupe can free them
    # (and the features sharing their columns) before survivorship copies their rows
    # full normalize writes in record order; after an incremental one (appended rows) sort,
    # so ties break as a full run breaks them
    # (DuckDB gives a table's rows in the order they were written; Spark reading Parquet
    # files promises no order, so there the read is always sorted)
    unordered = wh.sql_dialect != "duckdb" or wh.scalar(
        f"SELECT count(*) FROM {T.meta} WHERE key = ?", [NORMALIZED_UNORDERED])
    order = ' ORDER BY "record_id"' if unordered else ""
    result = dedupe(wh.pl(f"SELECT {select} FROM {T.normalized_records}{order}"), options, previous,
                    decisions, run_id=ctx.run_id, root=ctx.project.root, keep_pairs=False,
                    survivor_chunk=chunk)
    result.scope = [f"full dedupe: {why}"]
    # until dedupe_versions is rebuilt below the tables are not a basis to extend: a run
    # that dies in between leaves the next one a full dedupe
    incremental.store(wh, incremental.BASIS_KEY, None)
    write(wh, result, release=True)  # written: the run keeps only the counts
    with wh.transaction():
        names = wh.columns(T.normalized_records.name)
        apply.create_versions(wh, incremental.shareable_columns(options, names),
                              names if columns is None else columns)
        incremental.store(wh, incremental.BASIS_KEY, wanted)
        incremental.store(wh, WRITTEN_KEY, ctx.run_id)
    # in the background: validate and the run's finish go on meanwhile (match reads the
    # last copy until this one lands; the warehouse waits for it before it closes)
    write_snapshot(wh, columns, options, background=True)
    return result


#: The start of the reason for a full dedupe when the model drifted (:mod:`.drift`).
DRIFTED = "the match model drifted"


def _full_reason(ctx: StageContext, wanted: str | None) -> str | None:
    """Why this run must dedupe every record (None: it may work on what changed)."""
    wh = ctx.warehouse
    if not ctx.incremental:
        return "the run is a full run"
    if wanted is None:
        return "no settings fingerprint (the stage was called outside a run)"
    for table in (T.dedupe_versions, T.match_model, T.match_index, T.contact_links,
                  T.contacts, T.contact_provenance, T.match_reviews):
        if not wh.table_exists(table.name):
            return f"no {table.name} of an earlier dedupe run"
    if incremental.stored(wh, incremental.BASIS_KEY) != wanted:
        return "the dedupe tables were built on other settings"
    if wh.scalar(f"SELECT cannot_match FROM {T.match_model}") is not None:
        return "the last run could not match (no fields to match on)"
    return None


def _incremental(ctx: StageContext, select: str, columns: list[str] | None, chunk: int
                 ) -> DedupeResult | StageInfo | str:
    """Dedupe only what changed (:mod:`contactops.dedupe.incremental`); the reason for a
    full dedupe instead when the change is too large to be worth it."""
    pipeline = ctx.project.pipeline
    assert pipeline is not None
    wh = ctx.warehouse
    laps: dict[str, dict[str, float]] = {}
    started = [time.perf_counter()]

    def lap(phase: str) -> None:  # the stage's own work, beside the core's phases
        now = time.perf_counter()
        laps[f"incremental_{phase}"] = {"wall": round(now - started[0], 3)}
        started[0] = now

    try:
        names = wh.columns(T.normalized_records.name)
        compared = names if columns is None else columns
        delta = incremental.find_delta(wh, compared)
        lap("delta")
        share = delta.size / max(delta.total, 1)
        if share > incremental.MAX_CHANGED_SHARE:
            return (f"{delta.size:,} of {delta.total:,} records changed ({share:.0%}, over "
                    f"{incremental.MAX_CHANGED_SHARE:.0%}): a full dedupe is cheaper")
        fitted = load_model(wh)
        fill = incremental.fill_shares(wh, compared, pipeline.dedupe)
        options = incremental.effective(pipeline.dedupe, fill, fitted)
        if delta.size == 0:
            return _unchanged(wh, delta)
        seeds = incremental.read_records(wh, select, f"SELECT record_id FROM {incremental.DELTA} "
                                                     "WHERE kind IN ('new', 'changed')")
        lap("seeds")
        affected = incremental.mark_affected(wh, seeds, options)
        fresh = seeds["record_id"]
        del seeds
        lap("affected")
        if affected > incremental.MAX_CHANGED_SHARE * delta.total:
            return (f"the change reaches {affected:,} of {delta.total:,} records: a full "
                    "dedupe is cheaper")
        records = incremental.read_records(wh, select,
                                           f"SELECT record_id FROM {incremental.AFFECTED}")
        lap("read")
        facts = incremental.gather_facts(wh, records, options, fill)
        facts.fresh = fresh
        lap("facts")
        previous = incremental.previous_links(wh)
        decisions = read_decisions(wh)
        before = int(wh.scalar(f"SELECT count(*) FROM {incremental.CONTACTS}"))
        result = dedupe(records, pipeline.dedupe, previous, decisions, run_id=ctx.run_id,
                        match_model=fitted, root=ctx.project.root, keep_pairs=False,
                        survivor_chunk=chunk, facts=facts)
        started[0] = time.perf_counter()
        # the part's blocking figures say nothing of the warehouse: the last full run's stay
        # (none after an erasure: they held raw block keys)
        stored = json.loads(wh.scalar(f"SELECT diagnostics_json FROM {T.match_model}") or "{}")
        drifted = drift.measure(stored.get("level_profile", {}),
                                result.diagnostics.get("level_profile", {}),
                                pipeline.dedupe.drift)
        if drifted.drifted:
            return f"{DRIFTED}: {drifted.describe()}; the model is estimated again"
        result.diagnostics = stored
        after = result.contacts.height
        since = incremental.stored(wh, WRITTEN_KEY)
        apply.write_delta(wh, result, records,
                          incremental.shareable_columns(pipeline.dedupe, names), compared,
                          ctx.run_id)
        lap("write")
        shown = _snapshot_columns(wh)
        if not apply.patch_snapshot(wh, SNAPSHOT, result, records.select(compared), shown,
                                    counted_columns(pipeline.dedupe),
                                    replaced=bool(delta.changed or delta.removed),
                                    since=since, run_id=ctx.run_id):
            write_snapshot(wh, columns, pipeline.dedupe)
        lap("snapshot")
        del records
        result.release()
        result.scope = [
            f"model drift: {drifted.describe()}",
            f"incremental: {delta.new:,} new, {delta.changed:,} changed, {delta.removed:,} "
            f"removed records" + (f", {delta.decided:,} newly decided" if delta.decided else "")
            + f"; matched {affected:,} records again: {before:,} contacts before, "
            f"{after:,} after"]
        result.totals = {**_totals(wh), "matched": affected}
        result.timings = {**laps, **result.timings}
        return result
    finally:
        apply.drop_touched(wh)
        incremental.drop_scratch(wh)


def _unchanged(wh: Warehouse, delta: incremental.Delta) -> StageInfo:
    return StageInfo("dedupe", counts={**_totals(wh), "matched": 0},
                     notes=[f"incremental: no record changed since the last dedupe "
                            f"({delta.total:,} records)"])


def _totals(wh: Warehouse) -> dict[str, int]:
    """The tables' totals, as a full run counts them."""
    row = wh.fetchall(
        f"SELECT count(*), count(*) FILTER (WHERE link_type = 'key'), "
        f"count(*) FILTER (WHERE link_type = 'probability') FROM {T.contact_links}")[0]
    contacts = int(wh.scalar(f"SELECT count(*) FROM {T.contacts}"))
    return {"records": int(row[0]), "contacts": contacts,
            "linked_by_key": int(row[1]), "linked_by_probability": int(row[2]),
            "reviews": int(wh.scalar(f"SELECT count(*) FROM {T.match_reviews}"))}


#: The copy ``match`` reads while a run holds the warehouse (``<warehouse>.match.duckdb``).
SNAPSHOT = "match"


def write_snapshot(wh: Warehouse, columns: list[str] | None,
                   options: DedupeSettings, *, background: bool = False) -> None:
    """Copy what ``match`` reads, laid out for its lookups (:func:`lookup.snapshot_tables`:
    the model, the blocking index, the records' compared columns, the contacts, the value
    counts), beside the warehouse, so ``match`` never waits for a run."""
    wh.write_snapshot(SNAPSHOT, snapshot_tables(wh, columns, options),
                      row_group_size=SNAPSHOT_ROW_GROUP, background=background)


def _snapshot_columns(wh: Warehouse) -> str:
    """The contact columns ``match``'s copy holds, as a select list."""
    from contactops.dedupe.lookup import CONTACT_COLUMNS

    have = set(wh.columns(T.contacts.name))
    return ", ".join(f'"{c}"' for c in CONTACT_COLUMNS if c in have)


def write(wh: Warehouse, result: DedupeResult, *, release: bool = False) -> None:
    """Replace the stage's tables with ``result``'s, add its merge events; one transaction.

    ``release``: empty each frame of ``result`` as soon as it is written (and the pairs,
    which are not stored, before the first), so the writes do not hold every frame at once
    (:meth:`DedupeResult.release`; the counts stay).
    """
    if release:
        result.release("pairs")
    with wh.transaction():
        for table, name in ((T.contacts, "contacts"), (T.contact_links, "links"),
                            (T.contact_provenance, "provenance"), (T.match_reviews, "reviews")):
            wh.replace_table(table.name, getattr(result, name))
            if release:
                result.release(name)
        wh.replace_table(T.match_model.name, _model_row(result))
        wh.replace_table(T.match_index.name, result.index)  # sorted by key_hash: a lookup
        if release:                                           # reads few row groups
            result.release("index")
        if result.events.height:
            wh.append_frame(T.merge_events.name, result.events)
        if release:
            result.release()


def _model_row(result: DedupeResult) -> pl.DataFrame:
    import json

    import polars as pl

    return pl.DataFrame({"model_json": [json.dumps(result.model.to_json())],
                         "cannot_match": [result.cannot_match],
                         "diagnostics_json": [json.dumps(result.diagnostics)]},
                        schema={"model_json": pl.String, "cannot_match": pl.String,
                                "diagnostics_json": pl.String})


def load_model(wh: Warehouse) -> Any:
    """The m/u model the last dedupe run used (for explanations)."""
    import json

    from contactops.dedupe.model import MatchModel
    from contactops.errors import UsageError

    if not wh.table_exists(T.match_model.name):
        raise UsageError("no match model yet: run the pipeline's dedupe stage first")
    return MatchModel.from_json(json.loads(wh.scalar(f"SELECT model_json FROM {T.match_model}")))

