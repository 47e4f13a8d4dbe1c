"""Records: each entity written by one or more sources, with the mess people make."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contactops.testing import mess, variants, vocab
from contactops.testing.draw import Draw, by_choice, lit, patch, take
from contactops.testing.entities import COUNTRIES, LIFECYCLES

if TYPE_CHECKING:
    from contactops.testing.generator import Knobs
    from contactops.testing.pools import Pools

DAY = 86_400
LATEST = 1751241600  # 2025-06-30: no ordinary record is dated after it
STATUSES = vocab.CONSENT_STATUSES
#: Entity columns records need.
NEEDED = ("entity_id", "first", "first_idx", "last", "email", "email2", "phone_e164",
          "has_phone", "country", "city", "region", "postal_code", "cc", "area", "exchange",
          "line", "company_idx", "comp_domain", "shared_mailbox", "job_title", "lifecycle",
          "contact_type", "consent_email", "consent_sms", "tag0", "tag1", "tag2", "list0",
          "list1", "created", "original_source")


def _status_idx(col: pl.Series) -> np.ndarray:
    return col.replace_strict({s: i for i, s in enumerate(STATUSES)},
                              return_dtype=pl.Int64).to_numpy()


def make_records(ent: pl.DataFrame, entity_of: np.ndarray, source: pl.Series, knobs: Knobs,
                 draw: Draw, pool: Pools, extra: Draw) -> pl.DataFrame:
    """One row per record with raw messy values (canonical names) and ``t_`` truth columns.

    ``extra`` draws only what the hard knobs add, so classic records never change.
    """
    n = len(entity_of)
    needed = [*NEEDED, *(c for c in variants.HARD_COLUMNS if c in ent.columns)]
    r = ent.select(needed).select(pl.all().gather(pl.Series(entity_of))).with_columns(
        source=source)

    def mode(p: float, k: int) -> np.ndarray:
        return np.where(draw.flag(p, n), draw.ints(1, k + 1, n), 0)

    # which address this record uses (some people give a personal one)
    use2 = r["email2"].is_not_null().to_numpy() & draw.flag(0.2, n)
    r = r.with_columns(t_email=pl.when(lit(use2)).then("email2").otherwise("email"),
                       seed=draw.ints(0, 1 << 20, n))
    r = variants.second_job(r, use2, extra)

    # names: nickname, typo, swap, case, spacing; rare changes touch only their rows
    nick = draw.variant(list(pool.nicknames), r["first_idx"].to_numpy())
    use_nick = draw.flag(knobs.nickname_rate, n) & nick.is_not_null().to_numpy()
    r = r.with_columns(first_name=pl.when(lit(use_nick)).then(pl.lit(nick)).otherwise("first"),
                       last_name=pl.col("last"), typo_mode=mode(knobs.typo_rate, 2))
    r = variants.transliterate(r, knobs, pool, extra)
    fn, ln, seed = pl.col("first_name"), pl.col("last_name"), pl.col("seed")
    typo_last = draw.flag(0.5, n)
    typos = r["typo_mode"].to_numpy() > 0
    r = patch(r, typos & ~typo_last, first_name=mess.typo(fn, pl.col("typo_mode"), seed))
    r = patch(r, typos & typo_last, last_name=mess.typo(ln, pl.col("typo_mode"), seed))
    r = variants.typo_both(r, knobs, extra)
    r = patch(r, draw.flag(knobs.swap_name_rate, n), first_name=ln, last_name=fn)
    r = r.with_columns(case=mode(knobs.case_rate, 2), space=mode(knobs.whitespace_rate, 3))
    case, space = pl.col("case"), pl.col("space")
    r = patch(r, r["case"].to_numpy() > 0, first_name=mess.recase(fn, case),
              last_name=mess.recase(ln, case))
    r = patch(r, draw.flag(knobs.missing_rate / 3, n), last_name=pl.lit(""))
    comma = lit(draw.flag(0.2, n))
    r = r.with_columns(full_name=pl.when(comma).then(pl.concat_str(ln, pl.lit(", "), fn))
                       .otherwise(pl.concat_str(fn, pl.lit(" "), ln)).str.strip_chars(", "))
    r = patch(r, r["space"].to_numpy() > 0, first_name=mess.pad(fn, space),
              full_name=mess.pad(pl.col("full_name"), space))

    # email: Gmail dots and +tags, odd case, spacing
    messy = draw.flag(knobs.email_mess_rate, n)
    r = r.with_columns(email=pl.col("t_email"), tag=draw.choice(("news", "promo", "2024", "work",
                                                                "shop"), n),
                       email_case=np.where(messy, draw.ints(0, 4, n), 0),
                       email_space=np.where(messy, draw.ints(0, 3, n), 0))
    gmail = r["t_email"].str.ends_with("@gmail.com").fill_null(False).to_numpy()
    local = pl.col("email").str.split_exact("@", 1).struct.field("field_0")
    r = patch(r, gmail & messy & draw.flag(0.6, n), email=pl.concat_str(
        mess.insert_dot(local, seed), pl.lit("@gmail.com")))
    local = pl.col("email").str.split_exact("@", 1).struct.field("field_0")
    r = patch(r, gmail & messy & draw.flag(0.4, n), email=pl.concat_str(
        local, pl.lit("+"), pl.col("tag"), pl.lit("@gmail.com")))
    r = patch(r, messy, email=mess.pad(mess.recase(pl.col("email"), pl.col("email_case")),
                                       pl.col("email_space")))

    # phone: layouts, extensions, missing; a record keeps at least one channel
    has_phone = r["has_phone"].to_numpy() & r["source"].is_in(knobs.phone_sources).to_numpy()
    phone_missing = has_phone & draw.flag(knobs.missing_rate, n)
    email_missing = has_phone & ~phone_missing & draw.flag(knobs.missing_rate / 2, n)
    fmt = np.where(has_phone & ~phone_missing, draw.ints(0, mess.PHONE_FORMATS, n), -1)
    r = r.with_columns(ext=draw.ints(10, 1000, n))
    r = r.with_columns(by_choice(r, fmt, mess.phone_exprs(pl.col("ext")), "phone"))
    r = patch(r, email_missing, email=pl.lit(None, dtype=pl.Utf8))

    # organisation, place, vocabularies spelled many ways
    stems = pool.stems
    stem = take(stems, np.where(r["company_idx"].to_numpy() == -2, len(stems) - 1,
                                r["company_idx"].to_numpy()))
    stem = pl.when(lit(draw.flag(0.15, n))).then(pl.lit(stem).str.to_uppercase()).otherwise(
        pl.lit(stem))
    forms = draw.choice([f.replace("{}", "") for f in vocab.COMPANY_FORMS], n)
    country_idx = r["country"].replace_strict({c: i for i, c in enumerate(COUNTRIES)},
                                              return_dtype=pl.Int64).to_numpy()
    life_idx = r["lifecycle"].replace_strict({s: i for i, s in enumerate(LIFECYCLES)},
                                             return_dtype=pl.Int64).to_numpy()
    types = tuple(vocab.CONTACT_TYPE_SPELLINGS)
    type_idx = r["contact_type"].replace_strict({s: i for i, s in enumerate(types)},
                                                return_dtype=pl.Int64).to_numpy()
    r = r.with_columns(
        company=pl.when(pl.col("company_idx") == -2).then(stem)
        .when(pl.col("company_idx") >= 0).then(pl.concat_str(stem, pl.lit(forms))),
        country=draw.variant(list(vocab.COUNTRY_SPELLINGS.values()), country_idx),
        lifecycle_stage=draw.variant(list(vocab.LIFECYCLE_SPELLINGS.values()), life_idx),
        contact_type=draw.variant(list(vocab.CONTACT_TYPE_SPELLINGS.values()), type_idx),
        t_country=pl.col("country"), t_contact_type=pl.col("contact_type"),
        campaign=draw.choice(vocab.CAMPAIGNS, n), utm_source=draw.choice(vocab.UTM_SOURCES, n),
        utm_medium=draw.choice(vocab.UTM_MEDIUMS, n), notes=draw.choice(vocab.NOTES, n),
    ).with_columns(utm_campaign=pl.col("campaign").str.to_lowercase().str.replace_all(
        r"[^a-z0-9]+", "-"))
    r = _consent(r, knobs, draw, pool)
    r = _labels(r, draw)
    return variants.street_and_birth(_dates(r, draw), extra)


def _consent(r: pl.DataFrame, knobs: Knobs, draw: Draw, pool: Pools) -> pl.DataFrame:
    """Per record consent words; the email status the words mean goes to the truth."""
    n = r.height
    drift = draw.flag(knobs.consent_drift_rate, n)
    email = np.where(drift, draw.ints(0, 4, n), _status_idx(r["consent_email"]))
    sms = np.where(draw.flag(knobs.consent_drift_rate, n), draw.ints(0, 4, n),
                   _status_idx(r["consent_sms"]))
    words = list(pool.consent_words)
    email_word, sms_word = draw.variant(words, email), draw.variant(words, sms)
    channel = np.where(draw.flag(0.3, n), "sms", "email")
    by_channel = pl.when(lit(channel == "sms")).then(pl.lit(sms_word)).otherwise(
        pl.lit(email_word))
    return r.with_columns(
        email_consent=email_word, sms_consent=sms_word,
        consent_status=pl.when(pl.col("source") == "workflow").then(by_channel)
        .otherwise(pl.lit(email_word)),
        consent_channel=pl.lit(pl.Series(channel)),
        t_consent_status=take(STATUSES, email),
        t_consent_by_channel=pl.when(lit(channel == "email")).then(pl.lit(take(STATUSES, email)))
        .otherwise(pl.lit("unknown")),
    )


def _labels(r: pl.DataFrame, draw: Draw) -> pl.DataFrame:
    """Tags and lists: each entity label spelled its own way, some dropped, mixed separators."""
    n = r.height
    out = {}
    for field, spellings, slots in (("tags", vocab.TAG_SPELLINGS, ("tag0", "tag1", "tag2")),
                                    ("lists", vocab.LIST_SPELLINGS, ("list0", "list1"))):
        raw = []
        for slot in slots:
            idx = r[slot].to_numpy()
            keep = (idx >= 0) & ~draw.flag(0.15, n)
            spelled = draw.variant(list(spellings.values()), np.maximum(idx, 0))
            raw.append(pl.when(lit(keep)).then(pl.lit(spelled)))
        # the truth lists canonical labels alphabetically: sort alphabetical ranks per row
        alphabetical = sorted(spellings)
        rank = np.array([alphabetical.index(name) for name in spellings])
        held = np.stack([r[slot].to_numpy() for slot in slots], axis=1)
        ranks = np.sort(np.where(held >= 0, rank[np.maximum(held, 0)], len(rank)), axis=1)
        canon = [pl.lit(take(alphabetical, np.where(c < len(rank), c, -1))) for c in ranks.T]
        sep = pl.lit(draw.choice(vocab.TAG_SEPARATORS, n))
        out[field] = mess.joined(raw, sep)
        out[f"t_{field}"] = pl.concat_str(canon, separator="|", ignore_nulls=True)
    return r.with_columns(**out)


def _dates(r: pl.DataFrame, draw: Draw) -> pl.DataFrame:
    """created_at, updated_at and consent_timestamp as epoch seconds and as mixed-format text."""
    n = r.height
    created = np.minimum(r["created"].to_numpy() + draw.ints(0, 200 * DAY, n), LATEST)
    updated = np.minimum(created + draw.ints(0, 300 * DAY, n), LATEST)
    consent = np.minimum(created + draw.ints(0, 30 * DAY, n), LATEST)
    k = len(mess.DATE_FORMATS)
    return r.with_columns(
        created_epoch=created, updated_epoch=updated, consent_epoch=consent,
        created_fmt=draw.ints(0, k, n), updated_fmt=draw.ints(0, k, n),
        consent_fmt=draw.ints(0, k, n),
    )

