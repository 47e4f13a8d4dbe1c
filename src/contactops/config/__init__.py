"""Typed configuration: YAML files parsed once into frozen pydantic models.

Knows nothing of the stages; every error is a :class:`contactops.errors.ConfigError` naming
file:line, the dotted key path, the bad value and a fix.
"""

from __future__ import annotations

from contactops.config.loader import Project, find_root, load_pipeline, load_project
from contactops.config.normalize import NormalizeSettings
from contactops.config.pipeline import Pipeline, Source
from contactops.config.project import ProjectSettings

__all__ = [
    "NormalizeSettings",
    "Pipeline",
    "Project",
    "ProjectSettings",
    "Source",
    "find_root",
    "load_pipeline",
    "load_project",
]
