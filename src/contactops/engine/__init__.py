"""The only package that imports duckdb: the engine protocol, the DuckDB warehouse, SQL helpers."""

from __future__ import annotations

from contactops.engine.api import Engine
from contactops.engine.connect import memory_scope
from contactops.engine.open import detect, open_engine
from contactops.engine.warehouse import Warehouse

__all__ = ["Engine", "Warehouse", "detect", "memory_scope", "open_engine"]
