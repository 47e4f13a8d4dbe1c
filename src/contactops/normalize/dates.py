"""Dates and timestamps from ISO, US, EU and epoch spellings; future and impossible flagged.

Output is ``Datetime('us')`` in UTC without a zone (an offset such as +02:00 is applied).
In a slash or dash date such as 03/04/2024 a part above 12 must be the day; when both parts
are at most 12, ``NormalizeSettings.date_order`` ('mdy' by default) decides. Dotted dates
(03.04.2024) are always day.month.year. Two-digit years below 70 are 20xx, else 19xx.

Cost model (1M rows, 3 fields, 2 cores): the general parser below (two capture regexes, a
rebuilt ISO text, offsets, month names) costs ~0.35 s per field per 1M values even when
most are null. So a cascade decides the shapes machines write most with one exact format
each, gated by an anchored shape regex (~12 ms per 1M), and the general parser runs once per
*distinct* leftover value. ``tests/normalize/test_dates.py`` checks the cascade against the
general parser on generated spellings.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from contactops.normalize.distinct import Distinct, with_distinct
from contactops.normalize.text import clean

DATE_FIELDS = ("created_at", "updated_at", "consent_timestamp")

_ISO = (r"^(?<y>\d{4})[-/.](?<m>\d{1,2})[-/.](?<d>\d{1,2})"
        r"(?:[T ](?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2})(?:[.,](?<f>\d{1,9}))?)?)?"
        r"\s*(?<tz>Z|UTC|[+-]\d{2}(?::?\d{2})?)?$")
_NUMERIC = (r"^(?<a>\d{1,2})(?<sep>[/.-])(?<b>\d{1,2})[/.-](?<y>\d{4}|\d{2})"
            r"(?:[ T,]+(?<H>\d{1,2}):(?<M>\d{2})(?::(?<S>\d{2}))?\s*(?<ampm>[AaPp][Mm])?)?$")
_NAMED_FORMATS = ("%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d-%b-%Y", "%b %d, %Y", "%d %b %Y")
_MIN_YEAR, _MAX_YEAR = 1900, 2200

# (shape, formats tried in order for date_order mdy, and for dmy). A shape regex gates
# each format, so chrono's leniency (a five-digit year, a one-digit %Y) never decides a
# value the general parser would refuse. For a slash date, month/day first and day/month
# second (or the reverse for dmy) equals the general rule: a part above 12 is the day.
_MDY, _DMY = ("%m/%d/%Y", "%d/%m/%Y"), ("%d/%m/%Y", "%m/%d/%Y")
_EXACT: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (r"^\d{4}-\d{2}-\d{2}$", ("%Y-%m-%d",), ("%Y-%m-%d",)),
    (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", ("%Y-%m-%d %H:%M:%S",), ("%Y-%m-%d %H:%M:%S",)),
    (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?$", ("%Y-%m-%dT%H:%M:%S",),
     ("%Y-%m-%dT%H:%M:%S",)),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", _MDY, _DMY),
    (r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$", tuple(f + " %H:%M" for f in _MDY),
     tuple(f + " %H:%M" for f in _DMY)),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", ("%d.%m.%Y",), ("%d.%m.%Y",)),
    (r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}$", ("%d.%m.%Y %H:%M",), ("%d.%m.%Y %H:%M",)),
)
_EPOCH_SHAPE = r"^(?:\d{9,10}|\d{12,13})$"


def _pad(expr: pl.Expr, default: str = "00") -> pl.Expr:
    return pl.coalesce(expr.str.zfill(2), pl.lit(default))


def _exact(value: pl.Expr, date_order: str) -> tuple[pl.Expr, pl.Expr]:
    """(datetime, decided) for the common shapes, one exact format (pair) per shape."""
    shapes, parsed = [], []
    for pattern, mdy, dmy in _EXACT:
        shape = value.str.contains(pattern).fill_null(False)
        # Each format sees only its own shape (null elsewhere, so skipped); Z is UTC.
        text = pl.when(shape).then(value.str.strip_suffix("Z") if "T" in mdy[0] else value)
        parsed += [text.str.strptime(pl.Datetime("us"), fmt, strict=False)
                   for fmt in (mdy if date_order == "mdy" else dmy)]
        shapes.append(shape)
    epoch = value.str.contains(_EPOCH_SHAPE).fill_null(False)
    parsed.append(_epoch(pl.when(epoch).then(value)))
    return pl.coalesce(parsed), pl.any_horizontal([*shapes, epoch])


def _epoch(value: pl.Expr) -> pl.Expr:
    """Unix seconds (9-10 digits) or milliseconds (12-13 digits); null for anything else."""
    digits = value.str.contains(r"^\d+$")
    n_digits = value.str.len_bytes()
    return (pl.when(digits & n_digits.is_between(9, 10))
            .then(value.cast(pl.Int64, strict=False) * 1_000_000)
            .when(digits & n_digits.is_between(12, 13))
            .then(value.cast(pl.Int64, strict=False) * 1_000)).cast(pl.Datetime("us"))


def parse_general(lf: pl.LazyFrame, column: str, date_order: str, *, value: str = "_value",
                  shaped: str = "_shaped") -> pl.LazyFrame:
    """The general parser: ``value`` (datetime) and ``shaped`` (matched a known shape).

    Every spelling the module accepts, decided row by row; :func:`normalize_dates` runs it
    on the distinct values its exact formats leave.
    """
    text = pl.col(column)
    groups = lf.with_columns(_iso=text.str.extract_groups(_ISO),
                             _num=text.str.extract_groups(_NUMERIC))
    iso, num = pl.col("_iso"), pl.col("_num")
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
    parsed = pl.coalesce(iso_text, num_text).str.strptime(
        pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False)
    micros = iso.struct.field("f").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int64)
    parsed = parsed + pl.duration(microseconds=micros.fill_null(0))
    tz = iso.struct.field("tz").str.replace_all(":", "")
    offset_min = pl.when(tz.str.contains(r"^[+-]\d{2}")).then(
        (tz.str.slice(1, 2).cast(pl.Int64) * 60
         + tz.str.slice(3, 2).replace("", None).cast(pl.Int64).fill_null(0))
        * pl.when(tz.str.starts_with("-")).then(-1).otherwise(1)).otherwise(0)
    parsed = parsed - pl.duration(minutes=offset_min)
    epoch = _epoch(text)
    # Month names need letters: the six named formats only see values that have some.
    worded = pl.when(text.str.contains(r"[A-Za-z]")).then(text)
    named = pl.coalesce([worded.str.strptime(pl.Datetime("us"), fmt, strict=False)
                         for fmt in _NAMED_FORMATS])
    is_shaped = (iso.struct.field("y").is_not_null() | num.struct.field("a").is_not_null()
                 | epoch.is_not_null() | named.is_not_null())
    return groups.with_columns(**{value: pl.coalesce(parsed, epoch, named),
                                  shaped: is_shaped}).drop("_iso", "_num")


def normalize_dates(lf: pl.LazyFrame, *, now: datetime, date_order: str = "mdy"
                    ) -> pl.LazyFrame:
    """Add each date field plus ``<field>_future``, ``_impossible`` and ``_unparsed``."""
    if now.tzinfo is not None:
        from datetime import UTC

        now = now.astimezone(UTC).replace(tzinfo=None)
    first: dict[str, pl.Expr] = {}
    for field in DATE_FIELDS:
        text = clean(pl.col(f"_raw_{field}"))
        first[f"_d_{field}"] = text
    lf = lf.with_columns(**first)
    exact: dict[str, pl.Expr] = {}
    for field in DATE_FIELDS:
        value, decided = _exact(pl.col(f"_d_{field}"), date_order)
        exact[f"_dx_{field}"] = value
        exact[f"_dr_{field}"] = pl.when(~decided).then(pl.col(f"_d_{field}"))
    lf = lf.with_columns(**exact)

    def general(field: str) -> Distinct:
        return Distinct((f"_dr_{field}",), lambda small: parse_general(
            small, f"_dr_{field}", date_order, value=f"_dg_{field}", shaped=f"_ds_{field}"))

    lf = with_distinct(lf, [general(f) for f in DATE_FIELDS])
    final: dict[str, pl.Expr] = {}
    for field in DATE_FIELDS:
        rest = pl.col(f"_dr_{field}")
        value = pl.when(rest.is_null()).then(pl.col(f"_dx_{field}")) \
            .otherwise(pl.col(f"_dg_{field}"))
        shaped = rest.is_null() | pl.col(f"_ds_{field}")
        present = pl.col(f"_d_{field}").is_not_null()
        final[field] = value
        final[f"{field}_future"] = present & (value > pl.lit(now)).fill_null(False)
        final[f"{field}_impossible"] = present & shaped & (
            value.is_null() | ~value.dt.year().is_between(_MIN_YEAR, _MAX_YEAR)
        ).fill_null(True)
        final[f"{field}_unparsed"] = present & ~shaped
    scratch = [f"_d{part}_{field}" for field in DATE_FIELDS for part in ("", "x", "r", "g", "s")]
    return lf.with_columns(**final).drop(scratch)
