"""Every DuckDB connection a command opens gets the resolved memory limit's engine share.

A spy wraps ``duckdb.connect`` where the engine calls it and asks each new connection what
``memory_limit`` DuckDB itself reports, so a connection that bypasses the limit (DuckDB's
default is 80% of the machine) shows up here whichever code opened it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import contactops.engine.connect as engine_connect
from contactops.core import Context, init_project

# config/contactops.yaml says 1GiB: DuckDB gets half, 512 MiB
ENGINE = "512.0 MiB"
AUDIENCES = """\
sending:
  confirmed: true
targets:
  out:
    type: csv
    path: exports/{audience}.csv
audiences:
  everyone:
    channel: none
    purpose: internal
    filter: "1 = 1"
    targets: [out]
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    monkeypatch.delenv("CONTACTOPS_MEMORY_LIMIT", raising=False)
    monkeypatch.setenv("CONTACTOPS_SUPPRESSION_SALT", "pepper-for-tests")
    root = tmp_path / "proj"
    init_project(root)
    with (root / "config" / "contactops.yaml").open("a") as f:
        f.write("memory_limit: 1GiB\n")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Every connection opened: its database and DuckDB's own memory_limit setting."""
    seen: list[dict[str, Any]] = []
    real = engine_connect.duckdb.connect

    def spy(database: str = ":memory:", *args: Any, **kwargs: Any) -> Any:
        con = real(database, *args, **kwargs)
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        spill = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
        seen.append({"database": str(database), "memory_limit": limit, "spill": spill})
        return con

    monkeypatch.setattr(engine_connect.duckdb, "connect", spy)
    yield seen


def _all_limited(seen: list[dict[str, Any]]) -> None:
    assert seen, "no DuckDB connection was opened"
    assert [c for c in seen if c["memory_limit"] != ENGINE] == []


def test_a_run_and_its_csv_reader_get_the_limit(project: Path,
                                                opened: list[dict[str, Any]]) -> None:
    result = Context.open().run(warn_only=True)
    assert result.memory_limit.origin == "config/contactops.yaml: memory_limit"
    _all_limited(opened)
    readers = [c for c in opened if c["database"] == ":memory:"]
    assert readers, "the CSV source was not read through a DuckDB connection"
    # the reader spills to a private folder of its own, not the warehouse's
    assert all(Path(c["spill"]).name.startswith("contactops-") for c in readers)
    assert not any(Path(c["spill"]).exists() for c in readers)


def test_report_validate_publish_and_relations_get_the_limit(
        project: Path, opened: list[dict[str, Any]]) -> None:
    ctx = Context.open()
    ctx.run(warn_only=True)
    (project / "config" / "audiences.yaml").write_text(AUDIENCES)

    for flow in (lambda: ctx.report(),
                 lambda: ctx.validate(),
                 lambda: ctx.publish("everyone"),
                 lambda: ctx.table("contacts").count(),
                 lambda: ctx.runs()):
        opened.clear()
        flow()
        _all_limited(opened)
    assert (project / "exports" / "everyone.csv").exists()


def test_the_option_wins_for_the_run_and_its_reader(project: Path,
                                                    opened: list[dict[str, Any]]) -> None:
    Context.open().run(warn_only=True, memory_limit="600MiB")
    assert {c["memory_limit"] for c in opened} == {"300.0 MiB"}
