"""Incremental dedupe: which records a change can affect, and the warehouse's facts on them.

``dedupe_versions`` says which version of each record the last dedupe run worked on, and
into which contact it went. Compared with ``normalized_versions`` (tables, not the run's
memory: a run that died after normalize leaves the difference for the next one) it gives
the change: **new** records (no dedupe version), **changed** ones (another load's version)
and **removed** ones (no longer normalized: an undo, a superseded snapshot, a retired
source). Decisions taken since the last dedupe count as changes of their two records.

The contacts a change can affect are the previous contacts of the changed and removed
records and the contacts of every record that

* shares a blocking key with a new or changed record in a block a full run would form
  (the saved ``match_index``, read by :meth:`contactops.dedupe.lookup.Lookup.candidate_ids`),
* holds an email or phone value a changed record holds or held, when the change made the
  value shared by several people or no longer so (which depends on every holder),
* has the same identifier (``id_columns``) or a reviewer's decision with a changed record.

Every current record of those contacts, plus the new and changed records, is matched again
(:func:`contactops.dedupe.core.dedupe` with the saved model and the
:class:`~contactops.dedupe.facts.WarehouseFacts` of :func:`gather_facts`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from contactops.catalog import T
from contactops.dedupe import blocking, defaults, match_index
from contactops.dedupe.facts import WarehouseFacts
from contactops.dedupe.lookup import Lookup
from contactops.engine.sql import quote_identifier

if TYPE_CHECKING:
    from contactops.config.dedupe import DedupeSettings
    from contactops.dedupe.model import MatchModel

#: ``meta`` keys: the settings the dedupe tables were built on, the last decision applied.
BASIS_KEY = "dedupe_basis"
DECIDED_KEY = "dedupe_decided_at"
#: The settings fingerprint parts dedupe output depends on.
BASIS_PARTS = ("contactops", "vocabularies", "normalize", "dedupe")
#: Past this share of changed records a full dedupe is cheaper than finding what changed.
MAX_CHANGED_SHARE = 0.2
#: Scratch tables of one incremental dedupe (temporary: this connection, this run).
DELTA = "dedupe_delta"          # record_id, kind (new, changed, removed, decided)
AFFECTED = "dedupe_affected"    # record_id of every record matched again
CONTACTS = "dedupe_affected_contacts"  # contact_id of every contact before the run
HOLDERS = "dedupe_value_holders"  # record_id of records sharing a value with a change
SEEDS = "dedupe_seed_records"  # record_id of the records whose contacts are affected


def basis(parts: dict[str, str]) -> str | None:
    """The basis of this run's dedupe (None outside a run: never extended then)."""
    if not all(name in parts for name in BASIS_PARTS):
        return None
    text = json.dumps([parts[name] for name in BASIS_PARTS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def stored(wh: Any, key: str) -> str | None:
    return wh.scalar(f"SELECT value FROM {T.meta} WHERE key = ?", [key])  # type: ignore[no-any-return]


def store(wh: Any, key: str, value: str | None) -> None:
    """A delete and an insert (carries to Spark SQL; the caller's transaction binds them)."""
    wh.execute(f"DELETE FROM {T.meta} WHERE key = ?", [key])
    if value is not None:
        wh.execute(f"INSERT INTO {T.meta} VALUES (?, ?)", [key, value])


def last_decision(wh: Any) -> str | None:
    if not wh.table_exists(T.match_decisions.name):
        return None
    value = wh.scalar(f"SELECT max(decided_at)::VARCHAR FROM {T.match_decisions}")
    return None if value is None else str(value)


def shared_values_sql(columns: list[str], alias: str = "n") -> str:
    """``shared_values`` of ``dedupe_versions``: a hash per email/phone value of a record."""
    parts = [f"CASE WHEN {alias}.{quote_identifier(c)} IS NOT NULL THEN "
             f"hash('{c}:' || {alias}.{quote_identifier(c)}::VARCHAR) END" for c in columns]
    return f"list_value({', '.join(parts)})" if parts else "CAST([] AS UBIGINT[])"


def row_hash_sql(columns: list[str], alias: str = "n") -> str:
    """``row_hash`` of ``dedupe_versions``: one hash of the values dedupe reads."""
    return f"hash({', '.join(f'{alias}.{quote_identifier(c)}' for c in columns)})"


def shareable_columns(options: DedupeSettings, available: list[str]) -> list[str]:
    return list(dict.fromkeys(f.source_column for f in options.fields
                              if f.kind in blocking.SHAREABLE and f.source_column in available))


@dataclass
class Delta:
    """What changed since the last dedupe run, by record."""

    new: int
    changed: int
    removed: int
    decided: int
    total: int

    @property
    def size(self) -> int:
        return self.new + self.changed + self.removed + self.decided


#: Scratch table of :func:`find_delta`: the records whose version may differ.
_MAYBE = "dedupe_maybe_moved"


def _other_loads(table: Any, other: Any) -> str:
    """Records of ``table`` in a load ``other`` names for none of its records."""
    return (f"SELECT record_id FROM {table} WHERE load_id IS NULL OR load_id NOT IN "
            f"(SELECT DISTINCT load_id FROM {other} WHERE load_id IS NOT NULL)")


def find_delta(wh: Any, compared: list[str]) -> Delta:
    """Fill :data:`DELTA` from ``normalized_versions`` against ``dedupe_versions``.

    A record whose current version is another load's but holds the same ``compared``
    values (a snapshot reloaded with most rows as they were) is no change: its version is
    re-pointed to the current load, nothing is matched again.
    """
    moved = "dedupe_moved_versions"
    # after each dedupe the two tables name the same load for every record, and a record's
    # normalized version moves only with the set of current loads: to a load the last
    # dedupe did not see, or away from a load no longer current (which then holds no
    # version). So only the records of a load one table has and the other has not are
    # joined (``now`` null: removed, ``was`` null: new), not the 1M of both
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {_MAYBE} AS "
               f"{_other_loads(T.normalized_versions, T.dedupe_versions)} UNION "
               f"{_other_loads(T.dedupe_versions, T.normalized_versions)}")
    maybe = f"WHERE record_id IN (SELECT record_id FROM {_MAYBE})"
    wh.execute(
        f"CREATE OR REPLACE TEMP TABLE {moved} AS SELECT coalesce(v.record_id, d.record_id) "
        f"AS record_id, v.load_id AS now, d.load_id AS was, d.row_hash, false AS same "
        f"FROM (SELECT * FROM {T.normalized_versions} {maybe}) v "
        f"FULL JOIN (SELECT * FROM {T.dedupe_versions} {maybe}) d USING (record_id) "
        "WHERE v.load_id IS DISTINCT FROM d.load_id")
    wh.execute(f"DROP TABLE {_MAYBE}")
    if wh.scalar(f"SELECT count(*) FROM {moved} WHERE now IS NOT NULL AND was IS NOT NULL"):
        wh.execute(f"UPDATE {moved} SET same = {row_hash_sql(compared)} = {moved}.row_hash "
                   f"FROM {T.normalized_records} n WHERE n.record_id = {moved}.record_id "
                   f"AND {moved}.now IS NOT NULL AND {moved}.was IS NOT NULL")
        with wh.transaction():
            wh.execute(f"UPDATE {T.dedupe_versions} SET load_id = m.now FROM {moved} m "
                       f"WHERE {T.dedupe_versions}.record_id = m.record_id AND m.same")
    decided_since = stored(wh, DECIDED_KEY)
    decided = ""
    if wh.table_exists(T.match_decisions.name):
        since = "" if decided_since is None else "WHERE decided_at > CAST(? AS TIMESTAMP)"
        decided = (f" UNION ALL SELECT r AS record_id, 'decided' AS kind FROM ("
                   f"SELECT record_a AS r FROM {T.match_decisions} {since} UNION "
                   f"SELECT record_b FROM {T.match_decisions} {since}) "
                   f"WHERE r IN (SELECT record_id FROM {T.dedupe_versions})")
    params = [] if not decided or decided_since is None else [decided_since] * 2
    wh.execute(
        f"CREATE OR REPLACE TEMP TABLE {DELTA} AS SELECT record_id, CASE WHEN was IS NULL "
        f"THEN 'new' WHEN now IS NULL THEN 'removed' ELSE 'changed' END AS kind "
        f"FROM {moved} WHERE NOT same{decided}", params)
    wh.execute(f"DROP TABLE {moved}")
    counts = dict(wh.fetchall(f"SELECT kind, count(DISTINCT record_id) FROM {DELTA} "
                              "GROUP BY kind"))
    total = int(wh.scalar(f"SELECT count(*) FROM {T.normalized_versions}"))
    return Delta(new=int(counts.get("new", 0)), changed=int(counts.get("changed", 0)),
                 removed=int(counts.get("removed", 0)),
                 decided=int(counts.get("decided", 0)), total=total)


def read_records(wh: Any, select: str, ids_sql: str) -> pl.DataFrame:
    """Normalized records (``select``) whose id is in ``ids_sql``, in ``record_id`` order
    (the order a full run reads them in)."""
    return wh.pl(f"SELECT {select} FROM {T.normalized_records} "  # type: ignore[no-any-return]
                 f"WHERE record_id IN ({ids_sql}) ORDER BY record_id")


def effective(options: DedupeSettings, fill: dict[str, float], fitted: MatchModel | None
              ) -> DedupeSettings:
    """The fields and passes a full run would use on the warehouse, cut to the model's."""
    adapted, _ = defaults.follow_data(options, pl.DataFrame(), shares=fill)
    if fitted is not None and not fitted.fits(adapted.fields):
        adapted = adapted.model_copy(update={
            "fields": [f for f in adapted.fields if f.name in fitted.m]})
    return adapted


def fill_shares(wh: Any, columns: list[str], options: DedupeSettings) -> dict[str, float]:
    """Share of filled values over every normalized record, per column of ``columns``
    that decides which default fields and passes apply (:func:`defaults.share_columns`:
    counting the ~30 columns dedupe reads was a scan of each)."""
    wanted = defaults.share_columns(options)
    columns = [c for c in columns if c in wanted]
    counts = ", ".join(["count(*)", *(f"count({quote_identifier(c)})" for c in columns)])
    row = wh.fetchall(f"SELECT {counts} FROM {T.normalized_records}")[0]
    total = max(int(row[0]), 1)
    return {c: int(n) / total for c, n in zip(columns, row[1:], strict=True)}


def shared_flags(wh: Any, records: pl.DataFrame, options: DedupeSettings
                 ) -> dict[str, pl.Series]:
    """Per email/phone column, whether each record's value is used by several people,
    judged on every record of the warehouse holding it (SQL reads them)."""
    names = [c for c in ("first_name_key", "last_name_key") if c in records.columns]
    out: dict[str, pl.Series] = {}
    for column in shareable_columns(options, records.columns):
        values = records.select(pl.col(column).cast(pl.String).drop_nulls().unique())
        col = quote_identifier(column)
        with wh.registered("dedupe_shared_values", values):
            holders = wh.pl(
                f"SELECT record_id, {col}::VARCHAR AS {col}"
                f"{''.join(f', {n}' for n in names)} FROM {T.normalized_records} "
                f"WHERE {col}::VARCHAR IN (SELECT {col} FROM dedupe_shared_values)")
        shared = blocking.shared_records(holders, column, options)
        out[column] = records["record_id"].is_in(shared.implode()).fill_null(False)
    return out


def candidate_records(wh: Any, seeds: pl.DataFrame, options: DedupeSettings) -> list[str]:
    """Loaded records in a block with a new or changed record (the ``match`` lookup)."""
    features = blocking.prepare(seeds, options, shared=shared_flags(wh, seeds, options))
    keys = match_index.rule_keys(features, options)
    return Lookup(wh, options, ()).candidate_ids(keys.select("rule", "key_hash"))


#: Which contact each record is in: where the last dedupe put it (``dedupe_versions``, kept
#: for records an undo took away) and where it is now (``contact_links``: an unmerge since
#: moved records to new contacts).
MEMBERS = (T.dedupe_versions, T.contact_links)


def previous_links(wh: Any) -> pl.DataFrame:
    """The contact of every affected record before the run, for stable ids: its link, as a
    full run reads it, else where the last dedupe put it."""
    return wh.pl(  # type: ignore[no-any-return]
        f"SELECT a.record_id, coalesce(l.contact_id, d.contact_id) AS contact_id "
        f"FROM {AFFECTED} a LEFT JOIN {T.contact_links} l USING (record_id) "
        f"LEFT JOIN {T.dedupe_versions} d USING (record_id) "
        "WHERE coalesce(l.contact_id, d.contact_id) IS NOT NULL")


def flipped_holders(wh: Any, options: DedupeSettings) -> list[str]:
    """Records holding an email or phone value a changed record holds or held whose value
    is now shared by several people and was not at the last run, or the other way round
    (the rest of a role mailbox's hundreds of holders keep their pairs as they were)."""
    columns = shareable_columns(options, wh.columns(T.normalized_records.name))
    if not columns:
        return []
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {HOLDERS} AS "
               f"SELECT DISTINCT record_id FROM (SELECT record_id, unnest(shared_values) AS h "
           f"FROM {T.dedupe_versions} WHERE record_id NOT IN (SELECT record_id FROM {DELTA})) "
           f"WHERE h IN (SELECT h FROM (SELECT unnest({shared_values_sql(columns)}) AS h "
           f"FROM {T.normalized_records} n WHERE n.record_id IN (SELECT record_id FROM {DELTA}) "
           f"UNION ALL SELECT unnest(shared_values) FROM {T.dedupe_versions} "
           f"WHERE record_id IN (SELECT record_id FROM {DELTA})) WHERE h IS NOT NULL)")
    ids = f"SELECT record_id FROM {HOLDERS}"
    have = wh.columns(T.normalized_records.name)
    needed = ["record_id", *columns, "first_name_key", "last_name_key", "email_is_role"]
    holders = read_records(wh, ", ".join(quote_identifier(c) for c in needed if c in have), ids)
    if holders.height == 0:
        return []
    features = blocking.prepare(holders, options, shared=shared_flags(wh, holders, options))
    before = wh.pl(f"SELECT record_id, rule FROM {T.match_index} WHERE key_hash = 0 AND "
                   f"starts_with(rule, '{match_index.SHARED}') AND record_id IN ({ids})")
    flipped = []
    for column in columns:
        flag = blocking.shared_column(column)
        if flag not in features.columns:
            continue
        was = features["record_id"].is_in(before.filter(
            pl.col("rule") == match_index.SHARED + column)["record_id"].implode())
        flipped.append(features.filter(was != features[flag].fill_null(False))["record_id"])
    return pl.concat(flipped).unique().to_list() if flipped else []


