"""Incremental dedupe equals a full one: random loads, changed files and undos of generated
data, then the incremental warehouse is compared with a ``--full`` run on a copy of it.

The pipeline keeps its model in a ``model_file`` so both runs weigh pairs alike: what is
compared is the incremental bookkeeping (what changed, which contacts it reaches, the
warehouse-wide facts), not two trainings of the model.
"""

from __future__ import annotations

import itertools
import random
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from contactops.catalog import T
from contactops.core import Context
from contactops.dedupe.lookup import COUNTS_TABLE, counts_query
from contactops.engine import Warehouse
from contactops.pipeline.runner import run_pipeline
from contactops.testing.pipelines import crm_and_forms
from contactops.testing.writers import write_dataset

PIPELINE = crm_and_forms(dedupe="dedupe: {model_file: model.json}\n")
CONSENT = [f"consent_{c}" for c in ("email", "sms", "phone", "post")]


def _pool(folder: Path, preset: str) -> pl.DataFrame:
    info = write_dataset(folder, 3000, seed=11, preset=preset)
    return pl.read_csv(info["files"]["contacts.csv"]["path"], infer_schema=False)


def _pairs(links: pl.DataFrame) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for ids in links.group_by("contact_id").agg(pl.col("record_id").sort())["record_id"]:
        out.update(itertools.combinations(ids.to_list(), 2))
    return out


