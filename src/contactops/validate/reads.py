"""What the validate stage reads from the warehouse: tables in bounded chunks, and the
set-level figures (label counts, countries, shared keys, GX samples) as engine aggregates.

Record rules and the Pandera schema see one chunk at a time; everything that needs the
whole table is counted by the engine, which spills to disk, so validate's memory is bounded
by the chunk size, not by the number of records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import polars as pl

from contactops.catalog import T

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse


def quoted(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def present(wh: Warehouse, table: str, wanted: Iterable[str] | None = None) -> list[str]:
    """The columns of ``table`` (those in ``wanted``), in table order; none if no table."""
    if not wh.table_exists(table):
        return []
    columns = wh.columns(table)
    if wanted is None:
        return columns
    keep = set(wanted)
    return [c for c in columns if c in keep]


def row_hash(columns: Iterable[str], alias: str = "") -> str:
    """The SQL of a row's hash over ``columns`` (the values the checks read), for
    :mod:`contactops.validate.state`; ``alias`` qualifies the columns."""
    prefix = f"{alias}." if alias else ""
    return "hash(" + ", ".join(f'{prefix}"{c}"' for c in columns) + ")"


def chunks(wh: Warehouse, table: str, columns: list[str], key: str,
           rows: int, *, hashed: bool = False, only: str | None = None
           ) -> Iterator[pl.DataFrame]:
    """``table``'s ``columns`` in chunks of about ``rows`` rows, ordered by ``key``, never
    cutting a group of rows with the same key (a uniqueness check sees the whole group).
    An empty table gives one empty frame with its columns. ``hashed``: with the row's
    :func:`row_hash` as ``_row_hash``; ``only``: just the rows whose key is in that
    (scratch) table's ``key`` column."""
    extra = f", {row_hash(columns, 't')} AS _row_hash" if hashed else ""
    select = f'SELECT {", ".join(f"t.{c}" for c in map(_quote, columns))}{extra} FROM "{table}" t'
    if only is None:
        yield from whole_groups(wh.batches(f'{select} ORDER BY t."{key}"', rows), key)
        return
    # a scratch table is this connection's own: read it page by page here, not from the
    # cursor batches() opens (its keys are unique: no group to keep together)
    total = int(wh.scalar(f"SELECT count(*) FROM {only}"))
    for start in range(0, max(total, 1), rows):
        yield wh.pl(f'{select} JOIN (SELECT DISTINCT "{key}" FROM {only} ORDER BY "{key}" '
                    f'LIMIT {int(rows)} OFFSET {int(start)}) o ON o."{key}" = t."{key}" '
                    f'ORDER BY t."{key}"')


def _quote(column: str) -> str:
    return f'"{column}"'


def whole_groups(batches: Iterable[pl.DataFrame], key: str) -> Iterator[pl.DataFrame]:
    """Re-cut frames sorted by ``key`` so that no value of ``key`` spans two of them: the
    rows of a frame's last key wait for the next frame."""
    carry: pl.DataFrame | None = None
    empty: pl.DataFrame | None = None
    given = False
    for batch in batches:
        if carry is not None:
            batch = pl.concat([carry, batch], how="vertical_relaxed")
            carry = None
        if batch.height == 0:
            empty = batch
            continue
        last = batch[key][-1]
        if last is None:  # nulls sort last and are never equal: nothing to keep together
            head = batch
        else:
            tail = pl.col(key) == last
            carry, head = batch.filter(tail), batch.filter(~tail.fill_null(False))
        if head.height:
            given = True
            yield head
    if carry is not None and carry.height:
        given = True
        yield carry
    if not given and empty is not None:
        yield empty


def label_counts(wh: Warehouse, table: str, column: str) -> dict[str, int]:
    """Records per label of a list column (tags, lists)."""
    rows = wh.fetchall(f'SELECT label, count(*) FROM (SELECT unnest("{column}") AS label '
                       f'FROM "{table}") WHERE label IS NOT NULL GROUP BY label')
    return {label: int(n) for label, n in rows}


def list_members(wh: Warehouse, table: str, columns: list[str]) -> pl.DataFrame | None:
    """Members per list and contact type of ``table`` (list, contact_type, n, separated:
    every member tagged with its type), as
    :func:`contactops.validate.set_rules.list_members` counts them, or None when the table
    carries no lists or types."""
    if not {"lists", "contact_type"} <= set(columns):
        return None
    tagged = ("coalesce(list_contains(tags, contact_type), false)" if "tags" in columns
              else "false")
    return wh.pl(
        'SELECT list, contact_type, count(*)::BIGINT AS n, bool_and(separated) AS separated '
        f'FROM (SELECT unnest(lists) AS list, contact_type, {tagged} AS separated '
        f'FROM "{table}") WHERE list IS NOT NULL '
        "AND contact_type IN ('customer', 'prospect', 'internal') GROUP BY list, contact_type")


