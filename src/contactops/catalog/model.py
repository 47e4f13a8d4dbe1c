"""What the catalog declares: warehouse tables and views, their columns, keys and lineage."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

#: When a table comes to exist: ``open`` — created whenever a writable warehouse is opened;
#: ``stage`` — created by its stage on first use (:func:`contactops.catalog.ddl.ensure_tables`);
#: ``frame`` — written whole from a frame by its stage (no DDL: the frame's columns are the
#: declared ones, which the catalog test checks against a real warehouse).
Created = Literal["open", "stage", "frame"]


@dataclass(frozen=True)
class Column:
    """One column of a warehouse table: name, SQL type (DuckDB spelling) and meaning.

    A name holding ``<...>`` (``g_<comparison>``) stands for the columns configuration adds,
    one per comparison, enrichment field, ...; such a column has no DDL.
    """

    name: str
    type: str = "VARCHAR"
    doc: str = ""
    not_null: bool = False
    default: str | None = None

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """For a configured column (``<...>`` in the name), the names it matches."""
        if "<" not in self.name:
            return None
        return re.compile(re.sub(r"<[^>]+>", "[a-z0-9_]+", self.name) + "$")

    def ddl(self, primary_key: bool = False) -> str:
        text = f"{self.name} {self.type}"
        if primary_key:
            text += " PRIMARY KEY"
        elif self.not_null:
            text += " NOT NULL"
        if self.default is not None:
            text += f" DEFAULT {self.default}"
        return text


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
        columns: the declared columns, in order; configured ones (``<...>``) last.
        by_record: the column holding the ``record_id`` a row derives from: undo and erase
            remove such rows when the record goes.
        by_contact: the column holding the ``contact_id`` a row derives from: erase removes
            such rows with the person.
        by_load: the column holding the ``load_id`` a row was landed by: undo removes them.
        created: when the table comes to exist (see :data:`Created`).
        primary_key: the (one-column) key is enforced as ``PRIMARY KEY``.
        added: columns added after the table's first version; a warehouse from before
            gets them (``ALTER TABLE ... ADD COLUMN``) when the table is ensured.
        sql: a view's ``SELECT``.
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
    created: Created = "open"
    primary_key: bool = False
    added: tuple[str, ...] = ()
    sql: str = ""

    def __str__(self) -> str:
        return self.name

    def __format__(self, spec: str) -> str:
        return format(self.name, spec)

    @property
    def fixed_columns(self) -> tuple[Column, ...]:
        """The columns every warehouse has (not the configured ``<...>`` ones)."""
        return tuple(c for c in self.columns if c.pattern is None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.fixed_columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")
