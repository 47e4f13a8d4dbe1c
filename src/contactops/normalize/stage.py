"""The normalize stage: raw contact records -> normalized_records + normalization_changes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import polars as pl

from contactops.config.normalize import NORMALIZED_COLUMNS, NormalizeSettings
from contactops.config.project import ProjectSettings
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import audit

# normalize_geo/names/companies/consent/taxonomy are re-exported for per-group use
# (benchmarks/bench_normalize.py); build_wide runs their per-distinct specs instead.
from contactops.normalize.companies import companies_spec, normalize_companies  # noqa: F401
from contactops.normalize.consent import consent_spec, normalize_consent  # noqa: F401
from contactops.normalize.dates import DATE_FIELDS, normalize_dates
from contactops.normalize.distinct import with_distinct
from contactops.normalize.emails import normalize_emails
from contactops.normalize.geo import geo_specs, normalize_geo  # noqa: F401
from contactops.normalize.identity import dob_spec, external_id_spec
from contactops.normalize.names import names_spec, normalize_names  # noqa: F401
from contactops.normalize.phones import normalize_phones
from contactops.normalize.taxonomy import (
    contact_type,
    normalize_taxonomy,  # noqa: F401
    taxonomy_specs,
)
from contactops.normalize.text import blank_to_null, clean, nfkc

KEY_COLUMNS = ("record_id", "source", "source_kind")

#: Columns of the normalized_records table, in order (declared with the settings, which
#: check an enrichment rule's key_field against them when the pipeline is loaded).
OUTPUT_COLUMNS: tuple[str, ...] = NORMALIZED_COLUMNS

_PASS_THROUGH = ("original_source", "campaign", "utm_source", "utm_medium", "utm_campaign")


Phase = Callable[[pl.LazyFrame], pl.LazyFrame]


@dataclass(frozen=True)
class NormalizeOutput:
    """Results of the normalize stage: lazy plans, or both tables from :meth:`collect`.

    Attributes:
        records: the normalized_records table, one row per input row.
        changes: the normalization_changes audit, one row per changed field.
    """

    records: pl.LazyFrame
    changes: pl.LazyFrame
    timings: dict[str, float] = field(default_factory=dict)
    source: pl.LazyFrame | None = None
    phases: tuple[tuple[str, Phase], ...] = ()

    def collect(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Materialize records and changes, computing the normalization once.

        Runs the phases of :func:`build_wide` one after the other, each materialized (the
        per-distinct-value joins run ~2x faster in the in-memory engine than streamed), then
        builds the audit from the materialized frame. Timings per phase land in
        ``timings``.
        """
        if self.source is None:
            started = time.perf_counter()
            records, changes = pl.collect_all([self.records, self.changes])
            self.timings["collect_seconds"] = time.perf_counter() - started
            return records, changes
        started = time.perf_counter()
        wide = self.collect_wide()
        begun = time.perf_counter()
        records = wide.select(OUTPUT_COLUMNS)
        changes = audit.changes(wide.lazy(), wide.schema).collect(engine="in-memory")
        self.timings["audit_seconds"] = time.perf_counter() - begun
        self.timings["collect_seconds"] = time.perf_counter() - started
        return records, changes

    def collect_wide(self) -> pl.DataFrame:
        """The records after every phase, raw (``_raw_*``) and helper columns still there:
        ``select(OUTPUT_COLUMNS)`` is ``normalized_records``, and with the raw chunk it is
        what :func:`~contactops.normalize.audit.compact` needs."""
        frame = self.source if self.source is not None else self.records
        for name, phase in self.phases:
            begun = time.perf_counter()
            frame = phase(frame).collect(engine="in-memory").lazy()
            self.timings[f"{name}_seconds"] = time.perf_counter() - begun
        return frame.collect()

    def rule_counts(self) -> pl.LazyFrame:
        """Changed values per source, field and rule."""
        return audit.rule_counts(self.changes)

    def flag_counts(self) -> pl.LazyFrame:
        """Records per source and flag code."""
        return audit.flag_counts(self.records)

    def asdict(self) -> dict[str, Any]:
        return {"columns": list(OUTPUT_COLUMNS), "timings": dict(self.timings)}

    def __str__(self) -> str:
        return (f"NormalizeOutput({len(OUTPUT_COLUMNS)} columns; lazy - call .collect(), "
                ".rule_counts() or .flag_counts())")