def region_counts(wh: Warehouse, table: str, columns: list[str]) -> pl.DataFrame:
    """How often each country and phone region value occurs (columns ``r``, ``len``)."""
    used = [c for c in ("country", "phone_region") if c in columns]
    if not used:
        return pl.DataFrame(schema={"r": pl.String, "len": pl.Int64})
    union = " UNION ALL ".join(f'SELECT "{c}" AS r FROM "{table}"' for c in used)
    return wh.pl(f"SELECT r, count(*)::BIGINT AS len FROM ({union}) WHERE r IS NOT NULL "
                 "GROUP BY r")


def sample(wh: Warehouse, table: str, columns: list[str], key: str,
           max_rows: int | None) -> tuple[pl.DataFrame, int | None]:
    """What GX checks of ``table``, and how many rows were sampled (None: all of them):
    past ``max_rows`` rows, the first ``max_rows`` in the order of a hash of ``key`` (the
    same rows for the same data); every row otherwise. GX's pandas checkpoints hold what
    they check in memory, which is why ``gx.max_rows`` bounds it."""
    select = f'SELECT {quoted(columns)} FROM "{table}"'
    if max_rows is not None and int(wh.scalar(f'SELECT count(*) FROM "{table}"')) > max_rows:
        return wh.pl(f'{select} ORDER BY hash("{key}"), "{key}" LIMIT {int(max_rows)}'), max_rows
    return wh.pl(f'{select} ORDER BY "{key}"'), None


def shared_keys(wh: Warehouse, keys: Iterable[str], record_columns: list[str],
                contact_columns: list[str]) -> tuple[pl.DataFrame, int | None]:
    """Rows (contact_id, key) of the key values more than one contact holds, and the
    number of contacts checked.

    With contact_links, the engine joins links to their records' keys (role mailboxes left
    out of email keys): 1M records come back as the few thousand contacts that share a key.
    Without links, the contacts table's own keys.
    """
    linked = (record_columns and wh.table_exists(T.contact_links.name)
              and {"contact_id", "record_id"} <= set(wh.columns(T.contact_links.name)))
    scratch = None
    if linked:
        carried = ("email_key", "phone_e164")
        picked = [c for c in (*carried, "email_is_role") if c in record_columns]
        # the join is read once into a scratch table, not once per count and key
        scratch = "validate_linked_keys"
        chosen = ", ".join(["l.contact_id", *(f'r."{c}"' for c in picked)])
        wh.execute(f"CREATE OR REPLACE TEMP TABLE {scratch} AS SELECT {chosen} "
                   f"FROM {T.contact_links} AS l "
                   f"JOIN {T.normalized_records} AS r ON l.record_id = r.record_id")
        rows = f"FROM {scratch} AS r"
        ids, columns = "r.contact_id", record_columns
    else:
        rows = f"FROM {T.contacts} AS r"
        ids, columns, carried = "r.contact_id", contact_columns, tuple(contact_columns)
    checked = int(wh.scalar(f"SELECT count(DISTINCT CAST({ids} AS VARCHAR)) + "
                            f"(count(*) FILTER (WHERE {ids} IS NULL) > 0)::INTEGER {rows}"))
    parts = []
    for key in dict.fromkeys(keys):
        if key not in carried or key not in columns or key == "contact_id":
            continue
        role = (" AND NOT coalesce(r.email_is_role, false)"
                if key.startswith("email") and "email_is_role" in columns else "")
        held = f'{rows} WHERE {ids} IS NOT NULL AND r."{key}" IS NOT NULL{role}'
        # the values more than one contact holds first (a grouping), then their holders
        shared = (f'SELECT CAST(r."{key}" AS VARCHAR) {held} GROUP BY CAST(r."{key}" AS '
                  f'VARCHAR) HAVING count(DISTINCT CAST({ids} AS VARCHAR)) > 1')
        parts.append(wh.pl(
            f'SELECT DISTINCT CAST({ids} AS VARCHAR) AS contact_id, CAST(r."{key}" AS VARCHAR) '
            f'AS "{key}" {held} AND CAST(r."{key}" AS VARCHAR) IN ({shared})'))
    if scratch is not None:
        wh.execute(f"DROP TABLE {scratch}")
    if not parts:
        return pl.DataFrame(schema={"contact_id": pl.String}), checked
    return pl.concat(parts, how="diagonal_relaxed"), checked
