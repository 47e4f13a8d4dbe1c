"""Identifying fields: date of birth and external ids (customer, membership, national ids).

* ``date_of_birth``: a ``Date`` from the spellings :mod:`.dates` reads, plus the compact
  ``YYYYMMDD`` that registries and FEBRL write; a value that is not a date, is in the
  future or before 1900 becomes null and flags the record (``dob_invalid``), so a typo never
  links two people by a birthday neither has.
* ``external_id``: trimmed, upper case, without spaces, dots, dashes or slashes
  (``ab-123 45`` and ``AB12345`` are one id). ``external_id_kind`` is folded to lower case
  with ``_`` separators; ``external_id_key`` is ``kind:id``, so ids of different systems are
  never equal.

Both run once per distinct raw value.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from contactops.normalize.dates import _exact, parse_general
from contactops.normalize.distinct import Distinct
from contactops.normalize.text import clean

_MIN_BIRTH_YEAR = 1900
_COMPACT = r"^(?:19|20)\d{6}$"


def dob_spec(*, now: datetime, date_order: str = "mdy") -> Distinct:
    """``date_of_birth`` and ``dob_invalid`` per distinct raw date of birth."""
    today = now.date() if isinstance(now, datetime) else now

    def parse(small: pl.LazyFrame) -> pl.LazyFrame:
        text = clean(pl.col("_raw_date_of_birth"))
        small = small.with_columns(_dob_text=text)
        compact = pl.when(pl.col("_dob_text").str.contains(_COMPACT)).then(
            pl.col("_dob_text")).str.strptime(pl.Date, "%Y%m%d", strict=False)
        exact, _ = _exact(pl.col("_dob_text"), date_order)
        small = parse_general(small, "_dob_text", date_order, value="_dob_general",
                              shaped="_dob_shaped")
        value = pl.coalesce(compact, exact.dt.date(), pl.col("_dob_general").dt.date())
        plausible = value.is_between(pl.lit(date(_MIN_BIRTH_YEAR, 1, 1)), pl.lit(today))
        return small.with_columns(
            date_of_birth=pl.when(plausible).then(value),
            dob_invalid=pl.col("_dob_text").is_not_null() & ~plausible.fill_null(False),
        ).drop("_dob_text", "_dob_general", "_dob_shaped")

    return Distinct(("_raw_date_of_birth",), parse)


def external_id_spec() -> Distinct:
    """``external_id``, ``external_id_kind`` and ``external_id_key`` per distinct raw pair."""

    def parse(small: pl.LazyFrame) -> pl.LazyFrame:
        value = clean(pl.col("_raw_external_id")).str.to_uppercase().str.replace_all(
            r"[\s.\-/_]+", "").replace("", None)
        kind = (clean(pl.col("_raw_external_id_kind")).str.to_lowercase()
                .str.replace_all(r"[^0-9a-z.]+", "_").str.strip_chars("_").replace("", None)
                .fill_null(pl.lit("id")))
        return small.with_columns(
            external_id=value,
            external_id_kind=pl.when(value.is_not_null()).then(kind),
            external_id_key=pl.when(value.is_not_null()).then(
                pl.concat_str(kind, pl.lit(":"), value)),
        )

    return Distinct(("_raw_external_id", "_raw_external_id_kind"), parse)
