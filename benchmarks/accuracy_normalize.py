"""Normalize accuracy against the generator's truth and against the reference libraries.

    .venv/bin/python benchmarks/accuracy_normalize.py --rows 100000

Prints three figures (issue: normalize):
* consent: share of records whose normalized email consent equals the status the raw word
  means (truth ``true_consent_email``), overall and per raw-word bucket;
* phones: agreement of ``phone_e164`` with ``phonenumbers`` (parsed in the record's country,
  else the default region) on every raw phone phonenumbers can parse as a valid number;
* emails: precision and recall of ``email_valid == false`` against the injected
  ``malformed_email`` defects.
"""

from __future__ import annotations

import argparse
import time

import phonenumbers
import polars as pl

from contactops.config.normalize import NormalizeSettings
from contactops.config.project import ProjectSettings
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import normalize
from contactops.testing import make_contacts


def normalized(rows: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    gen = make_contacts(rows, seed=seed)
    raw = gen.records.select(
        pl.col("record_key").alias("record_id"), "source",
        pl.col("source").alias("source_kind"),
        *[pl.col(f) if f in gen.records.columns else pl.lit(None, dtype=pl.Utf8).alias(f)
          for f in CONTACT_FIELDS])
    started = time.perf_counter()
    records, _ = normalize(raw.lazy(), ProjectSettings(), NormalizeSettings()).collect()
    print(f"normalized {rows:,} records in {time.perf_counter() - started:.1f} s")
    return raw, records, gen.truth


def consent_accuracy(records: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    joined = records.select("record_id", "consent_email").join(
        truth.select(pl.col("record_key").alias("record_id"), "true_consent_email"),
        on="record_id")
    right = joined.filter(pl.col("consent_email") == pl.col("true_consent_email")).height
    wrong = joined.filter(pl.col("consent_email") != pl.col("true_consent_email"))
    print("consent mismatches (normalized -> truth):",
          wrong.group_by("consent_email", "true_consent_email").len().sort("len",
                                                                           descending=True)
          .head(5).rows())
    return {"consent_accuracy": round(right / joined.height, 4), "records": joined.height}


def phone_agreement(raw: pl.DataFrame, records: pl.DataFrame) -> dict[str, float]:
    frame = raw.select("record_id", "phone", "country").join(
        records.select("record_id", "phone_e164", pl.col("country").alias("iso")),
        on="record_id").filter(pl.col("phone").is_not_null())
    agree = compared = 0
    for value, iso, ours in frame.select("phone", "iso", "phone_e164").unique().iter_rows():
        try:
            parsed = phonenumbers.parse(value, iso or "US")
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(parsed):
            continue
        compared += 1
        agree += ours == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return {"phone_agreement": round(agree / compared, 4) if compared else 1.0,
            "phones_compared": compared}


def email_flags(records: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    joined = records.select("record_id", "email", "email_valid").join(
        truth.select(pl.col("record_key").alias("record_id"), "defects"), on="record_id")
    planted = pl.col("defects").str.contains("malformed_email")
    flagged = pl.col("email").is_not_null() & (pl.col("email_valid") == False)  # noqa: E712
    tp = joined.filter(planted & flagged).height
    fp = joined.filter(~planted & flagged).height
    fn = joined.filter(planted & ~flagged).height
    return {"email_invalid_precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "email_invalid_recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
            "malformed_planted": tp + fn}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    raw, records, truth = normalized(args.rows, args.seed)
    figures = {**consent_accuracy(records, truth), **phone_agreement(raw, records),
               **email_flags(records, truth)}
    for key, value in figures.items():
        print(f"{key:<26} {value}")


if __name__ == "__main__":
    main()
