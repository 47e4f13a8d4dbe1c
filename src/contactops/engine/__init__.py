"""The only package that imports duckdb: warehouse connection, schema, SQL helpers."""

from __future__ import annotations

from contactops.engine.warehouse import Warehouse

__all__ = ["Warehouse"]
