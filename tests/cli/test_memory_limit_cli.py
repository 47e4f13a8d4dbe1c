"""``contactops run --memory-limit``: accepted, reported, and a bad value is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactops.cli.app import app

runner = CliRunner()
CSV = "Email,First Name\nann@example.org,Ann\nbob@example.org,Bob\n"


@pytest.fixture
def raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTACTOPS_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    (tmp_path / "c.csv").write_text(CSV)
    return tmp_path / "c.csv"


def _run(*args: str):
    return runner.invoke(app, ["run", "--warehouse", "wh.duckdb", "--until", "normalize",
                               *args], catch_exceptions=False)


def test_memory_limit_is_accepted_and_reported(raw: Path) -> None:
    result = _run("--source", str(raw), "--memory-limit", "1GiB", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["memory_limit"]["bytes"] == 1024**3
    assert data["memory_limit"]["origin"] == "--memory-limit"
    assert data["memory_limit"]["engine_bytes"] == 512 * 1024**2
    text = _run("--source", str(raw), "--memory-limit", "1GiB")
    assert text.exit_code == 0
    assert "memory limit 1.0 GiB (1GiB, from --memory-limit); engine 512 MiB" in text.output


def test_the_environment_variable_applies_without_the_option(
        raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTOPS_MEMORY_LIMIT", "800MB")
    data = json.loads(_run("--source", str(raw), "--json").output)
    assert data["memory_limit"]["bytes"] == 800 * 1000**2
    assert data["memory_limit"]["origin"] == "environment variable CONTACTOPS_MEMORY_LIMIT"


def test_default_limit_is_half_the_machine(raw: Path) -> None:
    data = json.loads(_run("--source", str(raw), "--json").output)
    assert data["memory_limit"]["origin"] == "default"
    assert data["memory_limit"]["text"].startswith("half of the machine's")


def test_bad_memory_limit_is_a_usage_error_before_anything_runs(raw: Path) -> None:
    result = _run("--source", str(raw), "--memory-limit", "6")
    assert result.exit_code == 2
    assert "--memory-limit '6': a bare number has no unit; write a size with a unit such as " \
        "6GB" in result.output
    assert not Path("wh.duckdb").exists()


def test_bad_environment_value_names_the_variable(raw: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTOPS_MEMORY_LIMIT", "plenty")
    result = _run("--source", str(raw))
    assert result.exit_code == 2
    assert "environment variable CONTACTOPS_MEMORY_LIMIT='plenty': not a memory size" \
        in result.output