def mark_affected(wh: Any, seeds: pl.DataFrame, options: DedupeSettings) -> int:
    """Fill :data:`CONTACTS` and :data:`AFFECTED` (see the module docstring); returns how
    many records are matched again."""
    found = candidate_records(wh, seeds, options) if seeds.height else []
    found += flipped_holders(wh, options)
    ids = [c for c in options.id_columns if c in seeds.columns]
    by_id = "".join(
        f" UNION SELECT record_id FROM {T.normalized_records} WHERE {quote_identifier(c)} IN "
        f"(SELECT {quote_identifier(c)} FROM {T.normalized_records} "
        f"WHERE record_id IN (SELECT record_id FROM {DELTA}))" for c in ids)
    decided = ""
    if wh.table_exists(T.match_decisions.name):
        decided = (f" UNION SELECT record_b FROM {T.match_decisions} WHERE record_a IN "
                   f"(SELECT record_id FROM {DELTA}) UNION SELECT record_a FROM "
                   f"{T.match_decisions} WHERE record_b IN (SELECT record_id FROM {DELTA})")
    frame = pl.DataFrame({"record_id": found}, schema={"record_id": pl.String})
    with wh.registered("dedupe_candidates", frame):
        wh.execute(
            f"CREATE OR REPLACE TEMP TABLE {SEEDS} AS "
            f"SELECT record_id FROM {DELTA} UNION SELECT record_id FROM dedupe_candidates"
            f"{by_id}{decided}")
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {CONTACTS} AS " + " UNION ".join(
        f"SELECT contact_id FROM {table} WHERE record_id IN (SELECT record_id FROM {SEEDS})"
        for table in MEMBERS))
    members = " UNION ".join(
        f"SELECT record_id FROM {table} WHERE contact_id IN (SELECT contact_id FROM {CONTACTS})"
        for table in MEMBERS)
    wh.execute(
        f"CREATE OR REPLACE TEMP TABLE {AFFECTED} AS SELECT record_id "
        f"FROM {T.normalized_versions} WHERE record_id IN ({members}) "
        f"OR record_id IN (SELECT record_id FROM {DELTA} WHERE kind <> 'removed')")
    return int(wh.scalar(f"SELECT count(*) FROM {AFFECTED}"))


