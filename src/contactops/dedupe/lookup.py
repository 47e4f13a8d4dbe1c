"""The warehouse half of ``match``: candidates by blocking key, read-only.

Everything here reads: the saved model, the ``match_index`` rows of the query's keys, the
candidates' normalized records and contacts, and the value counts the weights need. The
run lock is never taken: a run may be writing meanwhile; DuckDB shows this reader the
warehouse as last committed.

Every read is a point lookup by a sorted column (key hash, record id, contact id, counted
value) written as ``IN (SELECT unnest(?))``: the engine turns the list into a filter on
the scan, so only the row groups holding a wanted value are read (a literal ``IN`` list
of more than a few values becomes a join over the whole table). The dedupe stage's copy
for ``match`` (:func:`snapshot_tables`) is laid out for exactly these lookups: tables
sorted by their lookup column in small row groups, plus the value counts precomputed.
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
    from collections.abc import Sequence

    from contactops.config.dedupe import DedupeSettings
    from contactops.engine.warehouse import Warehouse

#: Golden fields shown for a candidate contact.
CONTACT_COLUMNS = ("contact_id", "first_name", "last_name", "full_name", "email", "company",
                   "city", "record_count")
#: Table of the copy holding, per counted column, each value's records (``value`` null:
#: the records holding any value).
COUNTS_TABLE = "match_counts"
#: Table of the copy naming the run whose dedupe it shows (``written_by``), and the
#: ``meta`` key naming the run whose dedupe last wrote the warehouse's tables: a delta
#: applies to the copy only while the two are the same run (a run that died between its
#: commit and the copy's patch leaves the copy a run behind: it is written whole then).
COPY_STATE_TABLE = "match_copy_state"
WRITTEN_KEY = "dedupe_written_by"
#: Rows per row group of the copy: a lookup reads a few thousand rows per value found, not
#: the engine's default ~120k (reading the copy whole gets slower, which ``match`` never
#: does).
SNAPSHOT_ROW_GROUP = 8192
#: Any value list is a lookup list: ``IN (SELECT unnest(?))``.
_ANY = "IN (SELECT unnest(?))"


def require_index(wh: Warehouse) -> None:
    """Refuse, saying what to do, when no dedupe run saved its model and index."""
    for table in (T.match_model, T.match_index, T.contact_links, T.normalized_records):
        if not wh.table_exists(table.name):
            raise UsageError(
                f"no {table.name} table in warehouse {wh.path}: match needs a finished "
                "dedupe run's model and blocking index; run the pipeline first "
                "('contactops run')")


def row_counts(wh: Warehouse) -> tuple[int, ...]:
    """Records, links and contacts held: the copy for ``match`` is current while they
    equal the warehouse's (an undo, a retire or an unmerge after the run changes them)."""
    return tuple(int(wh.scalar(f"SELECT count(*) FROM {t}") or 0) if wh.table_exists(t.name)
                 else -1 for t in (T.normalized_records, T.contact_links, T.contacts))


