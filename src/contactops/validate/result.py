"""One result shape for rule, Pandera and Great Expectations checks: issues and a summary.

``issues`` has one row per problem found (masked value, rule, severity, record or contact);
``summary`` one row per rule and source with rows checked, rows failing, the rate, the
threshold and a status: ``pass``, ``warn`` (problems below the threshold or a warn rule) or
``fail`` (an error rule over its threshold - this blocks publishing).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl

from contactops.contract import StageResult

ISSUE_SCHEMA: dict[str, Any] = {
    "run_id": pl.String, "origin": pl.String, "table_name": pl.String, "rule": pl.String,
    "severity": pl.String, "source": pl.String, "record_id": pl.String,
    "contact_id": pl.String, "field": pl.String, "value": pl.String, "message": pl.String,
}
SUMMARY_SCHEMA: dict[str, Any] = {
    "run_id": pl.String, "origin": pl.String, "table_name": pl.String, "rule": pl.String,
    "severity": pl.String, "source": pl.String, "checked": pl.Int64, "failed": pl.Int64,
    "rate": pl.Float64, "max_rate": pl.Float64, "status": pl.String, "message": pl.String,
}
ALL_SOURCES = "*"


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def empty_summary() -> pl.DataFrame:
    return pl.DataFrame(schema=SUMMARY_SCHEMA)


def conform(frame: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    """``frame`` with exactly the columns of ``schema`` (missing ones null), in order."""
    if frame.width == 0:
        return pl.DataFrame(schema=schema)
    return frame.select(
        (pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t)).alias(c)
        for c, t in schema.items())


def status_expr() -> pl.Expr:
    """pass / warn / fail from severity, failed, rate and max_rate columns."""
    over = pl.col("rate") > pl.col("max_rate") + 1e-12
    return (pl.when(pl.col("failed") == 0).then(pl.lit("pass"))
            .when((pl.col("severity") == "error") & over).then(pl.lit("fail"))
            .otherwise(pl.lit("warn")))


def summary_message(row: dict[str, Any]) -> str:
    where = f" in source '{row['source']}'" if row["source"] not in (None, ALL_SOURCES) else ""
    text = (f"{row['rule']}{where} ({row['table_name']}): {row['failed']:,} of "
            f"{row['checked']:,} checked ({row['rate']:.1%})")
    if row["status"] == "fail":
        text += f" exceeds max_rate {row['max_rate']:.1%}"
    if row.get("message"):
        text += f" - {row['message']}"
    return text


@dataclass
class ValidationResult(StageResult):
    """Issues and summary of one validation, from rules, Pandera and GX alike.

    Attributes:
        run_id: the run the checks belong to.
        issues: one row per problem (see :data:`ISSUE_SCHEMA`); values of PII are masked.
        summary: one row per rule (and source) with counts and status.
        timings: seconds per part (rules, pandera, gx, gx_wait...).
        notes: what was skipped and why, where Data Docs are.
        touched: the records and contacts (re-)checked and removed (``records_validated``,
            ``contacts_validated``, ...): all of them in a full validation.
        issue_totals: after an incremental validation is stored, the issue counts of the
            whole ``validation_issues`` table (``issues`` then holds the rows this
            validation wrote: the re-checked records' and the set-level ones).
        pending: the state :func:`~contactops.validate.stage.persist` stores with it.
    """

    run_id: str
    issues: pl.DataFrame = field(default_factory=empty_issues)
    summary: pl.DataFrame = field(default_factory=empty_summary)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    data_docs: str | None = None
    seconds: float = 0.0
    touched: dict[str, int] = field(default_factory=dict)
    issue_totals: dict[str, int] | None = None
    pending: Any = field(default=None, repr=False)
    name: ClassVar[str] = "validate"

    def merge(self, other: ValidationResult) -> ValidationResult:
        return ValidationResult(
            run_id=self.run_id,
            issues=pl.concat([self.issues, conform(other.issues, ISSUE_SCHEMA)]),
            summary=pl.concat([self.summary, conform(other.summary, SUMMARY_SCHEMA)]),
            timings={**self.timings, **other.timings}, notes=[*self.notes, *other.notes],
            data_docs=other.data_docs or self.data_docs)

    @property
    def failed(self) -> pl.DataFrame:
        """Summary rows with status ``fail`` (error rules over their threshold)."""
        return self.summary.filter(pl.col("status") == "fail")

    @property
    def passed(self) -> bool:
        return self.failed.height == 0

    def gate_failures(self) -> list[str]:
        """Readable messages for every failing rule, for ``RunResult.gate_failures``."""
        return [f"validate: {summary_message(row)}"
                for row in self.failed.iter_rows(named=True)]

    @property
    def counts(self) -> dict[str, Any]:
        """Issues by severity, rules by status; where the GX Data Docs are, when built."""
        counts: dict[str, Any] = {**self.issue_counts(), **self.touched}
        if self.data_docs:
            counts["data_docs"] = self.data_docs
        return counts

    def issue_counts(self) -> dict[str, int]:
        by_status = dict(self.summary.group_by("status").len().iter_rows())
        totals = self.issue_totals or {
            "issues": self.issues.height,
            "errors": int(self.issues.filter(pl.col("severity") == "error").height),
            "warnings": int(self.issues.filter(pl.col("severity") == "warn").height)}
        return {**totals,
                "rules_failed": int(by_status.get("fail", 0)),
                "rules_warned": int(by_status.get("warn", 0)),
                "rules_passed": int(by_status.get("pass", 0))}

    def by_rule(self) -> pl.DataFrame:
        """Issue counts per origin, rule and severity, most frequent first."""
        return (self.issues.group_by("origin", "rule", "severity").len("issues")
                .sort("issues", descending=True))

    def asdict(self) -> dict[str, Any]:
        return {**super().asdict(), "run_id": self.run_id, "passed": self.passed,
                "gate_failures": self.gate_failures(),
                "summary": self.summary.filter(pl.col("status") != "pass").to_dicts(),
                "data_docs": self.data_docs}

    def __str__(self) -> str:
        c = self.issue_counts()
        head = (f"validation {'passed' if self.passed else 'FAILED'}: {c['issues']:,} issues "
                f"({c['errors']:,} error, {c['warnings']:,} warn); rules failed "
                f"{c['rules_failed']}, warned {c['rules_warned']}, passed {c['rules_passed']}")
        rows = self.summary.filter(pl.col("status") != "pass").sort(
            pl.col("status") != "fail", "rule", "source")
        lines = [head]
        for row in rows.head(40).iter_rows(named=True):
            lines.append(f"  {row['status']:<4} {row['severity']:<5} {summary_message(row)}")
        if rows.height > 40:
            lines.append(f"  ... {rows.height - 40} more: see the validation_summary table")
        lines.extend(f"  note: {n}" for n in self.notes)
        if self.data_docs:
            lines.append(f"  data docs: {self.data_docs}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = self.summary.filter(pl.col("status") != "pass").sort(
            pl.col("status") != "fail", "rule")
        body = "".join(
            f"<tr><td>{esc(r['status'])}</td><td>{esc(r['severity'])}</td>"
            f"<td>{esc(r['rule'])}</td><td>{esc(str(r['source']))}</td>"
            f"<td>{r['failed']:,}</td><td>{r['checked']:,}</td><td>{r['rate']:.1%}</td>"
            f"<td>{r['max_rate']:.1%}</td></tr>" for r in rows.head(100).iter_rows(named=True))
        docs = (f"<br>Data Docs: <a href='{esc(self.data_docs)}'>{esc(self.data_docs)}</a>"
                if self.data_docs else "")
        return (f"<div><b>validation {'passed' if self.passed else 'FAILED'}</b> "
                f"({self.issues.height:,} issues){docs}"
                "<table><tr><th>status</th><th>severity</th><th>rule</th><th>source</th>"
                f"<th>failed</th><th>checked</th><th>rate</th><th>max</th></tr>{body}</table>"
                "<small>Issues: <code>result.issues</code> or the <code>validation_issues"
                "</code> table</small></div>")
