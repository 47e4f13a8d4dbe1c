"""The application core's one resolution rule: project, pipeline, warehouse, sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contactops.core import Context, init_project
from contactops.errors import ConfigError, UsageError


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The `contactops init` example project, as the working directory."""
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    root = tmp_path / "proj"
    init_project(root)
    monkeypatch.chdir(root)
    return root


def _second_pipeline(root: Path, name: str, extra: str = "") -> Path:
    target = root / "pipelines" / name
    text = (root / "pipelines" / "contacts.yaml").read_text()
    target.write_text(text.replace("name: contacts", f"name: {target.stem}", 1) + extra)
    return target


def test_the_only_pipeline_is_picked(project: Path) -> None:
    ctx = Context.open()
    assert ctx.has_pipeline and ctx.pipeline_name == "contacts"
    assert ctx.pipeline_file == (project / "pipelines" / "contacts.yaml").resolve()
    assert ctx.root == project.resolve()
    assert ctx.warehouse == project.resolve() / "warehouse" / "contacts.duckdb"
    assert ctx.lock_timeout == 30


def test_demo_is_picked_among_several_else_none(project: Path) -> None:
    _second_pipeline(project, "other.yaml")
    ctx = Context.open()
    assert not ctx.has_pipeline and ctx.pipeline_name is None
    with pytest.raises(UsageError, match=r"which pipeline\? pass one of: "
                       r"pipelines/contacts.yaml, pipelines/other.yaml \(or --source FILE\)"):
        ctx.require_pipeline()
    with pytest.raises(UsageError, match="pass pipeline= one of: contacts.yaml, other.yaml"):
        ctx.require_pipeline("notebook")
    assert ctx.warehouse == project.resolve() / "warehouse" / "contacts.duckdb"  # settings'
    _second_pipeline(project, "demo.yaml")
    assert Context.open().pipeline_name == "demo"


def test_named_pipeline_relative_to_cwd_or_to_the_project(project: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    _second_pipeline(project, "other.yaml", "warehouse: wh/other.duckdb\n")
    assert Context.open("pipelines/other.yaml").warehouse == \
        project.resolve() / "wh" / "other.duckdb"
    monkeypatch.chdir(project.parent)
    ctx = Context.open("pipelines/other.yaml", project="proj")
    assert ctx.pipeline_name == "other"
    with pytest.raises(ConfigError, match="pipeline file not found"):
        Context.open("pipelines/other.yaml")


def test_warehouse_option_and_sample(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.duckdb"
    ctx = Context.open(warehouse=other)
    assert ctx.warehouse == other and ctx.pipeline_name == "contacts"
    assert Context.open(warehouse=other, sample=True).warehouse == \
        tmp_path / "elsewhere.sample.duckdb"
    assert Context.open(sample=True).warehouse.name == "contacts.sample.duckdb"


def test_environment_names_the_warehouse(project: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTOPS_WAREHOUSE", str(tmp_path / "env.duckdb"))
    assert Context.open().warehouse == tmp_path / "env.duckdb"
    assert Context.open(warehouse=tmp_path / "flag.duckdb").warehouse == \
        tmp_path / "flag.duckdb"


def test_zero_config_from_source_files(project: Path) -> None:
    raw = project / "data" / "contacts.csv"
    ctx = Context.open(sources=[raw])
    assert ctx.inferred is not None and ctx.inferred["sources"][0]["path"]
    assert ctx.require_pipeline().pipeline is not None
    with pytest.raises(UsageError, match="either a pipeline file or --source"):
        Context.open("pipelines/contacts.yaml", sources=[raw])


def test_outside_any_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    monkeypatch.chdir(tmp_path)
    ctx = Context.open()
    assert not ctx.has_pipeline and ctx.root == tmp_path.resolve()
    with pytest.raises(UsageError, match="none in ./pipelines"):
        ctx.require_pipeline()


def test_a_run_and_its_loads_through_the_core(project: Path) -> None:
    ctx = Context.open()
    result = ctx.run(until="ingest")
    assert result.exit_code == 0 and Path(result.warehouse) == ctx.warehouse
    loads = ctx.loads()
    assert loads.height == 1 and loads["rows_accepted"][0] > 0
    runs = ctx.runs()
    assert runs["run_id"].to_list() == [result.run_id]
    assert ctx.loads_relation().count() == 1
    assert ctx.check() == []
    counts = ctx.undo_load(loads["load_id"][0], "test")
    assert counts["source_records"] == loads["rows_accepted"][0]
    statuses = ctx.loads()["status"].to_list()
    assert statuses != loads["status"].to_list()


def test_sources_and_retire_use_the_picked_pipeline(project: Path) -> None:
    ctx = Context.open()
    ctx.run(until="ingest")
    listed = ctx.sources()
    assert listed["source"].to_list() == ["signups"]
    assert ctx.declared_sources() == {"signups"}
    shutil.rmtree(project / "warehouse")
    with pytest.raises(Exception, match="does not exist yet"):
        ctx.loads()
