"""Dedupe fixtures: a generated, normalized background and literal records added to it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.config.normalize import NormalizeSettings
from contactops.config.project import ProjectSettings
from contactops.dedupe import model as mdl
from contactops.dedupe.blocking import candidate_pairs, prepare
from contactops.dedupe.compare import compare
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import normalize
from contactops.testing import make_contacts

NOW = datetime(2025, 1, 1)


def normalize_rows(rows: list[dict[str, Any]], source: str = "crm") -> pl.DataFrame:
    """Normalize literal raw rows; each row needs a ``record_id``."""
    data = [{"source": row.get("source", source), "source_kind": "import",
             **{f: row.get(f) for f in CONTACT_FIELDS}, "record_id": row["record_id"]}
            for row in rows]
    schema = {c: pl.String for c in ("record_id", "source", "source_kind", *CONTACT_FIELDS)}
    out = normalize(pl.LazyFrame(data, schema=schema), ProjectSettings(), NormalizeSettings(),
                    now=NOW)
    return out.records.collect()


def same_contact(background: pl.DataFrame, a: dict[str, Any], b: dict[str, Any],
                 *extra: dict[str, Any]) -> bool:
    """Whether records ``a`` and ``b`` (with ``extra`` records beside them) end up in one
    contact when deduped with the default settings among ``background``."""
    from contactops.dedupe import dedupe

    rows = [{"record_id": "X-A", **a}, {"record_id": "X-B", **b},
            *({"record_id": f"X-{i}", **e} for i, e in enumerate(extra))]
    records = pl.concat([background, normalize_rows(rows)], how="diagonal_relaxed")
    result = dedupe(records, DedupeSettings())
    ids = dict(result.links.select("record_id", "contact_id").iter_rows())
    return ids["X-A"] == ids["X-B"]


@pytest.fixture(scope="session")
def background() -> pl.DataFrame:
    """4,000 generated records, normalized (the population literal records sit in)."""
    gen = make_contacts(4000, seed=7)
    raw = gen.records.rename({"record_key": "record_id"}).with_columns(
        source_kind=pl.lit("import"),
        **{f: pl.lit(None, pl.String) for f in CONTACT_FIELDS if f not in gen.records.columns})
    out = normalize(raw.lazy(), ProjectSettings(), NormalizeSettings(), now=NOW)
    return out.records.collect()


@pytest.fixture(scope="session")
def trained(background: pl.DataFrame) -> mdl.MatchModel:
    options = DedupeSettings()
    features = prepare(background, options)
    gammas = compare(candidate_pairs(features, options), features, options.fields)
    return mdl.train(features, gammas, options)


def generated_pool(folder: Path, rows: int, seed: int) -> pl.DataFrame:
    """Raw rows of a generated population, as its CSV holds them."""
    from contactops.testing.writers import write_dataset

    info = write_dataset(folder, rows, seed=seed)
    return pl.read_csv(info["files"]["contacts.csv"]["path"], infer_schema=False)


def first_run(make_project: Callable[..., Path], pipeline: str, pool: pl.DataFrame,
              crm: int, settings: str = "project: test\nwarehouse: wh/test.duckdb\n") -> Path:
    """A crm-and-forms project (:func:`contactops.testing.pipelines.crm_and_forms`): the
    pool's first ``crm`` rows as the CRM snapshot, the next 10 as form fills, run once."""
    from contactops.core import Context

    path = make_project(pipeline, {"data/crm.csv": pool.head(crm).write_csv(),
                                   "data/forms.csv": pool.slice(crm, 10).write_csv()},
                        settings=settings)
    Context.open(path).run()
    return path
