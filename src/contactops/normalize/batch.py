"""One batch of raw records normalized: the pure function every engine applies to the
current records (DuckDB in this process chunk after chunk, Spark on its executors per
partition), so both run one implementation.

Normalization is per-row deterministic (each distinct value is normalized the same way in
any batch), so how the rows are split does not change a single output row. A
:class:`BatchNormalizer` holds only settings and the enrichment's reference tables (read once
on the driver), pickles with them, and returns, for its batch, the rows of every normalize
table and the numbers the stage sums: records, changed values, values each enrichment rule
filled, seconds per phase.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import polars as pl

from contactops.catalog import T

if TYPE_CHECKING:
    from contactops.config.normalize import NormalizeSettings
    from contactops.config.project import ProjectSettings
    from contactops.normalize.enrich_stage import Enrichment

#: The tables a batch gives rows of, in the order they are written.
OUTPUTS: tuple[str, ...] = (T.normalized_records.name, T.normalization_audit.name,
                            T.normalization_enrichments.name, T.normalized_versions.name)
#: Prefix of the numbers that count values an enrichment rule filled (see
#: :meth:`~contactops.normalize.enrich_stage.Enrichment.tally`).
FILLED = "filled:"


@dataclass(frozen=True)
class BatchNormalizer:
    """``normalized_records``, ``normalization_audit``, ``normalization_enrichments`` and
    ``normalized_versions`` rows of a batch of raw records.

    ``now`` is the run's one reference time (future-date flags), the same in every batch
    wherever it runs.
    """

    settings: ProjectSettings
    options: NormalizeSettings
    now: datetime
    enrichment: Enrichment | None = None

    def __call__(self, raw: pl.DataFrame) -> tuple[dict[str, pl.DataFrame], dict[str, float]]:
        """``raw``: record_id, load_id, source, source_kind and the CONTACT_FIELDS."""
        from contactops.normalize import audit
        from contactops.normalize.stage import OUTPUT_COLUMNS, normalize

        output = normalize(raw.lazy(), self.settings, self.options, now=self.now)
        begun = time.perf_counter()
        wide = output.collect_wide()  # its phases time themselves; collect is their sum
        output.timings["collect_seconds"] = time.perf_counter() - begun
        normalized = wide.select(OUTPUT_COLUMNS)
        begun = time.perf_counter()
        audit_rows = audit.compact(raw, wide)  # per-record change bits, not a row per value
        output.timings["audit_seconds"] = time.perf_counter() - begun
        del wide
        numbers = dict(output.timings)
        if self.enrichment is not None:
            begun = time.perf_counter()
            normalized, enriched = self.enrichment.apply(normalized)
            numbers["enrich_seconds"] = time.perf_counter() - begun
            numbers |= {FILLED + key: n for key, n in self.enrichment.tally(enriched).items()}
        else:
            enriched = pl.DataFrame(schema=dict.fromkeys(
                T.normalization_enrichments.column_names, pl.String))
        numbers["records"] = normalized.height
        numbers["changes"] = audit.changed_values(audit_rows) + enriched.height
        frames = dict(zip(OUTPUTS, (normalized, audit_rows, enriched,
                                    raw.select("record_id", "load_id")), strict=True))
        return frames, numbers
