"""Why true pairs are missed and false pairs merged: dedupe's errors against the truth, by cause.

    .venv/bin/contactops generate --rows 100000 --seed 1 --preset hard --out /tmp/d
    .venv/bin/contactops run --source /tmp/d/contacts.csv --warehouse /tmp/d/wh.duckdb --warn-only
    .venv/bin/python benchmarks/analyse_matches.py /tmp/d            # counts by cause
    .venv/bin/python benchmarks/analyse_matches.py /tmp/d --show 5   # and 5 examples of each
    .venv/bin/python benchmarks/analyse_matches.py /tmp/d --ceiling  # and what is reachable

It reads the run's ``normalized_records`` (cached as ``normalized.parquet`` beside the
warehouse), runs the dedupe core in process with the pipeline's zero-config settings, and
sorts every pairwise error (the unit of benchmarks/run.py's precision and recall):

missed true pairs (two records of one entity in different contacts):
  * ``not blocked``: no blocking pass made the pair;
  * ``below review``: compared, scored under the review threshold;
  * ``review``: scored between the review and the auto-merge thresholds;
  * ``contradiction``: linked by an identifier or the model, then vetoed (the reason names the
    fields);
  * ``clustering``: linked, but clustering kept the two contacts apart (a conflict elsewhere);
  * ``transitive miss``: compared and linked on neither side, but only because no chain joins
    them (counted under the pair's own cause above; this bucket stays empty by construction).

false merges (two entities in one contact):
  * ``direct: <rule>``: the pair itself was linked (by which key or model pass);
  * ``chained``: the pair was never linked itself; a chain of other links joined them.
Each false merge also says whether the two entities share a household in the truth.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl


def normalized_of(folder: Path) -> pl.DataFrame:
    """The run's normalized records with the generator's ``record_key`` (cached)."""
    cache = folder / "normalized.parquet"
    if cache.exists():
        return pl.read_parquet(cache)
    import duckdb

    con = duckdb.connect(str(folder / "wh.duckdb"), read_only=True)
    try:
        frame = pl.from_arrow(con.sql(
            "SELECT n.*, s.source_record_key AS record_key FROM normalized_records n "
            "JOIN current_source_records s USING (record_id)").to_arrow_table())
    finally:
        con.close()
    assert isinstance(frame, pl.DataFrame)
    frame.write_parquet(cache)
    return frame


def run_dedupe(normalized: pl.DataFrame) -> tuple[Any, float]:
    from contactops.config.dedupe import DedupeSettings
    from contactops.dedupe import dedupe

    started = time.perf_counter()
    result = dedupe(normalized.drop("record_key"), DedupeSettings())
    return result, time.perf_counter() - started


def _pairs_within(frame: pl.DataFrame, group: str) -> pl.DataFrame:
    """Every (a, b) record-id pair, a < b, sharing ``group``."""
    g = frame.select("record_id", group).filter(pl.len().over(group) > 1)
    return (g.join(g, on=group, suffix="_b")
            .filter(pl.col("record_id") < pl.col("record_id_b"))
            .select(pl.col("record_id").alias("record_a"),
                    pl.col("record_id_b").alias("record_b")))


def ceiling(pairs: pl.DataFrame, labelled: pl.DataFrame, true_pairs: pl.DataFrame,
            min_precision: float = 0.99) -> dict[str, float]:
    """What the comparisons as they are could reach: every candidate pair whose levels
    (the ``g_`` pattern) are true at least ``min_precision`` of the time is linked, on top
    of the run's own contacts, and the pairwise recall of the resulting components is
    measured. An upper bound for scoring and vetoes (a real rule sees patterns, not truth);
    pairs no blocking pass made stay out of reach."""
    from contactops.dedupe.cluster import components

    g = [c for c in pairs.columns if c.startswith("g_")]
    truth = true_pairs.with_columns(_true=pl.lit(True))
    scored = pairs.join(truth, on=["record_a", "record_b"], how="left").with_columns(
        pl.col("_true").fill_null(False))
    good = (scored.group_by(g).agg(_p=pl.col("_true").mean())
            .filter(pl.col("_p") >= min_precision).select(g))
    linked = scored.join(good, on=g, how="semi").filter("_true")
    index = {r: i for i, r in enumerate(labelled["record_id"].to_list())}
    contact_first = labelled.group_by("contact_id").agg(pl.col("record_id").first().alias("_h"))
    own = labelled.join(contact_first, on="contact_id")
    left = [index[r] for r in [*linked["record_a"].to_list(), *own["record_id"].to_list()]]
    right = [index[r] for r in [*linked["record_b"].to_list(), *own["_h"].to_list()]]
    comp = components(labelled.height, np.array(left), np.array(right))
    found = labelled.with_columns(_c=pl.Series(comp))
    got = _pairs_within(found, "_c").join(true_pairs, on=["record_a", "record_b"], how="semi")
    return {"min_pattern_precision": min_precision, "recall": round(got.height
                                                                    / max(true_pairs.height, 1), 4),
            "candidate_true_pairs": int(scored["_true"].sum())}


def analyse(folder: Path, show: int = 0, bound: bool = False) -> dict[str, Any]:
    normalized = normalized_of(folder)
    truth = pl.read_csv(folder / "truth.csv", infer_schema=False)
    if "household_id" not in truth.columns:  # the classic preset has no households
        truth = truth.with_columns(household_id=pl.col("entity_id"))
    truth = truth.select("record_key", "entity_id", "household_id")
    result, seconds = run_dedupe(normalized)
    ids = normalized.select("record_id", "record_key").join(truth, on="record_key")
    labelled = ids.join(result.links.select("record_id", "contact_id"), on="record_id")
    true_pairs = _pairs_within(labelled, "entity_id")
    predicted = _pairs_within(labelled, "contact_id")
    tp = true_pairs.join(predicted, on=["record_a", "record_b"], how="semi").height
    precision = tp / max(predicted.height, 1)
    recall = tp / max(true_pairs.height, 1)
    pairs = result.pairs.select(
        pl.min_horizontal("record_a", "record_b").alias("record_a"),
        pl.max_horizontal("record_a", "record_b").alias("record_b"),
        "match_probability", "link_type", "key_rule", "block_rule", "conflict",
        *[c for c in result.pairs.columns if c.startswith("g_")])
    contact = dict(zip(labelled["record_id"], labelled["contact_id"], strict=True))
    missed = true_pairs.join(predicted, on=["record_a", "record_b"], how="anti").join(
        pairs, on=["record_a", "record_b"], how="left")
    th_review = 0.5
    th_auto = 0.99
    missed = missed.with_columns(cause=(
        pl.when(pl.col("block_rule").is_null() & pl.col("key_rule").is_null())
        .then(pl.lit("not blocked"))
        .when(pl.col("conflict").is_not_null())
        .then(pl.lit("contradiction: ") + pl.col("conflict"))
        .when(pl.col("link_type").is_not_null()).then(pl.lit("clustering"))
        .when(pl.col("match_probability") >= th_auto).then(pl.lit("clustering"))
        .when(pl.col("match_probability") >= th_review).then(pl.lit("review"))
        .otherwise(pl.lit("below review"))))
    false = predicted.join(true_pairs, on=["record_a", "record_b"], how="anti").join(
        pairs, on=["record_a", "record_b"], how="left")
    entity = dict(zip(ids["record_id"], ids["entity_id"], strict=True))
    household = dict(zip(ids["record_id"], ids["household_id"], strict=True))
    same_house = np.array([household[a] == household[b] for a, b in
                           zip(false["record_a"], false["record_b"], strict=True)], dtype=bool)
    false = false.with_columns(
        cause=pl.when(pl.col("link_type").is_not_null())
        .then(pl.lit("direct: ") + pl.coalesce("key_rule", pl.lit("model:")
                                              + pl.col("block_rule")))
        .otherwise(pl.lit("chained")),
        household=pl.Series(same_house))
    del contact, entity
    report = {
        "folder": str(folder), "dedupe_seconds": round(seconds, 2),
        "phases": {k: v["wall"] for k, v in result.timings.items()},
        "precision": round(precision, 4), "recall": round(recall, 4),
        "true_pairs": true_pairs.height, "predicted_pairs": predicted.height,
        "missed": missed.height, "false": false.height,
        "missed_by_cause": dict(missed.group_by("cause").len().sort("len", descending=True)
                                .iter_rows()),
        "false_by_cause": {f"{c} (household {h})": n for c, h, n in
                           false.group_by("cause", "household").len()
                           .sort("len", descending=True).iter_rows()},
        "missed_by_block_rule": dict(missed.filter(pl.col("block_rule").is_not_null())
                                     .group_by("block_rule").len()
                                     .sort("len", descending=True).iter_rows()),
    }
    if bound:
        report["ceiling"] = ceiling(pairs, labelled, true_pairs)
    if show:
        cols = ["record_key", "first_name_key", "last_name_key", "email_key", "phone_e164",
                "company_key", "street", "postal_code", "city", "date_of_birth"]
        cols = [c for c in cols if c in normalized.columns]
        rec = normalized.select("record_id", *cols)
        for title, frame in (("missed", missed), ("false", false)):
            for cause in frame["cause"].unique().sort():
                sample = frame.filter(pl.col("cause") == cause).head(show)
                print(f"\n== {title}: {cause}")
                for row in sample.iter_rows(named=True):
                    a = rec.filter(pl.col("record_id") == row["record_a"]).row(0)
                    b = rec.filter(pl.col("record_id") == row["record_b"]).row(0)
                    g = {k[2:]: v for k, v in row.items() if k.startswith("g_") and v is not None}
                    print(f"  p={row['match_probability']} rule={row['block_rule']} {g}")
                    print(f"    {a[1:]}\n    {b[1:]}")
    report["_missed"] = missed
    report["_false"] = false
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="with truth.csv and wh.duckdb (a run)")
    parser.add_argument("--show", type=int, default=0, help="examples per cause")
    parser.add_argument("--ceiling", action="store_true",
                        help="also the recall the comparisons could reach (see ceiling())")
    args = parser.parse_args(argv)
    report = analyse(args.folder, args.show, args.ceiling)
    for key, value in report.items():
        if key.startswith("_"):
            continue
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {v:>8,}  {k}")
        else:
            print(f"{key}: {value}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
