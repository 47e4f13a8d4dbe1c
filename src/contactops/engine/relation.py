"""Lazy handles on warehouse tables and queries, for notebooks and the Python API.

Nothing is read until a materializer is called; the repr says how to get the data. Each call
opens the warehouse read-only and closes it again, so a notebook never holds the lock a
scheduled run needs. Each such open gets ``memory_limit`` (bytes; the application core passes
its resolved limit's engine share), so a notebook read spills instead of taking 80% of RAM.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import polars as pl
    import pyarrow as pa


@dataclass(frozen=True)
class Relation:
    """A table or query in a warehouse file, read only when asked."""

    warehouse: Path
    sql: str
    name: str
    params: tuple[Any, ...] = ()
    memory_limit: int | None = None

    # -- refinements (still lazy) ------------------------------------------------------
    def limit(self, n: int) -> Relation:
        return Relation(self.warehouse, f"SELECT * FROM ({self.sql}) LIMIT {int(n)}",
                        f"{self.name}.limit({n})", self.params,
                        self.memory_limit)

    def where(self, condition: str) -> Relation:
        """Filter with a SQL condition (analyst convenience; read-only connection)."""
        return Relation(self.warehouse, f"SELECT * FROM ({self.sql}) WHERE {condition}",
                        f"{self.name}.where({condition!r})", self.params,
                        self.memory_limit)

    # -- materializers -----------------------------------------------------------------
    def pl(self) -> pl.DataFrame:
        from contactops.engine.open import open_engine

        with open_engine(self.warehouse, read_only=True,
                         memory_limit=self.memory_limit) as wh:
            return wh.pl(self.sql, list(self.params) or None)

    def df(self) -> pd.DataFrame:
        return self.pl().to_pandas()

    def arrow(self) -> pa.Table:
        return self.pl().to_arrow()

    def count(self) -> int:
        from contactops.engine.open import open_engine

        with open_engine(self.warehouse, read_only=True,
                         memory_limit=self.memory_limit) as wh:
            return int(wh.scalar(f"SELECT count(*) FROM ({self.sql})", list(self.params) or None))

    def columns(self) -> list[str]:
        return list(self.limit(0).pl().columns)

    # -- display -----------------------------------------------------------------------
    def __repr__(self) -> str:
        return (f"<Relation {self.name} in {self.warehouse.name}: .pl() .df() .arrow() "
                f".count() .limit(n) .where(sql)>")

    def _repr_html_(self) -> str:
        try:
            preview = self.limit(10).pl()
            total = self.count()
        except Exception as exc:  # a notebook repr must never raise
            return f"<pre>{html.escape(repr(self))}\n{html.escape(str(exc))}</pre>"
        return (f"<div><b>{html.escape(self.name)}</b> — {total:,} rows "
                f"<small>(first 10 shown; <code>.pl()</code> for all)</small>"
                f"{preview._repr_html_()}</div>")
