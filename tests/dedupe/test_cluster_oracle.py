"""Clustering checked against networkx on random graphs; conflicts split clusters."""

from __future__ import annotations

import networkx as nx
import numpy as np
import polars as pl
import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe.blocking import prepare
from contactops.dedupe.cluster import cluster, components

from .conftest import normalize_rows


@pytest.mark.parametrize("seed", range(8))
def test_components_match_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    m = int(rng.integers(0, 2 * n))
    left, right = rng.integers(0, n, m), rng.integers(0, n, m)
    labels = components(n, left, right)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(zip(left.tolist(), right.tolist(), strict=True))
    expected = {frozenset(c) for c in nx.connected_components(graph)}
    got: dict[int, set[int]] = {}
    for node, label in enumerate(labels.tolist()):
        got.setdefault(label, set()).add(node)
    assert {frozenset(c) for c in got.values()} == expected


def test_conflicting_identifiers_split_the_chain() -> None:
    """A-B and B-C link, but A and C have different emails, phones and names."""
    records = normalize_rows([
        {"record_id": "A", "first_name": "Ann", "last_name": "Lee", "email": "ann@x.io",
         "phone": "+1 415 555 0101"},
        {"record_id": "B", "first_name": "Ann", "last_name": "Lee", "email": "ann@x.io"},
        {"record_id": "C", "first_name": "Zed", "last_name": "Kowalski", "email": "zed@y.io",
         "phone": "+1 415 555 0102"},
    ])
    options = DedupeSettings()
    features = prepare(records, options)
    links = pl.DataFrame({"l": [0, 1], "r": [1, 2], "match_weight": [30.0, 12.0]},
                         schema={"l": pl.UInt32, "r": pl.UInt32, "match_weight": pl.Float64})
    labels, refused = cluster(3, links, features, options.fields)
    assert labels[0] == labels[1] != labels[2]
    assert refused.rows() == [(1, 2)]


def test_cannot_link_splits_even_through_a_chain() -> None:
    records = normalize_rows([{"record_id": c, "first_name": "Kim", "last_name": "Park"}
                              for c in "ABC"])
    options = DedupeSettings()
    features = prepare(records, options)
    links = pl.DataFrame({"l": [0, 1], "r": [1, 2], "match_weight": [20.0, 10.0]},
                         schema={"l": pl.UInt32, "r": pl.UInt32, "match_weight": pl.Float64})
    cannot = pl.DataFrame({"l": [0], "r": [2]}, schema={"l": pl.UInt32, "r": pl.UInt32})
    labels, _ = cluster(3, links, features, options.fields, cannot)
    assert labels[0] == labels[1] != labels[2]
