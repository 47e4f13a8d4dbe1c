"""Settings of the validate stage (the ``validate:`` block of a pipeline)."""

from __future__ import annotations

from pydantic import Field

from contactops.config.base import Frozen


class ValidateSettings(Frozen):
    enabled: bool = Field(True, description="run the validate stage")
