"""Benchmark the validate stage: flag precision/recall per planted defect, and time at 1M.

Run: .venv/bin/python benchmarks/bench_validate.py [--rows 100000] [--time-rows 1000000]
     [--cache benchmarks/out] [--gx]

Generates seeded contacts with known defects (``contactops.testing.make_contacts``),
normalizes them, runs the record rules and compares each defect's rule flags with the
generator truth. Then times validation of ``--time-rows`` records: rules + Pandera on the
frame, the whole stage on a DuckDB warehouse (load, checks, persist), and with ``--gx`` the
GX worker (import time reported separately from checkpoint time).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from contactops.config.loader import Project
from contactops.config.normalize import NormalizeSettings
from contactops.config.project import ProjectSettings
from contactops.config.validate import GxSettings, ValidateSettings
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import normalize
from contactops.testing.generator import SOURCE_KINDS, make_contacts
from contactops.validate.pandera_schemas import check_schema
from contactops.validate.rules import check_records
from contactops.validate.set_rules import check_list_mixing, check_taxonomy

#: defect code -> (rule, field) whose issues flag it
DEFECT_RULES = {
    "malformed_email": ("email_invalid", None),
    "impossible_phone": ("phone_invalid", None),
    "no_name": ("required_fields", "first_name|last_name|full_name"),
    "no_channel": ("required_fields", "email|phone"),
    "future_date": ("date_future", None),
    "disposable_email": ("email_disposable", None),
    "email_typo": ("email_typo", None),
    "role_email": ("email_role", None),
}


def dataset(rows: int, seed: int, cache: Path | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(normalized_records, truth) for ``rows`` generated records, cached as Parquet."""
    if cache is not None:
        norm, truth = cache / f"norm_{rows}_{seed}.parquet", cache / f"truth_{rows}_{seed}.parquet"
        if norm.is_file() and truth.is_file():
            return pl.read_parquet(norm), pl.read_parquet(truth)
    started = time.perf_counter()
    generated = make_contacts(rows, seed=seed)
    kinds = {k: str(v) for k, v in SOURCE_KINDS.items()}
    raw = generated.records.with_columns(
        *(pl.lit(None, pl.String).alias(f) for f in CONTACT_FIELDS
          if f not in generated.records.columns),
        record_id=pl.col("record_key"), source_kind=pl.col("source").replace_strict(kinds),
    ).select("record_id", "source", "source_kind", *CONTACT_FIELDS)
    records = normalize(raw.lazy(), ProjectSettings(), NormalizeSettings()).records.collect()
    print(f"generated + normalized {rows:,} rows in {time.perf_counter() - started:.1f} s")
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        records.write_parquet(norm)
        generated.truth.write_parquet(truth)
    return records, generated.truth


def precision_recall(records: pl.DataFrame, truth: pl.DataFrame) -> None:
    result = check_records(records, ValidateSettings(), "bench")
    planted = truth.select(record_id="record_key", defects=pl.col("defects").str.split("|"))
    print(f"{'defect':<18}{'rule':<18}{'planted':>8}{'flagged':>9}{'precision':>10}{'recall':>8}")
    for defect, (rule, field) in DEFECT_RULES.items():
        issues = result.issues.filter(pl.col("rule") == rule)
        if field:
            issues = issues.filter(pl.col("field") == field)
        flagged = set(issues["record_id"])
        true = set(planted.filter(pl.col("defects").list.contains(defect))["record_id"])
        hit = len(flagged & true)
        print(f"{defect:<18}{rule:<18}{len(true):>8,}{len(flagged):>9,}"
              f"{hit / max(1, len(flagged)):>10.3f}{hit / max(1, len(true)):>8.3f}")


def timing(records: pl.DataFrame, gx: bool) -> None:
    from contactops.engine import Warehouse
    from contactops.validate.stage import persist, validate

    options = ValidateSettings(gx=GxSettings(enabled=gx))
    settings = ProjectSettings()
    n = records.height
    for label, fn in (
        ("record rules", lambda: check_records(records, options, "b")),
        ("taxonomy + lists", lambda: (check_taxonomy(records, options, settings, "b"),
                                      check_list_mixing(records, options, "b"))),
        ("pandera schema", lambda: check_schema(records, "normalized_records", options, "b")),
    ):
        started = time.perf_counter()
        fn()
        print(f"{label:<22}{time.perf_counter() - started:7.2f} s  ({n:,} rows)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if gx:
            suites = root / "expectations" / "suites"
            suites.mkdir(parents=True)
            here = Path(__file__).resolve().parents[1] / "expectations" / "suites"
            (suites / "normalized_records.json").write_text(
                (here / "normalized_records.json").read_text())
        project = Project(root=root, settings=settings)
        with Warehouse(root / "bench.duckdb") as wh:
            wh.replace_table("normalized_records", records)
            if gx:
                from contactops.validate.gx_suites import prewarm

                prewarm(root, options.gx)
                time.sleep(25)  # stands in for ingest/normalize/dedupe while GX imports
            started = time.perf_counter()
            result = validate(wh, project, options, "bench")
            begun = time.perf_counter()
            persist(wh, result)
            result.timings["persist"] = time.perf_counter() - begun
            total = time.perf_counter() - started
        t, counts, failures = result.timings, result.counts, result.gate_failures()
        print(f"{'whole stage':<22}{total:7.2f} s  (load {t['load']:.2f}, rules {t['rules']:.2f},"
              f" pandera {t['pandera']:.2f}, persist {t['persist']:.2f}); "
              f"{counts['issues']:,} issues, {len(failures)} gate failures")
        if gx:
            print(f"{'GX import (worker)':<22}{t['gx_import']:7.2f} s  (overlapped, not waited)")
            print(f"{'GX checkpoints':<22}{t['gx_checkpoints']:7.2f} s  (in the worker)")
            print(f"{'GX wait in stage':<22}{t['gx_wait']:7.2f} s  (critical-path cost of GX)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--time-rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder for generated Parquet (reused when present)")
    parser.add_argument("--gx", action="store_true", help="also time the GX worker")
    args = parser.parse_args()
    records, truth = dataset(args.rows, args.seed, args.cache)
    precision_recall(records, truth)
    if args.time_rows:
        big = records if args.time_rows == args.rows else dataset(
            args.time_rows, args.seed, args.cache)[0]
        timing(big, args.gx)


if __name__ == "__main__":
    main()
