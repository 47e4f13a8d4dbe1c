"""The warehouse half of ``match``: candidates by blocking key, read-only.

Everything here reads: the saved model, the ``match_index`` rows of the query's keys (the
table is sorted by key hash, so DuckDB's zone maps skip all but a few row groups), the
candidates' normalized records and contacts, and the value counts the weights need. The
run lock is never taken: a run may be writing meanwhile; DuckDB shows this reader the
warehouse as last committed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from contactops.catalog import T
from contactops.dedupe.match import Counts, count_columns
from contactops.dedupe.match_index import SHARED
from contactops.engine.sql import quote_identifier
from contactops.errors import UsageError

if TYPE_CHECKING:
    from contactops.config.dedupe import DedupeSettings
    from contactops.engine.warehouse import Warehouse

#: Golden fields shown for a candidate contact.
CONTACT_COLUMNS = ("contact_id", "first_name", "last_name", "full_name", "email", "company",
                   "city", "record_count")


def require_index(wh: Warehouse) -> None:
    """Refuse, saying what to do, when no dedupe run saved its model and index."""
    for table in (T.match_model, T.match_index, T.contact_links, T.normalized_records):
        if not wh.table_exists(table.name):
            raise UsageError(
                f"no {table.name} table in warehouse {wh.path}: match needs a finished "
                "dedupe run's model and blocking index; run the pipeline first "
                "('contactops run')")


def candidate_ids(wh: Warehouse, keys: pl.DataFrame, options: DedupeSettings) -> list[str]:
    """Loaded records sharing a blocking key with the query, in blocks the stage would have
    formed (a key held by ``max_block_size`` records or more makes a block too big)."""
    if keys.height == 0:
        return []
    caps = {r.name: r.max_block_size or options.max_block_size for r in options.blocking}
    hashes = keys["key_hash"].unique().to_list()
    if len(hashes) > _MANY:  # thousands of parameters cost seconds to bind: join instead
        with wh.registered("lookup_keys", keys.select("key_hash").unique()):
            found = wh.pl(f"SELECT key_hash, rule, record_id FROM {T.match_index} "
                          "WHERE key_hash IN (SELECT key_hash FROM lookup_keys)")
    else:
        marks = ", ".join("?" for _ in hashes)
        found = wh.pl(f"SELECT key_hash, rule, record_id FROM {T.match_index} "
                      f"WHERE key_hash IN ({marks})", hashes)
    found = found.join(keys, on=["rule", "key_hash"], how="semi")
    sizes = found.group_by("rule", "key_hash").len()
    ok = sizes.filter(pl.col("len") < pl.col("rule").replace_strict(
        caps, default=options.max_block_size, return_dtype=pl.Int64))
    ids = found.join(ok, on=["rule", "key_hash"], how="semi")["record_id"]
    return ids.unique().sort().to_list()


#: Past this many values a query joins a registered frame instead of binding parameters
#: (the incremental dedupe stage asks for the keys of a thousand records at once).
_MANY = 500


def read_candidates(wh: Warehouse, ids: list[str], record_id: str
                    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Candidates' normalized records, their shared-value flags and their contacts."""
    marks = ", ".join("?" for _ in ids)
    rid = quote_identifier(record_id)
    records = wh.pl(f"SELECT * FROM {T.normalized_records} WHERE {rid} IN ({marks})", ids)
    if record_id != "record_id":
        records = records.rename({record_id: "record_id"})
    shared = wh.pl(f"SELECT record_id, rule FROM {T.match_index} WHERE key_hash = 0 "
                   f"AND starts_with(rule, '{SHARED}') AND record_id IN ({marks})", ids)
    have = set(wh.columns(T.contacts.name))
    cols = ", ".join(f"c.{quote_identifier(c)}" for c in CONTACT_COLUMNS if c in have)
    contacts = wh.pl(f"SELECT l.record_id, {cols} FROM {T.contact_links} l "
                     f"JOIN {T.contacts} c USING (contact_id) "
                     f"WHERE l.record_id IN ({marks})", ids)
    return records, shared, contacts


#: Columns ``blocking.prepare`` derives from ``email_key`` (null for a shared or role
#: mailbox), as SQL over ``normalized_records``.
_DERIVED = {
    "email_digits": "nullif(regexp_extract(split_part(email_key, '@', 1), '(\\d{2,})', 1), '')",
    "email_local": "split_part(email_key, '@', 1)",
}


def value_counts(wh: Warehouse, local: pl.DataFrame, options: DedupeSettings,
                 totals: dict[str, int] | None = None) -> Counts:
    """How many loaded records hold each of ``local``'s values, per counted column (the
    shares the stage's term-frequency weights and name rarity use). ``totals``: the
    columns' filled counts from an earlier call on this warehouse (they are kept there:
    counting them reads the whole column)."""
    counts = Counts(totals={} if totals is None else totals)
    for column in count_columns(options):
        if column not in local.columns:
            continue
        values = local[column].drop_nulls().cast(pl.String).unique().to_list()
        expr, where = f"{quote_identifier(column)}::VARCHAR", "true"
        if column in _DERIVED:
            expr = _DERIVED[column]
            where = (f"NOT coalesce(email_is_role, false) AND record_id NOT IN (SELECT "
                     f"record_id FROM {T.match_index} WHERE key_hash = 0 "
                     f"AND rule = '{SHARED}email_key')")
        if column not in counts.totals:
            counts.totals[column] = int(wh.scalar(
                f"SELECT count({expr}) FROM {T.normalized_records} WHERE {where}") or 0)
        if not values:
            counts.values[column] = {}
            continue
        if len(values) > _MANY:
            with wh.registered("lookup_values", pl.DataFrame({"v": values})):
                rows = wh.fetchall(f"SELECT {expr} AS v, count(*) FROM {T.normalized_records} "
                                   f"WHERE {where} AND v IN (SELECT v FROM lookup_values) "
                                   "GROUP BY 1")
        else:
            marks = ", ".join("?" for _ in values)
            rows = wh.fetchall(f"SELECT {expr} AS v, count(*) FROM {T.normalized_records} "
                               f"WHERE {where} AND v IN ({marks}) GROUP BY 1", values)
        counts.values[column] = {v: int(n) for v, n in rows}
    return counts
