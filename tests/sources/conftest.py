"""Fixtures for the source reader tests: a project rooted in tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactops.config.loader import Project
from contactops.config.project import ProjectSettings


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(root=tmp_path, settings=ProjectSettings())
