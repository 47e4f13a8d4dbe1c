"""Consent words to a typed status per channel, without ever guessing.

A word the project vocabulary does not know becomes status ``unknown`` and is kept, as
written, in ``consent_unmapped`` with the ``consent_unknown_value`` flag.
"""

from __future__ import annotations

import polars as pl

from contactops.config.project import ConsentSettings
from contactops.normalize.distinct import Distinct, with_distinct
from contactops.normalize.text import clean

CHANNEL_WORDS: dict[str, list[str]] = {
    "email": ["email", "e-mail", "mail", "e mail", "newsletter"],
    "sms": ["sms", "text", "text message", "texts", "mobile", "sms/text"],
    "phone": ["phone", "call", "calls", "telephone", "voice", "tel"],
    "all": ["all", "any", "*", "all channels", "every channel"],
}

LAWFUL_BASES: dict[str, str] = {
    "consent": "consent", "contract": "contract", "contractual": "contract",
    "legal_obligation": "legal_obligation", "legal": "legal_obligation",
    "vital_interest": "vital_interests", "vital_interests": "vital_interests",
    "public_task": "public_task", "public_interest": "public_task",
    "legitimate_interest": "legitimate_interests", "legitimate_interests": "legitimate_interests",
    "li": "legitimate_interests",
}


def _word_key(expr: pl.Expr) -> pl.Expr:
    return clean(expr).str.to_lowercase()


def vocabulary_lookup(consent: ConsentSettings) -> dict[str, str]:
    """Lower-case, whitespace-collapsed word -> status; a word listed twice keeps the first."""
    lookup: dict[str, str] = {}
    for status, words in consent.vocabulary.items():
        for word in words:
            lookup.setdefault(" ".join(word.lower().split()), status)
    return lookup


def _status(raw: str, lookup: dict[str, str]) -> tuple[pl.Expr, pl.Expr]:
    key = _word_key(pl.col(raw))
    mapped = key.replace_strict(lookup, default=None, return_dtype=pl.String)
    unknown_word = key.is_not_null() & mapped.is_null()
    status = pl.when(unknown_word).then(pl.lit("unknown")).otherwise(mapped)
    return status, pl.when(unknown_word).then(clean(pl.col(raw)))


_CONSENT_KEYS = ("_raw_consent_status", "_raw_consent_channel", "_raw_email_consent",
                 "_raw_sms_consent", "_raw_phone_consent", "_raw_consent_lawful_basis")


def normalize_consent(lf: pl.LazyFrame, consent: ConsentSettings) -> pl.LazyFrame:
    """Add consent_email/sms/phone, consent_unmapped, consent_lawful_basis and helpers.

    Computed once per distinct combination of the raw consent columns (hundreds per 1M rows).
    """
    return with_distinct(lf, [consent_spec(consent)])


def consent_spec(consent: ConsentSettings) -> Distinct:
    """normalize_consent as a per-distinct-value mapping."""
    return Distinct(_CONSENT_KEYS, lambda small: _consent(small, consent))


def _consent(lf: pl.LazyFrame, consent: ConsentSettings) -> pl.LazyFrame:
    lookup = vocabulary_lookup(consent)
    channel_lookup = {w: ch for ch, words in CHANNEL_WORDS.items() for w in words}
    generic, generic_unmapped = _status("_raw_consent_status", lookup)
    channel_key = _word_key(pl.col("_raw_consent_channel"))
    channel = channel_key.replace_strict(channel_lookup, default=None, return_dtype=pl.String)
    lf = lf.with_columns(
        _consent_generic=generic,
        _consent_channel=pl.when(channel_key.is_null()).then(pl.lit(consent.default_channel))
        .otherwise(channel),
        consent_channel_unknown=(channel_key.is_not_null() & channel.is_null()),
    )
    unmapped = [generic_unmapped]
    columns: dict[str, pl.Expr] = {}
    for name in ("email", "sms", "phone"):
        direct, direct_unmapped = _status(f"_raw_{name}_consent", lookup)
        unmapped.append(direct_unmapped)
        applies = pl.col("_consent_channel").is_in([name, "all"])
        columns[f"consent_{name}"] = pl.coalesce(
            direct, pl.when(applies).then(pl.col("_consent_generic")), pl.lit("unknown"))
    basis_key = _word_key(pl.col("_raw_consent_lawful_basis")).str.replace_all(r"[\s-]+", "_")
    return lf.with_columns(
        **columns,
        consent_unmapped=pl.concat_list(unmapped).list.drop_nulls(),
        consent_lawful_basis=basis_key.replace_strict(LAWFUL_BASES, default=basis_key,
                                                      return_dtype=pl.String),
        lawful_basis_unknown=basis_key.is_not_null() & ~basis_key.is_in(list(LAWFUL_BASES)),
    )
