"""The dedupe stage: ``normalized_records`` -> contacts, contact_links, match_reviews, lineage.

Reads last run's ``contact_links`` (stable ids) and ``match_decisions`` (applied on every
run), runs the pure :func:`~contactops.dedupe.core.dedupe` and writes everything in one
transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contactops import catalog
from contactops.catalog import T
from contactops.catalog.queries import read_table
from contactops.contract import StageInfo
from contactops.dedupe.core import DedupeResult, dedupe, needed_columns, survivor_chunk

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
    links = read_table(wh, T.contact_links, ["record_id", "contact_id"])
    decisions = None
    if wh.table_exists(T.match_decisions.name):
        decisions = wh.pl(
            "SELECT record_a, record_b, decision FROM ("
            " SELECT *, row_number() OVER (PARTITION BY least(record_a, record_b),"
            " greatest(record_a, record_b) ORDER BY decided_at DESC) AS rn"
            f" FROM {T.match_decisions}) WHERE rn = 1")
    return links, decisions


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
                          T.match_index):
                if wh.table_exists(table.name):
                    wh.execute(f"DELETE FROM {table}")
        wh.drop_snapshot(SNAPSHOT)
        return StageInfo("dedupe", counts={"records": 0, "contacts": 0})
    previous, decisions = read_state(wh)
    # read in the call: no name here keeps the records alive, so dedupe can free them
    # (and the features sharing their columns) before survivorship copies their rows
    result = dedupe(wh.pl(f"SELECT {select} FROM {T.normalized_records}"), options, previous,
                    decisions, run_id=ctx.run_id, root=ctx.project.root, keep_pairs=False,
                    survivor_chunk=survivor_chunk(
                        ctx.memory.frame_bytes if ctx.memory is not None else None))
    write(wh, result, release=True)  # written: the run keeps only the counts
    write_snapshot(wh, columns, options)
    return result


#: The copy ``match`` reads while a run holds the warehouse (``<warehouse>.match.duckdb``).
SNAPSHOT = "match"


def write_snapshot(wh: Warehouse, columns: list[str] | None,
                   options: DedupeSettings) -> None:
    """Copy what ``match`` reads, laid out for its lookups (:func:`lookup.snapshot_tables`:
    the model, the blocking index, the records' compared columns, the contacts, the value
    counts), beside the warehouse, so ``match`` never waits for a run."""
    from contactops.dedupe.lookup import SNAPSHOT_ROW_GROUP, snapshot_tables

    wh.write_snapshot(SNAPSHOT, snapshot_tables(wh, columns, options),
                      row_group_size=SNAPSHOT_ROW_GROUP)


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

