"""HTML page, JSON file, terminal summary and the ``contactops report`` command."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from contactops.report import build_summary, render_html, render_terminal
from contactops.report.html import write_report


@pytest.fixture(scope="module")
def summary(demo_warehouse: Path) -> dict:
    return build_summary(demo_warehouse)


def test_html_is_self_contained(summary: dict) -> None:
    page = render_html(summary)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "default-src 'none'" in page
    for section in ("verdict", "imports", "normalization", "dedupe", "validation", "consent",
                    "taxonomy", "audiences", "changes"):
        assert f'id="{section}"' in page
    assert page.count("<svg") >= 5
    assert "nothing published yet" in page  # no audience published in the demo, no plans passed


def test_html_escapes_values(summary: dict) -> None:
    evil = json.loads(json.dumps(summary))
    evil["pipeline"] = "<script>alert(1)</script>"
    evil["sections"]["taxonomy"]["tags"] = [{"value": "<b>x</b>", "n": 1}]
    page = render_html(evil)
    assert "<script>alert(1)</script>" not in page and "<b>x</b>" not in page


def test_write_report_picks_format_by_suffix(summary: dict, tmp_path: Path) -> None:
    data = json.loads(write_report(summary, tmp_path / "s.json").read_text())
    assert data["schema_version"] == 1 and data["verdict"] == summary["verdict"]
    assert write_report(summary, tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


def test_terminal_summary(summary: dict) -> None:
    from rich.console import Console

    console = Console(record=True, width=140)
    render_terminal(summary, console)
    text = console.export_text()
    assert "Not ready to publish" in text and "blocking" in text
    assert all(name in text for name in ("imports", "dedupe", "validation", "audiences"))


def _cli() -> typer.Typer:
    from contactops.cli import report

    app = typer.Typer()
    app.registered_commands.extend(report.app.registered_commands)
    app.command("noop")(lambda: None)  # two commands, so 'report' is addressed by name
    return app


def test_cli_writes_html_and_json(demo_project: Path, monkeypatch: pytest.MonkeyPatch,
                                  tmp_path: Path) -> None:
    import time

    monkeypatch.chdir(demo_project)
    runner = CliRunner()
    started = time.perf_counter()
    out = runner.invoke(_cli(), ["report", "-o", str(tmp_path / "r.html")])
    seconds = time.perf_counter() - started
    assert out.exit_code == 0, out.output
    page = (tmp_path / "r.html").read_text()
    assert "Plans (what publishing now would do)" in page  # audiences planned from config
    print(f"report build {seconds:.2f} s, {len(page) / 1024:.0f} KB")
    out = runner.invoke(_cli(), ["report", "--json", "--no-plans"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout[out.stdout.index("{"):])
    assert data["sections"]["audiences"]["status"] == "not_run"
    out = runner.invoke(_cli(), ["report", "--fail-on-blocked", "-o", str(tmp_path / "x.json")])
    assert out.exit_code == 1
    out = runner.invoke(_cli(), ["report", "--run", "missing", "--json"])
    assert out.exit_code == 2 and "no run 'missing'" in out.output
