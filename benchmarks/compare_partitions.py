"""How far two warehouses' contacts agree: an incremental run against a ``--full`` one.

    .venv/bin/python benchmarks/compare_partitions.py INCREMENTAL.duckdb FULL.duckdb \\
        [--truth gen/truth.csv]

Prints the pairwise agreement of the two record partitions (``contact_links``: pairs of
records in one contact; F1 of one against the other), how many contacts hold the same
records in both and of those how many have another ``contact_id`` or another golden consent,
and, with ``--truth`` (a generator's ``truth.csv``: record key -> entity), each warehouse's
pairwise precision and recall against the truth.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl

from contactops.catalog import T
from contactops.engine import Warehouse

CONSENT = ("consent_email", "consent_sms", "consent_phone", "consent_post")


def read(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """contact_links (with each record's key in its source) and the contacts' consent."""
    with Warehouse(path, read_only=True) as wh:
        links = wh.pl(f"SELECT l.record_id, l.contact_id, s.source_record_key AS record_key "
                      f"FROM {T.contact_links} l JOIN {T.current_source_records} s "
                      "USING (record_id)")
        have = set(wh.columns(T.contacts.name))
        chosen = ", ".join(["contact_id", "record_ids", *(c for c in CONSENT if c in have)])
        contacts = wh.pl(f"SELECT {chosen} FROM {T.contacts}")
    return links, contacts


def pairs(groups: pl.DataFrame, key: str) -> pl.DataFrame:
    """Every pair (a < b) of records sharing ``key``."""
    multi = groups.filter(pl.len().over(key) > 1).select("record_id", key)
    joined = multi.join(multi, on=key, suffix="_b")
    return joined.filter(pl.col("record_id") < pl.col("record_id_b")).select(
        a="record_id", b="record_id_b")


def agreement(left: pl.DataFrame, right: pl.DataFrame) -> dict[str, float]:
    both = left.join(right, on=["a", "b"], how="semi").height
    precision = both / left.height if left.height else 1.0
    recall = both / right.height if right.height else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs_left": left.height, "pairs_right": right.height, "common": both,
            "precision": round(precision, 6), "recall": round(recall, 6), "f1": round(f1, 6)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("incremental", type=Path)
    parser.add_argument("full", type=Path)
    parser.add_argument("--truth", type=Path)
    args = parser.parse_args()
    inc_links, inc_contacts = read(args.incremental)
    full_links, full_contacts = read(args.full)
    inc_pairs = pairs(inc_links, "contact_id")
    full_pairs = pairs(full_links, "contact_id")
    print("incremental vs full:", agreement(inc_pairs, full_pairs))
    key = pl.col("record_ids").list.sort().list.join("|")
    same = inc_contacts.with_columns(_k=key).join(full_contacts.with_columns(_k=key), on="_k",
                                                   suffix="_full")
    other_consent = sum(int((same[c] != same[f"{c}_full"]).fill_null(True).sum())
                        for c in CONSENT if c in same.columns)
    print(f"contacts: {inc_contacts.height:,} incremental, {full_contacts.height:,} full; "
          f"{same.height:,} hold the same records, of which "
          f"{int((same['contact_id'] != same['contact_id_full']).sum()):,} have another id "
          f"and {other_consent:,} another golden consent")
    if args.truth is not None:
        truth = pl.read_csv(args.truth, infer_schema=False,
                            columns=["record_key", "entity_id"]).unique("record_key")
        current = inc_links.join(truth, on="record_key")
        true_pairs = pairs(current.select("record_id", "entity_id"), "entity_id")
        for name, found in (("incremental", inc_pairs), ("full", full_pairs)):
            print(f"{name} vs truth:", agreement(found, true_pairs))


if __name__ == "__main__":
    main()
