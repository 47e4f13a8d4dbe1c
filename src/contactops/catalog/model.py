"""What the catalog declares: warehouse tables and views, their columns, keys and lineage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Column:
    """One column of a warehouse table: name, SQL type (DuckDB spelling) and meaning."""

    name: str
    type: str = "VARCHAR"
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """One warehouse table or view, declared once.

    ``str(table)`` (and ``f"{table}"``) is its name, so SQL is written as
    ``f"SELECT ... FROM {T.loads}"`` and never spells a table name itself.

    Args:
        name: the table's name in the warehouse.
        stage: the stage that owns (writes) it.
        doc: one row per what, for ``docs/warehouse.md``.
        key: the columns that identify a row.
        public: part of the documented warehouse users may query.
        kind: ``table`` or ``view``.
        columns: the declared columns, in order.
        by_record: the column holding the ``record_id`` a row derives from: undo and erase
            remove such rows when the record goes.
        by_contact: the column holding the ``contact_id`` a row derives from.
        by_load: the column holding the ``load_id`` a row was landed by.
    """

    name: str
    stage: str
    doc: str
    key: tuple[str, ...] = ()
    public: bool = True
    kind: Literal["table", "view"] = "table"
    columns: tuple[Column, ...] = field(default=())
    by_record: str | None = None
    by_contact: str | None = None
    by_load: str | None = None

    def __str__(self) -> str:
        return self.name

    def __format__(self, spec: str) -> str:
        return format(self.name, spec)
