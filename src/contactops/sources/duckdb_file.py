"""DuckDB file reader: a table or a query of another DuckDB database, read-only.

The file is ATTACHed ``READ_ONLY`` to a fresh in-memory connection by
:func:`contactops.engine.files.read_duckdb_file` (only ``engine`` imports duckdb). Every
column is cast to text in DuckDB; nested values (STRUCT, LIST, MAP) become JSON text.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from contactops.errors import SourceRefused
from contactops.sources.base import RawBatch, as_strings, frame_sha256, without_nuls
from contactops.sources.sniff import refuse, sniff_file

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.pipeline import DuckdbSource
    from contactops.engine.warehouse import Warehouse


def read(source: DuckdbSource, project: Project, warehouse: Warehouse | None = None) -> RawBatch:
    """Read ``source.table`` or the result of ``source.query`` from the file ``source.path``."""
    from contactops.engine.files import DuckdbFileError, read_duckdb_file

    path = project.path(source.path)
    if not path.is_file():
        raise SourceRefused(f"source '{source.name}': DuckDB file {source.path} not found "
                            f"(looked in {path}); fix 'path:' in the pipeline")
    if warehouse is not None and warehouse.path is not None \
            and warehouse.path.resolve() == path.resolve():
        raise SourceRefused(f"source '{source.name}': {source.path} is the warehouse itself; "
                            "read another DuckDB file (copy the table out first)")
    sniffed = sniff_file(path)
    if sniffed.kind != "duckdb":
        raise refuse(str(source.path), sniffed, "DuckDB", source.name)
    try:
        frame, sql = read_duckdb_file(path, table=source.table, query=source.query,
                                      display=str(source.path))
    except DuckdbFileError as exc:
        fix = "fix 'table:'" if source.table is not None else "fix 'query:'"
        raise SourceRefused(f"source '{source.name}': {exc}; {fix}") from None
    location = (f"table {source.table} in {source.path}" if source.table is not None
                else f"query on {source.path}")
    digest = hashlib.sha256(f"{frame_sha256(frame)}\n{sql}".encode()).hexdigest()
    details = {"format": "duckdb", "sql": sql, "records": frame.height,
               "columns": len(frame.columns)}
    return RawBatch(frame=without_nuls(as_strings(frame), details), rejects=[],
                    content_hash=digest, location=location, details=details)
