"""Benchmark the normalize stage on 1M realistic messy contact rows.

Run: .venv/bin/python benchmarks/bench_normalize.py [--rows 1000000]
Builds rows by tiling a few hundred varied literal rows with varied suffixes, then times the
whole stage (records + changes collected together) and each field group on its own, and
prints peak RSS.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from datetime import datetime

import polars as pl

from contactops.config.normalize import NormalizeSettings
from contactops.config.project import ProjectSettings, TaxonomySettings
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import normalize
from contactops.normalize import stage as stage_mod

FIRST = ["John", "JANE", "bob", "Mary-Jane", "sean", "ANNA", "Dr. Peter", "liz", "Mike", "José",
         "Ｊｏｈｎ", "  maria  ", "Smith", None, "chris", "Élodie", "KATE", "ted"]
LAST = ["Smith", "O'BRIEN", "van der berg", "mcdonald", "MACLEOD", "Müller", "de la cruz",
        "Jones Jr.", "John", None, "García", "SMITH-JONES", "Dupont", "Schmidt"]
FULL = [None, None, None, "Dr. Jane Doe PhD", "Smith, John", "Ludwig van Beethoven",
        "Maria de la Cruz", "Cher"]
DOMAINS = ["gmail.com", "GoogleMail.com", "acme.com", "yahoo.com", "gmial.com",
           "mailinator.com", "siemens.de", "exämple.de", "hotmial.com", "corp.example.org"]
LOCALS = ["john.smith", "info", "Jane+news", "bob", "sales", "m.mueller", "x", "josé"]
PHONES = [("(415) 555-{n:04d}", "USA"), ("+1 212 555 {n:04d}", None),
          ("020 7946 {n:04d}", "UK"), ("+44 20 7946 {n:04d}", "England"),
          ("0151 1234{n:04d}", "Deutschland"), ("030 12{n:04d}", "Germany"),
          ("06 12 34 {n2:02d} {n3:02d}", "France"), ("+33 1 42 68 {n2:02d} {n3:02d}", None),
          ("415.555.{n:04d} x12", "US"), ("+81 3-1234-{n:04d}", "Japan"), ("12", None),
          ("+61 2 9876 {n:04d}", "Australia"), ("", "Narnia")]
COMPANIES = ["ACME INC.", "acme, inc", "IBM", "Siemens AG", "BOSCH GMBH", "Foo Pty Ltd",
             "bar l.l.c.", "The Widget Company", None, "Société Générale S.A.", "AT&T"]
TAGS = ["Webinar 2024, VIP", "webinar2024;newsletter", "WEBINAR-2024 | Trade Show", "vip",
        None, "random tag, Another One"]
CONSENT = ["yes", "Opt-In", "unsubscribed", "maybe", None, "pending", "TRUE", "ja"]
CHANNELS = [None, "email", "SMS", "all", "fax"]
LIFECYCLE = ["Lead", "MQL", "closed won", "Customer", None, "prospecting", "Marketing Qualified Lead"]
DATES = ["2024-03-05", "2024-03-05T10:20:30Z", "03/04/2024", "13/04/2024", "05.03.2024",
         "1709632800", "2024-02-30", "March 5, 2024", "garbage", "2099-01-01", None]
REGIONS = ["california", "NY", "Bayern", "Greater London", None, "ontario"]
POSTAL = ["94105", "sw1a1aa", "80331", "2134", "K1A0B1", None]


def base_rows(n: int = 400, seed: int = 7) -> list[dict[str, str | None]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        phone, country = rng.choice(PHONES)
        row = {f: None for f in CONTACT_FIELDS}
        row.update(
            first_name=rng.choice(FIRST), last_name=rng.choice(LAST), full_name=rng.choice(FULL),
            email=f"  {rng.choice(LOCALS)}{i}@{rng.choice(DOMAINS)} ",
            phone=phone.format(n=i % 10000, n2=i % 100, n3=(i * 7) % 100),
            country=country, company=rng.choice(COMPANIES), tags=rng.choice(TAGS),
            lists=rng.choice(TAGS), lifecycle_stage=rng.choice(LIFECYCLE),
            consent_status=rng.choice(CONSENT), consent_channel=rng.choice(CHANNELS),
            sms_consent=rng.choice([None, None, "no", "yes"]),
            consent_timestamp=rng.choice(DATES), created_at=rng.choice(DATES),
            updated_at=rng.choice(DATES), region=rng.choice(REGIONS),
            postal_code=rng.choice(POSTAL), city=rng.choice(["LONDON", "paris", "Berlin", None]),
            job_title=rng.choice(["CEO", " head of  sales", None]),
            utm_source=rng.choice(["google", None]), notes=rng.choice([None, "call back\nsoon"]),
            contact_type=rng.choice([None, None, "Client", "staff", "???"]),
        )
        rows.append(row)
    return rows


def build(n_rows: int) -> pl.DataFrame:
    base = pl.DataFrame(base_rows(), schema={f: pl.String for f in CONTACT_FIELDS})
    reps = -(-n_rows // base.height)
    df = pl.concat([base] * reps).head(n_rows).with_row_index("i")
    suffix = pl.col("i").cast(pl.String)
    # Vary values so they are not all identical: unique emails, phones and names per block.
    df = df.with_columns(
        record_id=pl.lit("r") + suffix,
        source=pl.lit("src_") + (pl.col("i") % 5).cast(pl.String),
        source_kind=pl.lit("import"),
        email=pl.col("email").str.replace("@", (pl.col("i") // 400).cast(pl.String) + "@"),
        phone=pl.when(pl.col("phone").str.len_bytes() > 6).then(
            pl.col("phone").str.slice(0, pl.col("phone").str.len_bytes() - 2)
            + ((pl.col("i") // 400) % 100).cast(pl.String).str.zfill(2)
        ).otherwise(pl.col("phone")),
        last_name=pl.col("last_name") + pl.when(pl.col("i") % 3 == 0)
        .then(pl.lit("")).otherwise(pl.lit("-") + (pl.col("i") % 997).cast(pl.String)),
        company=pl.col("company") + pl.when(pl.col("i") % 2 == 0).then(pl.lit(""))
        .otherwise(pl.lit(" ") + (pl.col("i") % 5000).cast(pl.String)),
    ).drop("i")
    return df.select("record_id", "source", "source_kind", *CONTACT_FIELDS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--groups", action="store_true", help="also time each field group")
    args = parser.parse_args()
    settings = ProjectSettings(taxonomy=TaxonomySettings(
        tags={"webinar-2024": ["Webinar 2024"], "vip": [], "newsletter": []}))
    options = NormalizeSettings()
    now = datetime(2025, 1, 1)
    started = time.perf_counter()
    df = build(args.rows)
    print(f"built {df.height:,} rows in {time.perf_counter() - started:.2f}s")
    lf = df.lazy()

    started = time.perf_counter()
    records = normalize(lf, settings, options, now=now).records.collect()
    print(f"records only:        {time.perf_counter() - started:6.2f}s  {records.width} columns")
    out = normalize(lf, settings, options, now=now)
    started = time.perf_counter()
    records, changes = out.collect()
    print(f"records + changes:   {time.perf_counter() - started:6.2f}s  "
          f"{changes.height:,} change rows")
    if args.groups:
        wide = stage_mod._with_raw(lf).collect().lazy()
        groups = {
            "geo": lambda x: stage_mod.normalize_geo(x),
            "names": lambda x: stage_mod.normalize_names(x),
            "emails": lambda x: stage_mod.normalize_emails(x),
            "phones": lambda x: stage_mod.normalize_phones(
                stage_mod.normalize_geo(x), default_region="US"),
            "companies": lambda x: stage_mod.normalize_companies(x),
            "consent": lambda x: stage_mod.normalize_consent(x, settings.consent),
            "taxonomy": lambda x: stage_mod.normalize_taxonomy(
                stage_mod.normalize_emails(x), settings),
            "dates": lambda x: stage_mod.normalize_dates(x, now=now),
        }
        for name, fn in groups.items():
            started = time.perf_counter()
            fn(wide).collect()
            print(f"  group {name:<10} {time.perf_counter() - started:6.2f}s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS:            {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
