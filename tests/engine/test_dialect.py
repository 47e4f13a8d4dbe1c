"""Stage SQL is written once: every statement a demo session sends carries to Spark SQL.

The test records each statement that reaches the warehouse from outside the engine while
the demo project runs end to end through the CLI (run, report, validate, plan and publish,
dedupe review and explain, delete and restore, loads undo), then asks sqlglot to parse it as
DuckDB and write it as Spark with errors and unsupported constructs raised. Statements the
engine issues itself (its schema DDL, information_schema lookups, frame exchange) are left
out by where they come from: a second engine replaces those with its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError
from typer.testing import CliRunner

from contactops.engine import Engine, Warehouse
from contactops.engine.api import MEMBERS

REPO = Path(__file__).resolve().parents[2]

#: DuckDB-only syntax that sqlglot's Spark writer copies through without complaint.
DUCKDB_ONLY = ("INSERT OR REPLACE", "INSERT OR IGNORE", " BY NAME ")
#: Functions sqlglot does not know, so copies verbatim, that Spark has under the same name.
#: (``hash(a, b, ...)``: Spark's is a 32-bit Murmur3 where DuckDB's is 64-bit; dedupe and
#: validate use it only to see that a row changed.)
SHARED_FUNCTIONS = {"now", "hash"}


class Recorder:
    """Statements sent through a :class:`Warehouse` from outside the engine, with origin."""

    def __init__(self) -> None:
        self.statements: dict[str, str] = {}   # sql -> calling module
        self.on = True

    def record(self, sql: str, caller: str) -> None:
        if self.on and not _engine_internal(caller):
            self.statements.setdefault(sql, caller)


def _engine_internal(module: str) -> bool:
    """The engine's own statements; relation.py only forwards what notebooks ask for."""
    return module.startswith("contactops.engine.") and module != "contactops.engine.relation"


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    rec = Recorder()

    def statement(wh: Warehouse, sql: str) -> str:
        # frame 1 is the Warehouse method (execute, pl, ...); frame 2 is who called it
        rec.record(sql, sys._getframe(2).f_globals.get("__name__", "?"))
        return sql

    monkeypatch.setattr(Warehouse, "_statement", statement)
    yield rec


