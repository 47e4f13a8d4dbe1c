"""The Spark engine's tests share the process's one Spark session (local[2])."""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


@pytest.fixture(scope="session")
def spark_session() -> object:
    """Start Spark once for the test process (about 15 s)."""
    from contactops.engine.spark.session import session

    return session("local[2]")
