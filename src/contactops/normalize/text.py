"""Shared text expressions: Unicode NFKC, whitespace collapse, empty -> null."""

from __future__ import annotations

import polars as pl

_WS = r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000]+"


def clean(expr: pl.Expr) -> pl.Expr:
    """NFKC-normalize, collapse runs of whitespace to one space, trim; blank becomes null."""
    out = expr.str.normalize("NFKC").str.replace_all(_WS, " ").str.strip_chars()
    return pl.when(out.str.len_bytes() > 0).then(out)


def blank_to_null(expr: pl.Expr) -> pl.Expr:
    """Trim and turn empty strings into null, without any other change."""
    out = expr.str.strip_chars()
    return pl.when(out.str.len_bytes() > 0).then(out)


def match_key(expr: pl.Expr) -> pl.Expr:
    """Lower-case alphanumerics only: 'Webinar 2024' and 'WEBINAR-2024' -> 'webinar2024'."""
    return expr.str.normalize("NFKC").str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", "")


def is_single_case(expr: pl.Expr) -> pl.Expr:
    """True when the value has letters and they are all upper or all lower case."""
    return (expr == expr.str.to_uppercase()) | (expr == expr.str.to_lowercase())


def key_lookup(words: dict[str, str]) -> dict[str, str]:
    """Map the match_key of every alias to its canonical value (first alias wins)."""
    import re
    import unicodedata

    out: dict[str, str] = {}
    for alias, canonical in words.items():
        key = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", alias).lower())
        out.setdefault(key, canonical)
    return out
