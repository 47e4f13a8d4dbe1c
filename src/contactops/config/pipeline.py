"""Pipeline files: ``pipelines/*.yaml`` — sources and stage settings.

Sources are a union told apart by ``type:``. Paths are relative to the project root (the
folder holding ``config/``), so a pipeline reads the same wherever it is run from.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, model_validator

from contactops.config.base import Frozen
from contactops.config.dedupe import DedupeSettings
from contactops.config.normalize import NormalizeSettings
from contactops.config.validate import ValidateSettings
from contactops.fields import SourceKind

SOURCE_NAME = r"^[a-z][a-z0-9_]{0,62}$"


class SourceBase(Frozen):
    name: str = Field(pattern=SOURCE_NAME,
                      description="identifier of the source: lower case, digits and _")
    kind: SourceKind = Field(description="how these contacts entered the workspace")
    role: Literal["contacts", "activity", "reference"] = Field(
        "contacts", description="contacts land in source_records, activity in activities, "
        "reference (a lookup table for normalize.enrichment, kept with its own columns) in "
        "reference_records")
    mapping: dict[str, str] = Field(
        default_factory=dict,
        description="raw column (or dotted path in JSON) -> canonical field")
    auto_map: bool = Field(
        False, description="also map unmapped raw columns whose names are known synonyms")
    key: str | None = Field(
        None, description="raw column that identifies a row in its source (CRM id, ...)")
    constants: dict[str, str] = Field(
        default_factory=dict, description="canonical field -> value set on every row")
    mode: Literal["snapshot", "append"] = Field(
        "snapshot", description="snapshot: each new version replaces the source's rows; "
        "append: every version adds rows (newest version of a record wins)")
    max_shrink: float | None = Field(
        None, ge=0, le=1, description="snapshot only: volume gate for this source, the share "
        "of records a new version may lose before the run stops (default: settings max_shrink)")
    links_to: str | None = Field(
        None, description="activity only: source whose key activity contact_key refers to")
    description: str = ""
    enabled: bool = True


class FileSource(SourceBase):
    path: str = Field(description="file path, relative to the project root")


class CsvSource(FileSource):
    type: Literal["csv"]
    encoding: str = Field(
        "auto", description="auto, utf-8, utf-8-sig, utf-16, cp1252 or latin-1")
    delimiter: str = Field("auto", description="auto or one character such as , ; tab |")
    header: bool = True
    quote: str = Field('"', min_length=1, max_length=1)

    @model_validator(mode="after")
    def _delimiter(self) -> CsvSource:
        if self.delimiter not in ("auto", "tab", "\\t") and len(self.delimiter) != 1:
            raise ValueError("delimiter must be 'auto', 'tab' or a single character")
        return self


class ExcelSource(FileSource):
    type: Literal["excel"]
    sheet: str | int | None = Field(
        None, description="sheet name or 0-based index; unset: the sheet whose column names "
        "look most like contact data")
    header_row: int | None = Field(
        None, ge=0, description="0-based row holding the column names; unset: the row among "
        "the first 30 that looks most like column names (title rows are skipped)")


class JsonSource(FileSource):
    type: Literal["json"]
    format: Literal["auto", "json", "ndjson"] = "auto"
    records_path: str | None = Field(
        None, description="dotted path to the array of records inside a JSON document")


class ParquetSource(FileSource):
    type: Literal["parquet"]


class _Query(Frozen):
    table: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Any:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        return self


class SqliteSource(SourceBase, _Query):
    type: Literal["sqlite"]
    path: str


class DuckdbSource(SourceBase, _Query):
    type: Literal["duckdb"]
    path: str


class PostgresSource(SourceBase, _Query):
    type: Literal["postgres"]
    dsn: SecretStr = Field(
        description="libpq connection string; put secrets in the environment: ${CRM_DSN}")


Source = Annotated[
    CsvSource | ExcelSource | JsonSource | ParquetSource | SqliteSource | DuckdbSource
    | PostgresSource,
    Field(discriminator="type"),
]

SOURCE_TYPES = ("csv", "excel", "json", "parquet", "sqlite", "duckdb", "postgres")


class Pipeline(Frozen):
    """One ``pipelines/*.yaml`` file."""

    name: str = Field(pattern=SOURCE_NAME, description="pipeline name, used in run history")
    description: str = ""
    warehouse: str | None = Field(None, description="overrides the project's warehouse path")
    settings: dict[str, Any] = Field(
        default_factory=dict, description="overrides of config/contactops.yaml keys")
    sources: list[Source] = Field(min_length=1)
    normalize: NormalizeSettings = Field(default_factory=NormalizeSettings)
    dedupe: DedupeSettings = Field(default_factory=DedupeSettings)
    validate_: ValidateSettings = Field(default_factory=ValidateSettings, alias="validate")
