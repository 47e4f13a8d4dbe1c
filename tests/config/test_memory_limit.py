"""The memory_limit setting: its grammar, where it comes from, and its error messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactops.config import load_pipeline, load_project
from contactops.config.memory import (
    ENV_VAR,
    MINIMUM,
    MemorySizeError,
    default_limit,
    machine_memory,
    parse_size,
    resolve_memory_limit,
)
from contactops.errors import ConfigError, UsageError

PIPELINE = ("name: demo\n{settings}sources:\n"
            "  - name: a\n    type: csv\n    kind: import\n    path: data/a.csv\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "contactops.yaml").write_text("project: t\n")
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("Email\na@example.com\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    return tmp_path


def _write(project: Path, *, pipeline: str | None = None, config: str | None = None) -> None:
    settings = f"settings:\n  memory_limit: {pipeline}\n" if pipeline is not None else ""
    (project / "pipelines" / "p.yaml").write_text(PIPELINE.format(settings=settings))
    if config is not None:
        (project / "config" / "contactops.yaml").write_text(f"memory_limit: {config}\n")


@pytest.mark.parametrize(("text", "size"), [
    ("6GB", 6 * 1000**3),
    ("6gb", 6 * 1000**3),
    ("6 GiB", 6 * 1024**3),
    ("512MiB", 512 * 1024**2),
    ("1.5GiB", int(1.5 * 1024**3)),
    ("800MB", 800 * 1000**2),
    ("2TB", 2 * 1000**4),
    ("300000000B", 300_000_000),
    ("  4GB ", 4 * 1000**3),
])
def test_sizes_with_units(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_a_share_of_the_machine() -> None:
    assert parse_size("50%") == machine_memory() // 2
    assert parse_size("100%") == machine_memory()


@pytest.mark.parametrize(("value", "message"), [
    ("6", "a bare number has no unit"),
    (6, "a bare number has no unit"),
    ("6XB", "unknown unit 'XB'; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"),
    ("lots", "not a memory size"),
    ("-1GB", "not a memory size"),
    ("0%", "must be above 0% and at most 100%"),
    ("150%", "must be above 0% and at most 100%"),
    ("abc%", "not a percentage"),
    ("100MB", "too little to run in; give at least 256MiB"),
])
def test_bad_sizes_say_how_to_write_one(value: object, message: str) -> None:
    with pytest.raises(MemorySizeError) as info:
        parse_size(value)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_the_minimum_is_accepted() -> None:
    assert parse_size("256MiB") == MINIMUM


def test_default_is_half_the_machine() -> None:
    limit = default_limit()
    assert limit.bytes == machine_memory() // 2
    assert limit.origin == "default"
    assert "half of the machine" in limit.text
    assert limit.engine_bytes == limit.bytes // 2
    assert limit.engine_bytes + limit.frame_bytes == limit.bytes


def test_precedence_option_pipeline_config_env_default(project: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "3GB")
    _write(project, pipeline="5GB", config="4GB")
    loaded = load_pipeline("pipelines/p.yaml")
    assert resolve_memory_limit("6GB", loaded).bytes == 6 * 1000**3
    assert resolve_memory_limit("6GB", loaded).origin == "--memory-limit"
    chosen = resolve_memory_limit(None, loaded)
    assert (chosen.bytes, chosen.origin) == (5 * 1000**3, "pipelines/p.yaml:3: "
                                             "settings.memory_limit")
    _write(project, config="4GB")
    chosen = resolve_memory_limit(None, load_pipeline("pipelines/p.yaml"))
    assert (chosen.bytes, chosen.origin) == (4 * 1000**3,
                                             "config/contactops.yaml: memory_limit")
    assert resolve_memory_limit(None, load_project(project)).bytes == 4 * 1000**3
    (project / "config" / "contactops.yaml").write_text("project: t\n")
    chosen = resolve_memory_limit(None, load_pipeline("pipelines/p.yaml"))
    assert (chosen.bytes, chosen.origin) == (3 * 1000**3, f"environment variable {ENV_VAR}")
    monkeypatch.delenv(ENV_VAR)
    assert resolve_memory_limit(None, load_pipeline("pipelines/p.yaml")) == default_limit()
    assert resolve_memory_limit() == default_limit()


def test_bad_option_is_a_usage_error_naming_the_option() -> None:
    with pytest.raises(UsageError) as info:
        resolve_memory_limit("6")
    assert str(info.value).startswith("--memory-limit '6': a bare number has no unit")
    assert info.value.exit_code == 2


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(UsageError) as info:
        resolve_memory_limit(None, environ={ENV_VAR: "many"})
    assert str(info.value).startswith(f"environment variable {ENV_VAR}='many': not a memory "
                                      "size")
    assert "fix or unset it" in str(info.value)


def test_bad_pipeline_setting_names_file_line_and_key(project: Path) -> None:
    _write(project, pipeline="6")
    with pytest.raises(ConfigError) as info:
        load_pipeline("pipelines/p.yaml")
    assert [str(i) for i in info.value.issues] == [
        "pipelines/p.yaml:3: settings.memory_limit: a bare number has no unit; write a size "
        "with a unit such as 6GB, 512MiB or 1.5GiB, or a share such as 50% (got 6)"]


def test_bad_project_setting_names_the_settings_file(project: Path) -> None:
    (project / "config" / "contactops.yaml").write_text("project: t\nmemory_limit: 6 gigs\n")
    with pytest.raises(ConfigError) as info:
        load_project(project)
    assert str(info.value.issues[0]).startswith(
        "config/contactops.yaml:2: memory_limit: unknown unit 'gigs'")
