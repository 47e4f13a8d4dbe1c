"""analyse_matches' ceiling: the recall candidate pairs could reach if every comparison
pattern that is (nearly) always one person were linked, on literal pairs."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import polars as pl

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _module(name: str):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_ceiling_links_only_patterns_that_are_one_person() -> None:
    analyse = _module("analyse_matches")
    # entity E1: a, b, c; entity E2: d; entity E3: e. The run put each record alone.
    labelled = pl.DataFrame({"record_id": ["a", "b", "c", "d", "e"],
                             "contact_id": ["1", "2", "3", "4", "5"],
                             "entity_id": ["E1", "E1", "E1", "E2", "E3"]})
    true_pairs = analyse._pairs_within(labelled, "entity_id")  # a-b, a-c, b-c
    pairs = pl.DataFrame({
        "record_a": ["a", "b", "a", "d"],
        "record_b": ["b", "c", "d", "e"],
        # pattern 3 is always one person (a-b); pattern 1 is one person once in three
        "g_email": [3, 1, 1, 1],
    })
    out = analyse.ceiling(pairs, labelled.drop("entity_id"), true_pairs)
    # only a-b is linked: 1 of the 3 true pairs; b-c's pattern is mostly strangers
    assert out["recall"] == round(1 / 3, 4)
    assert out["candidate_true_pairs"] == 2
    # the run's own contacts count: with b and c already one contact, a-b chains to a-c
    joined = labelled.drop("entity_id").with_columns(
        contact_id=pl.Series(["1", "2", "2", "4", "5"]))
    assert analyse.ceiling(pairs, joined, true_pairs)["recall"] == 1.0
