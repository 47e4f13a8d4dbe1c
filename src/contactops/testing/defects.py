"""Invalid rows: defects injected on purpose, each recorded in the truth by its code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contactops.testing import vocab
from contactops.testing.draw import Draw, lit

if TYPE_CHECKING:
    from contactops.testing.generator import Knobs

#: Defect codes, in the order of :attr:`Knobs.defect_weights`.
DEFECTS: tuple[str, ...] = (
    "malformed_email", "impossible_phone", "no_name", "no_channel", "future_date",
    "disposable_email", "email_typo", "role_email",
)
#: Defects that replace the email, so a shared role mailbox is no longer visible.
EMAIL_REPLACING = ("malformed_email", "no_channel", "disposable_email", "email_typo")
IMPOSSIBLE_PHONES: tuple[str, ...] = (
    "123", "0000000000", "000-000-0000", "555-ABCD", "555 CALL NOW", "12", "+1 000",
    "99999999999999999", "(000) 000-0000", "tel:",
)
FUTURE = (1924992000, 2208988800)  # 2031-01-01 .. 2040-01-01


def inject_defects(r: pl.DataFrame, knobs: Knobs, draw: Draw) -> pl.DataFrame:
    """Pick ``knobs.invalid_rate`` of the records and give each one eligible defect."""
    n = r.height
    local = pl.col("t_email").str.split_exact("@", 1).struct.field("field_0")
    domain = pl.col("t_email").str.split_exact("@", 1).struct.field("field_1")
    facts = r.select(
        phone_ok=pl.col("source").is_in(knobs.phone_sources),
        free=domain.is_in(list(vocab.DOMAIN_TYPOS)).fill_null(False),
        company=(pl.col("company_idx") >= 0) & ~pl.col("shared_mailbox"),
        emailed=pl.col("t_email").is_not_null(),
    )
    eligible = np.ones((n, len(DEFECTS)))
    eligible[:, 1] = facts["phone_ok"].to_numpy()
    eligible[:, 6] = facts["free"].to_numpy()
    eligible[:, 7] = facts["company"].to_numpy()
    # a person without an email address (offline) cannot have it misspelt or replaced
    emailed = facts["emailed"].to_numpy()
    for code in ("malformed_email", "disposable_email", "email_typo", "role_email"):
        eligible[:, DEFECTS.index(code)] *= emailed
    weights = eligible * np.array([knobs.defect_weights.get(d, 0.0) for d in DEFECTS])
    injected = draw.flag(knobs.invalid_rate, n) & (weights.sum(axis=1) > 0)
    code = np.where(injected, draw.rowwise(weights), -1)
    shared = r["shared_mailbox"].to_numpy() & ~np.isin(
        code, [DEFECTS.index(d) for d in EMAIL_REPLACING])
    names = np.array([*DEFECTS, ""], dtype=object)[np.where(code < 0, len(DEFECTS), code)]
    r = r.with_columns(
        defect=pl.Series(names, dtype=pl.Utf8),
        t_defects=pl.concat_str(
            pl.lit(pl.Series(names, dtype=pl.Utf8)),
            pl.when(lit(shared)).then(pl.lit("role_email")).otherwise(pl.lit("")),
            separator="|").str.strip_chars("|"))
    m = int(injected.sum())
    if m == 0:
        return r
    # the defects themselves: evaluated on the injected rows only
    idx = np.flatnonzero(injected)
    domain_idx = r[idx].select(domain.replace_strict(
        {d: i for i, d in enumerate(vocab.DOMAIN_TYPOS)}, default=0,
        return_dtype=pl.Int64)).to_series().to_numpy()
    extra = pl.DataFrame({
        "variant": draw.ints(0, 5, m),
        "typo_domain": draw.variant(list(vocab.DOMAIN_TYPOS.values()), domain_idx),
        "disposable": draw.choice(vocab.DISPOSABLE_DOMAINS, m),
        "role": draw.choice(vocab.ROLE_MAILBOXES, m),
        "bad_phone": draw.choice(IMPOSSIBLE_PHONES, m),
        "blank": draw.flag(0.5, m),
        "future": draw.ints(*FUTURE, m),
        "consent_too": draw.flag(0.5, m),
    })
    cols = ["defect", "t_email", "email", "phone", "first_name", "last_name", "full_name",
            "created_epoch", "consent_epoch", "comp_domain"]
    sub = pl.concat([r.select(cols)[idx], extra], how="horizontal")
    is_ = {d: pl.col("defect") == d for d in DEFECTS}
    variant = pl.col("variant")
    malformed = (pl.when(variant == 0).then(pl.concat_str(local, domain))
                 .when(variant == 1).then(pl.concat_str(local, pl.lit("@@"), domain))
                 .when(variant == 2).then(pl.concat_str(local.str.slice(0, 2), pl.lit(" "),
                                                        local.str.slice(2), pl.lit("@"), domain))
                 .when(variant == 3).then(pl.concat_str("t_email", pl.lit(".")))
                 .otherwise(pl.concat_str(local, pl.lit("@"))))
    none = pl.lit(None, dtype=pl.Utf8)
    blank = pl.when("blank").then(pl.lit("")).otherwise(none)
    sub = sub.select(
        email=pl.when(is_["malformed_email"]).then(malformed)
        .when(is_["no_channel"]).then(none)
        .when(is_["disposable_email"]).then(pl.concat_str(local, pl.lit("@"), "disposable"))
        .when(is_["email_typo"]).then(pl.concat_str(local, pl.lit("@"), "typo_domain"))
        .when(is_["role_email"]).then(pl.concat_str("role", pl.lit("@"), "comp_domain"))
        .otherwise("email"),
        phone=pl.when(is_["impossible_phone"]).then("bad_phone")
        .when(is_["no_channel"]).then(none).otherwise("phone"),
        first_name=pl.when(is_["no_name"]).then(blank).otherwise("first_name"),
        last_name=pl.when(is_["no_name"]).then(blank).otherwise("last_name"),
        full_name=pl.when(is_["no_name"]).then(blank).otherwise("full_name"),
        created_epoch=pl.when(is_["future_date"]).then("future").otherwise("created_epoch"),
        consent_epoch=pl.when(is_["future_date"] & pl.col("consent_too")).then("future")
        .otherwise("consent_epoch"),
    )
    return r.with_columns(r[c].clone().scatter(idx, sub[c].cast(r[c].dtype))
                          for c in sub.columns)
