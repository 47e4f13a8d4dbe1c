"""The report's "Match diagnostics" (JSON, HTML, terminal) and ``wb.dedupe.diagnostics()``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe.core import dedupe
from contactops.dedupe.stage import write
from contactops.engine.warehouse import Warehouse
from contactops.report import build_summary, render_html, render_terminal
from contactops.report.html import render_json


@pytest.fixture(scope="module")
def masked(demo_warehouse: Path) -> dict:
    return build_summary(demo_warehouse)


@pytest.fixture(scope="module")
def shown(demo_warehouse: Path) -> dict:
    return build_summary(demo_warehouse, show_pii=True)


def test_summary_carries_the_diagnostics(masked: dict) -> None:
    diag = masked["sections"]["dedupe"]["diagnostics"]
    assert diag["status"] == "ok"
    assert sum(p["new_pairs"] for p in diag["passes"]) == diag["candidate_pairs"] > 0
    assert diag["histogram"]["pairs"] == sum(diag["histogram"]["counts"]) \
        == diag["scored_pairs"]
    auto, review = diag["thresholds"]["auto_merge"], diag["thresholds"]["review"]
    assert 0 <= review["expected_precision"] <= auto["expected_precision"] <= 1
    largest = diag["largest_blocks"]
    assert 0 < len(largest) <= 10
    assert [b["pairs"] for b in largest] == sorted((b["pairs"] for b in largest), reverse=True)
    json.dumps(diag)


def test_block_keys_masked_unless_show_pii(masked: dict, shown: dict) -> None:
    hidden = masked["sections"]["dedupe"]["diagnostics"]["largest_blocks"]
    plain = shown["sections"]["dedupe"]["diagnostics"]["largest_blocks"]
    assert [(b["rule"], b["pairs"]) for b in hidden] == [(b["rule"], b["pairs"]) for b in plain]
    emails = [(h["key"], p["key"]) for h, p in zip(hidden, plain, strict=True)
              if h["kind"] == "email"]
    assert emails
    for key, raw in emails:
        local, domain = raw.split("@")
        assert key == f"{local[0]}***@{domain}" and len(local) > 1
    page = render_html(masked)
    assert all(raw not in page for _, raw in emails)
    assert all(key in page for key, _ in emails)
    assert all(raw in render_html(shown) for _, raw in emails)


def test_html_and_json_show_the_section(masked: dict) -> None:
    page = render_html(masked)
    assert 'id="match-diagnostics"' in page and "<h3>Match diagnostics</h3>" in page
    assert "Blocking passes" in page and "Largest blocks" in page
    assert 'aria-label="candidate pairs per match weight (log2 Bayes factor)"' in page
    assert "expected precision at auto-merge" in page
    diag = masked["sections"]["dedupe"]["diagnostics"]
    for p in diag["passes"]:
        assert f"<td>{p['rule']}</td>" in page
    assert json.loads(render_json(masked))["sections"]["dedupe"]["diagnostics"] == \
        json.loads(json.dumps(diag))


def test_terminal_line(masked: dict) -> None:
    console = Console(record=True, width=300)
    render_terminal(masked, console)
    text = console.export_text()
    assert "matching" in text and "blocking passes" in text and "expected precision" in text


def _page_of(tmp_path: Path, rows: list[dict]) -> tuple[dict, str]:
    from tests.dedupe.conftest import normalize_rows

    result = dedupe(normalize_rows(rows), DedupeSettings())
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        write(wh, result)
    summary = build_summary(path)
    return summary["sections"]["dedupe"], render_html(summary)


def test_no_candidate_pairs_shows_a_message_instead(tmp_path: Path) -> None:
    section, page = _page_of(tmp_path, [
        {"record_id": "a", "first_name": "Ann", "last_name": "Lee", "email": "ann@x.example"},
        {"record_id": "b", "first_name": "Bob", "last_name": "Ray", "email": "bob@y.example"}])
    assert section["diagnostics"]["status"] == "no_pairs"
    assert "no candidate pairs" in page and "Blocking passes" not in page
    assert "candidate pairs per match weight" not in page


def test_could_not_match_shows_its_message(tmp_path: Path) -> None:
    section, page = _page_of(tmp_path, [
        {"record_id": "a", "first_name": "Ann", "last_name": "Lee"},
        {"record_id": "b", "first_name": "Ann", "last_name": "Lee"}])
    assert section["cannot_match"]
    diag_part = page[page.index('id="match-diagnostics"'):]
    assert section["cannot_match"] in diag_part[:1000]
    assert "Blocking passes" not in page


def test_notebook_facade(demo_project: Path) -> None:
    from contactops import Workbench

    diag = Workbench(demo_project).dedupe.diagnostics()
    assert diag.ok
    assert isinstance(diag.blocks, pl.DataFrame) and isinstance(diag.histogram, pl.DataFrame)
    assert diag.histogram["pairs"].sum() == diag.asdict()["scored_pairs"] > 0
    assert diag.histogram["weight_to"].to_list() == [w + 1 for w in
                                                      diag.histogram["weight_from"]]
    assert diag.passes["new_pairs"].sum() == diag.asdict()["candidate_pairs"]
    emails = diag.blocks.filter(pl.col("kind") == "email")["key"].to_list()
    assert emails and all("***@" in k for k in emails)
    raw = Workbench(demo_project).dedupe.diagnostics(show_pii=True).blocks
    assert not any("***" in k for k in raw.filter(pl.col("kind") == "email")["key"])
    page = diag._repr_html_()
    assert "Match diagnostics" in page and "<svg" in page and "largest blocks" in page
    assert "expected precision" in str(diag)


def test_a_run_before_diagnostics_says_so(tmp_path: Path) -> None:
    from contactops.report.diagnostics import MatchDiagnostics, match_diagnostics

    path = tmp_path / "old.duckdb"
    with Warehouse(path) as wh:  # a warehouse written before match diagnostics existed
        wh.execute("CREATE TABLE match_model (model_json VARCHAR, cannot_match VARCHAR)")
        wh.execute("INSERT INTO match_model VALUES ('{}', NULL)")
        found = match_diagnostics(wh)
    assert found["status"] == "not_recorded" and "dedupe stage again" in found["note"]
    diag = MatchDiagnostics(found)
    assert not diag.ok and diag.blocks.height == diag.histogram.height == 0
    assert "dedupe stage again" in diag._repr_html_()


def test_run_record_carries_the_expected_precision(demo_warehouse: Path, masked: dict) -> None:
    with Warehouse(demo_warehouse, read_only=True) as wh:
        stages = json.loads(wh.scalar("SELECT stages FROM runs ORDER BY started_at DESC "
                                      "LIMIT 1"))
    counts = next(s for s in stages if s["stage"] == "dedupe")["counts"]
    auto = masked["sections"]["dedupe"]["diagnostics"]["thresholds"]["auto_merge"]
    assert counts["expected_precision"] == auto["expected_precision"]
    assert counts["expected_false_merges"] == auto["expected_false_merges"]
    assert counts["blocks_capped"] == 0
    assert "@" not in json.dumps(counts)  # no block keys in the run history
