"""``engine:`` in the project settings or a pipeline's ``settings:``, and ``--engine``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from contactops.config.project import EngineSettings
from contactops.core import Context
from contactops.errors import ConfigError, UsageError

PIPELINE = ("name: p\nsources:\n  - name: a\n    type: csv\n    path: data/a.csv\n"
            "    kind: import\n")


def test_short_and_long_forms() -> None:
    assert EngineSettings.model_validate("spark").name == "spark"
    long = EngineSettings.model_validate({"name": "Spark", "master": "spark://head:7077",
                                          "spark.executor.memory": "8g",
                                          "options": {"spark.sql.shuffle.partitions": 64}})
    assert long.name == "spark" and long.master == "spark://head:7077"
    assert long.options == {"spark.executor.memory": "8g",
                            "spark.sql.shuffle.partitions": "64"}
    assert EngineSettings().name == "duckdb"


def test_settings_pick_the_engine_and_the_warehouse_becomes_a_folder(
        make_project: Callable[..., Path]) -> None:
    pipeline = make_project(PIPELINE, files={"data/a.csv": "email\na@x.io\n"},
                            settings="project: t\nwarehouse: wh/t.duckdb\nengine: spark\n")
    ctx = Context.open(pipeline)
    assert ctx.project.settings.engine.name == "spark"
    assert ctx.warehouse == pipeline.parents[1] / "wh" / "t"
    assert Context.open(pipeline, engine="duckdb").warehouse.name == "t.duckdb"


def test_a_pipeline_setting_overrides_the_project(make_project: Callable[..., Path]) -> None:
    pipeline = make_project(PIPELINE + "settings:\n  engine:\n    name: spark\n"
                            "    master: local[1]\n", files={"data/a.csv": "email\n"})
    engine = Context.open(pipeline).project.settings.engine
    assert (engine.name, engine.master) == ("spark", "local[1]")


def test_unknown_engines_are_refused(make_project: Callable[..., Path]) -> None:
    pipeline = make_project(PIPELINE, files={"data/a.csv": "email\n"},
                            settings="project: t\nengine: oracle\n")
    with pytest.raises(ConfigError, match="unknown engine 'oracle'"):
        Context.open(pipeline)
    good = make_project(PIPELINE, files={"data/a.csv": "email\n"})
    with pytest.raises(UsageError, match="--engine"):
        Context.open(good, engine="oracle")


def test_a_spark_warehouse_made_by_run_engine_is_found_later(
        make_project: Callable[..., Path]) -> None:
    pipeline = make_project(PIPELINE, files={"data/a.csv": "email\n"})
    root = pipeline.parents[1]
    assert Context.open(pipeline).warehouse.name == "test.duckdb"
    (root / "wh" / "test" / "_contactops").mkdir(parents=True)
    assert Context.open(pipeline).warehouse == root / "wh" / "test"


def test_the_notebook_facade_takes_the_engine(make_project: Callable[..., Path]) -> None:
    from contactops import Workbench

    pipeline = make_project(PIPELINE, files={"data/a.csv": "email\n"})
    wb = Workbench(pipeline.parents[1], pipeline, engine="spark")
    assert wb.project.settings.engine.name == "spark"
    assert wb._ctx.warehouse == pipeline.parents[1] / "wh" / "test"
