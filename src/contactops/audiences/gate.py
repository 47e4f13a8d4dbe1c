"""The consent gate: who among an audience's candidates may be published, and why not.

Pure Polars: candidates (``contacts`` rows) in, members and exclusions out, so the gate is
property-tested without a warehouse. Every excluded contact carries exactly one reason code,
the first that applies in :data:`REASONS` order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from contactops.audiences.suppression import Salt
from contactops.config.audiences import Audience, SafeRecords

#: Reason codes, in the order they are checked.
REASONS = (
    "deleted",            # soft-deleted with 'contactops delete'
    "erased",             # matches a GDPR-erased person's salted hash
    "do_not_contact",     # carries a do-not-contact tag or is on the do-not-contact list
    "unsubscribed",       # on the global unsubscribe list for the channel (marketing)
    "bounced",            # the address bounced
    "no_address",         # no email (email channel) or no phone (sms/phone)
    "consent_opted_out",  # marketing: opted out on the audience's channel
    "consent_pending",    # marketing: double opt-in not confirmed
    "consent_unknown",    # marketing: never asked / not recorded
    "not_safe",           # --test: not a safe record
    "validation_error",   # has error-severity validation issues (validation_errors: exclude)
    "duplicate_address",  # another member represents the same email/phone (one_per_address)
)

_ANY = ("email", "sms", "phone", "all")
_ADDRESS = {"email": ("email",), "sms": ("phone_e164",), "phone": ("phone_e164",)}


@dataclass(frozen=True)
class GateContext:
    """Everything besides the candidates that decides membership."""

    suppressions: pl.DataFrame
    deleted: frozenset[str] = frozenset()
    do_not_contact_tags: tuple[str, ...] = ("do-not-contact",)
    salt: Salt | None = None
    safe: SafeRecords = field(default_factory=SafeRecords)
    internal_domains: tuple[str, ...] = ()
    test_mode: bool = False


@dataclass
class GateOutcome:
    members: pl.DataFrame       # candidate rows that pass, plus a ``safe`` column
    excluded: pl.DataFrame      # contact_id, reason

    def counts(self) -> dict[str, int]:
        table = self.excluded.group_by("reason").len()
        found = dict(zip(table["reason"].to_list(), table["len"].to_list(), strict=True))
        return {r: int(found[r]) for r in REASONS if r in found}


def _col(frame: pl.DataFrame, name: str, dtype: pl.DataType) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype=dtype)


def _keys(frame: pl.DataFrame) -> list[pl.Expr]:
    """The contact's address keys that suppressions are matched against."""
    return [_col(frame, "email", pl.Utf8()).str.strip_chars().str.to_lowercase(),
            _col(frame, "email_key", pl.Utf8()).str.strip_chars().str.to_lowercase(),
            _col(frame, "phone_e164", pl.Utf8()).str.strip_chars()]


def _matches(frame: pl.DataFrame, values: set[str], salt: Salt | None = None) -> pl.Expr:
    if not values:
        return pl.lit(False)
    hits = []
    for key in _keys(frame):
        if salt is not None:
            key = key.map_elements(salt.hash, return_dtype=pl.Utf8)
        hits.append(key.is_in(list(values)).fill_null(False))
    return pl.any_horizontal(hits)


def _values(supp: pl.DataFrame, kind: str, channels: tuple[str, ...], hashed: bool) -> set[str]:
    rows = supp.filter((pl.col("kind") == kind) & pl.col("channel").is_in(list(channels))
                       & (pl.col("hashed") == hashed))
    return set(rows["value"].to_list())


def safe_expr(frame: pl.DataFrame, ctx: GateContext) -> pl.Expr:
    """Seeded test contacts, internal/safe domains and the explicit safe list."""
    tags = _col(frame, "tags", pl.List(pl.Utf8()))
    email = _col(frame, "email", pl.Utf8()).str.to_lowercase()
    domain = email.str.split("@").list.last()
    domains = [d.lower() for d in (*ctx.internal_domains, *ctx.safe.domains)]
    return (tags.list.eval(pl.element().is_in(list(ctx.safe.tags))).list.any().fill_null(False)
            | domain.is_in(domains).fill_null(False)
            | pl.col("contact_id").is_in(list(ctx.safe.contact_ids))
            | email.is_in([e.lower() for e in ctx.safe.emails]).fill_null(False))


def apply_gate(candidates: pl.DataFrame, audience: Audience, ctx: GateContext) -> GateOutcome:
    """Split ``candidates`` into members and exclusions with one reason code each."""
    channel = audience.channel
    channels = ("all",) if channel == "none" else (channel, "all")
    supp = ctx.suppressions
    tags = _col(candidates, "tags", pl.List(pl.Utf8()))
    dnc_tag = tags.list.eval(
        pl.element().is_in(list(ctx.do_not_contact_tags))).list.any().fill_null(False)
    checks: list[tuple[str, pl.Expr]] = [
        ("deleted", pl.col("contact_id").is_in(list(ctx.deleted))),
        # an erased person is suppressed on every channel, whatever the entry says
        ("erased", _matches(candidates, _values(supp, "erased", _ANY, True), ctx.salt)
         | _matches(candidates, _values(supp, "erased", _ANY, False))),
    ]
    if channel != "none":
        checks.append(("do_not_contact", dnc_tag | _matches(
            candidates, _values(supp, "do_not_contact", channels, False))))
    if audience.outbound:
        checks.append(("unsubscribed", _matches(
            candidates, _values(supp, "unsubscribe", channels, False))))
    if channel != "none":
        checks.append(("bounced", _matches(candidates, _values(supp, "bounce", channels, False))))
        address = pl.any_horizontal([_col(candidates, c, pl.Utf8()).str.strip_chars()
                                     .str.len_chars().fill_null(0) > 0
                                     for c in _ADDRESS[channel]])
        checks.append(("no_address", ~address))
    if audience.outbound:
        consent = _col(candidates, f"consent_{channel}", pl.Utf8()).fill_null("unknown")
        checks += [("consent_opted_out", consent == "opted_out"),
                   ("consent_pending", consent == "pending"),
                   ("consent_unknown", consent != "opted_in")]
    safe = safe_expr(candidates, ctx)
    if ctx.test_mode and not audience.outbound:
        # outbound tests are refused outright on non-safe members (see plan), not filtered
        checks.append(("not_safe", ~safe))
    reason: pl.Expr = pl.lit(None, dtype=pl.Utf8)
    for code, cond in reversed(checks):
        reason = pl.when(cond.fill_null(True)).then(pl.lit(code)).otherwise(reason)
    judged = candidates.with_columns(reason.alias("_reason"), safe.alias("_safe"))
    members = judged.filter(pl.col("_reason").is_null()).drop("_reason").rename(
        {"_safe": "safe"})
    excluded = judged.filter(pl.col("_reason").is_not_null()).select(
        "contact_id", pl.col("_reason").alias("reason"))
    return GateOutcome(members=members, excluded=excluded)
