"""Pandera (Polars backend) schemas: the structural contract of normalized_records and contacts.

Types, formats and value sets per column, plus cross-field checks, validated with
``lazy=True`` on a collected DataFrame (on a LazyFrame Pandera would run only schema-level
checks). Every failure comes back as data: Pandera's failure cases become issue rows with
rule ``schema``, the row index mapped back to record_id / contact_id. The record *rules*
(invalid emails, missing fields...) are in :mod:`contactops.validate.rules`: this module
catches a normalizer or dedupe bug, not a bad source.
"""

from __future__ import annotations

from typing import Any

import pandera.polars as pa
import polars as pl

from contactops.config.validate import ValidateSettings
from contactops.fields import ContactType, SourceKind
from contactops.pii import mask_expr
from contactops.validate.result import ISSUE_SCHEMA, ValidationResult, conform
from contactops.validate.rules import summary_rows

EMAIL_KEY = r"^[^@\s]+@[^@\s]+\.[a-z0-9-]{2,63}$"
E164 = r"^\+[1-9]\d{6,14}$"
CONSENT = ["opted_in", "opted_out", "pending", "unknown"]
TEXT_LIST = pl.List(pl.String)


def _cross(expr: pl.Expr, name: str, error: str) -> pa.Check:
    """A DataFrame-level check: one boolean per row (True = ok)."""
    return pa.Check(lambda data: data.lazyframe.select(expr.fill_null(True).alias("ok")),
                    name=name, error=error)


def _col(dtype: Any, *checks: pa.Check, nullable: bool = True, unique: bool = False,
         required: bool = True) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=nullable, unique=unique, required=required)


def normalized_records_schema() -> pa.DataFrameSchema:
    c = pl.col
    consent = {f"consent_{ch}": _col(pl.String, pa.Check.isin(CONSENT), nullable=False)
               for ch in ("email", "sms", "phone")}
    dates = {f: _col(pl.Datetime("us")) for f in ("created_at", "updated_at",
                                                   "consent_timestamp")}
    return pa.DataFrameSchema(
        {
            "record_id": _col(pl.String, nullable=False, unique=True),
            "source": _col(pl.String, pa.Check.str_matches(r"^[a-z][a-z0-9_]{0,62}$"),
                           nullable=False),
            "source_kind": _col(pl.String, pa.Check.isin([k.value for k in SourceKind]),
                                nullable=False),
            "email": _col(pl.String),
            "email_key": _col(pl.String, pa.Check.str_matches(EMAIL_KEY)),
            "email_valid": _col(pl.Boolean),
            "email_is_role": _col(pl.Boolean),
            "email_is_disposable": _col(pl.Boolean),
            "phone": _col(pl.String),
            "phone_e164": _col(pl.String, pa.Check.str_matches(E164)),
            "phone_valid": _col(pl.Boolean),
            "contact_type": _col(pl.String, pa.Check.isin([t.value for t in ContactType]),
                                 nullable=False),
            **consent, **dates,
            "tags": _col(TEXT_LIST), "lists": _col(TEXT_LIST), "flags": _col(TEXT_LIST),
        },
        checks=[
            _cross(c("email_valid").is_null() == c("email").is_null(), "email_valid_iff_email",
                   "email_valid is set exactly when there is an email"),
            _cross(c("email_key").is_not_null() == c("email_valid").fill_null(False),
                   "email_key_iff_valid", "email_key is set exactly for valid emails"),
            _cross(~c("phone_valid").fill_null(False) | c("phone_e164").is_not_null(),
                   "valid_phone_has_e164", "a valid phone has its E.164 form"),
        ],
        name="normalized_records", strict=False, coerce=False,
    )


def contacts_schema() -> pa.DataFrameSchema:
    """Contacts after dedupe; columns other than contact_id are checked when present."""
    consent = {f"consent_{ch}": _col(pl.String, pa.Check.isin(CONSENT), required=False)
               for ch in ("email", "sms", "phone")}
    return pa.DataFrameSchema(
        {
            "contact_id": _col(pl.String, nullable=False, unique=True),
            "email_key": _col(pl.String, pa.Check.str_matches(EMAIL_KEY), required=False),
            "phone_e164": _col(pl.String, pa.Check.str_matches(E164), required=False),
            "contact_type": _col(pl.String, pa.Check.isin([t.value for t in ContactType]),
                                 required=False),
            **consent,
        },
        name="contacts", strict=False, coerce=True,
    )


SCHEMAS = {"normalized_records": (normalized_records_schema, "record_id"),
           "contacts": (contacts_schema, "contact_id")}


def check_schema(frame: pl.DataFrame, table: str, options: ValidateSettings,
                 run_id: str) -> ValidationResult:
    """Validate ``frame`` against the table's schema; failures as issue and summary rows."""
    return SchemaChecks(table, options, run_id).add(frame).result()


