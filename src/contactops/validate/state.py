"""What the last validation kept per record and contact, so the next one re-checks only what
changed.

``validated_records`` holds per record a hash of the columns the checks read (computed by
the engine, :func:`contactops.validate.reads.row_hash`), the record rule entries it fails
(bit ``i`` of ``failed_mask``: the i-th rule of the basis), the rule names that check it
(``checked_mask``) and the Pandera checks it fails; ``validated_contacts`` a contact's hash
and Pandera checks. From these the engine recounts every rule's totals without re-checking
a record, and finds the first ``max_issues_per_rule`` failing records of a rule, the rows
``validation_issues`` keeps.

The **basis** (``meta`` key ``validate_basis``) says what the bits mean and what a record's
result depends on besides its values: the contactops version, the validate options, the
countries tried for phones that lack one, the columns read. Any difference, and the state
is not trusted: the validation is a full one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.catalog import T
from contactops.validate.reads import row_hash

if TYPE_CHECKING:
    from contactops.catalog.model import Table
    from contactops.config.validate import ValidateSettings
    from contactops.engine.warehouse import Warehouse

BASIS_KEY = "validate_basis"
RECORD_STATE = {"record_id": pl.String, "source": pl.String, "row_hash": pl.UInt64,
                "failed_mask": pl.Int64, "checked_mask": pl.Int64,
                "schema_checks": pl.List(pl.String)}
CONTACT_STATE = {"contact_id": pl.String, "row_hash": pl.UInt64,
                 "schema_checks": pl.List(pl.String)}


def basis(options: ValidateSettings, regions: tuple[str, ...], entries: list[tuple[str, str]],
          record_columns: list[str], contact_columns: list[str]) -> str:
    """The basis of a validation, as JSON (stored as it is: it is read back to name the
    entries, and a person can read it)."""
    return json.dumps({
        "contactops": version("contactops"),
        "options": options.model_dump(mode="json", by_alias=True),
        "regions": list(regions), "entries": [list(e) for e in entries],
        "record_columns": record_columns, "contact_columns": contact_columns,
    }, sort_keys=True, default=str)


def stored_basis(wh: Warehouse) -> str | None:
    if not all(wh.table_exists(t.name) for t in (T.meta, T.validated_records,
                                                 T.validated_contacts)):
        return None
    value = wh.scalar(f"SELECT value FROM {T.meta} WHERE key = ?", [BASIS_KEY])
    return str(value) if value is not None else None


def store_basis(wh: Warehouse, value: str | None) -> None:
    """Keep (None: forget) the basis of the state just written (in the caller's
    transaction, with the state)."""
    wh.execute(f"DELETE FROM {T.meta} WHERE key = ?", [BASIS_KEY])
    if value is not None:
        wh.execute(f"INSERT INTO {T.meta} VALUES (?, ?)", [BASIS_KEY, value])


def conform(frame: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    return frame.select([(pl.col(c) if c in frame.columns else pl.lit(None)).cast(t).alias(c)
                         for c, t in schema.items()])


def replace(wh: Warehouse, table: Table, frame: pl.DataFrame) -> None:
    """Replace a state table's rows with ``frame``'s (a full validation)."""
    wh.execute(f"DELETE FROM {table}")
    if frame.height:
        wh.append_frame(table.name, frame)


@dataclass(frozen=True)
class Delta:
    """What differs between a table and its state: the keys of rows new or changed (in the
    scratch table ``changed``, with their hash ``h``) and gone (``removed``)."""

    table: str
    key: str
    changed_table: str
    removed_table: str
    changed: int
    removed: int
    total: int
    nulls: int

    @property
    def touched(self) -> str:
        """SQL: the keys re-checked or removed."""
        return (f"SELECT {self.key} FROM {self.changed_table} "
                f"UNION ALL SELECT {self.key} FROM {self.removed_table}")

    def drop(self, wh: Warehouse) -> None:
        wh.execute(f"DROP TABLE IF EXISTS {self.changed_table}")
        wh.execute(f"DROP TABLE IF EXISTS {self.removed_table}")


def diff(wh: Warehouse, table: Table, state: Table, key: str, columns: list[str]) -> Delta:
    """Compare ``table``'s rows (their hash over ``columns``) with ``state``'s. A key held
    by several rows is always re-checked (a uniqueness check must see them together)."""
    changed, removed = f"validate_changed_{table.name}", f"validate_removed_{table.name}"
    # one join of the table's hashes with the state gives the differences of both sides
    # (rows new or changed, state rows whose key is gone): a second pass over the 1M
    # rows to find the gone ones cost as much again
    both = f"validate_diff_{table.name}"
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {both} AS SELECT n.{key} AS now, "
               f"s.{key} AS was, n.h IS NOT NULL AS held FROM "
               f"(SELECT {key}, {row_hash(columns)} AS h FROM {table}) n "
               f"FULL JOIN {state} s ON s.{key} = n.{key} "
               "WHERE s.row_hash IS DISTINCT FROM n.h OR n.h IS NULL")
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {changed} AS SELECT DISTINCT now AS {key} "
               f"FROM {both} WHERE held")
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {removed} AS SELECT DISTINCT was AS {key} "
               f"FROM {both} WHERE NOT held AND was IS NOT NULL")
    wh.execute(f"DROP TABLE {both}")
    total, nulls, distinct = wh.fetchall(
        f"SELECT count(*), count(*) FILTER (WHERE {key} IS NULL), count(DISTINCT {key}) "
        f"FROM {table}")[0]
    if total - nulls > distinct:  # rare (a dedupe fault): find which keys repeat
        wh.execute(f"INSERT INTO {changed} SELECT {key} FROM {table} WHERE {key} IS NOT NULL "
                   f"GROUP BY {key} HAVING count(*) > 1 EXCEPT SELECT {key} FROM {changed}")
    return Delta(table.name, key, changed, removed,
                 int(wh.scalar(f"SELECT count(*) FROM {changed}")),
                 int(wh.scalar(f"SELECT count(*) FROM {removed}")), int(total), int(nulls))


def update(wh: Warehouse, state: Table, delta: Delta, frame: pl.DataFrame) -> None:
    """Replace the state rows of the touched keys with ``frame`` (their new state)."""
    wh.execute(f"DELETE FROM {state} WHERE {delta.key} IN ({delta.touched})")
    if frame.height:
        wh.append_frame(state.name, frame)


def entry_bits(entries: list[tuple[str, str]], names: list[str]) -> dict[str, int]:
    """Per rule name, the bits of its entries in ``failed_mask``."""
    return {name: sum(1 << i for i, (n, _) in enumerate(entries) if n == name)
            for name in names}


def rule_counts(wh: Warehouse, entries: list[tuple[str, str]], names: list[str],
                exclude: str | None = None) -> pl.DataFrame:
    """Per source, each rule name's records checked and failing (the columns
    ``<name>\\x1fchecked`` and ``<name>\\x1ffailed`` that
    :meth:`contactops.validate.rules.RecordChecks.summary` reads), over every record but
    those ``exclude`` (SQL) selects."""
    bits = entry_bits(entries, names)
    aggs = [f"count(*) FILTER (WHERE checked_mask & {1 << j} <> 0)::BIGINT AS c{j}, "
            f"count(*) FILTER (WHERE failed_mask & {bits[name]} <> 0)::BIGINT AS f{j}"
            for j, name in enumerate(names)]
    if not aggs:
        return pl.DataFrame(schema={"source": pl.String})
    where = f" WHERE record_id NOT IN ({exclude})" if exclude else ""
    frame = wh.pl(f"SELECT source, {', '.join(aggs)} FROM {T.validated_records}{where} "
                  "GROUP BY source")
    renames = {**{f"c{j}": f"{n}\x1fchecked" for j, n in enumerate(names)},
               **{f"f{j}": f"{n}\x1ffailed" for j, n in enumerate(names)}}
    return frame.rename(renames).sort("source")


def entry_counts(wh: Warehouse, entries: list[tuple[str, str]]) -> list[int]:
    """Records failing each entry, over the state as it is."""
    if not entries:
        return []
    aggs = ", ".join(f"count(*) FILTER (WHERE failed_mask & {1 << i} <> 0)"
                     for i in range(len(entries)))
    return [int(n) for n in wh.fetchall(f"SELECT {aggs} FROM {T.validated_records}")[0]]


def schema_counts(wh: Warehouse, state: Table, key: str,
                  exclude: str | None = None) -> tuple[int, int, set[str]]:
    """Rows in ``state`` (but those ``exclude`` selects), rows failing a Pandera check
    (``schema_checks`` is null for the others), and the checks failed."""
    where = f" AND {key} NOT IN ({exclude})" if exclude else ""
    rows, failing = wh.fetchall(f"SELECT count(*), count(*) FILTER "
                                f"(WHERE schema_checks IS NOT NULL) FROM {state} "
                                f"WHERE true{where}")[0]
    checks = {r[0] for r in wh.fetchall(
        f"SELECT DISTINCT unnest(schema_checks) FROM {state} "
        f"WHERE schema_checks IS NOT NULL{where}")}
    return int(rows), int(failing), checks
