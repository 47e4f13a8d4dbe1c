"""Polars expressions that write a clean value the messy ways people and systems do."""

from __future__ import annotations

import polars as pl

#: strftime patterns of the date formats sources use; the last one means epoch seconds.
DATE_FORMATS: tuple[str | None, ...] = (
    "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%m/%d/%Y", "%-m/%-d/%Y %H:%M",
    "%d.%m.%Y", "%d.%m.%Y %H:%M", None,
)

#: Number of phone layouts :func:`phone_exprs` writes.
PHONE_FORMATS = 7


def recase(value: pl.Expr, mode: pl.Expr) -> pl.Expr:
    """0 keep, 1 lower, 2 upper, 3 capitalize the first letter only."""
    return (pl.when(mode == 1).then(value.str.to_lowercase())
            .when(mode == 2).then(value.str.to_uppercase())
            .when(mode == 3).then(pl.concat_str(value.str.slice(0, 1).str.to_uppercase(),
                                                value.str.slice(1)))
            .otherwise(value))


def pad(value: pl.Expr, mode: pl.Expr) -> pl.Expr:
    """0 none, 1 leading space, 2 trailing space, 3 spaces both sides, 4 doubled inner spaces."""
    return (pl.when(mode == 1).then(pl.concat_str(pl.lit(" "), value))
            .when(mode == 2).then(pl.concat_str(value, pl.lit(" ")))
            .when(mode == 3).then(pl.concat_str(pl.lit("  "), value, pl.lit(" ")))
            .when(mode == 4).then(value.str.replace_all(" ", "  ", literal=True))
            .otherwise(value))


def typo(value: pl.Expr, mode: pl.Expr, seed: pl.Expr) -> pl.Expr:
    """0 none, 1 drop one character, 2 swap two neighbours; names shorter than 3 are kept."""
    n = value.str.len_chars()
    pos = seed % (n - 1).clip(lower_bound=1)
    head, rest = value.str.slice(0, pos), value.str.slice(pos + 1)
    dropped = pl.concat_str(head, rest)
    swapped = pl.concat_str(head, value.str.slice(pos + 1, 1), value.str.slice(pos, 1),
                            value.str.slice(pos + 2))
    return (pl.when((mode == 1) & (n >= 3)).then(dropped)
            .when((mode == 2) & (n >= 3)).then(swapped).otherwise(value))


def insert_dot(local: pl.Expr, seed: pl.Expr) -> pl.Expr:
    """Put a dot inside a Gmail local part (Gmail ignores dots)."""
    n = local.str.len_chars()
    pos = 1 + seed % (n - 1).clip(lower_bound=1)
    return pl.concat_str(local.str.slice(0, pos), pl.lit("."), local.str.slice(pos))


def phone_exprs(ext: pl.Expr) -> list[pl.Expr]:
    """The number in columns cc, area, exchange, line and country, in each phone layout.

    Layouts: national, E.164, +cc spaced, 00cc spaced, dots, dashes, national with extension.
    """
    cc, area, exch, line = pl.col("cc"), pl.col("area"), pl.col("exchange"), pl.col("line")
    us = pl.col("country") == "US"
    trunk = pl.when(us).then(pl.lit("")).otherwise(pl.lit("0"))
    national = (pl.when(us).then(pl.concat_str(pl.lit("("), area, pl.lit(") "), exch, pl.lit("-"),
                                               line))
                .otherwise(pl.concat_str(trunk, area, pl.lit(" "), exch, pl.lit(" "), line)))
    return [
        national,
        pl.concat_str(pl.lit("+"), cc, area, exch, line),
        pl.concat_str(pl.lit("+"), cc, pl.lit(" "), area, pl.lit(" "), exch, pl.lit(" "), line),
        pl.concat_str(pl.lit("00"), cc, pl.lit(" "), area, pl.lit(" "), exch, pl.lit(" "), line),
        pl.concat_str(trunk, area, pl.lit("."), exch, pl.lit("."), line),
        pl.concat_str(trunk, area, pl.lit("-"), exch, pl.lit("-"), line),
        pl.concat_str(national, pl.lit(" x"), ext.cast(pl.Utf8)),
    ]


def date_exprs(epoch: pl.Expr) -> list[pl.Expr]:
    """Epoch seconds written in each of :data:`DATE_FORMATS`."""
    stamp = pl.from_epoch(epoch, time_unit="s")
    return [stamp.dt.strftime(p) if p else epoch.cast(pl.Utf8) for p in DATE_FORMATS]


def joined(parts: list[pl.Expr], sep: pl.Expr) -> pl.Expr:
    """Join the non-null ``parts`` with the separator ``sep`` chosen per row; null when none."""
    out = pl.concat_str(parts, separator="\x1f", ignore_nulls=True)
    out = out.str.replace_all("\x1f", sep, literal=True)
    return pl.when(out == "").then(pl.lit(None, dtype=pl.Utf8)).otherwise(out)
