"""The engine's memory bound: DuckDB gets the limit and a spill folder, and batches stream."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from contactops.engine import Warehouse


def test_duckdb_gets_the_limit_and_a_spill_folder_beside_the_warehouse(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb", memory_limit=2 * 1024**3) as wh:
        assert wh.memory_limit == 2 * 1024**3
        assert wh.scalar("SELECT current_setting('memory_limit')") == "2.0 GiB"
        spill = Path(wh.scalar("SELECT current_setting('temp_directory')"))
        assert spill == tmp_path / "w.duckdb.tmp" / str(os.getpid())


def test_read_only_opens_get_the_limit_too(tmp_path: Path) -> None:
    Warehouse(tmp_path / "w.duckdb").close()
    with Warehouse(tmp_path / "w.duckdb", read_only=True, memory_limit=1024**3) as wh:
        assert wh.scalar("SELECT current_setting('memory_limit')") == "1.0 GiB"


def test_without_a_limit_duckdb_keeps_its_default(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert wh.memory_limit is None
        assert wh.scalar("SELECT current_setting('memory_limit')") != "1.0 GiB"


def test_a_query_larger_than_the_limit_spills_and_the_folder_is_removed(tmp_path: Path) -> None:
    spill = tmp_path / "w.duckdb.tmp"
    with Warehouse(tmp_path / "w.duckdb", memory_limit=256 * 1024**2) as wh:
        wh.execute("SET threads = 1")
        # 3M rows of 32-character hashes sorted under 256 MiB: the sort spills
        wh.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS h "
                   "FROM range(3000000)")
        top = wh.fetchall("SELECT h, i FROM t ORDER BY h LIMIT 1 OFFSET 2999999")
        assert len(top) == 1
        used = wh.scalar("SELECT max(memory_usage_bytes) FROM duckdb_memory()")
        assert used <= 256 * 1024**2
    assert not spill.exists()


def test_in_memory_warehouse_spills_to_a_private_temporary_folder() -> None:
    with Warehouse(":memory:", memory_limit=512 * 1024**2) as wh:
        folder = Path(wh.scalar("SELECT current_setting('temp_directory')"))
        assert folder.name.startswith(f"contactops-{os.getpid()}-")
    assert not folder.exists()


def test_batches_return_every_row_once_in_order(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.execute("CREATE TABLE t AS SELECT range AS i, 'v' || range AS v FROM range(10007)")
        frames = list(wh.batches("SELECT i, v FROM t ORDER BY i", 3000))
    assert [f.height for f in frames] == [3000, 3000, 3000, 1007]
    assert frames[0].columns == ["i", "v"]
    joined = pl.concat(frames)
    assert joined["i"].to_list() == list(range(10007))
    assert joined["v"][10006] == "v10006"


def test_batches_of_an_empty_result_give_its_columns(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.execute("CREATE TABLE t (i BIGINT, v VARCHAR)")
        frames = list(wh.batches("SELECT * FROM t WHERE i > ?", 10, [5]))
    assert len(frames) == 1
    assert frames[0].height == 0
    assert frames[0].schema == pl.Schema({"i": pl.Int64, "v": pl.String})


def test_the_warehouse_writes_between_batches(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.execute("CREATE TABLE src AS SELECT range AS i FROM range(5000)")
        wh.execute("CREATE TABLE dst (i BIGINT)")
        with wh.transaction():
            for frame in wh.batches("SELECT i * 2 AS i FROM src ORDER BY i", 1024):
                wh.append_frame("dst", frame)
                assert wh.scalar("SELECT count(*) FROM src") == 5000
        assert wh.fetchall("SELECT count(*), sum(i) FROM dst") == [(5000, 2 * sum(range(5000)))]


def test_batches_refuse_a_non_positive_size(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(ValueError, match="positive"):
        next(iter(wh.batches("SELECT 1", 0)))


def test_a_memory_scope_reaches_connections_opened_without_a_limit(tmp_path: Path) -> None:
    from contactops.engine import memory_scope
    from contactops.engine.connect import scoped_memory_limit, scratch

    assert scoped_memory_limit() is None
    with memory_scope(1024**3):
        with Warehouse(tmp_path / "w.duckdb") as wh:
            assert wh.memory_limit == 1024**3
            assert wh.scalar("SELECT current_setting('memory_limit')") == "1.0 GiB"
        with memory_scope(512 * 1024**2), scratch() as con:  # the inner scope wins
            assert con.execute("SELECT current_setting('memory_limit')").fetchall() == \
                [("512.0 MiB",)]
        # an explicit limit wins over the scope
        with Warehouse(tmp_path / "w.duckdb", memory_limit=768 * 1024**2) as wh:
            assert wh.scalar("SELECT current_setting('memory_limit')") == "768.0 MiB"
    assert scoped_memory_limit() is None


def test_a_scratch_connection_spills_to_a_private_folder_it_removes() -> None:
    from contactops.engine import memory_scope
    from contactops.engine.connect import scratch

    with memory_scope(256 * 1024**2), scratch() as con:
        con.execute("SET threads = 1")
        folder = Path(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])
        assert folder.name.startswith(f"contactops-{os.getpid()}-")
        rows = con.execute("SELECT h FROM (SELECT md5(range::VARCHAR) AS h FROM range(3000000)) "
                           "ORDER BY h LIMIT 1 OFFSET 2999999").fetchall()
        assert len(rows) == 1
    assert not folder.exists()