def gather_facts(wh: Any, records: pl.DataFrame, options: DedupeSettings,
                 fill: dict[str, float]) -> WarehouseFacts:
    """The warehouse's facts on ``records`` (the affected ones, in the order given)."""
    flags = shared_flags(wh, records, options)
    features = blocking.prepare(records, options, shared=flags)
    keys = match_index.rule_keys(features, options)
    local = keys.group_by("rule", "key_hash").len()
    with wh.registered("dedupe_local_keys", local.select("rule", "key_hash")):
        outside = wh.pl(
            f"SELECT m.rule, m.key_hash, count(*) AS n FROM {T.match_index} m "
            f"JOIN dedupe_local_keys k ON k.rule = m.rule AND k.key_hash = m.key_hash "
            f"WHERE m.record_id NOT IN (SELECT record_id FROM {AFFECTED}) "
            f"AND m.record_id NOT IN (SELECT record_id FROM {DELTA}) GROUP BY 1, 2")
    caps = {r.name: r.max_block_size or options.max_block_size for r in options.blocking}
    sizes = local.join(outside, on=["rule", "key_hash"], how="left").with_columns(
        size=pl.col("len") + pl.col("n").fill_null(0))
    big = sizes.filter(pl.col("size") > pl.col("rule").replace_strict(
        caps, default=options.max_block_size, return_dtype=pl.Int64))
    oversized = {rule: big.filter(pl.col("rule") == rule)["key_hash"].to_numpy()
                 for rule in big["rule"].unique().to_list()}
    counts = Lookup(wh, options, ()).value_counts(features)
    return WarehouseFacts(fill=fill, shared=flags,
                          oversized={k: np.asarray(v, dtype=np.uint64)
                                     for k, v in oversized.items()},
                          values=counts.values, totals=counts.totals)


def drop_scratch(wh: Any) -> None:
    for name in (DELTA, AFFECTED, CONTACTS, HOLDERS, SEEDS):
        wh.execute(f"DROP TABLE IF EXISTS {name}")
