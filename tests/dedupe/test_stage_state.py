"""Stable ids across reruns, decisions that survive reruns, unmerge, safety-first consent."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from typer.testing import CliRunner

from contactops.config.dedupe import DedupeSettings
from contactops.config.project import ProjectSettings
from contactops.dedupe import dedupe, stage
from contactops.dedupe.consent import merge_consent
from contactops.dedupe.ids import assign_ids
from contactops.dedupe.model import MatchModel
from contactops.engine import Warehouse

from .conftest import normalize_rows


def _run(wh: Warehouse, records: pl.DataFrame, model: MatchModel, run_id: str) -> dict:
    wh.replace_table("normalized_records", records)
    previous, decisions = stage.read_state(wh)
    result = dedupe(records, DedupeSettings(), previous, decisions, run_id=run_id,
                    match_model=model)
    stage.ensure_tables(wh)
    stage.write(wh, result)
    return dict(result.links.select("record_id", "contact_id").iter_rows())


def test_ids_stable_when_records_join(background: pl.DataFrame, trained: MatchModel) -> None:
    wh = Warehouse(":memory:")
    first = _run(wh, background.head(3000), trained, "r1")
    second = _run(wh, background, trained, "r2")
    kept = sum(second[r] == c for r, c in first.items())
    # every contact whose records stayed together keeps its id
    moved = {r for r, c in first.items() if second[r] != c}
    assert kept / len(first) > 0.995, moved
    events = wh.pl("SELECT event_type, count(*) AS n FROM merge_events GROUP BY 1")
    assert "merge" in events["event_type"].to_list()


def test_assign_ids_rules() -> None:
    prev = pl.DataFrame({"record_id": ["a", "b", "c", "d"], "contact_id": ["K1", "K1", "K2", "K2"]})
    # K1 and K2 merge; "e" is new: the id holding most records survives (tie: smallest id)
    merged = assign_ids(pl.DataFrame({"record_id": list("abcde"), "cluster": [0] * 5}), prev)
    assert merged["contact_id"].unique().to_list() == ["K1"]
    # K1 splits: the part with the smallest record keeps K1, the other gets a new id
    split = assign_ids(pl.DataFrame({"record_id": ["a", "b"], "cluster": [0, 1]}),
                       prev.head(2))
    ids = dict(split.select("record_id", "contact_id").iter_rows())
    assert ids["a"] == "K1" and ids["b"] not in ("K1", "K2")
    again = assign_ids(pl.DataFrame({"record_id": ["a", "b"], "cluster": [5, 9]}),
                       prev.head(2))
    assert again["contact_id"].to_list() == split["contact_id"].to_list()


def test_a_split_off_record_never_takes_its_old_contacts_id() -> None:
    # "b" alone was contact new_id("b"); "a" and "c" joined it (it kept its id). Now "b"
    # splits off alone: the pair keeps the id (most records), and "b"'s own hash is that
    # same id, as is the hash of "all its record ids": it must get another.
    from contactops.dedupe.ids import new_id

    prev = pl.DataFrame({"record_id": ["a", "b", "c"], "contact_id": [new_id("b")] * 3})
    split = assign_ids(pl.DataFrame({"record_id": ["a", "b", "c"], "cluster": [0, 1, 0]}),
                       prev)
    ids = dict(split.select("record_id", "contact_id").iter_rows())
    assert ids["a"] == ids["c"] == new_id("b")
    assert ids["b"] != new_id("b") and ids["b"].startswith("c_")
    assert split.group_by("cluster").agg(pl.col("contact_id").first())[
        "contact_id"].n_unique() == 2


def _pair_records() -> pl.DataFrame:
    return normalize_rows([
        {"record_id": "P1", "first_name": "Hana", "last_name": "Ishikawa",
         "email": "hana.ishikawa@umbrella.io", "email_consent": "yes",
         "consent_timestamp": "2024-01-01", "source": "crm"},
        {"record_id": "P2", "first_name": "Hana", "last_name": "Ishikawa",
         "email": "hana.ishikawa@umbrella.io", "email_consent": "unsubscribed",
         "consent_timestamp": "2023-06-01", "source": "import"},
        {"record_id": "P3", "first_name": "Omar", "last_name": "Haddad",
         "email": "omar.h@initech.io", "source": "crm"},
    ])


def test_decisions_survive_rerun(background: pl.DataFrame, trained: MatchModel) -> None:
    from contactops.dedupe.review import decide

    wh = Warehouse(":memory:")
    records = pl.concat([background.head(500), _pair_records()], how="diagonal_relaxed")
    ids = _run(wh, records, trained, "r1")
    assert ids["P1"] == ids["P2"] and ids["P1"] != ids["P3"]
    decide(wh, "P1", "P2", "cannot_link", "two people sharing an inbox")
    decide(wh, "P1", "P3", "must_link")
    for run_id in ("r2", "r3"):
        ids = _run(wh, records, trained, run_id)
        assert ids["P1"] != ids["P2"]
        assert ids["P1"] == ids["P3"]
    types = wh.pl("SELECT event_type FROM merge_events")["event_type"].to_list()
    assert types.count("decision") == 2


def test_unmerge_recorded_and_kept(background: pl.DataFrame, trained: MatchModel) -> None:
    from contactops.dedupe.review import unmerge

    wh = Warehouse(":memory:")
    records = pl.concat([background.head(500), _pair_records()], how="diagonal_relaxed")
    ids = _run(wh, records, trained, "r1")
    contact = ids["P1"]
    new_ids = unmerge(wh, contact, "wrong merge")
    assert new_ids[0] == contact and len(set(new_ids)) == 2
    assert wh.scalar("SELECT count(*) FROM contacts WHERE contact_id IN (SELECT unnest(?))",
                     [new_ids]) == 2
    assert wh.scalar("SELECT count(*) FROM merge_events WHERE event_type = 'unmerge'") == 1
    ids = _run(wh, records, trained, "r2")
    assert ids["P1"] != ids["P2"]


def test_opt_out_survives_merge(background: pl.DataFrame, trained: MatchModel) -> None:
    records = pl.concat([background.head(200), _pair_records()], how="diagonal_relaxed")
    result = dedupe(records, DedupeSettings(), match_model=trained)
    cid = result.links.filter(pl.col("record_id") == "P1")["contact_id"][0]
    row = result.contacts.filter(pl.col("contact_id") == cid)
    # the opt-in (2024) is later than the opt-out (2023): the explicit later opt-in wins
    assert row["consent_email"][0] == "opted_in"
    prov = result.provenance.filter((pl.col("contact_id") == cid)
                                    & (pl.col("field") == "consent_email"))
    assert prov["record_id"][0] == "P1"


@pytest.mark.parametrize(("rows", "expected"), [
    ([("opted_out", None), ("opted_in", datetime(2024, 1, 1))], "opted_out"),  # untimed out
    ([("opted_out", datetime(2024, 5, 1)), ("opted_in", datetime(2024, 1, 1))], "opted_out"),
    ([("opted_out", datetime(2023, 1, 1)), ("opted_in", datetime(2024, 1, 1))], "opted_in"),
    ([("opted_out", datetime(2024, 1, 1)), ("opted_in", None)], "opted_out"),
    ([("opted_in", datetime(2023, 1, 1)), ("unknown", datetime(2025, 1, 1))], "opted_in"),
    ([("opted_in", datetime(2024, 1, 1)), ("pending", datetime(2024, 1, 1))], "pending"),
    ([("unknown", None), ("unknown", None)], "unknown"),
])
def test_consent_safety_first(rows: list, expected: str) -> None:
    frame = pl.DataFrame({"contact_id": ["c"] * len(rows),
                          "record_id": [f"r{i}" for i in range(len(rows))],
                          "consent_email": [s for s, _ in rows],
                          "consent_timestamp": [t for _, t in rows]},
                         schema={"contact_id": pl.String, "record_id": pl.String,
                                 "consent_email": pl.String,
                                 "consent_timestamp": pl.Datetime("us")})
    assert merge_consent(frame, ("email",))["consent_email"][0] == expected


def test_cli_review_decide_unmerge_explain(tmp_path, background: pl.DataFrame,
                                           trained: MatchModel) -> None:
    from contactops.cli.dedupe import app

    path = tmp_path / "wh.duckdb"
    records = pl.concat([background.head(500), _pair_records()], how="diagonal_relaxed")
    with Warehouse(path) as wh:
        ids = _run(wh, records, trained, "r1")
    runner = CliRunner()
    wh_opt = ["--warehouse", str(path)]
    out = tmp_path / "reviews.csv"
    res = runner.invoke(app, ["review", "--export", str(out), *wh_opt])
    assert res.exit_code == 0, res.output
    assert out.exists()
    res = runner.invoke(app, ["explain", "P1", "P2", "--json", *wh_opt])
    assert res.exit_code == 0, res.output
    assert '"email"' in res.output
    res = runner.invoke(app, ["explain", "--contact", ids["P1"], *wh_opt])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["decide", "P1", "P3", *wh_opt])
    assert res.exit_code == 2
    res = runner.invoke(app, ["decide", "P1", "NOPE", "--must-link", *wh_opt])
    assert res.exit_code == 2 and "unknown record" in res.output
    res = runner.invoke(app, ["unmerge", ids["P1"], "--reason", "test", *wh_opt])
    assert res.exit_code == 0, res.output


def test_stage_run_writes_tables(background: pl.DataFrame, tmp_path) -> None:
    from contactops.config.loader import Project
    from contactops.config.pipeline import Pipeline
    from contactops.contract import StageContext

    wh = Warehouse(":memory:")
    wh.replace_table("normalized_records", background.head(1500))
    pipeline = Pipeline.model_validate({"name": "t", "sources": [
        {"name": "a", "type": "csv", "kind": "import", "path": "a.csv"}]})
    project = Project(tmp_path, ProjectSettings(), pipeline)
    result = stage.run(StageContext(project, wh, "r1"))
    assert result.counts["records"] == 1500
    for table in ("contacts", "contact_links", "match_reviews", "merge_events",
                  "match_decisions", "contact_provenance"):
        assert wh.table_exists(table)


def test_stage_frees_pairs_and_written_frames_keeping_the_same_counts(
        background: pl.DataFrame, trained: MatchModel) -> None:
    """The stage does not keep the scored pairs (nor, once written, the other frames): its
    counts and tables are those of a dedupe that keeps them."""
    kept = dedupe(background, DedupeSettings(), match_model=trained)
    freed = dedupe(background, DedupeSettings(), match_model=trained, keep_pairs=False)
    assert freed.pairs.height == 0 and kept.pairs.height > 0
    assert kept.counts["contradicted"] > 0
    assert freed.counts == kept.counts
    assert freed.contacts.equals(kept.contacts) and freed.links.equals(kept.links)
    wh = Warehouse(":memory:")
    stage.ensure_tables(wh)
    stage.write(wh, freed, release=True)
    assert freed.contacts.height == freed.links.height == freed.provenance.height == 0
    assert freed.counts == kept.counts
    assert wh.scalar("SELECT count(*) FROM contact_links") == kept.links.height
    assert wh.scalar("SELECT count(*) FROM contacts") == kept.contacts.height
