"""Fixtures for the source reader tests: a project rooted in tmp_path and a Postgres schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contactops.config.loader import Project
from contactops.config.project import ProjectSettings

PG_DSN = os.environ.get("CONTACTOPS_TEST_PG_DSN",
                        "host=127.0.0.1 port=5432 dbname=test user=postgres")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(root=tmp_path, settings=ProjectSettings())


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
