"""Match before create: ``ctx.match({...})`` — does this person already exist?

A record not yet loaded is normalized by the normalize stage's own functions, hashed into
the blocking keys the last dedupe run saved (``match_index``), and scored against the
records those keys find with the saved model (:mod:`contactops.dedupe.match`). Read-only
and lock-free: the copy the last dedupe run left beside the warehouse
(``<warehouse>.match.duckdb``, laid out for these lookups) is read while it is current and
while a run holds the warehouse; otherwise the warehouse itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from contactops.core.match_result import MatchResult, query_variants
from contactops.core.project import OpenedProject
from contactops.errors import WarehouseBusy

if TYPE_CHECKING:
    from pathlib import Path

    import polars as pl

    from contactops.engine.warehouse import Warehouse

#: Defaults of ``match``: candidates shown and the lowest probability shown.
DEFAULT_LIMIT = 5
DEFAULT_MIN_PROBABILITY = 0.5


class Matcher:
    """An open read-only warehouse, the saved model and settings: match records one by one
    without paying the start-up again (what ``ctx.matcher()`` yields)."""

    def __init__(self, ctx: OpenedProject, wh: Warehouse, source: str) -> None:
        from contactops.config.normalize import NormalizeSettings
        from contactops.dedupe.lookup import Lookup, require_index
        from contactops.dedupe.match import effective
        from contactops.dedupe.stage import load_model
        from contactops.normalize.stage import IDENTITY_COLUMNS, IdentityNormalizer

        require_index(wh)
        self.wh, self.source = wh, source
        self.model = load_model(wh)
        options = ctx.dedupe_options()  # type: ignore[attr-defined]
        self.options = effective(options, self.model)
        pipeline = ctx.project.pipeline if ctx.has_pipeline else None
        self.settings = ctx.project.settings
        self.normalize = pipeline.normalize if pipeline is not None else NormalizeSettings()
        self._normalizer = IdentityNormalizer(self.settings, self.normalize)
        self._lookup = Lookup(wh, self.options, IDENTITY_COLUMNS)

    def normalized(self, records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        """The records' identity columns as the normalize stage would have stored them
        (one row each, in order), through the normalizer built with this matcher."""
        import polars as pl

        from contactops.fields import CONTACT_FIELDS

        rows = [{"record_id": f"query-{i}", "source": "match", "source_kind": "agent"}
                | {f: None if r.get(f) is None else str(r[f]) for f in CONTACT_FIELDS}
                for i, r in enumerate(records)]
        raw = pl.DataFrame(rows, schema=dict.fromkeys(rows[0], pl.String))
        return self._normalizer(raw)

    def match(self, record: Mapping[str, Any], *, limit: int = DEFAULT_LIMIT,
              min_probability: float = DEFAULT_MIN_PROBABILITY,
              show_pii: bool = False) -> MatchResult:
        """The contacts ``record`` may already be, best first (one row per contact)."""
        return self.match_many([record], limit=limit, min_probability=min_probability,
                               show_pii=show_pii)[0]

    def match_many(self, records: Sequence[Mapping[str, Any]], *,
                   limit: int = DEFAULT_LIMIT,
                   min_probability: float = DEFAULT_MIN_PROBABILITY,
                   show_pii: bool = False) -> list[MatchResult]:
        """:meth:`match` of each record; the records are normalized and hashed together."""
        import polars as pl

        from contactops.dedupe.match import features, query_keys, score

        variants = [(i, v) for i, r in enumerate(records) for v in query_variants(r)]
        if not variants:
            return []
        queries = self.normalized([v for _, v in variants])
        keys = query_keys(queries, self.options)
        found: list[list[pl.DataFrame]] = [[] for _ in records]
        for j, (i, _) in enumerate(variants):
            own = keys.filter(pl.col("_idx") == j).select("rule", "key_hash")
            ids = self._lookup.candidate_ids(own)
            if not ids:
                continue
            records_, shared, contacts = self._lookup.candidates(ids)
            prepared = features(queries.slice(j, 1), records_, shared, self.options)
            counts = self._lookup.value_counts(prepared)
            scored = score(prepared, counts, self.options, self.model, show_pii=show_pii)
            found[i].append(scored.join(contacts, on="record_id", how="inner"))
        return [MatchResult.of(r, f, limit=limit, min_probability=min_probability,
                               source=self.source, show_pii=show_pii)
                for r, f in zip(records, found, strict=True)]


class MatchFlows(OpenedProject):
    """``ctx.match()`` and ``ctx.matcher()``."""

    @contextmanager
    def matcher(self) -> Iterator[Matcher]:
        """A :class:`Matcher` over the warehouse opened read-only, without waiting for its
        lock. It reads the copy the last dedupe run left beside the warehouse (laid out for
        match's lookups) while that copy holds what the warehouse holds, and while a run
        holds the warehouse; else the warehouse itself."""
        with self._match_source() as (wh, source):
            yield Matcher(self, wh, source)

    @contextmanager
    def _match_source(self) -> Iterator[tuple[Warehouse, str]]:
        from contactops.engine import Warehouse

        memory = self.memory_limit.engine_bytes
        snapshot = self.warehouse.with_name(f"{self.warehouse.name}.match.duckdb")
        try:
            wh = self.open_warehouse(read_only=True, lock_timeout=0)
        except WarehouseBusy:
            if not snapshot.is_file():
                raise WarehouseBusy(
                    f"warehouse {self.warehouse} is in use by a run and has no match copy "
                    f"({snapshot.name}) yet: it is written by the dedupe stage; retry when "
                    "the run has finished") from None
            with Warehouse(snapshot, read_only=True, create=False, lock_timeout=5,
                           memory_limit=memory) as copy:
                yield copy, str(snapshot)
            return
        try:
            copy = self._current_copy(wh, snapshot, memory)
        except BaseException:
            wh.close()
            raise
        if copy is None:
            with wh:
                yield wh, str(self.warehouse)
            return
        wh.close()
        with copy:
            yield copy, str(snapshot)

    @staticmethod
    def _current_copy(wh: Warehouse, snapshot: Path, memory: int) -> Warehouse | None:
        """The match copy, opened, when it holds what ``wh`` holds (an undo, a retire or
        an unmerge since the last dedupe run leaves it behind)."""
        from contactops.dedupe.lookup import row_counts
        from contactops.engine import Warehouse

        if not snapshot.is_file():
            return None
        copy = Warehouse(snapshot, read_only=True, create=False, lock_timeout=5,
                         memory_limit=memory)
        if row_counts(copy) == row_counts(wh):
            return copy
        copy.close()
        return None

    def match(self, records: Mapping[str, Any] | Sequence[Mapping[str, Any]], *,
              limit: int = DEFAULT_LIMIT, min_probability: float = DEFAULT_MIN_PROBABILITY,
              show_pii: bool = False) -> MatchResult | list[MatchResult]:
        """The existing contacts a record not yet loaded may be (a MatchResult), or one
        MatchResult per record for a list of records.

        Args:
            records: contact fields (``first_name``, ``email``, ...; see
                ``contactops.fields.CONTACT_FIELDS``); ``email`` and ``phone`` may be
                lists. An unknown field is a UsageError naming the valid ones.
            limit: most contacts returned per record.
            min_probability: lowest match probability returned (identifier links are
                always returned).
            show_pii: external ids and dates of birth unmasked in the explanation.
        """
        from contactops.core.match_result import check_fields

        many = not isinstance(records, Mapping)
        batch = list(records) if many else [records]  # type: ignore[list-item]
        for i, record in enumerate(batch):
            check_fields(record, f"record {i + 1}" if many else "the record")
        with self.matcher() as matcher:
            out = matcher.match_many(batch, limit=limit, min_probability=min_probability,
                                     show_pii=show_pii)
        return out if many else out[0]
