"""Campaign activity (opens, clicks, form fills) on the CRM records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contactops.testing import vocab
from contactops.testing.draw import Draw, lit, take

if TYPE_CHECKING:
    from contactops.testing.generator import Knobs

ACTIVITY_TYPES = ("open", "click", "form_fill")
ACTIVITY_COLUMNS = ("activity_key", "activity_type", "occurred_at", "contact_key", "email",
                    "campaign", "channel", "details")
SPAN = (1704067200, 1748736000)  # 2024-01-01 .. 2025-06-01


def make_activities(records: pl.DataFrame, knobs: Knobs, draw: Draw) -> pl.DataFrame:
    """Activity rows whose ``contact_key`` is a CRM ``record_key`` (a few match none)."""
    crm = records.filter(pl.col("source") == "crm").select("record_key", "email")
    n = int(round(crm.height * knobs.activities_per_crm_record))
    if crm.height == 0 or n == 0:
        return pl.DataFrame(schema=dict.fromkeys(ACTIVITY_COLUMNS, pl.Utf8))
    rows = crm[draw.ints(0, crm.height, n)]
    kind = draw.weighted((0.55, 0.3, 0.15), n)
    orphan = draw.flag(knobs.orphan_activity_rate, n)
    stamp = pl.from_epoch(pl.lit(pl.Series(np.sort(draw.ints(*SPAN, n)))), time_unit="s")
    campaign = draw.choice(vocab.CAMPAIGNS, n)
    slug = campaign.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-")
    return rows.select(
        activity_key=pl.concat_str(pl.lit("ACT-"), pl.int_range(1, n + 1).cast(pl.Utf8)
                                   .str.zfill(7)),
        activity_type=pl.lit(take(ACTIVITY_TYPES, kind)),
        occurred_at=stamp.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        contact_key=pl.when(lit(orphan)).then(pl.concat_str(
            pl.lit("CRM-9"), pl.lit(pl.Series(draw.ints(0, 10**6, n))).cast(pl.Utf8).str.zfill(6)))
        .otherwise("record_key"),
        email=pl.when(lit(draw.flag(0.2, n))).then(pl.lit(None, pl.Utf8)).otherwise("email"),
        campaign=pl.lit(campaign),
        channel=pl.when(lit(kind == 2)).then(pl.lit("web")).otherwise(pl.lit("email")),
        details=pl.when(lit(kind == 1)).then(pl.concat_str(
            pl.lit("https://www.example.com/"), pl.lit(slug), pl.lit("?utm_medium=email")))
        .when(lit(kind == 2)).then(pl.lit("https://www.example.com/contact-us")),
    )
