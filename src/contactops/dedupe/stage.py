"""The dedupe stage: ``normalized_records`` -> contacts, contact_links, match_reviews, lineage.

Reads last run's ``contact_links`` (stable ids) and ``match_decisions`` (applied on every
run), runs the pure :func:`~contactops.dedupe.core.dedupe` and writes everything in one
transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops import catalog
from contactops.catalog import T
from contactops.catalog.queries import read_table
from contactops.config.dedupe import DedupeSettings
from contactops.dedupe.core import DedupeResult, dedupe, needed_columns

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.project import ProjectSettings
    from contactops.engine.warehouse import Warehouse

__all__ = ["DedupeResult", "dedupe", "ensure_tables", "read_state", "run"]

def ensure_tables(wh: Warehouse) -> None:
    """``match_decisions`` and ``merge_events``, created on first use (see the catalog)."""
    catalog.ensure_tables(wh, stage="dedupe")


def read_state(wh: Warehouse) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """Last run's contact_links and every decision, latest decision per pair winning."""
    links = read_table(wh, T.contact_links, ["record_id", "contact_id"])
    decisions = None
    if wh.table_exists("match_decisions"):
        decisions = wh.pl(
            "SELECT record_a, record_b, decision FROM ("
            " SELECT *, row_number() OVER (PARTITION BY least(record_a, record_b),"
            " greatest(record_a, record_b) ORDER BY decided_at DESC) AS rn"
            f" FROM {T.match_decisions}) WHERE rn = 1")
    return links, decisions


def run(wh: Warehouse, settings: ProjectSettings, options: DedupeSettings, run_id: str,
        *, root: Path | None = None) -> dict[str, Any]:
    """Run the stage on the warehouse; returns counts (and timings)."""
    del settings  # vocabularies are applied by normalize; kept for the stage signature
    ensure_tables(wh)
    columns = needed_columns(options, list(wh.pl(
        "SELECT * FROM normalized_records LIMIT 0").columns))
    select = "*" if columns is None else ", ".join(f'"{c}"' for c in columns)
    normalized = wh.pl(f"SELECT {select} FROM normalized_records")  # noqa: S608 - column names
    if normalized.is_empty():  # every load undone or rejected: no contacts remain
        with wh.transaction():
            for table in ("contacts", "contact_links", "contact_provenance", "match_reviews"):
                if wh.table_exists(table):
                    wh.execute(f"DELETE FROM {table}")
        return {"records": 0, "contacts": 0}
    previous, decisions = read_state(wh)
    result = dedupe(normalized, options, previous, decisions, run_id=run_id, root=root)
    write(wh, result)
    return result.asdict()


def write(wh: Warehouse, result: DedupeResult) -> None:
    with wh.transaction():
        wh.replace_table("contacts", result.contacts)
        wh.replace_table("contact_links", result.links)
        wh.replace_table("contact_provenance", result.provenance)
        wh.replace_table("match_reviews", result.reviews)
        wh.replace_table("match_model", _model_row(result))
        if result.events.height:
            wh.append_frame("merge_events", result.events)


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

    if not wh.table_exists("match_model"):
        raise UsageError("no match model yet: run the pipeline's dedupe stage first")
    return MatchModel.from_json(json.loads(wh.scalar(f"SELECT model_json FROM {T.match_model}")))

