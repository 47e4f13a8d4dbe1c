"""Stable contact ids: a contact keeps its id while its records stay together.

Rules, applied in order and fully deterministic:

1. Each new cluster looks at the previous contact ids of its records. A previous id goes to
   the cluster holding most of its records (ties: the cluster whose smallest record id
   sorts first); a cluster that could claim several previous ids (a merge) keeps the one
   holding most of its records (ties: the smallest id), the others are retired.
2. A cluster left without an id gets ``c_`` + a hash of its smallest record id, or, if that
   id is taken (now or before), a hash of all its record ids, salted (``#1``, ``#2``...)
   until the id is unused: a contact id never names two contacts.
"""

from __future__ import annotations

import hashlib

import polars as pl


def new_id(key: str) -> str:
    return "c_" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def _new_ids(keys: list[str]) -> pl.Series:
    """:func:`new_id` of many keys (the loop inlined: half the time at a million ids)."""
    blake = hashlib.blake2b
    return pl.Series([
        "c_" + blake(k.encode(), digest_size=8).hexdigest() for k in keys], dtype=pl.String)


def _unused(key: str, used: set[str]) -> str:
    """:func:`new_id` of ``key``, or of ``key#1``, ``key#2``... while that id is in
    ``used`` (then added to it). A contact of one record whose own hash is taken (its
    record was a contact's first record before: a split after a merge) has no other
    record ids to hash, so the hash of "all its record ids" would be the taken one again."""
    found, n = new_id(key), 0
    while found in used:
        n += 1
        found = new_id(f"{key}#{n}")
    used.add(found)
    return found


def assign_ids(clusters: pl.DataFrame, previous: pl.DataFrame | None = None) -> pl.DataFrame:
    """Contact id per record.

    Args:
        clusters: ``record_id``, ``cluster`` (any label, one per new cluster).
        previous: last run's ``record_id``, ``contact_id`` (contact_links), or None.

    Returns:
        ``record_id``, ``cluster``, ``contact_id``, ``previous_contact_id``.
    """
    first = clusters.group_by("cluster").agg(pl.col("record_id").min().alias("_first"))
    frame = clusters.join(first, on="cluster", maintain_order="left")
    if previous is not None and previous.height:
        frame = frame.join(previous.select("record_id",
                                           pl.col("contact_id").alias("previous_contact_id")),
                           on="record_id", how="left", maintain_order="left")
    else:
        frame = frame.with_columns(previous_contact_id=pl.lit(None, pl.String))
    votes = (frame.drop_nulls("previous_contact_id")
             .group_by("cluster", "_first", "previous_contact_id").len())
    # 1a: each previous id to the cluster holding most of its records
    owner = votes.sort(["previous_contact_id", "len", "_first"],
                       descending=[False, True, False]).unique("previous_contact_id",
                                                               keep="first")
    # 1b: each cluster keeps the claimed id holding most of its records
    kept = owner.sort(["cluster", "len", "previous_contact_id"],
                      descending=[False, True, False]).unique("cluster", keep="first")
    frame = frame.join(kept.select("cluster", pl.col("previous_contact_id").alias("contact_id")),
                       on="cluster", how="left", maintain_order="left")
    missing = frame.filter(pl.col("contact_id").is_null())
    if missing.height:
        fresh = missing.select("cluster", "_first").unique("cluster")
        # one hash per new cluster (hashlib, C speed); the rest are joins
        fresh = fresh.with_columns(_new=_new_ids(fresh["_first"].to_list()))
        taken = pl.concat([kept["previous_contact_id"],
                           previous["contact_id"] if previous is not None and previous.height
                           else pl.Series([], dtype=pl.String)]).unique()
        clash = fresh.filter(pl.col("_new").is_in(taken.implode())
                             | pl.col("_new").is_duplicated())
        if clash.height:  # a retired id is never handed out again: hash all record ids
            everyone = (missing.join(clash.select("cluster"), on="cluster")
                        .group_by("cluster").agg(pl.col("record_id").sort().str.join("|"))
                        .sort("record_id"))
            used = set(taken.to_list()) | set(
                fresh.join(clash.select("cluster"), on="cluster", how="anti")["_new"].to_list())
            again = everyone.select("cluster", pl.Series(
                "_again", [_unused(x, used) for x in everyone["record_id"].to_list()],
                pl.String))
            fresh = fresh.join(again, on="cluster", how="left").with_columns(
                _new=pl.coalesce("_again", "_new")).drop("_again")
        frame = frame.join(fresh.select("cluster", "_new"), on="cluster", how="left",
                           maintain_order="left").with_columns(
            contact_id=pl.coalesce("contact_id", "_new")).drop("_new")
    return frame.select("record_id", "cluster", "contact_id", "previous_contact_id")
