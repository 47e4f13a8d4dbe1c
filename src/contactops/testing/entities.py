"""True people: one row per entity with its clean values (the generator's ground truth)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contactops.testing import households, vocab
from contactops.testing.draw import Draw, ascii_slug, lit, take

if TYPE_CHECKING:
    from contactops.testing.generator import Knobs
    from contactops.testing.pools import Pools

COUNTRIES = tuple(vocab.PLACES)
LIFECYCLES = tuple(vocab.LIFECYCLE_SPELLINGS)
LIFECYCLE_WEIGHTS = (0.2, 0.25, 0.12, 0.08, 0.07, 0.18, 0.03, 0.07)
LIFECYCLE_TYPE = {"customer": "customer", "evangelist": "customer", "other": "unknown"}
CONSENT_EMAIL_WEIGHTS = (0.5, 0.15, 0.1, 0.25)
CONSENT_SMS_WEIGHTS = (0.2, 0.2, 0.05, 0.55)
#: Slots per phone pool place: US 555-0100..0199, UK 0xxx, DE xxx.
POOL_PER_PLACE = {"US": 100, "GB": 1000, "DE": 1000}
SHARED_MAILBOX_COMPANIES = 3  # role mailboxes concentrate on a few companies, so they are shared
START, END = 1514764800, 1735689600  # 2018-01-01 .. 2025-01-01 UTC


def _popular(size: int, n: int, knobs: Knobs, extra: Draw) -> np.ndarray:
    """``n`` indices into a name pool of ``size`` drawn by popularity: a random order of the
    pool, the name of rank r weighted ``1 / r ** name_skew`` (Zipf's law, as surnames and
    given names are distributed in real populations: a few are very common)."""
    order = extra.rng.permutation(size)
    rank = extra.weighted([1.0 / (r + 1) ** knobs.name_skew for r in range(size)], n)
    return order[rank]


def make_entities(n: int, knobs: Knobs, draw: Draw, pool: Pools, extra: Draw) -> pl.DataFrame:
    """Build ``n`` people with clean canonical values; see :func:`make_contacts` for knobs.

    ``draw`` makes the classic people; ``extra`` draws only what the hard knobs add
    (families, namesakes, two jobs, offline people, addresses), so classic output is stable.
    """
    eid = np.arange(n)
    first_idx = draw.ints(0, len(pool.first), n)
    country_w = [knobs.country_weights.get(c, 0.0) for c in COUNTRIES]
    country_idx = draw.weighted(country_w, n)
    n_comp = len(pool.companies)
    company_idx = draw.weighted([1.0 / (i + 1) ** 0.7 for i in range(n_comp)], n)
    company_idx = np.where(draw.flag(0.15, n), -1, company_idx)
    internal = draw.flag(knobs.internal_rate, n)
    at_company = (company_idx >= 0) & ~internal
    shared_mail = at_company & draw.flag(knobs.shared_mailbox_rate, n)
    switchboard = at_company & ~shared_mail & draw.flag(knobs.shared_phone_rate, n)
    company_idx = np.where(shared_mail, draw.ints(0, SHARED_MAILBOX_COMPANIES, n), company_idx)
    company_idx = np.where(switchboard, draw.ints(3, 6, n), company_idx)
    has_phone = draw.flag(knobs.phone_rate, n) | switchboard
    slot, place, sub, wide = _phone_slots(country_idx, company_idx, switchboard, draw)

    lifecycle = draw.weighted(LIFECYCLE_WEIGHTS, n)
    life_name = np.array(LIFECYCLES)[lifecycle]
    type_of_stage = np.array([LIFECYCLE_TYPE.get(s, "prospect") for s in LIFECYCLES])
    ctype = np.where(internal, "internal", type_of_stage[lifecycle])
    n_tags = draw.weighted((0.3, 0.35, 0.25, 0.1), n)
    tags = _distinct3(len(vocab.TAG_SPELLINGS), n, draw)
    lists = _distinct3(len(vocab.LIST_SPELLINGS), n, draw)
    n_lists = draw.weighted((0.4, 0.4, 0.2), n)

    frame = pl.DataFrame({
        "eidx": eid,
        "entity_id": pl.Series(eid).cast(pl.Utf8).str.zfill(7),
        "first_idx": first_idx,
        "last_idx": draw.ints(0, len(pool.last), n),
        "country": take(COUNTRIES, country_idx),
        "place": place,
        "sub": sub,
        "slot": slot,
        "wide": wide,
        "has_phone": has_phone,
        "company_idx": np.where(internal, -2, company_idx),
        "internal": internal,
        "shared_mailbox": shared_mail,
        "switchboard": switchboard,
        "job_title": draw.choice(vocab.JOB_TITLES, n),
        "lifecycle": pl.Series(life_name),
        "contact_type": pl.Series(ctype),
        "consent_email": take(vocab.CONSENT_STATUSES, draw.weighted(CONSENT_EMAIL_WEIGHTS, n)),
        "consent_sms": take(vocab.CONSENT_STATUSES, draw.weighted(CONSENT_SMS_WEIGHTS, n)),
        "tag0": np.where(n_tags > 0, tags[0], -1), "tag1": np.where(n_tags > 1, tags[1], -1),
        "tag2": np.where(n_tags > 2, tags[2], -1),
        "list0": np.where(n_lists > 0, lists[0], -1), "list1": np.where(n_lists > 1, lists[1], -1),
        "created": draw.ints(START, END, n),
        "original_source": draw.choice(vocab.ORIGINAL_SOURCES, n),
        "pattern": draw.ints(0, 5, n),
        "free_domain": draw.weighted((0.5, 0.2, 0.15, 0.15), n),
        "digits": draw.ints(10, 100, n),
        "has_email2": at_company & ~shared_mail & draw.flag(0.3, n),
        "email2_domain": draw.weighted((0.5, 0.2, 0.15, 0.15), n),
    })
    frame = frame.with_columns(entity_id=pl.concat_str(pl.lit("E"), "entity_id"))
    if knobs.name_skew > 0:  # after the classic draws, so classic output is unchanged
        frame = frame.with_columns(first_idx=_popular(len(pool.first), n, knobs, extra),
                                   last_idx=_popular(len(pool.last), n, knobs, extra))
    frame = households.shape(frame, knobs, extra, pool)
    first, last = frame["first_idx"].to_numpy(), frame["last_idx"].to_numpy()
    frame = frame.with_columns(first=take(pool.first, first), last=take(pool.last, last),
                               first_slug=take(pool.first_latin, first),
                               last_slug=take(pool.last_latin, last))
    return _with_places(_with_emails(frame, pool))


def _distinct3(k: int, n: int, draw: Draw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three distinct indices below ``k`` per row."""
    a = draw.ints(0, k, n)
    d1 = draw.ints(1, k, n)
    d2 = 1 + (d1 - 1 + 1 + draw.ints(0, k - 2, n)) % (k - 1)
    return a, (a + d1) % k, (a + d2) % k


