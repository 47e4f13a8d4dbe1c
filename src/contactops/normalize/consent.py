"""Consent words to a typed status per channel, without ever guessing.

Words are compared by their key (:func:`contactops.config.consent.consent_key`): camel case
split, ``_ - .`` and spaces unified, case folded, then once more without spaces; so
``OPTED_IN``, ``Opted-In``, ``OptIn`` and ``opted_in`` are all ``opted_in``. A word the
vocabulary does not know becomes status ``unknown`` and is kept, as written, in
``consent_unmapped`` with the ``consent_unknown_value`` flag.
"""

from __future__ import annotations

import polars as pl

from contactops.config.consent import ConsentSettings, compact_key, consent_key
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


def word_key(expr: pl.Expr) -> pl.Expr:
    """:func:`~contactops.config.consent.consent_key` over a column (blank -> null)."""
    text = (clean(expr).str.replace_all(r"([a-z0-9])([A-Z])", "${1} ${2}")
            .str.replace_all(r"([A-Z])([A-Z][a-z])", "${1} ${2}"))
    return (text.str.replace_all(r"[\s_.\-]+", " ").str.strip_chars().str.to_lowercase()
            .replace("", None))


def _lookup(key: pl.Expr, lookup: dict[str, str]) -> pl.Expr:
    """Status of a key: the key as it is, else without its spaces (``opt in`` = ``optin``)."""
    return pl.coalesce(
        key.replace_strict(lookup, default=None, return_dtype=pl.String),
        key.str.replace_all(" ", "", literal=True)
        .replace_strict(lookup, default=None, return_dtype=pl.String))


def _status(raw: str, lookup: dict[str, str]) -> tuple[pl.Expr, pl.Expr]:
    key = word_key(pl.col(raw))
    mapped = _lookup(key, lookup)
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
    lookup = consent.lookup()
    channel_lookup: dict[str, str] = {}
    for ch, words in CHANNEL_WORDS.items():
        for w in words:
            channel_lookup.setdefault(consent_key(w), ch)
    channel_lookup |= {compact_key(k): ch for k, ch in channel_lookup.items()
                       if compact_key(k) not in channel_lookup}
    generic, generic_unmapped = _status("_raw_consent_status", lookup)
    channel_key = word_key(pl.col("_raw_consent_channel"))
    channel = _lookup(channel_key, channel_lookup)
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