def _state(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    with Warehouse(path, read_only=True) as wh:
        links = wh.pl(f"SELECT record_id, contact_id FROM {T.contact_links}")
        have = set(wh.columns(T.contacts.name))
        cols = ", ".join(["contact_id", "record_ids", *(c for c in CONSENT if c in have)])
        contacts = wh.pl(f"SELECT {cols} FROM {T.contacts}")
    return links, contacts


def compare_with_full(path: Path, pipeline: Path, scratch: Path) -> dict[str, float]:
    """F1 of the record partitions, and the share of agreeing contacts with another id or
    another golden consent."""
    copy = scratch / "full.duckdb"
    shutil.copy(path, copy)
    run_pipeline(Context.open(pipeline).project, warehouse=copy, full=True)
    inc_links, inc_contacts = _state(path)
    full_links, full_contacts = _state(copy)
    # the versions an incremental run writes (hashes of the run's own frames) are those a
    # full run computes from the tables
    versions = (f"SELECT record_id, load_id, row_hash, shared_values FROM {T.dedupe_versions} "
                "ORDER BY record_id")
    with Warehouse(path, read_only=True) as wh:
        inc_versions = wh.pl(versions)
    with Warehouse(copy, read_only=True) as wh:
        assert inc_versions.equals(wh.pl(versions))
    assert inc_links["record_id"].sort().equals(full_links["record_id"].sort())
    inc, full = _pairs(inc_links), _pairs(full_links)
    both = len(inc & full)
    f1 = 1.0 if not inc and not full else 2 * both / (len(inc) + len(full))
    key = pl.col("record_ids").list.sort().list.join("|")
    joined = inc_contacts.with_columns(_k=key).join(full_contacts.with_columns(_k=key),
                                                      on="_k", suffix="_full")
    other_id = (joined["contact_id"] != joined["contact_id_full"]).sum()
    other_consent = sum((joined[c] != joined[f"{c}_full"]).fill_null(True).sum()
                        for c in CONSENT if c in joined.columns)
    return {"f1": f1, "records": inc_links.height, "agreeing": joined.height,
            "other_id": int(other_id),
            "other_consent": int(other_consent), "contacts": inc_contacts.height,
            "contacts_full": full_contacts.height}


def check_match_copy(path: Path) -> None:
    """``match``'s copy holds the warehouse's records and index, and its value counts (kept
    as a delta by each incremental run) equal a count of them afresh."""
    copy = path.with_name(path.name + ".match.duckdb")
    with Warehouse(path, read_only=True) as wh:
        records = wh.pl(f"SELECT record_id FROM {T.normalized_records} ORDER BY 1")
        index = wh.pl(f"SELECT * FROM {T.match_index} ORDER BY ALL")
    with Warehouse(copy, read_only=True) as wh:
        assert wh.pl(f"SELECT record_id FROM {T.normalized_records} ORDER BY 1").equals(records)
        assert wh.pl(f"SELECT * FROM {T.match_index} ORDER BY ALL").equals(index)
        kept = wh.pl(f"SELECT * FROM {COUNTS_TABLE} ORDER BY column_name, value NULLS FIRST")
        columns = kept["column_name"].unique().to_list()
        query = counts_query(columns, wh.columns(T.normalized_records.name))
        assert query is not None
        assert kept.equals(wh.pl(query)), "the copy's value counts drifted from its records"


def _step(rng: random.Random, pool: pl.DataFrame, data: Path, ctx: Context) -> str:
    action = rng.choice(["snapshot", "append", "append", "undo", "edit", "decide"])
    if action in ("snapshot", "edit"):
        current = pl.read_csv(data / "crm.csv", infer_schema=False)
        if action == "snapshot":  # some rows gone, some new
            rows = pl.concat([current.sample(fraction=0.97, seed=rng.randint(0, 10**6)),
                              pool.sample(rng.randint(20, 80), seed=rng.randint(0, 10**6))]
                             ).unique("Record ID", keep="first", maintain_order=True)
        else:  # the same rows, a few emails and last names edited
            n = rng.randint(3, 25)
            rows = current.with_columns(
                pl.when(pl.int_range(pl.len()) < n).then(pl.col("E-mail").str.to_uppercase()
                                                         .str.replace("@", "1@"))
                .otherwise(pl.col("E-mail")).alias("E-mail"),
                pl.when(pl.int_range(pl.len()).is_between(n, 2 * n)).then(pl.lit("Quist"))
                .otherwise(pl.col("Last Name")).alias("Last Name"))
        (data / "crm.csv").write_text(rows.write_csv())
    elif action == "append":
        rows = pool.sample(rng.randint(10, 60), seed=rng.randint(0, 10**6))
        (data / "forms.csv").write_text(rows.with_columns(
            pl.lit(f"note {rng.random()}").alias("Notes")).write_csv())
    elif action == "decide":  # a reviewer merges a pair in review and splits a contact
        with Warehouse(ctx.warehouse, read_only=True) as wh:
            pair = wh.fetchall(f"SELECT record_a, record_b FROM {T.match_reviews} "
                               "ORDER BY record_a, record_b LIMIT 1")
            multi = wh.fetchall(f"SELECT contact_id FROM {T.contacts} WHERE record_count > 1 "
                                "ORDER BY contact_id LIMIT 1")
        if pair:
            ctx.decide(pair[0][0], pair[0][1], "must_link", "test")
        if multi:
            ctx.unmerge(multi[0][0], "test")
    else:
        loads = ctx.loads().filter(pl.col("status") == "loaded")
        if loads.height > 1:
            ctx.undo_load(rng.choice(loads["load_id"].to_list()[:-1]), "random undo")
    return action


@pytest.mark.slow
@pytest.mark.parametrize(("preset", "seed"), [("hard", 1), ("classic", 2)])
def test_incremental_dedupe_equals_a_full_dedupe(
        make_project: Callable[..., Path], tmp_path: Path, preset: str, seed: int) -> None:
    pool = _pool(tmp_path / "pool", preset)
    project = make_project(PIPELINE, {"data/crm.csv": pool.head(2400).write_csv(),
                                      "data/forms.csv": pool.slice(2500, 40).write_csv()},
                           settings="project: test\nwarehouse: wh/test.duckdb\nmax_shrink: 1\n")
    data = project.parent.parent / "data"
    Context.open(project).run()
    rng = random.Random(seed)
    seen = []
    for _ in range(6):
        ctx = Context.open(project)
        action = _step(rng, pool, data, ctx)
        result = Context.open(project).run()
        assert result.status == "success"
        dedupe = next((s for s in result.stages if s.name == "dedupe"), None)
        if dedupe is None:
            continue
        seen.append(dedupe.notes[-1])
        check_match_copy(ctx.warehouse)
        found = compare_with_full(ctx.warehouse, project, tmp_path)
        assert found["f1"] >= 0.999, (action, found, dedupe.notes)
        assert found["other_consent"] == 0, (action, found)
        assert found["other_id"] == 0, (action, found)
        assert dedupe.counts["records"] == found["records"]  # the table's, not the work's
    assert any(note.startswith("incremental:") for note in seen), seen
