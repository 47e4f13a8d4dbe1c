"""The consent gate on normalized records: a member whose consent is unknown is left out.

Moved from tests/validate (the validate stage's own audience consent check is gone; the
gate is the one check publishing applies).
"""

from __future__ import annotations

import polars as pl
from tests.validate.conftest import GOOD, normalized

from contactops.audiences.gate import GateContext, apply_gate
from contactops.audiences.suppression import SCHEMA
from contactops.config.audiences import Audience

SPRING = Audience(channel="email", purpose="marketing", filter="TRUE")
CTX = GateContext(suppressions=pl.DataFrame(schema=SCHEMA))


def test_audience_consent_gate() -> None:
    records = normalized([dict(GOOD), {**GOOD, "email_consent": None}])
    members = records.with_columns(contact_id=pl.col("record_id"))
    result = apply_gate(members, SPRING, CTX)
    assert result.excluded["contact_id"].to_list() == ["r1"]
    assert result.counts() == {"consent_unknown": 1}
    ok = apply_gate(members.head(1), SPRING, CTX)
    assert ok.excluded.is_empty()
