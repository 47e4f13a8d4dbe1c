"""``Engine.map_batches`` on both engines: a pure batch function over a query's rows lands the
same tables, sums the same numbers, replaces or appends inside the caller's transaction; on
Spark it runs on the executors and the rows never come through the driver's frame paths.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from contactops.engine import Warehouse
from contactops.engine.spark import SparkWarehouse
from contactops.errors import ContactopsError

pytestmark = pytest.mark.slow

ROWS = 2_000


@pytest.fixture(scope="module", autouse=True)
def _pickle_this_module_by_value() -> None:
    """Spark's workers cannot import the test modules: ship this module's functions whole."""
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])


def split_words(frame: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, float]]:
    """Per-row work (as normalize's): each row upper-cased and split, the even rows apart, and
    numbers to sum. The output types differ from the input's (unsigned, lists)."""
    rows = frame.with_columns(pl.col("name").str.to_uppercase().alias("upper"),
                              pl.col("n").cast(pl.UInt32).alias("small"),
                              pl.col("name").str.split(" ").alias("words"))
    even = frame.filter(pl.col("n") % 2 == 0).select("n", (pl.col("n") * 10).alias("tenfold"))
    return {"words": rows, "even": even}, {"rows": float(frame.height),
                                           "letters": float(frame["name"].str.len_chars().sum())}


def failing(frame: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, float]]:
    if frame.height:
        raise ValueError("no batch wanted")
    return {"words": frame, "even": frame}, {}


def _open(kind: str, root: Path) -> Any:
    if kind == "duckdb":
        return Warehouse(root / "wh.duckdb")
    return SparkWarehouse(root / "wh")


@pytest.fixture(params=["duckdb", "spark"])
def wh(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "spark":
        request.getfixturevalue("spark_session")
    warehouse = _open(request.param, tmp_path)
    source = pl.DataFrame({"n": list(range(ROWS)),
                           "name": [f"ann lee {i}" if i % 3 else None for i in range(ROWS)]})
    warehouse.replace_table("people", source)
    yield warehouse
    warehouse.close()


def _words(wh: Any) -> pl.DataFrame:
    return wh.pl("SELECT n, name, upper, small, words FROM words ORDER BY n")


def test_lands_every_output_and_sums_the_numbers(wh: Any) -> None:
    with wh.transaction():
        mapped = wh.map_batches("SELECT n, name FROM people WHERE n >= ? ORDER BY n",
                                split_words, ["words", "even"], rows=300, params=[500])
    kept = ROWS - 500
    assert mapped.rows == {"words": kept, "even": kept // 2}
    assert mapped.totals["rows"] == kept
    names = [f"ann lee {i}" for i in range(500, ROWS) if i % 3]
    assert mapped.totals["letters"] == sum(len(n) for n in names)
    assert mapped.batches >= -(-kept // 300)  # Spark: per partition, never more rows
    words = _words(wh)
    assert words["n"].to_list() == list(range(500, ROWS))
    row = words.filter(pl.col("n") == 502).row(0, named=True)
    assert row == {"n": 502, "name": "ann lee 502", "upper": "ANN LEE 502", "small": 502,
                   "words": ["ann", "lee", "502"]}
    assert words.filter(pl.col("n") == 501)["words"].to_list() == [None]  # null name
    even = wh.pl("SELECT n, tenfold FROM even ORDER BY n")
    assert even["tenfold"].to_list() == [n * 10 for n in range(500, ROWS, 2)]


def test_append_adds_rows_and_replace_starts_over(wh: Any) -> None:
    wh.map_batches("SELECT n, name FROM people WHERE n < 100", split_words, ["words", "even"],
                   rows=64)
    mapped = wh.map_batches("SELECT n, name FROM people WHERE n >= 100 AND n < 150",
                            split_words, ["words", "even"], rows=64, append=True)
    assert mapped.rows["words"] == 50
    assert _words(wh)["n"].sort().to_list() == list(range(150))
    wh.map_batches("SELECT n, name FROM people WHERE n >= 1900", split_words,
                   ["words", "even"], rows=64)
    assert _words(wh)["n"].to_list() == list(range(1900, ROWS))


def test_an_empty_result_still_makes_the_tables(wh: Any) -> None:
    mapped = wh.map_batches("SELECT n, name FROM people WHERE n < 0", split_words,
                            ["words", "even"], rows=100)
    assert mapped.rows == {"words": 0, "even": 0}
    assert wh.columns("words") == ["n", "name", "upper", "small", "words"]
    assert wh.scalar("SELECT count(*) FROM even") == 0


def test_a_failing_function_leaves_the_tables_as_they_were(wh: Any) -> None:
    wh.map_batches("SELECT n, name FROM people WHERE n < 10", split_words, ["words", "even"],
                   rows=100)
    with pytest.raises((ValueError, ContactopsError), match="no batch wanted"):
        with wh.transaction():
            wh.map_batches("SELECT n, name FROM people", failing, ["words", "even"], rows=100)
    assert _words(wh)["n"].to_list() == list(range(10))


def test_the_function_must_return_the_tables_asked_for(wh: Any) -> None:
    with pytest.raises((ValueError, ContactopsError), match="returned tables"):
        wh.map_batches("SELECT n, name FROM people", split_words, ["words"], rows=100)


def test_on_spark_the_rows_skip_the_driver(tmp_path: Path, spark_session: object,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The driver neither reads the rows (no frame out of Spark) nor writes them (no Arrow
    frame written by pyarrow); only the per-batch numbers come back."""
    wh = _open("spark", tmp_path)
    wh.replace_table("people", pl.DataFrame({"n": list(range(ROWS)),
                                             "name": ["x y"] * ROWS}))
    driver: list[str] = []
    for name in ("_write_frame", "_arrow", "batches", "pl", "replace_table", "append_frame"):
        original = getattr(SparkWarehouse, name)

        def spy(self: Any, *args: Any, _name: str = name, _original: Any = original,
                **kwargs: Any) -> Any:
            driver.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(SparkWarehouse, name, spy)
    try:
        mapped = wh.map_batches("SELECT n, name FROM people", split_words, ["words", "even"],
                                rows=500)
    finally:
        monkeypatch.undo()
    assert driver == []
    assert mapped.rows == {"words": ROWS, "even": ROWS // 2}
    assert wh.scalar("SELECT count(*) FROM words WHERE upper = 'X Y'") == ROWS
    wh.close()


def test_spark_drops_a_sort_its_tables_would_not_keep() -> None:
    from contactops.engine.spark.mapping import unordered

    assert unordered("SELECT a FROM t WHERE a > ? ORDER BY a") == "SELECT a FROM t WHERE a > ?"
    for kept in ("SELECT a FROM t ORDER BY a LIMIT 3", "SELECT a FROM t",
                 "SELECT a FROM t ORDER BY a OFFSET 2"):
        assert unordered(kept) == kept


def count_threads(frame: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, float]]:
    return {"seen": frame}, {"calls": 1.0, "threads": float(pl.thread_pool_size())}


def test_a_task_runs_polars_on_its_own_core(tmp_path: Path, spark_session: object) -> None:
    """Concurrent tasks share the executor's cores: each task's Polars gets one thread
    (spark.task.cpus), not one per core of the machine."""
    wh = _open("spark", tmp_path)
    wh.replace_table("people", pl.DataFrame({"n": list(range(ROWS))}))
    mapped = wh.map_batches("SELECT n FROM people", count_threads, ["seen"], rows=500)
    assert mapped.totals["threads"] == mapped.totals["calls"] == mapped.batches > 0
    wh.close()