def _with_raw(records: pl.LazyFrame) -> pl.LazyFrame:
    names = records.collect_schema().names()
    missing = [f for f in CONTACT_FIELDS if f not in names]
    if missing:
        records = records.with_columns(pl.lit(None, dtype=pl.String).alias(f) for f in missing)
    return records.select(
        *KEY_COLUMNS,
        *(pl.col(f).cast(pl.String).alias(f"_raw_{f}") for f in CONTACT_FIELDS),
    )


#: Columns of ``normalized_records`` that identify a person — names, emails, phones,
#: companies, addresses, dates of birth, external ids: what matching compares. The others
#: (consent, taxonomy, the record's own dates, pass-through text, flags) are what
#: survivorship, validation and audiences read. ``phases(identity_only=True)`` computes
#: only these, each as the full run does.
IDENTITY_COLUMNS: tuple[str, ...] = tuple(
    c for c in OUTPUT_COLUMNS
    if c not in {"tags", "lists", "unknown_tags", "unknown_lists", "lifecycle_stage",
                 "lifecycle_unmapped", "contact_type", "contact_type_derived", "notes",
                 "flags", *_PASS_THROUGH, *DATE_FIELDS}
    and not c.startswith("consent_") and not c.startswith(DATE_FIELDS))


def phases(settings: ProjectSettings, options: NormalizeSettings, *,
           now: datetime | None = None, identity_only: bool = False
           ) -> tuple[tuple[str, Phase], ...]:
    """The normalizers in dependency order, as named phases (materialization boundaries).

    ``identity_only``: only what identifies a person — names, emails, phones, companies,
    addresses, dates of birth, external ids: :data:`IDENTITY_COLUMNS`, the columns matching
    compares. ``match`` normalizes a record not yet loaded this way: consent and taxonomy
    cost most of a one-row run.
    """
    now = now or datetime.now(UTC)
    identity = [
        *geo_specs(),  # first: a phone's region comes from the record's country
        names_spec(nickname_keys=options.nickname_keys,
                   detect_swaps=options.detect_swapped_names),
        companies_spec(),
        dob_spec(now=now, date_order=options.date_order),
        external_id_spec(),
    ]
    others = [] if identity_only else [consent_spec(settings.consent),
                                       *taxonomy_specs(settings)]

    def distinct_values(lf: pl.LazyFrame) -> pl.LazyFrame:
        # Work once per distinct raw value, every mapping in one flat concat over the raw
        # frame (chained mappings nest the plan and the optimizer blows up).
        return with_distinct(_with_raw(lf), [*identity, *others])

    def emails(lf: pl.LazyFrame) -> pl.LazyFrame:
        lf = normalize_emails(lf, free_domains=settings.free_email_domains,
                              extra_disposable=options.extra_disposable_domains,
                              extra_roles=options.extra_role_localparts,
                              flag_typos=options.flag_email_typos,
                              library_fallback=options.email_library_fallback)
        return lf if identity_only else contact_type(lf, settings)  # needs email_domain

    def phones(lf: pl.LazyFrame) -> pl.LazyFrame:
        return normalize_phones(lf, default_region=options.phone_region
                                or settings.default_country,
                                library_fallback=options.phone_library_fallback)

    def dates_and_text(lf: pl.LazyFrame) -> pl.LazyFrame:
        lf = normalize_dates(lf, now=now, date_order=options.date_order)
        return lf.with_columns(
            *(clean(pl.col(f"_raw_{f}")).alias(f) for f in _PASS_THROUGH),
            notes=blank_to_null(nfkc(pl.col("_raw_notes"))),
        )

    steps: tuple[tuple[str, Phase], ...] = (
        ("distinct_values", distinct_values), ("emails", emails), ("phones", phones))
    if identity_only:
        return steps
    return (*steps, ("dates", dates_and_text),
            ("flags", lambda lf: audit.with_flags(lf, DATE_FIELDS)))


