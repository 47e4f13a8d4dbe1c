"""The warehouse table catalog: every table and view declared once.

Stage code names tables through :data:`T` (``f"SELECT ... FROM {T.loads}"``); DDL
(:mod:`~contactops.catalog.ddl`), the undo/erase cascades (:func:`derived_by_record`,
:func:`landed_by_load`, :func:`personal_tables`), reserved names (:data:`NAMES`) and
``docs/warehouse.md`` (:mod:`~contactops.catalog.docs`) all come from here. The catalog
imports neither the engine nor any stage.
"""

from __future__ import annotations

from contactops.catalog.ddl import ensure_tables
from contactops.catalog.model import Column, Table
from contactops.catalog.tables import (
    NAMES,
    TABLES,
    T,
    derived_by_record,
    landed_by_load,
    personal_tables,
    table,
)

__all__ = ["NAMES", "TABLES", "Column", "T", "Table", "derived_by_record", "ensure_tables",
           "landed_by_load", "personal_tables", "table"]
