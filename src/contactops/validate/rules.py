"""The record rule catalogue: one Polars expression per rule, evaluated on normalized_records.

Each :class:`RecordRule` says which rows it checks (``applies``), which of those break it
(``failing``), which field and value to report and why. All rules are evaluated in one
``group_by(source)`` pass for the counts, and one filtered pass per rule for the issue rows,
so a million records take a second or two. Set-level rules (taxonomy, lists, duplicates,
loads) live in :mod:`contactops.validate.set_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from contactops.config.validate import ResolvedRule, ValidateSettings
from contactops.errors import UsageError
from contactops.fields import SourceKind
from contactops.pii import mask_expr
from contactops.validate.phone_regions import resolvable_regions
from contactops.validate.result import (
    ALL_SOURCES,
    ISSUE_SCHEMA,
    SUMMARY_SCHEMA,
    ValidationResult,
    status_expr,
)

DATE_FIELDS = ("created_at", "updated_at", "consent_timestamp")
#: Record rule entries (and rule names) one BIGINT bit mask can track per record
MAX_TRACKED = 62
c = pl.col


@dataclass(frozen=True)
class RecordRule:
    """One check of one field on every record."""

    name: str
    field: str
    failing: pl.Expr
    message: str | pl.Expr
    value: pl.Expr | None = None
    applies: pl.Expr | None = None   # None: every record is checked


def _missing(column: str, schema: pl.Schema) -> pl.Expr:
    dtype = schema[column]
    if isinstance(dtype, pl.List):
        return c(column).is_null() | (c(column).list.len() == 0)
    if dtype == pl.String:
        return c(column).is_null() | (c(column).str.strip_chars() == "")
    return c(column).is_null()


def _first_date(flag: str, message: str, rule: str) -> RecordRule:
    """A rule over the date flag columns; the field reported is the first one flagged."""
    hits = [c(f"{f}_{flag}").fill_null(False) for f in DATE_FIELDS]
    pairs = list(zip(hits, DATE_FIELDS, strict=True))
    field = pl.coalesce([pl.when(h).then(pl.lit(f)) for h, f in pairs])
    value = pl.coalesce([pl.when(h).then(c(f).cast(pl.String)) for h, f in pairs])
    return RecordRule(rule, "created_at|updated_at|consent_timestamp", pl.any_horizontal(hits),
                      pl.concat_str(field, pl.lit(f" {message}")), value)


def record_rules(options: ValidateSettings, schema: pl.Schema) -> list[RecordRule]:
    """Every record rule that applies to a normalized_records frame of ``schema``."""
    rules: list[RecordRule] = []
    for group in options.required:
        fields = [f.strip() for f in group.split("|")]
        unknown = [f for f in fields if f not in schema]
        if unknown:
            raise UsageError(f"validate.required names unknown field(s) {unknown}; "
                             f"normalized_records has: {', '.join(schema.names())}")
        rules.append(RecordRule(
            "required_fields", "|".join(fields),
            pl.all_horizontal([_missing(f, schema) for f in fields]),
            f"required: at least one of {' or '.join(fields)}"))
    kinds = [k.value for k in SourceKind]
    rules.append(RecordRule(
        "source_tracked", "source_kind",
        _missing("source", schema) | ~c("source_kind").is_in(kinds).fill_null(False),
        f"source name and kind ({', '.join(kinds)}) must be set", c("source_kind")))
    rules.append(RecordRule(
        "contact_type_set", "contact_type",
        c("contact_type").is_null() | (c("contact_type") == "unknown"),
        "contact type is not customer, prospect or internal", c("contact_type")))
    has_email, has_phone = c("email").is_not_null(), c("phone").is_not_null()
    rules += [
        RecordRule("email_invalid", "email", has_email & ~c("email_valid").fill_null(False),
                   "not a valid email address", mask_expr("email", c("email")), has_email),
        # A role word at a disposable domain is a throwaway address, reported as disposable.
        RecordRule("email_role", "email", c("email_is_role").fill_null(False)
                   & ~c("email_is_disposable").fill_null(False),
                   "role mailbox, not a person", mask_expr("email", c("email")), has_email),
        RecordRule("email_disposable", "email", c("email_is_disposable").fill_null(False),
                   "disposable email domain", mask_expr("email", c("email")), has_email),
        # A malformed address is reported as email_invalid, whatever its domain looks like.
        RecordRule("email_typo", "email", c("email_typo_suggestion").is_not_null()
                   & c("email_valid").fill_null(False),
                   pl.concat_str(pl.lit("domain looks like a typo of "),
                                 c("email_typo_suggestion")),
                   mask_expr("email", c("email")), has_email),
        RecordRule("phone_invalid", "phone", has_phone & ~c("phone_valid").fill_null(False)
                   & c("_phone_fix_region").is_null(),
                   "not a possible phone number", mask_expr("phone", c("phone")), has_phone),
        RecordRule("phone_needs_country", "phone", c("_phone_fix_region").is_not_null(),
                   pl.concat_str(pl.lit("invalid for its region but valid as a "),
                                 c("_phone_fix_region"),
                                 pl.lit(" number: set the record's country")),
                   mask_expr("phone", c("phone")), has_phone),
        _first_date("future", "lies in the future", "date_future"),
        RecordRule("consent_timestamp_future", "consent_timestamp",
                   c("consent_timestamp_future").fill_null(False),
                   "consent timestamp lies in the future",
                   c("consent_timestamp").cast(pl.String)),
        _first_date("impossible", "is impossible", "date_impossible"),
        _first_date("unparsed", "could not be parsed", "date_unparsed"),
    ]
    for channel in options.consent_channels:
        col = f"consent_{channel}"
        rules.append(RecordRule(
            "consent_unknown", col, c(col).is_null() | (c(col) == "unknown"),
            f"{channel} consent is unknown: do not send {channel} until it is known",
            c(col)))
    for rule, col, what in (("consent_unmapped", "consent_unmapped", "consent word(s)"),
                            ("tag_unknown", "unknown_tags", "tag(s)"),
                            ("list_unknown", "unknown_lists", "list(s)")):
        rules.append(RecordRule(
            rule, col, c(col).list.len().fill_null(0) > 0,
            f"{what} not in the project vocabulary", c(col).list.join(", ")))
    return rules


def summary_rows(counts: pl.DataFrame, rule: str, options: ValidateSettings, *, run_id: str,
                 origin: str, table: str, message: str | None = None) -> pl.DataFrame:
    """Summary rows of one rule from per-source ``checked``/``failed`` counts.

    A per-source rule gets a row per source (with that source's overrides); any other rule
    one row over all sources.
    """
    base = options.rule(rule)
    if base.per_source and "source" in counts.columns:
        resolved = [options.rule(rule, s) for s in counts["source"].to_list()]
        rows = counts.select("source", "checked", "failed")
    else:
        resolved = [base]
        rows = counts.select(pl.lit(ALL_SOURCES).alias("source"), pl.col("checked").sum(),
                             pl.col("failed").sum())
    return _with_settings(rows, resolved).with_columns(
        run_id=pl.lit(run_id), origin=pl.lit(origin), table_name=pl.lit(table),
        rule=pl.lit(rule), message=pl.lit(message, dtype=pl.String),
    ).with_columns(status=status_expr()).filter(pl.col("severity") != "off").select(
        list(SUMMARY_SCHEMA))


def _with_settings(rows: pl.DataFrame, resolved: list[ResolvedRule]) -> pl.DataFrame:
    return rows.with_columns(
        severity=pl.Series([r.severity for r in resolved], dtype=pl.String),
        max_rate=pl.Series([r.max_rate for r in resolved], dtype=pl.Float64),
        rate=pl.when(pl.col("checked") > 0).then(pl.col("failed") / pl.col("checked"))
        .otherwise(0.0),
    ).with_columns(pl.col("checked").cast(pl.Int64), pl.col("failed").cast(pl.Int64))


def _with_phone_regions(records: pl.DataFrame,
                        regions: tuple[str, ...] | None = None) -> pl.DataFrame:
    if not {"phone", "phone_valid", "record_id"} <= set(records.columns):
        return records.with_columns(_phone_fix_region=pl.lit(None, dtype=pl.String))
    fixes = resolvable_regions(records, regions).rename({"phone_fix_region": "_phone_fix_region"})
    return records.join(fixes, on="record_id", how="left", maintain_order="left")


class RecordChecks:
    """The record rules over records given in one frame or in chunks (:meth:`add`).

    Counts add up across chunks and each rule keeps its first ``max_issues_per_rule`` issue
    rows, so chunks in ``record_id`` order give the result of one frame in that order.
    ``regions``: the countries tried for phones that lack theirs
    (:func:`~contactops.validate.phone_regions.candidate_regions` over every record); by
    default those of each frame added, which is right only for a single frame.
    """

    def __init__(self, options: ValidateSettings, run_id: str,
                 table: str = "normalized_records",
                 regions: tuple[str, ...] | None = None, *, track: bool = False) -> None:
        self.options, self.run_id, self.table, self.regions = options, run_id, table, regions
        self.track = track
        self.active: list[RecordRule] | None = None
        self.counts: list[pl.DataFrame] = []
        self.issues: list[list[pl.DataFrame]] = []
        self.states: list[pl.DataFrame] = []

    def activate(self, schema: pl.Schema) -> list[RecordRule]:
        """The enabled rules for records of ``schema`` (fixed by the first frame added)."""
        if self.active is None:
            self.active = [r for r in record_rules(self.options, schema)
                           if self.options.rule(r.name).severity != "off"]
            self.issues = [[] for _ in self.active]
        return self.active

    @property
    def names(self) -> list[str]:
        """The enabled rule names, in catalogue order (a name may have several entries)."""
        return list(dict.fromkeys(r.name for r in self.active or []))

    def add(self, records: pl.DataFrame) -> RecordChecks:
        """Check one frame (a chunk) of records."""
        options = self.options
        active = self.activate(records.schema)
        names = self.names
        aggs: list[pl.Expr] = []
        for name in names:
            group = [r for r in active if r.name == name]
            failing = pl.any_horizontal([r.failing.fill_null(False) for r in group])
            checked = (pl.len() if any(r.applies is None for r in group)
                       else self._checked(group).sum())
            aggs += [checked.cast(pl.Int64).alias(f"{name}\x1fchecked"),
                     failing.sum().cast(pl.Int64).alias(f"{name}\x1ffailed")]
        lf = _with_phone_regions(records, self.regions).lazy()
        room = [options.max_issues_per_rule - sum(f.height for f in kept)
                for kept in self.issues]
        wanted = [(i, r) for i, r in enumerate(active) if room[i] > 0]
        queries = [lf.group_by("source").agg(aggs),
                   *(lf.filter(r.failing.fill_null(False)).head(room[i])
                     .select(self._issue_columns(r)) for i, r in wanted)]
        if self.track:
            queries.append(lf.select(self._state_columns(records.columns)))
        counts, *frames = pl.collect_all(queries)
        if self.track:
            self.states.append(frames.pop())
        self.counts.append(counts)
        for (i, _), frame in zip(wanted, frames, strict=True):
            if frame.height:
                self.issues[i].append(frame)
        return self

    @staticmethod
    def _checked(group: list[RecordRule]) -> pl.Expr:
        """Per record: whether any entry of one rule name checks it."""
        if any(r.applies is None for r in group):
            return pl.lit(True)
        return pl.any_horizontal([r.applies for r in group if r.applies is not None]
                                 ).fill_null(False)

    def _state_columns(self, columns: list[str]) -> list[pl.Expr]:
        """What :mod:`contactops.validate.state` keeps per record: which entries it fails
        (bit i: ``active[i]``) and which rule names check it (bit j: ``names[j]``)."""
        active, names = self.active or [], self.names
        if len(active) > MAX_TRACKED or len(names) > MAX_TRACKED:
            raise UsageError(f"validate has {len(active)} record rules: at most "
                             f"{MAX_TRACKED} can be tracked for incremental validation")
        failed = pl.sum_horizontal(
            [r.failing.fill_null(False).cast(pl.Int64) * (1 << i) for i, r in enumerate(active)]
            or [pl.lit(0, pl.Int64)])
        checked = pl.sum_horizontal(
            [self._checked([r for r in active if r.name == n]).cast(pl.Int64) * (1 << j)
             for j, n in enumerate(names)] or [pl.lit(0, pl.Int64)])
        row_hash = (c("_row_hash") if "_row_hash" in columns
                    else pl.lit(None, dtype=pl.UInt64)).alias("row_hash")
        return [c("record_id"), c("source"), row_hash, failed.alias("failed_mask"),
                checked.alias("checked_mask")]

    def state(self) -> pl.DataFrame:
        """Per record checked (``track=True``): record_id, source, row_hash, failed_mask,
        checked_mask."""
        schema = {"record_id": pl.String, "source": pl.String, "row_hash": pl.UInt64,
                  "failed_mask": pl.Int64, "checked_mask": pl.Int64}
        return (pl.concat(self.states, how="vertical_relaxed") if self.states
                else pl.DataFrame(schema=schema))

    def _issue_columns(self, r: RecordRule) -> list[pl.Expr]:
        return [
            pl.lit(self.run_id).alias("run_id"), pl.lit("rule").alias("origin"),
            pl.lit(self.table).alias("table_name"), pl.lit(r.name).alias("rule"),
            pl.lit(self.options.rule(r.name).severity).alias("severity"), c("source"),
            c("record_id"), pl.lit(None, dtype=pl.String).alias("contact_id"),
            pl.lit(r.field).alias("field"),
            (r.value if r.value is not None else pl.lit(None)).cast(pl.String).alias("value"),
            (pl.lit(r.message) if isinstance(r.message, str) else r.message)
            .cast(pl.String).alias("message")]

    def summary(self, counts: pl.DataFrame) -> pl.DataFrame:
        """Summary rows from per-source counts (columns ``source``, ``<name>\x1fchecked``,
        ``<name>\x1ffailed``), sorted by source."""
        names = self.names
        if not names or not counts.height:
            return pl.DataFrame(schema=SUMMARY_SCHEMA)
        return pl.concat([
            summary_rows(counts.select("source", checked=f"{n}\x1fchecked",
                                       failed=f"{n}\x1ffailed"),
                         n, self.options, run_id=self.run_id, origin="rule", table=self.table)
            for n in names])

    def result(self) -> ValidationResult:
        """Issues and summary over every frame added."""
        summary = pl.DataFrame(schema=SUMMARY_SCHEMA)
        if self.names and self.counts:
            summary = self.summary(pl.concat(self.counts).group_by("source")
                                   .agg(pl.all().sum()).sort("source"))
        frames = [f for kept in self.issues for f in kept]
        issues = (pl.concat(frames).select(list(ISSUE_SCHEMA)) if frames
                  else pl.DataFrame(schema=ISSUE_SCHEMA))
        return ValidationResult(run_id=self.run_id, issues=issues, summary=summary)


def check_records(records: pl.DataFrame, options: ValidateSettings, run_id: str,
                  table: str = "normalized_records") -> ValidationResult:
    """Evaluate every enabled record rule on ``records``: issues and summary."""
    return RecordChecks(options, run_id, table).add(records).result()
