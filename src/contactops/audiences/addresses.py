"""One member per channel address: contacts sharing an inbox or a phone get one message.

Role mailboxes (``sales@``, ``info@``) and switchboards are shared by many contacts; an
audience holding each of them would send the same message to the same inbox many times.
The address is ``email_key`` (the normalized inbox: lower case, plus-tags and Gmail dots
removed), else the trimmed lower-case ``email``, for email audiences, and ``phone_e164`` for
sms and phone audiences. Among the members sharing one address, the representative is, in
order of these rules:

1. the contact with the latest consent on the audience's channel — the time of the source
   record its consent came from (``consent_timestamp``, else that record's ``updated_at``,
   else ``created_at``); a time in the future is a data error and counts as unknown, and
   unknown times come last;
2. then the most complete record: most of :data:`PROFILE_FIELDS` filled;
3. then the smallest ``contact_id``.

Every other member sharing the address is excluded with reason ``duplicate_address``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from contactops.catalog import T

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

#: Fields counted for "the most complete record" (those the contacts table has).
PROFILE_FIELDS = (
    "first_name", "last_name", "full_name", "email", "phone_e164", "company", "job_title",
    "industry", "street", "city", "region", "postal_code", "country", "lifecycle_stage",
)
REASON = "duplicate_address"


def address_expr(columns: list[str], channel: str) -> pl.Expr:
    """The normalized channel address of each contact (null when it has none)."""
    def text(name: str) -> pl.Expr:
        if name not in columns:
            return pl.lit(None, dtype=pl.Utf8)
        value = pl.col(name).str.strip_chars()
        return pl.when(value.str.len_chars() > 0).then(value)

    if channel == "email":
        return pl.coalesce(text("email_key").str.to_lowercase(),
                           text("email").str.to_lowercase())
    if channel in ("sms", "phone"):
        return text("phone_e164")
    raise ValueError(f"channel '{channel}' has no address")


def shared(members: pl.DataFrame, channel: str) -> list[str]:
    """contact_ids of the members whose address another member has too."""
    key = address_expr(members.columns, channel)
    flagged = members.select("contact_id", _address=key).filter(
        pl.col("_address").is_not_null() & pl.col("_address").is_duplicated())
    return flagged["contact_id"].to_list()


def one_per_address(members: pl.DataFrame, channel: str,
                    consent_at: pl.DataFrame | None = None
                    ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keep one member per address; returns (members, excluded ``contact_id, reason``).

    ``consent_at`` holds ``contact_id, consent_at`` (rule 1) for the members that share an
    address; without it rule 1 is skipped. Members keep their order.
    """
    sharing = members.select("contact_id", _address=address_expr(members.columns, channel)
                             ).filter(pl.col("_address").is_not_null()
                                      & pl.col("_address").is_duplicated())
    empty = pl.DataFrame(schema={"contact_id": pl.Utf8, "reason": pl.Utf8})
    if not sharing.height:
        return members, empty
    candidates = members.join(sharing, on="contact_id", how="semi")  # rank only these
    filled = [pl.col(c).cast(pl.Utf8).str.strip_chars().str.len_chars().fill_null(0) > 0
              for c in PROFILE_FIELDS if c in members.columns]
    stamps = (consent_at if consent_at is not None
              else pl.DataFrame(schema={"contact_id": pl.Utf8, "consent_at": pl.Datetime("us")}))
    ranked = (candidates.select("contact_id",
                                _address=address_expr(members.columns, channel),
                                _filled=pl.sum_horizontal(filled) if filled else pl.lit(0))
              .join(stamps.select("contact_id", pl.col("consent_at").cast(pl.Datetime("us"))
                                  .alias("_at")), on="contact_id", how="left")
              .sort(["_at", "_filled", "contact_id"], descending=[True, True, False],
                    nulls_last=True))
    losers = ranked.filter(~pl.col("_address").is_first_distinct())["contact_id"]
    kept = members.filter(~pl.col("contact_id").is_in(losers.implode()))
    excluded = pl.DataFrame({"contact_id": losers.sort()}, schema={"contact_id": pl.Utf8}
                            ).with_columns(reason=pl.lit(REASON))
    return kept, excluded


def consent_times(wh: Warehouse, contact_ids: list[str], channel: str) -> pl.DataFrame | None:
    """``contact_id, consent_at`` for rule 1, or None when the warehouse cannot tell.

    A ``consent_<channel>_at`` column on contacts is used as is; otherwise the time of the
    normalized record named by ``consent_<channel>_record`` (what dedupe's consent merge kept).
    """
    if not contact_ids:
        return None
    columns = wh.columns(T.contacts.name)
    direct, record = f"consent_{channel}_at", f"consent_{channel}_record"
    if direct in columns:
        stamp, source = f'c."{direct}"', ""
    elif record in columns and wh.table_exists(T.normalized_records.name):
        known = set(wh.columns(T.normalized_records.name))
        times = [f'n."{c}"' for c in ("consent_timestamp", "updated_at", "created_at")
                 if c in known]
        if not times:
            return None
        stamp = f"coalesce({', '.join(times)})" if len(times) > 1 else times[0]
        source = f'LEFT JOIN {T.normalized_records} n ON n.record_id = c."{record}"'
    else:
        return None
    ids = pl.DataFrame({"contact_id": contact_ids}, schema={"contact_id": pl.Utf8})
    with wh.registered("_shared_addresses", ids):
        return wh.pl(
            f"SELECT c.contact_id, CASE WHEN CAST({stamp} AS TIMESTAMP) <= now()::TIMESTAMP "
            f"THEN CAST({stamp} AS TIMESTAMP) END AS consent_at FROM {T.contacts} c {source} "
            "WHERE c.contact_id IN (SELECT contact_id FROM _shared_addresses)")
