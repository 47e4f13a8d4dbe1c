"""The Spark warehouse runs stage SQL as DuckDB does: the same statements on both engines
leave the same rows.

Spark has no DELETE or UPDATE on Parquet, so the engine rewrites each change as a query; these
tests run one script of DDL and DML on a DuckDB warehouse and a Spark warehouse and compare
every table after each step — NULL conditions, subqueries, UPDATE ... FROM, parameters that a
rewrite repeats, defaults and added columns included.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from contactops.engine import Warehouse
from contactops.engine.spark import SparkWarehouse

SETUP = [
    ("CREATE TABLE IF NOT EXISTS people (id VARCHAR PRIMARY KEY, name VARCHAR, "
     "score BIGINT DEFAULT 5, tags VARCHAR[], status VARCHAR DEFAULT 'new', "
     "seen TIMESTAMP)", None),
    ("CREATE TABLE IF NOT EXISTS moves (id VARCHAR, name VARCHAR)", None),
    ("INSERT INTO people (id, name, tags) VALUES (?, ?, ['a', 'b']), ('p2', NULL, NULL), "
     "('p3', 'Cleo', ['c'])", ["p1", "Ann"]),
    ("INSERT INTO people (id, name, score) SELECT 'p' || i::VARCHAR, 'n' || i::VARCHAR, i "
     "FROM (VALUES (4), (5), (6), (7), (8)) t(i)", None),
    ("INSERT INTO moves VALUES ('p4', 'Dora'), ('p5', 'Eve'), ('zz', 'nobody')", None),
    ("CREATE OR REPLACE VIEW tagged AS SELECT id, array_length(tags) AS n FROM people "
     "WHERE tags IS NOT NULL", None),
]

STEPS = [
    # a literal and a column of the same name: insert maps by position
    ("INSERT INTO people (id, status, name) SELECT 'p9', 'name', name FROM moves "
     "WHERE id = 'p4'", None),
    ("UPDATE people SET score = ?, status = ? WHERE name = ?", [42, "vip", "Ann"]),
    # NULL = NULL is not true: p2 (name NULL) keeps its score
    ("UPDATE people SET score = score + 1 WHERE name <> 'Cleo'", None),
    ("UPDATE people SET status = 'moved' WHERE id IN (SELECT id FROM moves)", None),
    ("UPDATE people SET name = m.name FROM moves m WHERE people.id = m.id", None),
    ("DELETE FROM people WHERE score > ?", [40]),
    ("DELETE FROM people WHERE name = 'nobody-here'", None),
    ("DELETE FROM people WHERE id IN (SELECT id FROM moves WHERE name = 'Eve')", None),
    ("ALTER TABLE people ADD COLUMN IF NOT EXISTS region VARCHAR DEFAULT 'EU'", None),
    ("ALTER TABLE people ADD COLUMN IF NOT EXISTS region VARCHAR", None),
    ("INSERT INTO people (id) VALUES ('p10')", None),
    ("CREATE OR REPLACE TABLE scores AS SELECT status, count(*) AS n, sum(score) AS total "
     "FROM people GROUP BY status", None),
    ("DROP TABLE IF EXISTS moves", None),
    ("DELETE FROM people", None),
]

READS = {
    "people": "SELECT id, name, score, tags, status, region FROM people ORDER BY id",
    "scores": "SELECT status, n, total FROM scores ORDER BY status",
    "tagged": "SELECT id, n FROM tagged ORDER BY id",
}


def _snapshot(wh: Any) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for name, sql in READS.items():
        if wh.table_exists(name):
            columns = set(wh.columns(name))
            wanted = [c for c in sql.split("FROM")[0][7:].split(", ") if c in columns]
            out[name] = wh.records(f"SELECT {', '.join(wanted)} FROM {name} ORDER BY 1")
    return out


def _normal(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    return {t: [{k: (int(v) if isinstance(v, int) else v) for k, v in r.items()} for r in rs]
            for t, rs in rows.items()}


@pytest.mark.slow
def test_statements_leave_the_same_rows_on_both_engines(tmp_path: Path,
                                                       spark_session: object) -> None:
    with Warehouse(tmp_path / "w.duckdb") as duck, SparkWarehouse(tmp_path / "w") as spark:
        for sql, params in SETUP:
            duck.execute(sql, params)
            spark.execute(sql, params)
        assert _normal(_snapshot(spark)) == _normal(_snapshot(duck))
        for sql, params in STEPS:
            duck.execute(sql, params)
            spark.execute(sql, params)
            assert _normal(_snapshot(spark)) == _normal(_snapshot(duck)), sql
        assert spark.columns("people") == duck.columns("people")
        assert not spark.table_exists("moves")
        assert spark.table_kind("tagged") == "view" and spark.table_kind("people") == "table"


@pytest.mark.slow
def test_frames_in_and_out(tmp_path: Path, spark_session: object) -> None:
    frame = pl.DataFrame({"id": ["b", "a", "c"], "n": [2, 1, 3],
                          "h": pl.Series([2**63 + 5, 1, 2], dtype=pl.UInt64),
                          "l": [["x"], None, ["y", "z"]]})
    with SparkWarehouse(tmp_path / "w") as wh:
        assert wh.replace_table("t", frame) == 3
        wh.append_frame("t", pl.DataFrame({"id": ["d"], "extra": [1]}))  # by name
        got = wh.pl("SELECT id, n, l FROM t ORDER BY id")
        assert got["id"].to_list() == ["a", "b", "c", "d"]
        assert got["n"].to_list() == [1, 2, 3, None]
        assert got["l"].to_list() == [None, ["x"], ["y", "z"], None]
        with wh.registered("frame_view", pl.DataFrame({"id": ["a", "c"]})):
            assert wh.scalar("SELECT count(*) FROM t JOIN frame_view USING (id)") == 2
        assert not wh.table_exists("frame_view")
        sizes = [b.height for b in wh.batches("SELECT * FROM t ORDER BY id", 3)]
        assert sizes == [3, 1]
        firsts = [b["id"][0] for b in wh.batches("SELECT id FROM t ORDER BY id DESC", 1)]
        assert firsts == ["d", "c", "b", "a"]
        empty = list(wh.batches("SELECT id FROM t WHERE false", 10))
        assert len(empty) == 1 and empty[0].columns == ["id"] and empty[0].height == 0
        # DuckDB's 64-bit hash(): non-negative on Spark too, so it fits an unsigned column
        hashes = wh.fetchall("SELECT hash(id, n) FROM t")
        assert all(0 <= h < 2**63 for (h,) in hashes) and len(set(hashes)) == 4


@pytest.mark.slow
def test_sequence_is_never_reused(tmp_path: Path, spark_session: object) -> None:
    with SparkWarehouse(tmp_path / "w") as wh:
        first = wh.next_value("load_seq")
        try:
            with wh.transaction():
                assert wh.next_value("load_seq") == first + 1
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    with SparkWarehouse(tmp_path / "w") as wh:
        assert wh.next_value("load_seq") == first + 2


@pytest.mark.slow
def test_timestamps_print_as_duckdb_prints_them(tmp_path: Path, spark_session: object) -> None:
    """The audit view writes a timestamp's text with its fraction (EXTRACT MICROSECOND)."""
    sql = ("SELECT CAST(EXTRACT(MICROSECOND FROM t) % 1000000 AS BIGINT) AS us, "
           "strftime(t, '%Y-%m-%d') || 'T' || strftime(t, '%H:%M:%S') AS text FROM stamps "
           "ORDER BY t")
    frame = pl.DataFrame({"t": pl.Series(["2024-03-01 10:20:30.123456",
                                          "2024-03-01 10:20:59", "1999-12-31 23:59:00.5"]
                                         ).str.to_datetime()})
    with Warehouse(tmp_path / "w.duckdb") as duck, SparkWarehouse(tmp_path / "w") as spark:
        for wh in (duck, spark):
            wh.replace_table("stamps", frame)
        assert spark.records(sql) == duck.records(sql)
        assert [r["us"] for r in duck.records(sql)] == [500000, 123456, 0]
