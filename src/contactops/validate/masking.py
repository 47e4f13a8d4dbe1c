"""Mask personal data in issue values: ``a***@example.com``, ``+1******0123``, ``J***``.

Issues are shared in reports and tickets, so a value is shown only as far as it helps find
the problem: an email keeps its first letter and its domain, a phone its first two and last
four characters, a name its first letter; a date of birth or an external id shows nothing but
its shape (``****-**-**``, ``*****67``). Other dates, codes, tags and consent words stay as
is.
"""

from __future__ import annotations

import polars as pl  # noqa: TID253 - the validate stage is Polars code, imported lazily

from contactops.fields import IDENTIFYING_FIELDS, mask_identifier

EMAIL_FIELDS = frozenset({"email", "email_key"})
PHONE_FIELDS = frozenset({"phone", "phone_e164"})
NAME_FIELDS = frozenset({"first_name", "last_name", "full_name", "street", "notes",
                         "first_name_key", "last_name_key", "postal_code"})


def mask_email(value: pl.Expr) -> pl.Expr:
    """First character, ``***`` and everything from the last ``@`` (the domain)."""
    at = value.str.find("@[^@]*$")
    return (pl.when(value.is_null()).then(None)
            .when(at.is_null()).then(value.str.slice(0, 1) + pl.lit("***"))
            .otherwise(value.str.slice(0, 1) + pl.lit("***") + value.str.slice(at)))


def mask_phone(value: pl.Expr) -> pl.Expr:
    """First two and last four characters with one ``*`` per hidden character."""
    n = value.str.len_chars()
    hidden = (n - 6).clip(lower_bound=0)
    stars = pl.lit("*").repeat_by(hidden).list.join("")
    return (pl.when(value.is_null()).then(None)
            .when(n <= 6).then(pl.lit("*").repeat_by(n).list.join(""))
            .otherwise(value.str.slice(0, 2) + stars + value.str.slice(-4)))


def mask_text(value: pl.Expr) -> pl.Expr:
    """First character and ``***``."""
    return pl.when(value.is_null()).then(None).otherwise(value.str.slice(0, 1) + pl.lit("***"))


def mask(field: str, value: pl.Expr) -> pl.Expr:
    """The masked text of ``value`` for issue rows about ``field``."""
    text = value.cast(pl.String)
    if field in IDENTIFYING_FIELDS:  # a date of birth or an id: nothing of it is shown
        return text.map_elements(mask_identifier, return_dtype=pl.String)
    if field in EMAIL_FIELDS:
        return mask_email(text)
    if field in PHONE_FIELDS:
        return mask_phone(text)
    if field in NAME_FIELDS:
        return mask_text(text)
    return text


def mask_value(field: str, value: object) -> str | None:
    """Mask one Python value (for issues built row by row, e.g. from Pandera or GX)."""
    if value is None:
        return None
    return pl.select(mask(field, pl.lit(str(value)))).item()
