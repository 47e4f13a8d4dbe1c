"""Which function reads which source ``type:``; reader modules are imported on first use.

Importing this module is cheap: ``READERS`` holds thin wrappers, and the reader module (with
polars, fastexcel, psycopg, ...) is imported only when a source of that type is read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contactops.errors import SourceError

if TYPE_CHECKING:
    from contactops.sources.base import RawBatch, RawStream

Reader = Callable[..., "RawBatch"]
Streamer = Callable[..., "RawStream"]

#: source type -> "module:function" of its reader.
TARGETS: dict[str, str] = {
    "csv": "contactops.sources.csv_source:read",
    "excel": "contactops.sources.excel:read",
    "json": "contactops.sources.json_source:read",
    "parquet": "contactops.sources.parquet:read",
    "sqlite": "contactops.sources.sqlite:read",
    "duckdb": "contactops.sources.duckdb_file:read",
    "postgres": "contactops.sources.postgres:read",
}


#: source type -> "module:function" of a reader that yields batches of a bounded number of
#: rows, ``stream(source, project, warehouse, rows) -> RawStream``; the other types are read
#: whole. (JSON: its columns are the union of every record's keys, known only at the end.)
STREAMERS: dict[str, str] = {
    "csv": "contactops.sources.csv_source:stream",
    "parquet": "contactops.sources.parquet:stream",
}


def stream_for(type_name: str) -> Streamer:
    """``stream(source, project, warehouse, rows) -> RawStream`` of a source type: its own
    batched reader, or its whole-file reader as a stream of one batch."""
    if type_name in STREAMERS:
        return _resolve(STREAMERS[type_name])
    read = reader_for(type_name)

    def whole(source: Any, project: Any, warehouse: Any = None,
              rows: int | None = None) -> RawStream:
        from contactops.sources.base import RawStream

        return RawStream.of(read(source, project, warehouse))

    return whole


def _resolve(target: str) -> Any:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def reader_for(type_name: str) -> Reader:
    """The ``read(source, project, warehouse=None) -> RawBatch`` function of a source type."""
    try:
        target = TARGETS[type_name]
    except KeyError:
        raise SourceError(f"no reader for source type '{type_name}'; known types: "
                          f"{', '.join(TARGETS)}") from None
    return _resolve(target)  # type: ignore[no-any-return]


def _lazy(type_name: str) -> Reader:
    def read(source: Any, project: Any, warehouse: Any = None) -> RawBatch:
        return reader_for(type_name)(source, project, warehouse)

    read.__name__ = f"read_{type_name}"
    read.__qualname__ = read.__name__
    read.__doc__ = f"Read a '{type_name}' source (imports {TARGETS[type_name]} on first call)."
    return read


#: source type -> read function (the real reader module is imported on first call).
READERS: dict[str, Reader] = {name: _lazy(name) for name in TARGETS}
