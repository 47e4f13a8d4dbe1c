"""The warehouse table catalog: every table and view declared once.

Stage code names tables through :data:`T` (``f"SELECT ... FROM {T.loads}"``); DDL, the
undo/erase cascades, reserved names and ``docs/warehouse.md`` all come from here.
"""

from __future__ import annotations

from contactops.catalog.model import Column, Table
from contactops.catalog.tables import TABLES, T

__all__ = ["TABLES", "Column", "T", "Table"]
