"""``contactops run --memory-limit``: accepted, reported, and a bad value is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactops.cli.app import app
from contactops.engine.schema import SCHEMA_VERSION

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


def test_runs_record_the_limit_and_where_it_came_from(
        raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run("--source", str(raw), "--memory-limit", "1GiB").exit_code == 0
    monkeypatch.setenv("CONTACTOPS_MEMORY_LIMIT", "800MB")
    assert _run("--source", str(raw)).exit_code == 0
    listed = runner.invoke(app, ["runs", "--warehouse", "wh.duckdb", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)  # newest first
    assert [(r["memory_limit_bytes"], r["memory_limit_origin"]) for r in rows] == [
        (800 * 1000**2, "environment variable CONTACTOPS_MEMORY_LIMIT"),
        (1024**3, "--memory-limit")]
    text = runner.invoke(app, ["runs", "--warehouse", "wh.duckdb"], env={"COLUMNS": "250"})
    assert text.exit_code == 0
    assert "1.0 GiB (--memory-limit)" in text.output
    assert "763 MiB (environment variable CONTACTOPS_MEMORY_LIMIT)" in text.output


def test_a_schema_4_warehouse_gets_the_runs_memory_columns(raw: Path) -> None:
    from contactops.catalog import T
    from contactops.engine import Warehouse

    with Warehouse("wh.duckdb") as wh:  # rebuild runs as a schema 4 warehouse had it
        old = [c.ddl(primary_key=c.name == "run_id") for c in T.runs.fixed_columns
               if c.name not in T.runs.added]
        wh.execute(f"DROP TABLE {T.runs}")
        wh.execute(f"CREATE TABLE {T.runs} ({', '.join(old)})")
        wh.execute(f"INSERT INTO {T.runs} (run_id, pipeline, status, exit_code, started_at, "
                   "finished_at) VALUES ('old', 'p', 'success', 0, now(), now())")
        wh.execute(f"UPDATE {T.meta} SET value = '4' WHERE key = 'schema_version'")
    assert _run("--source", str(raw), "--memory-limit", "1GiB").exit_code == 0
    with Warehouse("wh.duckdb", read_only=True) as wh:
        version = wh.scalar(f"SELECT value FROM {T.meta} WHERE key = 'schema_version'")
        assert version == str(SCHEMA_VERSION)
        assert wh.fetchall(f"SELECT run_id, memory_limit_bytes, memory_limit_origin "
                           f"FROM {T.runs} ORDER BY started_at") == [
            ("old", None, None), (wh.scalar(f"SELECT max(run_id) FROM {T.runs} "
                                            "WHERE run_id <> 'old'"), 1024**3, "--memory-limit")]
    listed = runner.invoke(app, ["runs", "--warehouse", "wh.duckdb"], env={"COLUMNS": "250"})
    assert listed.exit_code == 0 and "old" in listed.output
