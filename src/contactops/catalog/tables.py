"""Every warehouse table and view, and the lineage questions asked of them."""

from __future__ import annotations

from types import SimpleNamespace

from contactops.catalog.foundation import FOUNDATION
from contactops.catalog.model import Table
from contactops.catalog.stages import STAGE_TABLES

TABLES: tuple[Table, ...] = (*FOUNDATION, *STAGE_TABLES)

#: Tables by name as attributes: ``T.loads`` formats as ``loads`` in SQL text.
T = SimpleNamespace(**{table.name: table for table in TABLES})

#: Every name the catalog declares: no pipeline, target or user table may take one.
NAMES: frozenset[str] = frozenset(table.name for table in TABLES)


def table(name: str) -> Table:
    """The declared table called ``name``."""
    try:
        return getattr(T, name)  # type: ignore[no-any-return]
    except AttributeError:
        raise KeyError(f"no warehouse table {name!r} in the catalog") from None


def derived_by_record() -> tuple[Table, ...]:
    """Tables whose rows derive from a record (not the landed records themselves): undo and
    retire remove their rows for records that are no longer current."""
    return tuple(t for t in TABLES if t.by_record and t.stage != "sources")


def landed_by_load() -> tuple[Table, ...]:
    """Tables a load lands rows in: undo removes the load's rows from each."""
    return tuple(t for t in TABLES if t.by_load and t.kind == "table")


def personal_tables() -> tuple[Table, ...]:
    """Tables holding a person's data by record or by contact: erase removes their rows."""
    return tuple(t for t in TABLES if t.kind == "table" and (t.by_record or t.by_contact))
