"""A copy of the demo project (config/, pipelines/, data/), run once per session.

The repo's own warehouse is never touched: the copy lives in a temporary folder and its
warehouse (``warehouse/demo.duckdb`` relative to the copy) is created there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def copy_demo(target: Path) -> Path:
    for folder in ("config", "pipelines", "data"):
        shutil.copytree(REPO / folder, target / folder)
    return target


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project, run through every stage (warn-only: its gate fails by design)."""
    from contactops import Workbench

    os.environ.pop("CONTACTOPS_WAREHOUSE", None)
    root = copy_demo(tmp_path_factory.mktemp("demo"))
    Workbench(root).run()
    return root


@pytest.fixture(scope="session")
def demo_warehouse(demo_project: Path) -> Path:
    from contactops import Workbench

    return Workbench(demo_project).warehouse