class SchemaChecks:
    """A table's Pandera schema over frames given whole or in chunks (:meth:`add`).

    Chunks must keep rows of one id together (a chunk boundary inside a group of equal ids
    would hide a uniqueness failure): the validate stage reads them ordered by id and cuts
    between ids. Failures that name no row (a missing column, a wrong type) repeat in every
    chunk and are reported once.
    """

    def __init__(self, table: str, options: ValidateSettings, run_id: str) -> None:
        self.table, self.options, self.run_id = table, options, run_id
        self.on = options.rule("schema").severity != "off"
        self.checked = self.failed_rows = 0
        self.checks: set[str] = set()
        self.issues: list[pl.DataFrame] = []
        self.rows: list[pl.DataFrame] = []  # (id, schema_checks) of the rows that fail
        self.unplaced = False  # a failure that names no row (a column, a type) was found

    def add(self, frame: pl.DataFrame) -> SchemaChecks:
        """Validate one frame (a chunk) of the table."""
        if not self.on:
            return self
        build, id_column = SCHEMAS[self.table]
        self.checked += frame.height
        try:
            build().validate(frame, lazy=True)
            return self
        except pa.errors.SchemaErrors as exc:
            cases = pl.DataFrame(exc.failure_cases)
        if not cases.height:
            return self
        keys = frame.select(
            pl.int_range(pl.len(), dtype=pl.Int64).alias("index"),
            (pl.col(id_column) if id_column in frame.columns else pl.lit(None, pl.String))
            .alias("_id"),
            (pl.col("source") if "source" in frame.columns else pl.lit(None, pl.String))
            .alias("source"))
        columns = [c for c in cases["column"].drop_nulls().unique().to_list()]
        value = pl.lit(None, dtype=pl.String)
        for column in columns:
            value = pl.when(pl.col("column") == column).then(
                mask_expr(column, pl.col("failure_case"))).otherwise(value)
        table = self.table
        found = cases.with_columns(pl.col("index").cast(pl.Int64)).join(
            keys, on="index", how="left").select(
            run_id=pl.lit(self.run_id), origin=pl.lit("pandera"), table_name=pl.lit(table),
            rule=pl.lit("schema"), severity=pl.lit(self.options.rule("schema").severity),
            source="source",
            record_id=pl.col("_id") if table == "normalized_records" else pl.lit(None),
            contact_id=pl.col("_id") if table == "contacts" else pl.lit(None),
            field="column", value=value,
            message=pl.concat_str(pl.col("check").cast(pl.String), pl.lit(" ("),
                                  pl.col("schema_context").cast(pl.String), pl.lit(")")),
            _placed=pl.col("index").is_not_null())
        self.issues.append(conform(found, ISSUE_SCHEMA).with_columns(found["_placed"]))
        placed = cases["index"].drop_nulls()
        self.failed_rows += placed.n_unique()
        self.unplaced = self.unplaced or placed.len() < cases.height
        self.rows.append(
            cases.filter(pl.col("index").is_not_null())
            .group_by(pl.col("index").cast(pl.Int64))
            .agg(schema_checks=pl.col("check").cast(pl.String).unique().sort())
            .join(keys, on="index").select(pl.col("_id").alias(id_column), "schema_checks"))
        self.checks.update(cases["check"].cast(pl.String).to_list())
        return self

    def failing_rows(self) -> pl.DataFrame:
        """The id and failed checks of every row added that fails one (what
        :mod:`contactops.validate.state` keeps)."""
        id_column = SCHEMAS[self.table][1]
        if not self.rows:
            return pl.DataFrame(schema={id_column: pl.String,
                                        "schema_checks": pl.List(pl.String)})
        # one row per id: rows sharing an id (a uniqueness failure) share their checks
        return (pl.concat(self.rows).explode("schema_checks").group_by(id_column)
                .agg(pl.col("schema_checks").unique().sort()))

    def summary(self, checked: int, failed_rows: int, checks: set[str]) -> pl.DataFrame:
        """The summary row from the rows checked, the rows failing and the checks failed."""
        failed = max(1, failed_rows) if checks else 0
        counts = pl.DataFrame({"checked": [checked], "failed": [failed]})
        return summary_rows(counts, "schema", self.options, run_id=self.run_id,
                            origin="pandera", table=self.table,
                            message=", ".join(sorted(checks)) or None)

    def result(self) -> ValidationResult:
        """Issues and the one summary row over every frame added."""
        if not self.on:
            return ValidationResult(self.run_id)
        issues = conform(pl.DataFrame(), ISSUE_SCHEMA)
        if self.issues:
            # a case with no row index repeats in every chunk: keep its first
            issues = pl.concat(self.issues).filter(
                pl.col("_placed") | pl.struct(pl.all()).is_first_distinct()).drop("_placed")
        summary = self.summary(self.checked, self.failed_rows, self.checks)
        return ValidationResult(self.run_id, issues, summary)