def _problem(sql: str) -> str | None:
    try:
        spark = sqlglot.transpile(sql, read="duckdb", write="spark",
                                  error_level=ErrorLevel.RAISE,
                                  unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    text = " ".join(" ".join(spark).upper().split()) + " "
    found = [k.strip() for k in DUCKDB_ONLY if k in text]
    trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    found += sorted({f.name for t in trees for f in t.find_all(exp.Anonymous)}
                    - SHARED_FUNCTIONS)
    # a function in FROM (read_csv, read_parquet, duckdb_tables) reads what only DuckDB
    # knows about; such reads belong behind an engine method
    found += sorted({t.this.sql("duckdb").split("(")[0] for tree in trees
                     for t in tree.find_all(exp.Table) if isinstance(t.this, exp.Func)})
    return f"DuckDB-only {found} left in the Spark SQL" if found else None


def _copy_demo(root: Path) -> Path:
    import shutil

    for folder in ("config", "pipelines", "data"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def test_demo_session_sql_transpiles_to_spark(tmp_path: Path, recorder: Recorder,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from contactops.cli.app import app

    root = _copy_demo(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    monkeypatch.setenv("CONTACTOPS_SUPPRESSION_SALT", "pepper-for-tests")
    runner = CliRunner()

    def cli(*args: str, codes: tuple[int, ...] = (0, 1)) -> str:
        out = runner.invoke(app, list(args))
        assert out.exit_code in codes, f"contactops {' '.join(args)}:\n{out.output}"
        return out.output

    cli("run", "--warn-only")
    cli("validate")
    cli("plan", "monthly-newsletter")
    cli("publish", "monthly-newsletter")
    cli("audiences")
    cli("report", "--json")
    cli("dedupe", "review")
    recorder.on = False
    with Warehouse(root / "warehouse" / "demo.duckdb", read_only=True) as wh:
        merged = wh.scalar("SELECT contact_id FROM contact_links GROUP BY 1 "
                           "HAVING count(*) > 1 ORDER BY 1 LIMIT 1")
        pair = [r[0] for r in wh.fetchall("SELECT record_id FROM contact_links "
                                          "WHERE contact_id = ? ORDER BY 1 LIMIT 2", [merged])]
        loner = wh.scalar("SELECT contact_id FROM contacts WHERE NOT list_contains("
                          "coalesce(lists, []), 'monthly-newsletter') ORDER BY 1 LIMIT 1")
        load_id = wh.scalar("SELECT load_id FROM loads WHERE source = 'manual'")
    recorder.on = True
    cli("dedupe", "explain", "--contact", str(merged))
    cli("dedupe", "explain", *pair)
    cli("dedupe", "decide", *pair, "--cannot-link", "--note", "two people", codes=(0,))
    cli("dedupe", "unmerge", str(merged), "--reason", "test", codes=(0,))
    cli("run", "--warn-only")
    cli("delete", str(loner), codes=(0,))
    cli("restore", "--contact", str(loner), codes=(0,))
    cli("impact", "monthly-newsletter")
    cli("erase", str(loner), "--reason", "test erasure", "--yes", codes=(0,))
    cli("loads")
    cli("loads", "undo", str(load_id), codes=(0,))
    cli("sources")
    cli("runs")

    assert len(recorder.statements) > 100, "the session should exercise most stages"
    problems = {sql: (origin, p) for sql, origin in recorder.statements.items()
                if (p := _problem(sql)) is not None}
    listing = "\n\n".join(f"[{origin}] {why}\n{sql}" for sql, (origin, why)
                          in sorted(problems.items(), key=lambda kv: kv[1]))
    assert not problems, f"{len(problems)} statements do not carry to Spark:\n\n{listing}"


def test_warehouse_implements_the_engine_protocol(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert isinstance(wh, Engine)
        for name in MEMBERS:
            assert hasattr(wh, name), name
        assert wh.sql_dialect == "duckdb"
    protocol = {n for n in vars(Engine) if not n.startswith("_")}
    protocol |= set(Engine.__annotations__)
    assert protocol == set(MEMBERS)


def test_no_public_connection(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        public = {n for n in dir(wh) if not n.startswith("_")}
    assert not {"con", "connection", "conn"} & public
    assert public == set(MEMBERS)


def test_duckdb_runs_statements_unchanged(tmp_path: Path) -> None:
    from contactops.engine.sql import transpile

    sql = "SELECT list_contains(['a'], 'a')::BIGINT AS n"
    assert transpile(sql, "duckdb") is sql
    assert "ARRAY_CONTAINS" in transpile(sql, "spark")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert wh._statement(sql) is sql
        assert wh.records(sql) == [{"n": 1}]


def test_an_engine_of_another_dialect_transpiles_stage_sql(tmp_path: Path) -> None:
    class SparkSpeaking(Warehouse):
        sql_dialect = "spark"

    with SparkSpeaking(tmp_path / "w.duckdb") as wh:
        assert wh._statement("SELECT list_contains(tags, ?) FROM contacts") \
            == "SELECT ARRAY_CONTAINS(tags, ?) FROM contacts"


def test_catalog_attaches_another_file(tmp_path: Path) -> None:
    import polars as pl

    other = tmp_path / "sub" / "other.duckdb"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        with wh.catalog() as own:
            assert not wh.table_exists("t", catalog=own)
        with wh.catalog(other) as db:
            assert wh.replace_table("t", pl.DataFrame({"a": [1, 2]}), catalog=db) == 2
            assert wh.table_exists("t", catalog=db)
        assert not wh.table_exists("t")
    assert other.exists() and os.path.getsize(other) > 0


@pytest.mark.parametrize("sql", [
    "INSERT OR REPLACE INTO audiences VALUES (1, now())",
    "INSERT INTO loads BY NAME SELECT * FROM frame",
    "SELECT nextval('load_seq')",
    "SELECT * FROM read_csv('a.csv', delim = ';', strict_mode = true)",
    "SELECT FROM",
])
def test_the_check_catches_duckdb_only_sql(sql: str) -> None:
    assert _problem(sql) is not None


def test_the_check_passes_shared_sql() -> None:
    assert _problem("SELECT count(*)::BIGINT FROM contacts WHERE list_contains(tags, ?) "
                    "AND updated_at < now() QUALIFY row_number() OVER () = 1") is None
