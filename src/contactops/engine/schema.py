"""Create the foundation's warehouse tables, views and sequence from the catalog.

Every statement is idempotent so opening a warehouse is safe at any time; the DDL itself
comes from :mod:`contactops.catalog.ddl` (stages create their own tables the same way, on
first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactops.catalog import T
from contactops.catalog.ddl import warehouse_ddl

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

SCHEMA_VERSION = 6


def create_schema(wh: Warehouse) -> None:
    version = None
    if wh.table_exists(T.meta.name):
        version = wh.scalar(f"SELECT value FROM {T.meta} WHERE key = 'schema_version'")
    if version == str(SCHEMA_VERSION):
        return
    with wh.transaction():
        # a warehouse made before a field existed gets its column (schema 4: street_number,
        # street_2, date_of_birth, external_id, external_id_kind; schema 5: runs'
        # memory_limit_bytes and memory_limit_origin; schema 6: runs' fingerprint,
        # fingerprint_parts, inputs_fingerprint and reason): see warehouse_ddl
        wh._con.execute(warehouse_ddl())
        wh._con.execute(f"INSERT OR REPLACE INTO {T.meta} VALUES ('schema_version', ?)",
                        [str(SCHEMA_VERSION)])
