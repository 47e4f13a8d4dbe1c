"""One masking policy: the Python and the Polars form agree on every field kind."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactops.pii import PiiKind, kind_of, mask_expr, mask_value

#: One field of every kind, plus a match key and an unknown column.
FIELDS = ("date_of_birth", "external_id", "external_id_key", "email", "email_key", "phone",
          "phone_e164", "first_name", "company", "city", "last_name_key", "consent_email",
          "country", "record_id", "")

#: Values shaped like the real ones (dates, ids with a kind, emails, phones) and any text.
values = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-", min_size=8, max_size=12),
    st.builds(lambda k, v: f"{k}:{v}", st.text(max_size=8), st.text(max_size=12)),
    st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=8), st.text(max_size=12)),
    st.builds(lambda n: f"+{n}", st.integers(0, 10**14)),
)


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(FIELDS), value=st.one_of(st.none(), values))
def test_python_and_polars_forms_agree(field: str, value: str | None) -> None:
    frame = pl.DataFrame({"v": [value]}, schema={"v": pl.String})
    assert frame.select(mask_expr(field, pl.col("v"))).item() == mask_value(field, value)


def test_every_kind_is_covered() -> None:
    assert {kind_of(f) for f in FIELDS} == set(PiiKind)


@pytest.mark.parametrize(("field", "value", "masked"), [
    ("company", "Ada's Bakery", "A***"),  # a sole trader's company names a person
    ("city", "London", "L***"),
    ("last_name_key", "smith", "s***"),
    ("country", "GB", "GB"),
    ("first_name", "", "***"),
])
def test_policy_decisions(field: str, value: str, masked: str) -> None:
    assert mask_value(field, value) == masked