class Lookup:
    """The reads of ``match`` on one open warehouse (or its copy): what the tables hold
    is looked up once, each query record's reads are a few point lookups.

    Args:
        wh: the warehouse or the copy, read-only.
        options: the effective dedupe settings (:func:`contactops.dedupe.match.effective`).
        columns: the record columns matching reads (the rest are not read).
    """

    def __init__(self, wh: Warehouse, options: DedupeSettings,
                 columns: Sequence[str] | None = None) -> None:
        self.wh, self.options = wh, options
        rid = options.record_id
        have = wh.columns(T.normalized_records.name)
        wanted = have if columns is None else [c for c in dict.fromkeys([rid, *columns])
                                               if c in have]
        self._records = ", ".join(quote_identifier(c) for c in wanted)
        contacts = set(wh.columns(T.contacts.name))
        self._contacts = ", ".join(quote_identifier(c) for c in CONTACT_COLUMNS
                                   if c in contacts)
        self.stored: set[str] = set()  # counted columns the copy's counts table holds
        if wh.table_exists(COUNTS_TABLE):
            self.stored = {r[0] for r in wh.fetchall(
                f"SELECT column_name FROM {COUNTS_TABLE} WHERE value IS NULL")}
        self.totals: dict[str, int] = {}  # filled values per counted column, read once

    def candidate_ids(self, keys: pl.DataFrame) -> list[str]:
        """Loaded records sharing a blocking key with the query, in blocks the stage would
        have formed (a key held by ``max_block_size`` records or more makes a block too
        big). ``keys``: ``rule``, ``key_hash`` of the query."""
        if keys.height == 0:
            return []
        options = self.options
        caps = {r.name: r.max_block_size or options.max_block_size for r in options.blocking}
        hashes = keys["key_hash"].unique().sort().to_list()
        # typed: a list of plain integers would compare as another type, scanning all
        found = self.wh.pl(f"SELECT key_hash, rule, record_id FROM {T.match_index} WHERE "
                           "key_hash IN (SELECT unnest(CAST(? AS UBIGINT[])))", [hashes])
        found = found.join(keys, on=["rule", "key_hash"], how="semi")
        sizes = found.group_by("rule", "key_hash").len()
        ok = sizes.filter(pl.col("len") < pl.col("rule").replace_strict(
            caps, default=options.max_block_size, return_dtype=pl.Int64))
        ids = found.join(ok, on=["rule", "key_hash"], how="semi")["record_id"]
        return ids.unique().sort().to_list()

    def candidates(self, ids: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Candidates' normalized records (in record id order), their shared-value flags
        and their contacts."""
        wh, record_id = self.wh, self.options.record_id
        records = wh.pl(f"SELECT {self._records} FROM {T.normalized_records} "
                        f"WHERE {quote_identifier(record_id)} {_ANY}", [ids])
        if record_id != "record_id":
            records = records.rename({record_id: "record_id"})
        records = records.sort("record_id")  # the table's order, whatever the lookup's
        # shared flags: hash 0, the first rows of the sorted index
        shared = wh.pl(f"SELECT record_id, rule FROM {T.match_index} WHERE key_hash = 0 "
                       f"AND starts_with(rule, '{SHARED}') AND record_id {_ANY}", [ids])
        links = wh.pl(f"SELECT record_id, contact_id FROM {T.contact_links} "
                      f"WHERE record_id {_ANY}", [ids])
        golden = wh.pl(f"SELECT {self._contacts} FROM {T.contacts} WHERE contact_id {_ANY}",
                       [links["contact_id"].unique().sort().to_list()])
        contacts = links.join(golden, on="contact_id", how="inner")
        return records, shared, contacts.select("record_id", *golden.columns)

    def value_counts(self, local: pl.DataFrame) -> Counts:
        """How many loaded records hold each of ``local``'s values, per counted column (the
        shares the stage's term-frequency weights and name rarity use): from
        :data:`COUNTS_TABLE` where the copy has it, else counted over the records."""
        counts = Counts(totals=self.totals)
        wanted = {c: local[c].drop_nulls().cast(pl.String).unique().sort().to_list()
                  for c in count_columns(self.options) if c in local.columns}
        self._stored_counts({c: v for c, v in wanted.items() if c in self.stored}, counts)
        for column, values in wanted.items():
            if column in self.stored:
                continue
            expr, where = _counted(column)
            held = f"(SELECT {expr} AS v FROM {T.normalized_records} WHERE {where})"
            if column not in counts.totals and values:
                # one pass gives the total and the wanted values' counts (a derived
                # mailbox part is a regex over every record: not twice)
                # (a join, not ``CASE WHEN v IN (subquery)``: Spark takes IN subqueries
                # only in WHERE)
                rows = self.wh.fetchall(
                    f"SELECT CASE WHEN w.w IS NOT NULL THEN h.v END AS k, count(h.v) "
                    f"FROM {held} h LEFT JOIN (SELECT unnest(?) AS w) w ON h.v = w.w "
                    "GROUP BY k", [values])
                counts.totals[column] = sum(int(n) for _, n in rows)
                rows = [(v, n) for v, n in rows if v is not None and n]
            else:
                if column not in counts.totals:
                    counts.totals[column] = int(self.wh.scalar(
                        f"SELECT count(v) FROM {held}") or 0)
                rows = self.wh.fetchall(
                    f"SELECT v, count(*) FROM {held} WHERE v {_ANY} GROUP BY 1",
                    [values]) if values else []
            counts.values[column] = {v: int(n) for v, n in rows}
        return counts

    def _stored_counts(self, wanted: dict[str, list[str]], counts: Counts) -> None:
        """``wanted`` values' counts (and missing totals) from :data:`COUNTS_TABLE`."""
        new_totals = [c for c in wanted if c not in counts.totals]
        if new_totals:
            counts.totals.update({c: int(n) for c, n in self.wh.fetchall(
                f"SELECT column_name, records FROM {COUNTS_TABLE} WHERE value IS NULL "
                f"AND column_name {_ANY}", [new_totals])})
        for column in wanted:
            counts.values[column] = {}
        values = sorted({v for vs in wanted.values() for v in vs})
        if not values:
            return
        for column, value, n in self.wh.fetchall(
                f"SELECT column_name, value, records FROM {COUNTS_TABLE} WHERE value {_ANY}",
                [values]):
            if column in wanted:
                counts.values[column][value] = int(n)


#: Columns ``blocking.prepare`` derives from ``email_key`` (null for a shared or role
#: mailbox), as SQL over ``normalized_records``.
_DERIVED = {
    "email_digits": "nullif(regexp_extract(split_part(email_key, '@', 1), '(\\d{2,})', 1), '')",
    "email_local": "split_part(email_key, '@', 1)",
}


def _counted(column: str, index: str = str(T.match_index)) -> tuple[str, str]:
    """SQL of a counted column's value over ``normalized_records``, and which records
    count (a derived mailbox part: not role nor shared mailboxes, as the stage has it);
    ``index``: the ``match_index`` holding the shared flags."""
    if column in _DERIVED:
        return _DERIVED[column], (
            f"NOT coalesce(email_is_role, false) AND record_id NOT IN (SELECT record_id "
            f"FROM {index} WHERE key_hash = 0 AND rule = '{SHARED}email_key')")
    return f"{quote_identifier(column)}::VARCHAR", "true"


def countable(columns: Sequence[str], available: Sequence[str]) -> list[str]:
    """The counted ``columns`` that ``normalized_records`` can give."""
    return [c for c in dict.fromkeys(columns) if c in available
            or (c in _DERIVED and "email_key" in available)]


def counts_query(columns: Sequence[str], available: Sequence[str]) -> str | None:
    """``column``, ``value``, ``records`` per counted column and value, and each column's
    filled total (``value`` null), sorted for lookups: the copy's :data:`COUNTS_TABLE`.
    ``columns``: counted columns; those ``normalized_records`` cannot give are left out."""
    parts = []
    for column in countable(columns, available):
        expr, where = _counted(column)
        parts += [f"SELECT '{column}' AS column_name, {expr} AS value, count(*) AS records "
                  f"FROM {T.normalized_records} WHERE {where} AND {expr} IS NOT NULL "
                  "GROUP BY 1, 2",
                  f"SELECT '{column}' AS column_name, CAST(NULL AS VARCHAR) AS value, "
                  f"count({expr}) AS records FROM {T.normalized_records} WHERE {where}"]
    if not parts:
        return None
    return ("SELECT * FROM (" + " UNION ALL ".join(parts) + ") "
            "ORDER BY column_name, value NULLS FIRST")


def counts_delta(columns: Sequence[str], available: Sequence[str], records: str,
                 index: str) -> str | None:
    """What the rows of ``records`` (a table of ``normalized_records`` rows) count, as
    :func:`counts_query` counts every record, their shared flags read from ``index`` (a
    ``match_index``): a patch of the copy subtracts this for the rows it removes and adds
    it for those it inserts."""
    parts = []
    for column in countable(columns, available):
        expr, where = _counted(column, index)
        parts += [f"SELECT '{column}' AS column_name, {expr} AS value, count(*) AS records "
                  f"FROM {records} WHERE {where} AND {expr} IS NOT NULL GROUP BY 1, 2",
                  f"SELECT '{column}' AS column_name, CAST(NULL AS VARCHAR) AS value, "
                  f"count({expr}) AS records FROM {records} WHERE {where}"]
    return " UNION ALL ".join(parts) if parts else None


def counted_columns(options: DedupeSettings) -> list[str]:
    """Every column a term-frequency weight or a name's rarity may count, the defaults the
    run adds for its data included (the model decides which are used)."""
    from contactops.dedupe import defaults

    return count_columns(options.model_copy(
        update={"fields": [*options.fields, *defaults.EXTRA_FIELDS]}))


def snapshot_tables(wh: Warehouse, columns: list[str] | None,
                    options: DedupeSettings) -> dict[str, str]:
    """What ``match`` reads, as the dedupe stage copies it beside the warehouse (table ->
    ``SELECT``; written with :data:`SNAPSHOT_ROW_GROUP`): the model, the blocking index
    by key hash, the records' compared ``columns`` (None: all) by record id, the links by
    record id, the contacts' shown fields by contact id, and :data:`COUNTS_TABLE`."""
    select = "*" if columns is None else ", ".join(quote_identifier(c) for c in columns)
    have = set(wh.columns(T.contacts.name))
    shown = ", ".join(quote_identifier(c) for c in CONTACT_COLUMNS if c in have)
    tables = {
        T.match_model.name: f"SELECT * FROM {T.match_model}",
        T.match_index.name: f"SELECT * FROM {T.match_index} ORDER BY key_hash, rule",
        T.normalized_records.name: f"SELECT {select} FROM {T.normalized_records} "
                                   f"ORDER BY {quote_identifier(options.record_id)}",
        T.contact_links.name: f"SELECT record_id, contact_id FROM {T.contact_links} "
                              "ORDER BY record_id",
        T.contacts.name: f"SELECT {shown} FROM {T.contacts} ORDER BY contact_id",
        COPY_STATE_TABLE: f"SELECT value AS written_by FROM {T.meta} "
                          f"WHERE key = '{WRITTEN_KEY}'",
    }
    query = counts_query(counted_columns(options), wh.columns(T.normalized_records.name))
    if query is not None:
        tables[COUNTS_TABLE] = query
    return tables
