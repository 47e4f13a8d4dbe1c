"""Baselines the harness runs on the same data in the same run, and the pairwise scorer.

* scan floor: DuckDB ``count(*)`` and ``count(DISTINCT lower(trim(email)))`` over the raw CSV;
* exact email ∪ phone dedupe: records sharing a lower-cased email or a digits-only phone are
  one entity (connected components with scipy);
* untuned Splink 5 (DuckDB backend): textbook settings, u by random sampling, m by EM on two
  blocking rules, clusters at 0.95.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl


def pairwise_scores(predicted: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """Pairwise precision/recall/F1. ``predicted``: record_key, cluster; ``truth``: record_key,
    entity_id. A pair is predicted when both share a cluster, true when both share an entity."""
    joined = predicted.join(truth.select("record_key", "entity_id"), on="record_key")

    def pairs(frame: pl.DataFrame, by: list[str]) -> int:
        sizes = frame.group_by(by).len()["len"].cast(pl.Int64)
        return int((sizes * (sizes - 1) // 2).sum())

    tp = pairs(joined, ["cluster", "entity_id"])
    predicted_pairs = pairs(joined, ["cluster"])
    true_pairs = pairs(joined, ["entity_id"])
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "true_pairs": true_pairs, "predicted_pairs": predicted_pairs}


def scan_floor(csv: Path) -> dict[str, Any]:
    con = duckdb.connect()
    started = time.perf_counter()
    rows, emails = con.execute(
        f"SELECT count(*), count(DISTINCT lower(trim(\"E-mail\"))) FROM read_csv('{csv}', "
        "all_varchar=true)").fetchall()[0]
    return {"seconds": round(time.perf_counter() - started, 3), "rows": rows,
            "distinct_emails": emails}


def components(keys: pl.DataFrame) -> np.ndarray:
    """Connected components of records linked by any shared non-null key column."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = keys.height
    rows, cols = [], []
    offset = n
    for column in keys.columns:
        codes = keys[column].cast(pl.Categorical).to_physical()
        mask = keys[column].is_not_null().to_numpy()
        idx = np.nonzero(mask)[0]
        rows.append(idx)
        cols.append(codes.to_numpy()[mask].astype(np.int64) + offset)
        offset += int(codes.max() or 0) + 1
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    size = offset
    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    return labels[:n]


def exact_email_phone(raw: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    """``raw`` has record_key, email, phone; returns (record_key, cluster) and seconds."""
    started = time.perf_counter()
    keys = raw.select(
        pl.col("email").str.strip_chars().str.to_lowercase().replace("", None).alias("email"),
        pl.col("phone").str.replace_all(r"\D", "").replace("", None).alias("phone"))
    labels = components(keys)
    out = raw.select("record_key").with_columns(pl.Series("cluster", labels))
    return out, time.perf_counter() - started


def splink_untuned(raw: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    """Untuned Splink 5 on raw columns (lower-cased); returns (record_key, cluster), seconds."""
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.WARNING)
    started = time.perf_counter()
    frame = raw.select(
        pl.col("record_key").alias("unique_id"), "record_key",
        *[pl.col(c).str.strip_chars().str.to_lowercase().alias(c)
          for c in ("first_name", "last_name", "email", "phone", "city", "company")])
    db_api = DuckDBAPI()
    table = db_api.register(frame.to_arrow(), table_name="contacts_in")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.JaroWinklerAtThresholds("first_name"),
                     cl.JaroWinklerAtThresholds("last_name"),
                     cl.ExactMatch("email"), cl.ExactMatch("phone"), cl.ExactMatch("city"),
                     cl.JaroWinklerAtThresholds("company")],
        blocking_rules_to_generate_predictions=[
            block_on("email"), block_on("phone"),
            block_on("last_name", "substr(first_name, 1, 1)")])
    linker = Linker(table, settings)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("last_name"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
    out = pl.from_arrow(clusters.as_pyarrow_table())
    result = out.select(pl.col("unique_id").alias("record_key"),
                        pl.col("cluster_id").alias("cluster"))
    return result, time.perf_counter() - started
