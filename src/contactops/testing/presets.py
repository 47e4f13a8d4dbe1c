"""Named sets of generator knobs: ``classic`` (the original data) and ``hard``.

``hard`` is what name-and-address lists look like: more distinct names and companies (five
non-Latin scripts with transliterations), families sharing a surname, home and landline,
namesakes at one company, people with two employers, people with neither email nor phone,
street addresses with abbreviations, dates of birth, both names misspelt, swapped names and
the consent words of marketing tools. ``name_skew`` (names as unevenly common as in real
populations) is not in it yet: on such data the tuned Splink baseline's EM fails (an m
probability of 0), which would break the benchmark's side-by-side. Explicit knobs override
the preset's.
"""

from __future__ import annotations

import difflib
from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "classic": {},
    "hard": {
        "duplicate_rate": 0.5, "max_records_per_entity": 6,
        "country_weights": {"US": 0.5, "GB": 0.25, "DE": 0.25},
        "shared_mailbox_rate": 0.03, "shared_phone_rate": 0.05, "phone_rate": 0.6,
        "missing_rate": 0.15, "case_rate": 0.2, "whitespace_rate": 0.15, "typo_rate": 0.12,
        "nickname_rate": 0.25, "swap_name_rate": 0.06, "email_mess_rate": 0.4,
        "consent_drift_rate": 0.2, "name_pool": "world", "translit_rate": 0.5,
        "family_rate": 0.12, "namesake_rate": 0.03, "two_job_rate": 0.06,
        "offline_rate": 0.12, "address_rate": 0.7, "birth_date_rate": 0.5,
        "typo_both_rate": 0.04,
    },
}


def preset_knobs(preset: str, **knobs: Any) -> dict[str, Any]:
    """The knobs of ``preset`` updated with ``knobs``; an unknown preset is named."""
    if preset not in PRESETS:
        close = difflib.get_close_matches(preset, list(PRESETS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"unknown generator preset {preset!r}{hint} "
                         f"(presets: {', '.join(PRESETS)})")
    return {**PRESETS[preset], **knobs}
