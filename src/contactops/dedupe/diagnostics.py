"""Label-free match diagnostics: what blocking compared and what the model expects of itself.

Per blocking pass: its blocks, the pairs they make, the largest blocks and their share of all
comparisons, and the blocks the size cap skipped. Over every scored candidate pair: a histogram
of match weights and the model's expected precision at the thresholds (the mean match
probability of the pairs at or above a threshold; ``sum(1 - p)`` is the number of false merges
the model itself expects there). No truth labels are needed.

The result is one compact JSON-ready dict (no per-pair rows) that the stage stores next to the
match model. Block keys are kept raw (``value``) and masked (``masked``), so readers show the
masked form unless ``--show-pii``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from contactops.config.dedupe import BlockingRule, DedupeSettings
from contactops.dedupe.blocking import KeyHashes, key_expr, rule_hash
from contactops.pii import mask_value

#: Largest blocks kept per pass (by pairs), and largest skipped blocks.
TOP_BLOCKS = 10
TOP_SKIPPED = 3
#: Match-weight histogram: 1-unit bins of log2 Bayes factor from ``WEIGHT_MIN`` to
#: ``WEIGHT_MAX``; weights beyond either end are counted in the end bin.
WEIGHT_MIN = -30
WEIGHT_MAX = 50


def _kind(key: str, options: DedupeSettings) -> tuple[str, str]:
    """(source column, readable kind) of one blocking key: ``last_name_key:soundex`` ->
    ``last_name:soundex`` (the match field's name, else the column)."""
    column, _, transform = key.partition(":")
    kind = {f.source_column: f.name for f in options.fields}.get(column, column)
    return column, f"{kind}:{transform}" if transform else kind


def _block(row: dict[str, Any], parts: list[tuple[str, str]], total: int,
           in_pass: int) -> dict[str, Any]:
    values = [row[f"_k{i}"] for i in range(len(parts))]
    return {
        "kind": " + ".join(kind for _, kind in parts),
        "value": " | ".join(values),
        "masked": " | ".join(str(mask_value(col, v)) for (col, _), v in zip(
            parts, values, strict=True)),
        "records": int(row["n"]),
        "pairs": int(row["pairs"]),
        "share": round(row["pairs"] / total, 6) if total else 0.0,
        "share_of_pass": round(row["pairs"] / in_pass, 6) if in_pass else 0.0,
    }


def _block_sizes(features: pl.DataFrame, rule: BlockingRule, hashes: KeyHashes | None
                 ) -> pl.DataFrame:
    """Blocks of one pass as ``_h`` (the key's hash), ``n`` (records, >= 2), ``pairs`` and
    ``_row`` (one member, whose key values stand for the block)."""
    combined, valid = rule_hash(features, rule, hashes)
    rows = np.flatnonzero(valid).astype(np.uint32)
    return (pl.DataFrame({"_h": combined[rows], "_row": rows})
            .group_by("_h").agg(n=pl.len(), _row=pl.col("_row").first())
            .filter(pl.col("n") >= 2)
            .with_columns(pairs=(pl.col("n").cast(pl.Int64) * (pl.col("n") - 1)) // 2))


def _largest(blocks: pl.DataFrame, features: pl.DataFrame, exprs: list[pl.Expr],
             limit: int) -> list[dict[str, Any]]:
    """The ``limit`` blocks with most pairs (ties: by key values), with their key values.

    Key values are computed only for blocks that can make the cut (pairs at least the
    ``limit``-th largest), from one member record each.
    """
    if blocks.height == 0:
        return []
    cut = blocks["pairs"].top_k(limit).min()
    near = blocks.filter(pl.col("pairs") >= cut)
    names = [f"_k{i}" for i in range(len(exprs))]
    keyed = pl.concat([near.select("n", "pairs"),
                       features[near["_row"]].select(exprs)], how="horizontal")
    return keyed.sort(["pairs", *names], descending=[True] + [False] * len(names)).head(
        limit).select(*names, "n", "pairs").to_dicts()


def blocking_passes(features: pl.DataFrame, options: DedupeSettings,
                    pairs: pl.DataFrame, hashes: KeyHashes | None = None) -> dict[str, Any]:
    """Blocks and pairs per pass; ``pairs`` is :func:`blocking.candidate_pairs`' union.

    A pass's ``pairs`` count every pair its blocks make (as EM trains on them); ``new_pairs``
    only those no earlier pass found, so ``new_pairs`` sum to the candidate pairs and
    ``pairs`` sum to them plus ``repeated_pairs``. Blocks are counted on the key hashes
    blocking uses (``hashes``: :func:`blocking.key_hashes`, computed here when not given),
    which differ from counting key values only on a 64-bit hash collision; the largest
    blocks are named by their key values.
    """
    first = dict(pairs["block_rule"].value_counts().iter_rows()) if pairs.height else {}
    found = []
    for rule in options.blocking:
        alone = len(rule.keys) == 1
        cap = rule.max_block_size or options.max_block_size
        entry: dict[str, Any] = {"rule": rule.name, "keys": list(rule.keys), "cap": cap}
        try:
            exprs = [key_expr(k, features.columns, drop_shared=alone).alias(f"_k{i}")
                     for i, k in enumerate(rule.keys)]
        except KeyError as exc:
            found.append(entry | {"skipped": f"the records have no column for key {exc}",
                                  "blocks": 0, "pairs": 0, "new_pairs": 0, "largest": [],
                                  "capped": {"blocks": 0, "pairs": 0, "largest": []}})
            continue
        sizes = _block_sizes(features, rule, hashes)
        over = pl.col("n") > cap
        kept, capped = sizes.filter(~over), sizes.filter(over)
        entry |= {"blocks": kept.height, "pairs": int(kept["pairs"].sum()),
                  "new_pairs": int(first.get(rule.name, 0)),
                  "_top": _largest(kept, features, exprs, TOP_BLOCKS),
                  "capped": {"blocks": capped.height, "pairs": int(capped["pairs"].sum()),
                             "_top": _largest(capped, features, exprs, TOP_SKIPPED)}}
        entry["_parts"] = [_kind(k, options) for k in rule.keys]
        found.append(entry)
    total = sum(p["pairs"] for p in found)
    for p in found:
        parts = p.pop("_parts", [])
        p["largest"] = [_block(r, parts, total, p["pairs"]) for r in p.pop("_top", [])]
        p["capped"]["largest"] = [_block(r, parts, total, p["pairs"])
                                  for r in p["capped"].pop("_top", [])]
        for block in p["capped"]["largest"]:  # skipped blocks made no comparisons
            block["share"] = block["share_of_pass"] = 0.0
    return {"passes": found, "comparisons": total, "candidate_pairs": pairs.height,
            "repeated_pairs": total - pairs.height}


def weight_histogram(weights: np.ndarray) -> dict[str, Any]:
    """Pairs per 1-unit bin of match weight; ``counts[i]`` covers ``[low + i, low + i + 1)``."""
    edges = np.arange(WEIGHT_MIN, WEIGHT_MAX + 1, dtype=np.float64)
    clipped = np.clip(np.asarray(weights, dtype=np.float64), WEIGHT_MIN, WEIGHT_MAX - 0.5)
    counts, _ = np.histogram(clipped, bins=edges)
    return {"low": WEIGHT_MIN, "high": WEIGHT_MAX, "bin_width": 1,
            "counts": [int(c) for c in counts], "pairs": int(counts.sum())}


def expected_precision(probabilities: np.ndarray, threshold: float) -> dict[str, Any]:
    """What the model expects of the pairs at or above ``threshold``.

    ``expected_precision`` is their mean match probability (``None`` without pairs);
    ``expected_false_merges`` the sum of ``1 - p``.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    above = p[p >= threshold]
    return {"threshold": threshold, "pairs": len(above),
            "expected_precision": round(float(above.mean()), 6) if len(above) else None,
            "expected_false_merges": round(float((1 - above).sum()), 3)}


def diagnose(passes: dict[str, Any], scored: pl.DataFrame,
             options: DedupeSettings) -> dict[str, Any]:
    """The full diagnostics of one run: blocking ``passes`` plus the scored pairs' weights."""
    weights = scored["match_weight"].to_numpy() if scored.height else np.zeros(0)
    probs = scored["match_probability"].to_numpy() if scored.height else np.zeros(0)
    th = options.thresholds
    return {**passes, "scored_pairs": scored.height,
            "histogram": weight_histogram(weights),
            "thresholds": {"auto_merge": expected_precision(probs, th.auto_merge),
                           "review": expected_precision(probs, th.review)}}


def run_counts(diagnostics: dict[str, Any]) -> dict[str, Any]:
    """Flat figures for the run record (no block keys: the run history holds no PII)."""
    if not diagnostics:
        return {}
    auto = diagnostics["thresholds"]["auto_merge"]
    return {"expected_precision": auto["expected_precision"],
            "expected_false_merges": auto["expected_false_merges"],
            "blocks_capped": sum(p["capped"]["blocks"] for p in diagnostics["passes"])}
