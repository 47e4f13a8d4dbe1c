"""Shared fixtures: a throwaway project folder with config/, pipelines/ and data/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def make_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                 ) -> Callable[..., Path]:
    """Write a project: ``make_project(pipeline_yaml, files={"data/a.csv": "..."})``.

    Returns the pipeline file's path; the cwd is the project root.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)

    def make(pipeline: str, files: dict[str, str | bytes] | None = None,
             settings: str = "project: test\nwarehouse: wh/test.duckdb\n") -> Path:
        (tmp_path / "config").mkdir(exist_ok=True)
        (tmp_path / "config" / "contactops.yaml").write_text(settings)
        for name, content in (files or {}).items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        (tmp_path / "pipelines").mkdir(exist_ok=True)
        target = tmp_path / "pipelines" / "p.yaml"
        target.write_text(pipeline)
        return target

    return make
