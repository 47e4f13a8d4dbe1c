"""The read-only copy beside the warehouse: written whole, patched in place."""

from __future__ import annotations

from pathlib import Path

from contactops.engine import Warehouse

ROWS, GROUP = 40_000, 2048


def _row_groups(wh: Warehouse, path: Path) -> int:
    with wh.catalog(path, row_group_size=GROUP) as alias:
        return int(wh.scalar(
            f"SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('{alias}.main.t')"))


def test_a_patch_keeps_the_copys_rows_and_small_row_groups(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.execute(f"CREATE TABLE t AS SELECT range AS k, md5(range::VARCHAR) AS v "
                   f"FROM range({ROWS})")
        path = wh.write_snapshot("copy", {"t": "SELECT * FROM t ORDER BY k"},
                                 row_group_size=GROUP)
        assert path is not None
        written = _row_groups(wh, path)
        assert written >= ROWS // GROUP
        wh.execute("UPDATE t SET v = 'changed' WHERE k % 1000 = 0")
        assert wh.patch_snapshot("copy", {"t": ("k % 1000 = 0",
                                                "SELECT * FROM t WHERE k % 1000 = 0")},
                                 row_group_size=GROUP)
        # attached with the engine's default row group size, the commit's checkpoint would
        # merge the copy's row groups into a few large ones, rewriting all of it
        assert _row_groups(wh, path) >= written
        with wh.catalog(path) as alias:
            assert wh.fetchall(f"SELECT count(*), count(*) FILTER (WHERE v = 'changed') "
                               f"FROM {alias}.main.t") == [(ROWS, ROWS // 1000)]


def test_a_copy_written_in_the_background_holds_one_committed_state(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.execute(f"CREATE TABLE t AS SELECT range AS k FROM range({ROWS})")
        wh.execute("CREATE TABLE u AS SELECT count(*) AS n FROM t")
        path = wh.write_snapshot("copy", {"t": "SELECT * FROM t ORDER BY k",
                                          "u": "SELECT * FROM u"},
                                 row_group_size=GROUP, background=True)
        # the caller goes on writing meanwhile; the copy is the state it started from
        with wh.transaction():
            wh.execute("DELETE FROM t WHERE k % 2 = 0")
            wh.execute("UPDATE u SET n = 0")
        wh.wait_snapshots()
        assert path is not None and path.is_file()
        assert not list(tmp_path.glob("*.part"))
        with wh.catalog(path) as alias:
            copied = wh.fetchall(f"SELECT (SELECT count(*) FROM {alias}.main.t), "
                                 f"(SELECT n FROM {alias}.main.u)")
        assert copied in ([(ROWS, ROWS)], [(ROWS // 2, 0)])  # before or after, not mixed


def test_close_waits_for_the_background_copy_and_raises_its_error(tmp_path: Path) -> None:
    import pytest

    from contactops.errors import ResourceError

    wh = Warehouse(tmp_path / "w.duckdb")
    wh.execute("CREATE TABLE t AS SELECT range AS k FROM range(10)")
    wh.write_snapshot("copy", {"t": "SELECT * FROM no_such_table"}, background=True)
    with pytest.raises(ResourceError, match="could not write the copy copy"):
        wh.close()
    assert not (tmp_path / "w.duckdb.copy.duckdb").exists()
    with Warehouse(tmp_path / "w.duckdb") as again:  # committed and closed all the same
        assert again.scalar("SELECT count(*) FROM t") == 10


def test_a_guard_that_does_not_hold_leaves_the_copy_as_it_was(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.execute("CREATE TABLE t AS SELECT range AS k, 'old' AS v FROM range(10)")
        wh.execute("CREATE TABLE state AS SELECT 'run-1' AS written_by")
        wh.write_snapshot("copy", {"t": "SELECT * FROM t", "state": "SELECT * FROM state"})
        wh.execute("UPDATE t SET v = 'new'")
        change = {"t": ("true", "SELECT * FROM t")}
        guard = "SELECT count(*) = 1 FROM {copy}.main.state WHERE written_by = '%s'"
        assert not wh.patch_snapshot("copy", change, guard=guard % "run-0")
        # a copy without the guard's table fails the guard rather than the patch
        assert not wh.patch_snapshot("copy", change,
                                     guard="SELECT true FROM {copy}.main.missing")
        path = wh.snapshot_path("copy")
        assert path is not None
        with wh.catalog(path) as alias:
            assert wh.fetchall(f"SELECT DISTINCT v FROM {alias}.main.t") == [("old",)]
        assert wh.patch_snapshot("copy", change, guard=guard % "run-1")
        with wh.catalog(path) as alias:
            assert wh.fetchall(f"SELECT DISTINCT v FROM {alias}.main.t") == [("new",)]


def test_an_attached_copy_does_not_show_in_the_warehouses_own_tables(tmp_path: Path) -> None:
    # the background copy is attached to the same DuckDB instance while the run goes on:
    # its tables (same names) must not add columns or tables to the warehouse's own
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.execute("CREATE TABLE t AS SELECT 1 AS k")
        with wh.catalog(tmp_path / "other.duckdb") as alias:
            wh.execute(f"CREATE TABLE {alias}.main.t AS SELECT 1 AS k, 2 AS v")
            wh.execute(f"CREATE TABLE {alias}.main.only_there AS SELECT 1 AS k")
            assert wh.columns("t") == ["k"]
            assert not wh.table_exists("only_there")
        wh.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS k")
        assert wh.table_exists("scratch") and wh.columns("scratch") == ["k"]
