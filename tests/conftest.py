"""Shared fixtures: a throwaway project folder, and a throwaway PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PG_DSN = os.environ.get("CONTACTOPS_TEST_PG_DSN",
                        "host=127.0.0.1 port=5432 dbname=test user=postgres")


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


@pytest.fixture
def pg_dsn() -> str:
    return PG_DSN


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, Any]]:
    """A fresh, uniquely named schema on the local server, dropped afterwards.

    Skipped when no server answers, unless CONTACTOPS_REQUIRE_POSTGRES is set: then it fails.
    """
    import psycopg

    try:
        conn = psycopg.connect(PG_DSN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CONTACTOPS_REQUIRE_POSTGRES"):
            pytest.fail(f"CONTACTOPS_REQUIRE_POSTGRES is set but PostgreSQL is not reachable "
                        f"({PG_DSN}): {exc}")
        pytest.skip(f"no PostgreSQL server at {PG_DSN}")
    schema = f"co_test_{uuid.uuid4().hex[:12]}"
    conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema, conn
    finally:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.close()