#: Numbers past a country's fictional range come from this many slots of the numbering plan
#: (GB: exchanges 200-499 only, the ranges phonenumbers accepts for every GB place here).
WIDE = {"US": 8_000_000, "GB": 3_000_000, "DE": 8_000_000}
_STRIDE = 2654435761  # coprime with every WIDE size: rank -> (rank * stride + 7) % size is 1:1


def _phone_slots(country_idx: np.ndarray, company_idx: np.ndarray, switchboard: np.ndarray,
                 draw: Draw) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Give every entity its own number: the country's reserved fictional range first.

    Personal numbers come from a permutation of the fictional pool, so small data sets (the
    demo) only use numbers reserved for fiction; company switchboards use the pool's last
    slots. Once the pool is used up (large benchmarks), further people get unique numbers
    from a wide range of the numbering plan (``wide`` >= 0), as real data would: never dial
    them.
    """
    n = len(country_idx)
    slot = np.zeros(n, dtype=np.int64)
    wide = np.full(n, -1, dtype=np.int64)
    for c, code in enumerate(COUNTRIES):
        mask = country_idx == c
        size = len(vocab.PLACES[code]) * POOL_PER_PLACE[code]
        perm = draw.rng.permutation(size)
        reserve = len(vocab.COMPANIES)
        rank = np.cumsum(mask) - 1
        fictional = size - reserve
        personal = perm[rank % fictional]
        board = perm[size - 1 - np.clip(company_idx, 0, reserve - 1)]
        slot = np.where(mask, np.where(switchboard, board, personal), slot)
        over = mask & ~switchboard & (rank >= fictional)
        wide = np.where(over, (rank * _STRIDE + 7) % WIDE[code], wide)
    per = np.array([POOL_PER_PLACE[c] for c in COUNTRIES])[country_idx]
    places = np.array([len(vocab.PLACES[c]) for c in COUNTRIES])[country_idx]
    place = np.where(wide >= 0, (wide // 7) % places, slot // per)
    return slot, place, slot % per, wide


def _with_places(frame: pl.DataFrame) -> pl.DataFrame:
    """City, region, postal code and the phone's E.164 pieces from (country, place, sub)."""
    rows = [(c, i, *p) for c, places in vocab.PLACES.items() for i, p in enumerate(places)]
    places = pl.DataFrame(rows, schema=["country", "place", "city", "region", "postal_code",
                                        "area", "exchange", "prefix"], orient="row")
    places = places.with_columns(pl.col("place").cast(pl.Int64),
                                 cc=pl.col("country").replace_strict(vocab.COUNTRY_CODES))
    width = {"US": 2, "GB": 3, "DE": 3}
    out = frame.with_columns(pl.col("place").cast(pl.Int64)).join(
        places, on=["country", "place"], how="left", maintain_order="left")
    line = pl.col("prefix") + pl.col("sub").cast(pl.Utf8).str.zfill(
        pl.col("country").replace_strict(width, return_dtype=pl.Int64))
    out = out.with_columns(line=line)
    out = out.with_columns(_wide_number(out))
    e164 = pl.concat_str(pl.lit("+"), "cc", "area", "exchange", "line")
    return out.with_columns(phone_e164=pl.when("has_phone").then(e164))


