"""Opening a warehouse on the engine that keeps it: DuckDB (a file) or Spark (a folder).

The application core and the pipeline open warehouses here, never a class directly, so a
project's ``engine:`` setting (or ``--engine``) picks the implementation in one place. A
warehouse that exists tells its own kind: a folder with ``_contactops/`` is a Spark
warehouse, so reading one (the report, a notebook) needs no setting.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contactops.engine.api import Engine
from contactops.errors import ContactopsError

ENGINES = ("duckdb", "spark")


def detect(path: str | Path) -> str | None:
    """The engine an existing warehouse was made by (None: nothing there yet)."""
    target = Path(path)
    if (target / "_contactops").is_dir():
        return "spark"
    if target.is_file():
        return "duckdb"
    return None


def open_engine(path: str | Path, *, engine: str | None = None, master: str | None = None,
                options: dict[str, str] | None = None, **kwargs: Any) -> Engine:
    """The warehouse at ``path``, opened by ``engine`` (default: the kind that is there,
    else DuckDB). ``master``/``options``: the Spark session's (Spark only); the other
    keyword arguments are :class:`~contactops.engine.warehouse.Warehouse`'s."""
    found = detect(path) if str(path) != ":memory:" else None
    kind = engine or found or "duckdb"
    if kind not in ENGINES:
        raise ContactopsError(f"unknown engine {kind!r}: use one of {', '.join(ENGINES)}")
    if found is not None and found != kind:
        raise ContactopsError(
            f"warehouse {path} was made by the {found} engine, and this run asks for {kind}: "
            f"set engine: {found} (or --engine {found}), or pass --warehouse to use "
            "another location")
    if kind == "spark":
        from contactops.engine.spark import SparkWarehouse

        return SparkWarehouse(path, master=master, options=options, **kwargs)
    from contactops.engine.warehouse import Warehouse

    return Warehouse(path, **kwargs)
