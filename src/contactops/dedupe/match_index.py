"""The blocking index the dedupe stage saves for ``match`` (table ``match_index``).

One row per record and blocking pass it has keys for: the pass's combined key hash
(:func:`contactops.dedupe.blocking.rule_hash`, the very hash blocking groups records by),
plus a ``shared:<column>`` row (hash 0) for each record whose email or phone several people
use. A new record hashed the same way finds its candidates by key, without reading the
records.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import blocking

SCHEMA = {"key_hash": pl.UInt64, "rule": pl.String, "record_id": pl.String}
SHARED = "shared:"


def rule_keys(features: pl.DataFrame, options: DedupeSettings,
              hashes: blocking.KeyHashes | None = None) -> pl.DataFrame:
    """``_idx``, ``rule``, ``key_hash`` of every record with every key of a pass (passes on
    columns the records lack are left out)."""
    parts = []
    for rule in options.blocking:
        try:
            combined, valid = blocking.rule_hash(features, rule, hashes)
        except KeyError:
            continue
        rows = np.flatnonzero(valid)
        parts.append(pl.DataFrame({"_idx": rows.astype(np.uint32),
                                   "rule": pl.repeat(rule.name, len(rows), eager=True,
                                                     dtype=pl.String),
                                   "key_hash": combined[rows].astype(np.uint64)}))
    if not parts:
        return pl.DataFrame(schema={"_idx": pl.UInt32, "rule": pl.String,
                                    "key_hash": pl.UInt64})
    return pl.concat(parts)


def shared_flags(features: pl.DataFrame) -> pl.DataFrame:
    """``_idx`` and ``rule`` (``shared:<column>``) of records whose value is shared."""
    parts = [features.filter(pl.col(c).fill_null(False)).select(
                 "_idx", rule=pl.lit(SHARED + c.removesuffix("__shared")))
             for c in features.columns if c.endswith("__shared")]
    if not parts:
        return pl.DataFrame(schema={"_idx": pl.UInt32, "rule": pl.String})
    return pl.concat(parts)


def build(features: pl.DataFrame, options: DedupeSettings,
          hashes: blocking.KeyHashes | None = None) -> pl.DataFrame:
    """The ``match_index`` rows of prepared ``features``, sorted by key hash."""
    keys = rule_keys(features, options, hashes)
    shared = shared_flags(features).with_columns(key_hash=pl.lit(0, pl.UInt64))
    rows = pl.concat([keys, shared.select(keys.columns)])
    ids = features["record_id"]
    return (rows.with_columns(record_id=ids.gather(rows["_idx"]))
            .select(list(SCHEMA)).sort("key_hash", "rule"))