def _wide_number(frame: pl.DataFrame) -> list[pl.Expr]:
    """Exchange and line for numbers past the fictional range (``wide`` >= 0), same shapes."""
    w = pl.col("wide")
    block, rest = (w // 10000) % 800, (w % 10000).cast(pl.Utf8).str.zfill(4)
    us_gb = (block + 200).cast(pl.Utf8)
    london = pl.concat_str(pl.lit("7"), block.cast(pl.Utf8).str.zfill(3))
    de_exchange = pl.concat_str(pl.lit("2"), ((w // 1000) % 8000).cast(pl.Utf8).str.zfill(4))
    de_line = (w % 1000).cast(pl.Utf8).str.zfill(3)
    country, area = pl.col("country"), pl.col("area")
    exchange = (pl.when(country == "DE").then(de_exchange)
                .when((country == "GB") & (area == "20")).then(london).otherwise(us_gb))
    line = pl.when(country == "DE").then(de_line).otherwise(rest)
    return [pl.when(w >= 0).then(exchange).otherwise(pl.col("exchange")).alias("exchange"),
            pl.when(w >= 0).then(line).otherwise(pl.col("line")).alias("line")]


def _with_emails(frame: pl.DataFrame, pool: Pools) -> pl.DataFrame:
    """Primary and secondary canonical emails, unique per entity except shared mailboxes."""
    old, new = ascii_slug()
    f = pl.col("first_slug").str.to_lowercase().str.replace_many(old, new)
    last = pl.col("last_slug").str.to_lowercase().str.replace_many(old, new)
    f0, l0 = f.str.slice(0, 1), last.str.slice(0, 1)
    digits = pl.col("digits").cast(pl.Utf8)
    p = pl.col("pattern")
    free = take(vocab.FREE_DOMAINS, frame["free_domain"].to_numpy())
    domains = [d for _, d in pool.companies]
    comp = take(domains, np.maximum(frame["company_idx"].to_numpy(), 0))
    roles = take(vocab.ROLE_MAILBOXES,
                 np.maximum(frame["company_idx"].to_numpy(), 0) % len(vocab.ROLE_MAILBOXES))
    frame = frame.with_columns(free=free, comp_domain=comp, role=roles)
    work = (pl.when(p == 0).then(pl.concat_str(f, pl.lit("."), last))
            .when(p == 1).then(pl.concat_str(f0, last)).when(p == 2).then(pl.concat_str(f, l0))
            .when(p == 3).then(pl.concat_str(f, pl.lit("_"), last)).otherwise(f))
    gmail = (pl.when(p <= 1).then(pl.concat_str(f, last, digits))
             .when(p == 2).then(pl.concat_str(f0, last, digits)).otherwise(pl.concat_str(f, last)))
    other = (pl.when(p <= 1).then(pl.concat_str(f, pl.lit("."), last, digits))
             .when(p == 2).then(pl.concat_str(f, pl.lit("_"), last)).otherwise(
                 pl.concat_str(f, last, digits)))
    ci = pl.col("company_idx")
    local = (pl.when(pl.col("shared_mailbox")).then(pl.col("role"))
             .when(ci == -2).then(pl.concat_str(f, pl.lit("."), last))
             .when(ci >= 0).then(work)
             .when(pl.col("free") == "gmail.com").then(gmail).otherwise(other))
    domain = (pl.when(ci == -2).then(pl.lit(vocab.INTERNAL_DOMAIN))
              .when(ci >= 0).then(pl.col("comp_domain")).otherwise(pl.col("free")))
    frame = frame.with_columns(local=local, domain=domain)
    dup = (pl.concat_str("local", pl.lit("@"), "domain").is_duplicated()
           & ~pl.col("shared_mailbox"))
    frame = frame.with_columns(
        local=pl.when(dup).then(pl.concat_str("local", pl.col("eidx").cast(pl.Utf8)))
        .otherwise("local"))
    domain2 = take(vocab.FREE_DOMAINS, frame["email2_domain"].to_numpy())
    email2 = pl.concat_str(f, last, pl.col("eidx").cast(pl.Utf8), pl.lit("@"), pl.lit(domain2))
    frame = frame.with_columns(
        email=pl.concat_str("local", pl.lit("@"), "domain"),
        email2=pl.when(lit(frame["has_email2"].to_numpy())).then(email2),
    )
    if "company2_idx" in frame.columns:
        frame = households.hard_emails(frame, work, domains)
    return frame