class IdentityNormalizer:
    """:data:`IDENTITY_COLUMNS` of a few raw records at a time, each value as
    :func:`normalize` gives it (one row per record, in order; no audit), with the plan
    built once.

    For the handful of rows ``match`` normalizes per call, fixed costs are all there is:
    building the plan's thousands of expressions cost as much as running them. So each
    phase's plan is built once, over a source that yields whatever frame it is handed at
    each call; the phases run on the in-memory engine (the streaming engine's start-up
    costs more than the rows); consent and taxonomy, which identify nobody, not at all.
    """

    def __init__(self, settings: ProjectSettings, options: NormalizeSettings, *,
                 now: datetime | None = None) -> None:
        schema = pl.Schema(dict.fromkeys((*KEY_COLUMNS, *CONTACT_FIELDS), pl.String()))
        self._input = list(schema)
        self._steps: list[tuple[_Handed, pl.LazyFrame]] = []
        for _, phase in phases(settings, options, now=now, identity_only=True):
            handed = _Handed(schema)
            plan = phase(handed.lazy())
            schema = plan.collect_schema()
            self._steps.append((handed, plan))

    def __call__(self, records: pl.DataFrame) -> pl.DataFrame:
        """``records``: record_id, source, source_kind and the CONTACT_FIELDS (strings;
        a missing field is null)."""
        frame = records.select(pl.col(c).cast(pl.String) if c in records.columns
                               else pl.lit(None, pl.String).alias(c) for c in self._input)
        for handed, plan in self._steps:
            handed.frame = frame
            try:
                frame = plan.collect(engine="in-memory")
            finally:
                handed.frame = None
        return frame.select(IDENTITY_COLUMNS)


class _Handed:
    """A lazy source of the frame handed to it before each collect."""

    def __init__(self, schema: pl.Schema) -> None:
        self.schema, self.frame = schema, None  # type: tuple[pl.Schema, pl.DataFrame | None]

    def lazy(self) -> pl.LazyFrame:
        from polars.io.plugins import register_io_source

        def read(columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None,
                 _batch_size: int | None) -> Iterator[pl.DataFrame]:
            assert self.frame is not None, "collected without a frame handed"
            frame = self.frame if columns is None else self.frame.select(columns)
            if predicate is not None:
                frame = frame.filter(predicate)
            yield frame if n_rows is None else frame.head(n_rows)

        return register_io_source(read, schema=self.schema)


def normalize_identity(records: pl.DataFrame, settings: ProjectSettings,
                       options: NormalizeSettings, *, now: datetime | None = None
                       ) -> pl.DataFrame:
    """:class:`IdentityNormalizer` for one call."""
    return IdentityNormalizer(settings, options, now=now)(records)


def build_wide(records: pl.LazyFrame, settings: ProjectSettings, options: NormalizeSettings,
               *, now: datetime | None = None) -> pl.LazyFrame:
    """Every normalizer applied in dependency order; raw and helper columns still present."""
    return _chain(records, phases(settings, options, now=now))


def _chain(records: pl.LazyFrame, steps: tuple[tuple[str, Phase], ...]) -> pl.LazyFrame:
    lf = records
    for _, phase in steps:
        lf = phase(lf)
    return lf


def normalize(records: pl.LazyFrame, settings: ProjectSettings, options: NormalizeSettings,
              *, now: datetime | None = None) -> NormalizeOutput:
    """Normalize raw contact records; pure Polars, nothing is computed until collected.

    Args:
        records: record_id, source, source_kind and every field of CONTACT_FIELDS (Utf8).
        settings: project vocabularies (consent words, taxonomy, lifecycle, contact types).
        options: the pipeline's ``normalize:`` block.
        now: reference time for future-date flags (tests pass a fixed one); default: now.

    Returns:
        NormalizeOutput with lazy ``records`` and ``changes``; ``collect()`` computes both.
    """
    steps = phases(settings, options, now=now)
    wide = _chain(records, steps)
    schema = wide.collect_schema()
    return NormalizeOutput(records=wide.select(OUTPUT_COLUMNS),
                           changes=audit.changes(wide, schema), source=records, phases=steps)
