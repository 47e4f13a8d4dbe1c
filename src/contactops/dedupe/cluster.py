"""Clusters from auto-merge links, with conflicting clusters split.

Only links at or above the auto-merge threshold join records, so a review-level pair can
never chain two strangers together. A cluster that still holds two records that must not be
one person (a cannot-link decision, or different non-shared emails *and* phones *and* names)
is rebuilt greedily: its links are added strongest first and a link is skipped when it would
join a conflicting pair; skipped links go to review.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import polars as pl

from contactops.config.dedupe import MatchField
from contactops.dedupe.compare import compare
from contactops.dedupe.encode import Encoded


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected-component label per node (labels are the smallest node of the component).

    Vectorized union-find: every edge hooks the larger root under the smaller one, then
    pointer jumping flattens the trees; a node's parent never exceeds it, so the root left
    in each component is its smallest node. (numpy only: importing scipy costs ~0.5 s.)
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    parent = np.arange(n, dtype=np.int64)
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    while True:
        pl_, pr = parent[left], parent[right]
        differ = pl_ != pr
        if not differ.any():
            break
        pl_, pr = pl_[differ], pr[differ]
        left, right = left[differ], right[differ]
        np.minimum.at(parent, np.maximum(pl_, pr), np.minimum(pl_, pr))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


def conflict_pairs(members: pl.DataFrame, features: pl.DataFrame, fields: list[MatchField],
                   encoded: Encoded | None = None) -> pl.DataFrame:
    """Pairs of one cluster that are clearly different people.

    ``members`` has ``_idx`` and ``cluster``. Conflict: every identifier (email, phone, id)
    both records have differs (identifiers: fields with ``key: true``), at least two do,
    and no name agrees even loosely.
    """
    ids = [f for f in fields if f.key]
    names = [f for f in fields if f.kind == "name"]
    if len(ids) < 2:
        return pl.DataFrame(schema={"l": pl.UInt32, "r": pl.UInt32})
    pairs = (members.lazy().select(pl.col("_idx").alias("l"), "cluster")
             .join(members.lazy().select(pl.col("_idx").alias("r"), "cluster"), on="cluster")
             .filter(pl.col("l") < pl.col("r")).select("l", "r").collect())
    if pairs.height == 0:
        return pairs
    g = compare(pairs, features, ids + names, encoded)
    present = pl.sum_horizontal((pl.col(f"g_{f.name}") >= 0).cast(pl.Int8) for f in ids)
    agree = pl.any_horizontal(pl.col(f"g_{f.name}") > 0 for f in ids)
    cond = (present >= 2) & ~agree
    if names:
        name_present = pl.any_horizontal(pl.col(f"g_{f.name}") >= 0 for f in names)
        name_agree = pl.any_horizontal(pl.col(f"g_{f.name}") > 0 for f in names)
        cond = cond & name_present & ~name_agree
    return g.filter(cond).select("l", "r")


class _Sets:
    """Union-find over a handful of nodes that refuses unions joining conflicting nodes."""

    def __init__(self, nodes: Iterable[int], conflicts: set[tuple[int, int]]) -> None:
        self.parent = {n: n for n in nodes}
        self.members = {n: {n} for n in self.parent}
        self.conflicts = conflicts

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        ma, mb = self.members[ra], self.members[rb]
        if any((min(x, y), max(x, y)) in self.conflicts for x in ma for y in mb):
            return False
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        self.parent[rb] = ra
        ma |= mb
        del self.members[rb]
        return True


def cluster(n: int, links: pl.DataFrame, features: pl.DataFrame, fields: list[MatchField],
            cannot_link: pl.DataFrame | None = None, encoded: Encoded | None = None
            ) -> tuple[np.ndarray, pl.DataFrame]:
    """Cluster labels per record and the links that were refused because of a conflict.

    Args:
        n: number of records (``_idx`` runs 0..n-1).
        links: auto-merge links ``l, r, match_weight`` (decisions included).
        features: prepared records.
        fields: match fields (for the conflict test).
        cannot_link: pairs ``l, r`` that must end up apart.
    """
    labels = components(n, links["l"].to_numpy(), links["r"].to_numpy())
    members = pl.DataFrame({"_idx": np.arange(n, dtype=np.uint32), "cluster": labels})
    sizes = members.group_by("cluster").len()
    multi = members.join(sizes.filter(pl.col("len") > 1), on="cluster").drop("len")
    conflicts = conflict_pairs(multi, features, fields, encoded)
    if cannot_link is not None and cannot_link.height:
        conflicts = pl.concat([conflicts, cannot_link.select(
            pl.min_horizontal("l", "r").cast(pl.UInt32).alias("l"),
            pl.max_horizontal("l", "r").cast(pl.UInt32).alias("r"))]).unique()
        conflicts = conflicts.filter(pl.Series(labels).gather(conflicts["l"])
                                     == pl.Series(labels).gather(conflicts["r"]))
    refused = pl.DataFrame(schema={"l": pl.UInt32, "r": pl.UInt32})
    if conflicts.height == 0:
        return labels, refused
    bad = set(pl.Series(labels).gather(conflicts["l"]).to_list())
    conflict_set = {(int(a), int(b)) for a, b in conflicts.iter_rows()}
    lab = pl.Series(labels)
    sub = links.with_columns(cluster=lab.gather(links["l"])).filter(
        pl.col("cluster").is_in(pl.Series(sorted(bad)).implode())
    ).sort(["match_weight", "l", "r"], descending=[True, False, False])
    refused_rows = []
    for _, group in sub.group_by("cluster", maintain_order=True):
        nodes = set(group["l"].to_list()) | set(group["r"].to_list())
        sets = _Sets(nodes, conflict_set)
        for a, b in zip(group["l"].to_list(), group["r"].to_list(), strict=True):
            if not sets.union(a, b):
                refused_rows.append((a, b))
        for root, mem in sets.members.items():
            labels[list(mem)] = min(mem) if root is not None else root
    if refused_rows:
        refused = pl.DataFrame(refused_rows, schema={"l": pl.UInt32, "r": pl.UInt32},
                               orient="row")
    return labels, refused
