"""Dates and timestamps from ISO, US, EU and epoch spellings; future and impossible flagged.

Output is ``Datetime('us')`` in UTC without a zone (an offset such as +02:00 is applied).
In a slash or dash date such as 03/04/2024 a part above 12 must be the day; when both parts
are at most 12, ``NormalizeSettings.date_order`` ('mdy' by default) decides. Dotted dates
(03.04.2024) are always day.month.year. Two-digit years below 70 are 20xx, else 19xx.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from contactops.normalize.text import clean

DATE_FIELDS = ("created_at", "updated_at", "consent_timestamp")

_ISO = (r"^(?<y>\d{4})[-/.](?<m>\d{1,2})[-/.](?<d>\d{1,2})"
        r"(?:[T ](?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2})(?:[.,](?<f>\d{1,9}))?)?)?"
        r"\s*(?<tz>Z|UTC|[+-]\d{2}(?::?\d{2})?)?$")
_NUMERIC = (r"^(?<a>\d{1,2})(?<sep>[/.-])(?<b>\d{1,2})[/.-](?<y>\d{4}|\d{2})"
            r"(?:[ T,]+(?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2}))?\s*(?<ampm>[AaPp][Mm])?)?$")
_NAMED_FORMATS = ("%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d-%b-%Y", "%b %d, %Y", "%d %b %Y")
_MIN_YEAR, _MAX_YEAR = 1900, 2200


def _pad(expr: pl.Expr, default: str = "00") -> pl.Expr:
    return pl.coalesce(expr.str.zfill(2), pl.lit(default))


def _parse(value: pl.Expr, prefix: str, date_order: str) -> tuple[pl.Expr, pl.Expr]:
    """(datetime, matched a known shape) for a cleaned string expression."""
    iso = pl.col(f"{prefix}_iso")
    num = pl.col(f"{prefix}_num")
    a, b = num.struct.field("a").cast(pl.Int32), num.struct.field("b").cast(pl.Int32)
    day_first = (num.struct.field("sep") == ".") | (a > 12) | (
        (b <= 12) & pl.lit(date_order == "dmy"))
    year2 = num.struct.field("y")
    year = pl.when(year2.str.len_bytes() == 2).then(
        pl.when(year2.cast(pl.Int32) < 70).then(pl.lit("20") + year2)
        .otherwise(pl.lit("19") + year2)).otherwise(year2)
    hour = num.struct.field("H").cast(pl.Int32)
    ampm = num.struct.field("ampm").str.to_lowercase()
    hour = (pl.when((ampm == "pm") & (hour < 12)).then(hour + 12)
            .when((ampm == "am") & (hour == 12)).then(0).otherwise(hour))
    iso_text = pl.concat_str(
        iso.struct.field("y"), pl.lit("-"), _pad(iso.struct.field("m")), pl.lit("-"),
        _pad(iso.struct.field("d")), pl.lit(" "), _pad(iso.struct.field("H")), pl.lit(":"),
        _pad(iso.struct.field("M")), pl.lit(":"), _pad(iso.struct.field("S")))
    num_text = pl.concat_str(
        year, pl.lit("-"),
        _pad(pl.when(day_first).then(num.struct.field("b")).otherwise(num.struct.field("a"))),
        pl.lit("-"),
        _pad(pl.when(day_first).then(num.struct.field("a")).otherwise(num.struct.field("b"))),
        pl.lit(" "), _pad(hour.cast(pl.String)), pl.lit(":"), _pad(num.struct.field("M")),
        pl.lit(":"), _pad(num.struct.field("S")))
    text = pl.coalesce(iso_text, num_text)
    parsed = text.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
    micros = iso.struct.field("f").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int64)
    parsed = parsed + pl.duration(microseconds=micros.fill_null(0))
    tz = iso.struct.field("tz").str.replace_all(":", "")
    offset_min = pl.when(tz.str.contains(r"^[+-]\d{2}")).then(
        (tz.str.slice(1, 2).cast(pl.Int64) * 60
         + tz.str.slice(3, 2).replace("", None).cast(pl.Int64).fill_null(0))
        * pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)).otherwise(0)
    parsed = parsed - pl.duration(minutes=offset_min)
    digits = value.str.contains(r"^\d+$")
    n_digits = value.str.len_bytes()
    epoch = (pl.when(digits & n_digits.is_between(9, 10))
             .then(value.cast(pl.Int64, strict=False) * 1_000_000)
             .when(digits & n_digits.is_between(12, 13))
             .then(value.cast(pl.Int64, strict=False) * 1_000)).cast(pl.Datetime("us"))
    # Month names need letters: the six named formats only see values that have some.
    worded = pl.when(value.str.contains(r"[A-Za-z]")).then(value)
    named = pl.coalesce([worded.str.strptime(pl.Datetime("us"), fmt, strict=False)
                         for fmt in _NAMED_FORMATS])
    shaped = (iso.struct.field("y").is_not_null() | num.struct.field("a").is_not_null()
              | epoch.is_not_null() | named.is_not_null())
    return pl.coalesce(parsed, epoch, named), shaped


def normalize_dates(lf: pl.LazyFrame, *, now: datetime, date_order: str = "mdy"
                    ) -> pl.LazyFrame:
    """Add each date field plus ``<field>_future``, ``_impossible`` and ``_unparsed``."""
    if now.tzinfo is not None:
        from datetime import UTC

        now = now.astimezone(UTC).replace(tzinfo=None)
    lf = lf.with_columns(**{f"_d_{f}": clean(pl.col(f"_raw_{f}")) for f in DATE_FIELDS})
    lf = lf.with_columns(**{
        name: pl.col(f"_d_{f}").str.extract_groups(regex)
        for f in DATE_FIELDS for name, regex in ((f"_d_{f}_iso", _ISO), (f"_d_{f}_num", _NUMERIC))
    })
    out: dict[str, pl.Expr] = {}
    for field in DATE_FIELDS:
        text = pl.col(f"_d_{field}")
        value, shaped = _parse(text, f"_d_{field}", date_order)
        out[f"_dv_{field}"] = value
        out[f"_ds_{field}"] = shaped
    lf = lf.with_columns(**out)
    final: dict[str, pl.Expr] = {}
    for field in DATE_FIELDS:
        value, shaped = pl.col(f"_dv_{field}"), pl.col(f"_ds_{field}")
        present = pl.col(f"_d_{field}").is_not_null()
        year = value.dt.year()
        final[field] = value
        final[f"{field}_future"] = present & (value > pl.lit(now)).fill_null(False)
        final[f"{field}_impossible"] = present & shaped & (
            value.is_null() | ~year.is_between(_MIN_YEAR, _MAX_YEAR)).fill_null(True)
        final[f"{field}_unparsed"] = present & ~shaped
    return lf.with_columns(**final)
