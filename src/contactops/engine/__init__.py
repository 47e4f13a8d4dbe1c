"""The only package that imports duckdb: the engine protocol, the DuckDB warehouse, SQL helpers."""

from __future__ import annotations

from contactops.engine.api import Engine
from contactops.engine.connect import memory_scope
from contactops.engine.warehouse import Warehouse

__all__ = ["Engine", "Warehouse", "memory_scope"]
