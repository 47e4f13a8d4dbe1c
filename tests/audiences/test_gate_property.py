"""Property: no published outbound member is ever anything but opted in and unsuppressed."""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactops.audiences.gate import REASONS, GateContext, apply_gate
from contactops.audiences.suppression import SCHEMA, Salt
from contactops.config.audiences import Audience

from .conftest import contact, contacts_frame

CONSENT = st.sampled_from(["opted_in", "opted_out", "pending", "unknown", None])
LABELS = st.lists(st.sampled_from(["vip", "do-not-contact", "test-contact", "partner"]),
                  max_size=3, unique=True)
LISTS = st.lists(st.sampled_from(["news", "updates"]), max_size=2, unique=True)
SALT = Salt("prop-salt")


@st.composite
def people(draw: st.DrawFn) -> list[dict]:
    n = draw(st.integers(0, 25))
    rows = []
    for i in range(n):
        email = draw(st.one_of(st.none(), st.sampled_from(
            [f"p{i}@example.org", f"P{i}@Example.org", f"p{i}@example-corp.com"])))
        rows.append(contact(f"c{i}", email=email,
                            phone_e164=draw(st.sampled_from([None, f"+1415555{i:04d}"])),
                            tags=draw(LABELS), lists=draw(LISTS),
                            consent_email=draw(CONSENT), consent_sms=draw(CONSENT),
                            consent_phone=draw(CONSENT)))
    return rows


@st.composite
def suppression_lists(draw: st.DrawFn, n: int) -> pl.DataFrame:
    entries = []
    for _ in range(draw(st.integers(0, 8))):
        i = draw(st.integers(0, max(n, 1)))
        kind = draw(st.sampled_from(["unsubscribe", "bounce", "do_not_contact", "erased"]))
        value = draw(st.sampled_from([f"p{i}@example.org", f"+1415555{i:04d}"]))
        hashed = kind == "erased"
        entries.append({"kind": kind,
                        "channel": draw(st.sampled_from(["email", "sms", "phone", "all"])),
                        "value": SALT.hash(value) if hashed else value, "hashed": hashed,
                        "salt_id": SALT.id if hashed else None, "source": "t", "reason": ""})
    return pl.DataFrame(entries, schema=SCHEMA)


audiences = st.builds(
    lambda channel, lists, tags, filt: Audience(
        channel=channel, purpose="marketing", lists=tuple(lists), tags=tuple(tags),
        filter=None if (lists or tags) else "TRUE" if filt else "country = 'US'"),
    st.sampled_from(["email", "sms", "phone"]), LISTS, LABELS, st.booleans())


def _suppressed(row: dict, supp: pl.DataFrame, channel: str) -> bool:
    keys = {k.strip().lower() for k in (row["email"], row["email_key"], row["phone_e164"])
            if k}
    for entry in supp.iter_rows(named=True):
        if entry["kind"] in ("unsubscribe", "bounce", "do_not_contact") \
                and entry["channel"] not in (channel, "all"):
            continue
        values = {SALT.hash(k) for k in keys} if entry["hashed"] else keys
        if entry["value"] in values:
            return True
    return "do-not-contact" in (row["tags"] or [])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_outbound_members_are_opted_in_and_unsuppressed(data: st.DataObject) -> None:
    rows = data.draw(people())
    supp = data.draw(suppression_lists(len(rows)))
    audience = data.draw(audiences)
    deleted = frozenset(data.draw(st.lists(st.sampled_from([r["contact_id"] for r in rows]),
                                           max_size=3)) if rows else [])
    frame = contacts_frame(rows)
    ctx = GateContext(suppressions=supp, deleted=deleted, salt=SALT,
                      internal_domains=("example-corp.com",),
                      test_mode=data.draw(st.booleans()))
    outcome = apply_gate(frame, audience, ctx)
    by_id = {r["contact_id"]: r for r in rows}
    channel = audience.channel
    for cid in outcome.members["contact_id"].to_list():
        row = by_id[cid]
        assert row[f"consent_{channel}"] == "opted_in", (cid, row)
        assert not _suppressed(row, supp, channel), (cid, row)
        assert cid not in deleted
        address = row["email"] if channel == "email" else row["phone_e164"]
        assert address
    # every candidate is either a member or excluded with exactly one known reason
    excluded = outcome.excluded
    assert set(excluded["reason"].to_list()) <= set(REASONS)
    assert excluded["contact_id"].n_unique() == excluded.height
    assert outcome.members.height + excluded.height == frame.height

