"""Loads and sources in the warehouse: list loads, undo one, list sources, retire one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.core.project import OpenedProject

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.relation import Relation


class SourceFlows(OpenedProject):
    """``ctx.loads()``, ``undo_load()``, ``sources()``, ``retire_source()``."""

    def loads(self, limit: int = 50) -> pl.DataFrame:
        """Loads, newest first: rows read / accepted / rejected and whether current."""
        from contactops.sources.loads import list_loads

        with self.open_warehouse(read_only=True) as wh:
            return list_loads(wh, limit)

    def undo_load(self, load_id: str, reason: str) -> dict[str, Any]:
        """Remove a load's records and everything derived from them (audited); returns the
        rows removed per table."""
        from contactops.sources.loads import undo_load

        with self.open_warehouse() as wh:
            return undo_load(wh, load_id, reason)

    def sources(self) -> pl.DataFrame:
        """Every source loaded into the warehouse: current records, last load, and (with a
        pipeline) whether the pipeline still declares it."""
        from contactops.sources.retire import list_sources

        declared = self.declared_sources()
        with self.open_warehouse(read_only=True) as wh:
            return list_sources(wh, declared)

    def retire_source(self, name: str, reason: str) -> Any:
        """Take a source out of the warehouse's current records (audited); returns what it
        cost: records, contacts losing their last record, published audience members."""
        from contactops.config.yamlfile import display_path
        from contactops.sources.retire import retire_source

        file = self.pipeline_file
        shown = display_path(file) if file is not None else None
        with self.open_warehouse() as wh:
            return retire_source(wh, name, reason, pipeline_file=shown,
                                 declared=self.declared_sources(enabled_only=True))

    def loads_relation(self) -> Relation:
        return self.sql(f"SELECT * FROM {T.loads} ORDER BY load_seq DESC")

    def runs_relation(self) -> Relation:
        return self.sql(f"SELECT * FROM {T.runs} ORDER BY started_at DESC")
