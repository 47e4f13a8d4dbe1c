"""Settings of the dedupe stage (the ``dedupe:`` block of a pipeline)."""

from __future__ import annotations

from pydantic import Field

from contactops.config.base import Frozen


class DedupeSettings(Frozen):
    enabled: bool = Field(True, description="run the dedupe stage")
