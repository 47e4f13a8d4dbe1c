"""The people who make matching hard: families, namesakes, two jobs, offline people, addresses.

These are different true people who look alike (a family sharing a surname, a home and a
landline; several "John Smith" at one company) and one true person who looks like two (a work
email at each of two employers). Every draw here comes from the ``extra`` stream and only when
its knob is above zero, so the classic preset's output never changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contactops.testing import vocab, vocab_world
from contactops.testing.draw import Draw, lit, take

if TYPE_CHECKING:
    from contactops.testing.generator import Knobs
    from contactops.testing.pools import Pools

COUNTRY_ORDER = tuple(vocab.PLACES)
#: Companies that namesakes cluster in (past the shared-mailbox and switchboard ones).
NAMESAKE_COMPANIES = range(6, 12)
SHARE_HOME = 0.7  # share of family members who live with the head (address and landline)
BIRTH_SPAN = (-10957, 13149)  # days since 1970: 1940-01-01 .. 2005-12-31


def shape(frame: pl.DataFrame, knobs: Knobs, extra: Draw, pool: Pools) -> pl.DataFrame:
    """Give the base people the hard structures their knobs ask for (no-op when all are 0)."""
    hard = (knobs.namesake_rate, knobs.family_rate, knobs.offline_rate, knobs.two_job_rate,
            knobs.address_rate, knobs.birth_date_rate)
    if not any(hard) or frame.height == 0:
        return frame
    n = frame.height
    idx = np.arange(n)
    company = frame["company_idx"].to_numpy().copy()
    switchboard = frame["switchboard"].to_numpy()
    at_company = (company >= 0) & ~frame["shared_mailbox"].to_numpy() & ~switchboard
    first, last = frame["first_idx"].to_numpy().copy(), frame["last_idx"].to_numpy().copy()
    country = frame["country"].to_numpy()

    # several people with one very common name at the same company
    namesake = at_company & extra.flag(knobs.namesake_rate, n)
    pair = extra.ints(0, len(vocab_world.COMMON_NAMES), n)
    common_first = np.array([pool.first_index(f) for f, _ in vocab_world.COMMON_NAMES])
    common_last = np.array([pool.last_index(s) for _, s in vocab_world.COMMON_NAMES])
    first = np.where(namesake, common_first[pair], first)
    last = np.where(namesake, common_last[pair], last)
    company = np.where(namesake, extra.ints(NAMESAKE_COMPANIES.start, NAMESAKE_COMPANIES.stop,
                                            n), company)

    # families: a run of neighbours in one country forms a household around its first person
    member = extra.flag(knobs.family_rate, n) & ~namesake
    member[0] = False
    member[1:] &= country[1:] == country[:-1]
    head = np.maximum.accumulate(np.where(member, 0, idx))
    last = np.where(member, last[head], last)
    # household members never share a given name: the k-th member is k steps of 37 away
    first = np.where(member, (first[head] + (idx - head) * 37) % len(pool.first), first)
    home = member & extra.flag(SHARE_HOME, n) & ~switchboard & ~switchboard[head]
    src = np.where(home, head, idx)

    offline = extra.flag(knobs.offline_rate, n) & ~switchboard & ~frame[
        "shared_mailbox"].to_numpy() & (company != -2)
    two_job = at_company & ~namesake & ~offline & extra.flag(knobs.two_job_rate, n)
    shift = 1 + extra.ints(0, len(pool.companies) - 1, n)
    company2 = np.where(two_job, (np.maximum(company, 0) + shift) % len(pool.companies), -1)

    has_address = extra.flag(knobs.address_rate, n)
    keep = has_address[src] | offline
    street = pl.DataFrame({"s": _streets(frame, extra).gather(src)}).select(
        pl.when(lit(keep)).then("s").alias("street")).to_series()
    birth = np.where(extra.flag(knobs.birth_date_rate, n) | (offline & extra.flag(0.6, n)),
                     extra.ints(*BIRTH_SPAN, n), -1)
    has_phone = frame["has_phone"].to_numpy()[src] & ~offline
    return frame.with_columns(
        pl.Series("first_idx", first), pl.Series("last_idx", last),
        pl.Series("company_idx", company), pl.Series("company2_idx", company2),
        *(pl.Series(c, frame[c].to_numpy()[src]) for c in ("place", "sub", "slot", "wide")),
        pl.Series("has_phone", has_phone), street, pl.Series("birth", birth),
        pl.Series("offline", offline), pl.Series("namesake", namesake),
        pl.Series("household", frame["entity_id"].gather(head).to_numpy()),
        pl.Series("has_email2", (frame["has_email2"].to_numpy() | two_job) & ~offline),
    )


def _streets(frame: pl.DataFrame, extra: Draw) -> pl.Series:
    """A canonical street address per person, in the country's own form."""
    n = frame.height
    cidx = frame["country"].replace_strict(
        {c: i for i, c in enumerate(COUNTRY_ORDER)}, return_dtype=pl.Int64).to_numpy()
    name = extra.variant([vocab_world.STREETS[c] for c in COUNTRY_ORDER], cidx)
    kind = extra.variant([vocab_world.STREET_TYPES[c] for c in COUNTRY_ORDER], cidx)
    number = pl.Series(extra.ints(1, 400, n)).cast(pl.Utf8)
    flat = pl.Series(extra.ints(1, 40, n)).cast(pl.Utf8)
    apartment = extra.flag(0.2, n)
    parts = pl.DataFrame({"c": frame["country"], "name": name, "kind": kind, "number": number,
                          "flat": flat, "apt": apartment})
    us_gb = pl.concat_str("number", pl.lit(" "), "name", pl.lit(" "), "kind")
    return parts.select(
        pl.when(pl.col("c") == "DE").then(pl.concat_str("name", "kind", pl.lit(" "), "number"))
        .when(pl.col("apt") & (pl.col("c") == "US"))
        .then(pl.concat_str(us_gb, pl.lit(", Apartment "), "flat"))
        .when(pl.col("apt")).then(pl.concat_str(pl.lit("Flat "), "flat", pl.lit(", "), us_gb))
        .otherwise(us_gb).alias("street")).to_series()


def hard_emails(frame: pl.DataFrame, work: pl.Expr, domains: list[str]) -> pl.DataFrame:
    """Offline people lose their addresses; a person with a second employer gets a work
    address there (``work2``, null without one), unique overall."""
    second = frame["company2_idx"].to_numpy()
    frame = frame.with_columns(comp_domain2=take(domains, np.where(second >= 0, second, -1)))
    local = frame.select(work).to_series()
    email = pl.concat_str(pl.lit(local), pl.lit("@"), pl.col("comp_domain2"))
    frame = frame.with_columns(work2=pl.when(pl.col("company2_idx") >= 0).then(email))
    clash = (pl.col("work2").is_in(frame["email"].implode()) | pl.col("work2").is_duplicated())
    unique = pl.concat_str(pl.lit(local), pl.col("eidx").cast(pl.Utf8), pl.lit("j2@"),
                           pl.col("comp_domain2"))
    frame = frame.with_columns(work2=pl.when(clash & pl.col("work2").is_not_null())
                               .then(unique).otherwise("work2"))
    offline = pl.col("offline")
    return frame.with_columns(email=pl.when(offline).then(None).otherwise("email"),
                              email2=pl.when(offline).then(None).otherwise("email2"))
