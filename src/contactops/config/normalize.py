"""Settings of the normalize stage (the ``normalize:`` block of a pipeline)."""

from __future__ import annotations

from pydantic import Field

from contactops.config.base import Frozen


class NormalizeSettings(Frozen):
    enabled: bool = Field(True, description="run the normalize stage")
    phone_region: str | None = Field(
        None, description="region for national phone numbers; default: project default_country")
    nickname_keys: bool = Field(
        True, description="add a nickname-canonical first-name matching key (Bob -> robert)")
    flag_email_typos: bool = Field(
        True, description="flag likely email domain typos (gmial.com) with the suggested fix")
