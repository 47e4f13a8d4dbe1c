"""The Spark warehouse on disk: commits are all-or-nothing across a kill, one writer at a
time, readers never wait, and the engine is picked by setting or by what is there."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from contactops.engine import open_engine
from contactops.engine.spark import SparkWarehouse
from contactops.engine.spark.store import Pending, Store
from contactops.errors import ContactopsError, WarehouseBusy


def _rows(wh: SparkWarehouse, table: str) -> list[int]:
    return sorted(r[0] for r in wh.fetchall(f"SELECT n FROM {table}"))


@pytest.mark.slow
def test_a_commit_killed_half_way_is_finished_by_the_next_writer(
        tmp_path: Path, spark_session: object, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "w"
    with SparkWarehouse(root) as wh:
        wh.replace_table("a", pl.DataFrame({"n": [1]}))
        wh.replace_table("b", pl.DataFrame({"n": [1]}))
        applied: list[str] = []
        original = Store._apply

        def dies_after_one_step(self: Store, steps: list[dict[str, str]]) -> None:
            original(self, steps[:1])
            applied.append(steps[0]["table"])
            raise KeyboardInterrupt("killed mid-commit")

        monkeypatch.setattr(Store, "_apply", dies_after_one_step)
        with pytest.raises(KeyboardInterrupt), wh.transaction():
            wh.execute("INSERT INTO a VALUES (2)")
            wh.execute("DELETE FROM b")
            wh.append_frame("b", pl.DataFrame({"n": [3, 4]}))
        monkeypatch.setattr(Store, "_apply", original)
        assert (root / "_contactops" / "journal.json").is_file()
    with SparkWarehouse(root) as wh:  # the next writer rolls the journal forward
        assert not (root / "_contactops" / "journal.json").exists()
        assert _rows(wh, "a") == [1, 2]
        assert _rows(wh, "b") == [3, 4]
    assert applied == ["a"]


@pytest.mark.slow
def test_a_transaction_that_fails_leaves_nothing(tmp_path: Path, spark_session: object) -> None:
    root = tmp_path / "w"
    with SparkWarehouse(root) as wh:
        wh.replace_table("a", pl.DataFrame({"n": [1, 2]}))
        with pytest.raises(RuntimeError), wh.transaction():
            wh.execute("DELETE FROM a WHERE n = 1")
            wh.execute("CREATE TABLE c AS SELECT 1 AS n")
            assert _rows(wh, "a") == [2] and wh.table_exists("c")
            raise RuntimeError("stage failed")
        assert _rows(wh, "a") == [1, 2] and not wh.table_exists("c")
    assert list((root / "_contactops" / "staging").iterdir()) == []
    assert not (root / "c").exists()
    # what a reader without Spark sees: plain Parquet, one folder per table
    assert sorted(pl.read_parquet(root / "a" / "*.parquet")["n"].to_list()) == [1, 2]


@pytest.mark.slow
def test_one_writer_at_a_time_readers_do_not_wait(tmp_path: Path,
                                                  spark_session: object) -> None:
    root = tmp_path / "w"
    with SparkWarehouse(root) as wh:
        wh.replace_table("a", pl.DataFrame({"n": [7]}))
        with pytest.raises(WarehouseBusy, match="in use by another contactops run"):
            SparkWarehouse(root, lock_timeout=0)
        with SparkWarehouse(root, read_only=True) as reader:
            assert _rows(reader, "a") == [7]
            with pytest.raises(ContactopsError, match="read-only"):
                reader.execute("DELETE FROM a")


def test_a_kept_leftover_staging_folder_is_removed(tmp_path: Path) -> None:
    root = tmp_path / "w"
    store = Store(root, read_only=False, lock_timeout=0)
    stray = store.new_folder()
    stray.mkdir()
    (root / "_ingest_seen").mkdir()
    store.close()
    Store(root, read_only=False, lock_timeout=0).close()
    assert not stray.exists() and not (root / "_ingest_seen").exists()


def test_a_damaged_journal_is_refused_with_the_fix(tmp_path: Path) -> None:
    root = tmp_path / "w"
    Store(root, read_only=False, lock_timeout=0).close()
    (root / "_contactops" / "journal.json").write_text("{not json")
    with pytest.raises(ContactopsError, match="restore the warehouse folder"):
        Store(root, read_only=False, lock_timeout=0)


def test_commit_without_changes_writes_no_journal(tmp_path: Path) -> None:
    store = Store(tmp_path / "w", read_only=False, lock_timeout=0)
    store.commit({"t": Pending()})
    assert not (tmp_path / "w" / "_contactops" / "journal.json").exists()
    store.close()


def test_the_engine_of_an_existing_warehouse_wins(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    (folder / "_contactops").mkdir(parents=True)
    (folder / "_contactops" / "catalog.json").write_text(json.dumps({}))
    with pytest.raises(ContactopsError, match="made by the spark engine"):
        open_engine(folder, engine="duckdb")
    duck = tmp_path / "w.duckdb"
    with open_engine(duck) as wh:
        assert wh.sql_dialect == "duckdb"
    with pytest.raises(ContactopsError, match="made by the duckdb engine"):
        open_engine(duck, engine="spark")
    with pytest.raises(ContactopsError, match="unknown engine"):
        open_engine(tmp_path / "x", engine="oracle")


def test_spark_without_pyspark_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    from contactops.engine.spark import session as module

    real = builtins.__import__

    def no_pyspark(name: str, *args: object, **kwargs: object) -> object:
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError("No module named 'pyspark'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    with pytest.raises(ContactopsError, match=r"contactops\[spark\]"):
        module.require_pyspark()


def test_the_spark_warehouse_has_the_protocols_members_and_signatures() -> None:
    import inspect

    from contactops.engine.api import MEMBERS, Engine

    for name in MEMBERS:
        assert hasattr(SparkWarehouse, name) or name in SparkWarehouse.__annotations__, name
        wanted = getattr(Engine, name, None)
        if callable(wanted):
            have = inspect.signature(getattr(SparkWarehouse, name)).parameters
            assert set(inspect.signature(wanted).parameters) <= set(have), name
