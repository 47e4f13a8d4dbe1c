"""How the hard people are written per record: which job, which script, both names misspelt,
street abbreviations and dates of birth in several formats.

Every function is a no-op for classic data (the columns it needs are absent or its knob is
0) and draws only from the ``extra`` stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from contactops.testing import mess, vocab_world
from contactops.testing.draw import Draw, by_choice, lit, patch

if TYPE_CHECKING:
    from contactops.testing.generator import Knobs
    from contactops.testing.pools import Pools

#: Entity columns the hard knobs add and the records need when present.
HARD_COLUMNS = ("last_idx", "company2_idx", "comp_domain2", "work2", "street", "birth",
                "offline", "household")
SECOND_JOB_SHARE = 0.5  # chance a record of a two-job person is about the second job
#: Layouts of a street: canonical, abbreviated, dotted, "#" for the flat, upper, lower.
STREET_WEIGHTS = (0.35, 0.2, 0.15, 0.1, 0.1, 0.1)
BIRTH_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y%m%d")


def second_job(r: pl.DataFrame, personal: np.ndarray, extra: Draw) -> pl.DataFrame:
    """Half the records of a two-job person speak for the second employer and its address."""
    if "company2_idx" not in r.columns:
        return r
    job2 = (r["company2_idx"].to_numpy() >= 0) & extra.flag(SECOND_JOB_SHARE, r.height)
    on = lit(job2)
    return r.with_columns(
        company_idx=pl.when(on).then("company2_idx").otherwise("company_idx"),
        comp_domain=pl.when(on).then("comp_domain2").otherwise("comp_domain"),
        t_email=pl.when(lit(job2 & ~personal)).then("work2").otherwise("t_email"))


def transliterate(r: pl.DataFrame, knobs: Knobs, pool: Pools, extra: Draw) -> pl.DataFrame:
    """Names in another script written in Latin letters: by chance, and always by the import
    source (a cp1252 desktop tool)."""
    if knobs.translit_rate <= 0 or "last_idx" not in r.columns:
        return r
    n = r.height
    importing = (r["source"] == "import").to_numpy()
    out = {}
    for column, groups, index in (("first_name", pool.first_translit, "first_idx"),
                                  ("last_name", pool.last_translit, "last_idx")):
        latin = extra.variant(list(groups), r[index].to_numpy())
        use = latin.is_not_null().to_numpy() & (extra.flag(knobs.translit_rate, n) | importing)
        out[column] = pl.when(lit(use)).then(pl.lit(latin)).otherwise(column)
    return r.with_columns(**out)


def typo_both(r: pl.DataFrame, knobs: Knobs, extra: Draw) -> pl.DataFrame:
    """A record with a dropped or swapped character in the first and the last name alike."""
    if knobs.typo_both_rate <= 0:
        return r
    seed = pl.col("seed")
    return patch(r, extra.flag(knobs.typo_both_rate, r.height),
                 first_name=mess.typo(pl.col("first_name"), 1 + seed % 2, seed),
                 last_name=mess.typo(pl.col("last_name"), 1 + (seed // 3) % 2, seed // 5))


def _street_layouts() -> list[pl.Expr]:
    words = list(vocab_world.ABBREVIATIONS)
    plain = [a for a, _ in vocab_world.ABBREVIATIONS.values()]
    dotted = [d for _, d in vocab_world.ABBREVIATIONS.values()]
    s = pl.col("t_street")
    short = s.str.replace_many(words, plain)
    return [
        s, short, s.str.replace_many(words, dotted),
        s.str.replace(", Apartment ", " #", literal=True).str.replace_many(words, plain),
        short.str.to_uppercase(),
        s.str.to_lowercase().str.replace("straße", "strasse", literal=True),
    ]


def street_and_birth(r: pl.DataFrame, extra: Draw) -> pl.DataFrame:
    """Messy ``street`` and ``birth_date`` beside their truths ``t_street``, ``t_birth_date``."""
    n = r.height
    if "street" in r.columns:
        r = r.rename({"street": "t_street"})
        layout = extra.weighted(STREET_WEIGHTS, n)
        r = r.with_columns(by_choice(r, layout, _street_layouts(), "street"))
    if "birth" in r.columns:
        day = pl.when(pl.col("birth") >= 0).then(pl.col("birth").cast(pl.Int32).cast(pl.Date))
        r = r.with_columns(t_birth_date=day.dt.strftime("%Y-%m-%d"))
        fmt = extra.ints(0, len(BIRTH_FORMATS), n)
        r = r.with_columns(by_choice(r, fmt, [day.dt.strftime(f) for f in BIRTH_FORMATS],
                                     "birth_date"))
    return r
