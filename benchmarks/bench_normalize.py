"""Benchmark the normalize stage on realistic messy contact rows (default 1M).

Run: .venv/bin/python benchmarks/bench_normalize.py [--rows 1000000] [--repeat 2] [--literal]
Input: the project's seeded generator (``make_contacts``); ``--literal`` tiles a few hundred
literal rows instead. Times records + changes collected together (wall and CPU: the machine
is shared, CPU time is the steadier figure) with the time of each phase, each field group on
its own, and prints rows/s, change rows and peak RSS. Run 1 is the honest figure for a
scheduled run: later runs reuse the phonenumbers/email-validator caches of the process.
``--cache DIR`` keeps the generated input as Parquet between runs.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from datetime import datetime
from pathlib import Path

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
LIFECYCLE = ["Lead", "MQL", "closed won", "Customer", None, "prospecting",
             "Marketing Qualified Lead"]
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


def generated(n_rows: int, seed: int = 1, cache: Path | None = None) -> pl.DataFrame:
    """Generator rows mapped to the normalize input (missing fields as null Utf8)."""
    path = cache / f"normalize_input_{n_rows}_{seed}.parquet" if cache else None
    if path is not None and path.exists():
        return pl.read_parquet(path)
    from contactops.testing import make_contacts

    raw = make_contacts(n_rows, seed=seed).records
    df = raw.select(
        pl.col("record_key").alias("record_id"), "source",
        pl.col("source").alias("source_kind"),
        *(pl.col(f) if f in raw.columns else pl.lit(None, dtype=pl.String).alias(f)
          for f in CONTACT_FIELDS))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        df.write_parquet(path)
    return df


def timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of the whole stage")
    parser.add_argument("--literal", action="store_true", help="tiled literal rows")
    parser.add_argument("--no-groups", action="store_true", help="skip per-group timings")
    parser.add_argument("--cache", type=Path, default=None, help="dir for the input Parquet")
    args = parser.parse_args()
    if args.literal:
        settings = ProjectSettings(taxonomy=TaxonomySettings(
            tags={"webinar-2024": ["Webinar 2024"], "vip": [], "newsletter": []}))
    else:
        from contactops.config import load_project

        settings = load_project(Path(__file__).resolve().parents[1]).settings
    options = NormalizeSettings()
    now = datetime(2025, 1, 1)
    df, wall, _ = timed(lambda: build(args.rows) if args.literal
                        else generated(args.rows, cache=args.cache))
    print(f"input: {df.height:,} rows ({'literal' if args.literal else 'generator'}) "
          f"in {wall:.1f}s")
    lf = df.lazy()
    for run in range(1, args.repeat + 1):
        out = normalize(lf, settings, options, now=now)
        (records, changes), wall, cpu = timed(out.collect)
        print(f"run {run}: records + changes  wall {wall:6.2f}s  cpu {cpu:6.2f}s  "
              f"{df.height / wall:,.0f} rows/s  {changes.height:,} change rows "
              f"({changes.estimated_size() / 2**20:,.0f} MiB)")
        phases = {k.removesuffix("_seconds"): v for k, v in out.timings.items()
                  if k != "collect_seconds"}
        print("        phases: " + "  ".join(f"{k} {v:.2f}s" for k, v in phases.items()))
        del records, changes
    if not args.no_groups:
        wide = stage_mod._with_raw(lf).collect().lazy()
        geo = stage_mod.normalize_geo(wide).collect().lazy()
        emails = stage_mod.normalize_emails(wide).collect().lazy()
        groups = {
            "geo": lambda: stage_mod.normalize_geo(wide),
            "names": lambda: stage_mod.normalize_names(wide),
            "emails": lambda: stage_mod.normalize_emails(wide),
            "phones": lambda: stage_mod.normalize_phones(geo, default_region="US"),
            "companies": lambda: stage_mod.normalize_companies(wide),
            "consent": lambda: stage_mod.normalize_consent(wide, settings.consent),
            "taxonomy": lambda: stage_mod.normalize_taxonomy(emails, settings),
            "dates": lambda: stage_mod.normalize_dates(wide, now=now),
        }
        for name, plan in groups.items():
            _, wall, cpu = timed(lambda plan=plan: plan().collect())
            print(f"  group {name:<10} wall {wall:6.2f}s  cpu {cpu:6.2f}s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
