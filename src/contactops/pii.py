"""The one masking policy for personal data shown in reports, issues and diagnostics.

Everything that shows a contact's values without ``--show-pii`` (the report's example
clusters, validation failure cases, GX samples, the match diagnostics' block keys, the
reviewer's explanation of a pair) masks them here, so a value looks the same wherever it
appears. A value is shown only as far as it helps find the problem:

* email: first character, ``***`` and the domain (``a***@example.com``);
* phone: first two and last four characters, one ``*`` per hidden one (``+4******0123``);
* text (names, company, address, match keys): first character and ``***`` (``J***``);
  company is masked too, because a sole trader's company name identifies a person;
* identifier (date of birth, external id): nothing but its shape (``****-**-**``,
  ``*****67``; the last two characters stay when it has more than four, so two ids can be
  told apart; a ``kind:`` prefix stays);
* plain: everything else (codes, dates, tags, consent words, flags) is shown as is.

Each kind is written twice, as a Python function on one value (for rows built one by one)
and as a Polars expression (for whole columns); ``tests/test_pii.py`` checks with Hypothesis
that the two agree. This module imports no stage; stages import it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl


class PiiKind(StrEnum):
    """How a field's values are masked."""

    IDENTIFIER = "identifier"
    EMAIL = "email"
    PHONE = "phone"
    TEXT = "text"
    PLAIN = "plain"


#: Personal identifiers: shown masked in reports, explanations and review queues unless
#: ``--show-pii``.
IDENTIFYING_FIELDS = frozenset({"date_of_birth", "external_id", "external_id_key"})
EMAIL_FIELDS = frozenset({"email", "email_key"})
PHONE_FIELDS = frozenset({"phone", "phone_e164"})
TEXT_FIELDS = frozenset({"first_name", "last_name", "full_name", "company", "street",
                         "street_2", "street_number", "postal_code", "city", "notes",
                         "email_digits"})


def kind_of(field: str) -> PiiKind:
    """The masking kind of ``field``; a match key (``*_key``) is masked like the text it
    was derived from."""
    if field in IDENTIFYING_FIELDS:
        return PiiKind.IDENTIFIER
    if field in EMAIL_FIELDS:
        return PiiKind.EMAIL
    if field in PHONE_FIELDS:
        return PiiKind.PHONE
    if field in TEXT_FIELDS or field.endswith("_key"):
        return PiiKind.TEXT
    return PiiKind.PLAIN


def mask_identifier(value: object) -> str | None:
    """``****-**-**`` for a date, ``*****67`` for an id; a ``kind:`` prefix stays."""
    if value is None:
        return None
    kind, sep, text = str(value).rpartition(":")
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        return "****-**-**"
    shown = text[-2:] if len(text) > 4 else ""
    return f"{kind}{sep}{'*' * (len(text) - len(shown))}{shown}"


def _mask_email(text: str) -> str:
    at = text.rfind("@")
    return text[:1] + "***" + (text[at:] if at >= 0 else "")


def _mask_phone(text: str) -> str:
    return "*" * len(text) if len(text) <= 6 else text[:2] + "*" * (len(text) - 6) + text[-4:]


def _mask_text(text: str) -> str:
    return text[:1] + "***"


_PYTHON = {PiiKind.EMAIL: _mask_email, PiiKind.PHONE: _mask_phone, PiiKind.TEXT: _mask_text}


def mask_value(field: str, value: object) -> str | None:
    """``value`` of ``field`` as shown without ``--show-pii`` (as text; ``None`` stays)."""
    if value is None:
        return None
    kind = kind_of(field)
    if kind is PiiKind.IDENTIFIER:
        return mask_identifier(value)
    text = str(value)
    return _PYTHON[kind](text) if kind in _PYTHON else text


def _stars(n: pl.Expr) -> pl.Expr:
    import polars as pl

    return pl.lit("*").repeat_by(n.clip(lower_bound=0)).list.join("")


def _expr_identifier(value: pl.Expr) -> pl.Expr:
    import polars as pl

    prefix = value.str.extract(r"(?s)^(.*:)", 1).fill_null("")  # up to the last ':'
    text = value.str.extract(r"(?s)([^:]*)$", 1)
    n = text.str.len_chars()
    shown = pl.when(n > 4).then(text.str.slice(-2)).otherwise(pl.lit(""))
    return (pl.when(value.is_null()).then(None)
            .when(text.str.contains(r"(?s)^.{4}-.{2}-.{2}$")).then(pl.lit("****-**-**"))
            .otherwise(prefix + _stars(n - shown.str.len_chars()) + shown))


def _expr_email(value: pl.Expr) -> pl.Expr:
    import polars as pl

    # the domain by pattern: str.find counts bytes but str.slice counts characters
    domain = value.str.extract("(@[^@]*)$", 1).fill_null("")
    return pl.when(value.is_null()).then(None).otherwise(
        value.str.slice(0, 1) + pl.lit("***") + domain)


def _expr_phone(value: pl.Expr) -> pl.Expr:
    import polars as pl

    n = value.str.len_chars()
    return (pl.when(value.is_null()).then(None)
            .when(n <= 6).then(_stars(n))
            .otherwise(value.str.slice(0, 2) + _stars(n - 6) + value.str.slice(-4)))


def _expr_text(value: pl.Expr) -> pl.Expr:
    import polars as pl

    return pl.when(value.is_null()).then(None).otherwise(value.str.slice(0, 1) + pl.lit("***"))


_POLARS = {PiiKind.IDENTIFIER: _expr_identifier, PiiKind.EMAIL: _expr_email,
           PiiKind.PHONE: _expr_phone, PiiKind.TEXT: _expr_text}


def mask_expr(field: str, value: pl.Expr) -> pl.Expr:
    """The Polars form of :func:`mask_value`: ``value`` (cast to text) masked as ``field``."""
    import polars as pl

    text = value.cast(pl.String)
    kind = kind_of(field)
    return _POLARS[kind](text) if kind in _POLARS else text
