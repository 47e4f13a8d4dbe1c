"""Map a RawBatch onto the canonical fields and find the rows that cannot be landed.

Unmapped raw columns are kept as one JSON object per row (``extras``): nothing is dropped.
Rows that cannot land get a reason: ``empty_row``, ``missing_key`` or ``duplicate_key``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from contactops.errors import ConfigError, ConfigIssue
from contactops.fields import ACTIVITY_FIELDS, CONTACT_FIELDS, MULTI_VALUED_FIELDS
from contactops.sources.base import ROW, RawBatch, Reject
from contactops.sources.synonyms import suggest_mapping

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.pipeline import SourceBase

KEY = "_key"          # the key column's value, or null when the source has no key
CONTENT = "_content"  # all raw values joined, for a derived key when there is no key column
OCCURRENCE = "_occurrence"


@dataclass
class MappedBatch:
    """Canonical rows ready to land, plus the rows refused while mapping."""

    frame: pl.DataFrame
    rejects: list[Reject] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    key: str | None = None


def role_fields(role: str) -> dict[str, str]:
    """The canonical fields a source of this role lands; a reference source lands none (its
    raw columns are all kept, in ``extras``)."""
    return {"contacts": CONTACT_FIELDS, "activity": ACTIVITY_FIELDS}.get(role, {})


def resolve_mapping(source: SourceBase, columns: list[str], pipeline_file: str | None
                    ) -> tuple[dict[str, str], str | None]:
    """The mapping actually used: the declared one, checked against the real columns."""
    issues: list[ConfigIssue] = []
    shown = pipeline_file or "<pipeline>"
    for raw in [*source.mapping, *([source.key] if source.key else [])]:
        if raw not in columns:
            close = difflib.get_close_matches(raw, columns, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else \
                f"columns there: {', '.join(columns[:30])}"
            issues.append(ConfigIssue(shown, None, f"sources.{source.name}",
                                      "raw column not found in the source data", raw, hint))
    if issues:
        raise ConfigError(_locate(issues, source, pipeline_file))
    mapping = dict(source.mapping)
    key = source.key
    if source.auto_map:
        rest = [c for c in columns if c not in mapping and c != key]
        extra, found_key = suggest_mapping(rest, source.role, set(mapping.values()))
        mapping.update(extra)
        key = key or found_key
    return mapping, key


def _locate(issues: list[ConfigIssue], source: SourceBase, pipeline_file: str | None
            ) -> list[ConfigIssue]:
    """Point each issue at the mapping/key line of the pipeline file, when there is one."""
    if pipeline_file is None:
        return issues
    from contactops.config.yamlfile import display_path, dotted, load_yaml

    doc = load_yaml(pipeline_file)
    sources = doc.data.get("sources", []) if isinstance(doc.data, dict) else []
    index = next((i for i, s in enumerate(sources)
                  if isinstance(s, dict) and s.get("name") == source.name), None)
    if index is None:
        return issues
    located = []
    for issue in issues:
        raw = str(issue.value)
        path: tuple[str | int, ...] = (("sources", index, "mapping", raw)
                                       if raw in source.mapping else ("sources", index, "key"))
        located.append(ConfigIssue(display_path(pipeline_file), doc.line_of(path), dotted(path),
                                   issue.message, issue.value, issue.suggestion))
    return located


def map_batch(source: SourceBase, batch: RawBatch, mapping: dict[str, str],
              key: str | None, earlier: pl.DataFrame | None = None) -> MappedBatch:
    """Map one batch; ``earlier`` (``_key``, ``_first``) names the row that already holds a
    key in an earlier batch of the same load, so its rows here are duplicates of that row."""
    import polars as pl

    fields = role_fields(source.role)
    raw_cols = batch.raw_columns()
    frame = batch.frame
    if key:
        frame = frame.with_columns(key_values(key))
    exprs: list[pl.Expr] = [pl.col(ROW).cast(pl.Int64)]
    for name in fields:
        sources_for = [raw for raw, target in mapping.items() if target == name]
        if sources_for and name in MULTI_VALUED_FIELDS and len(sources_for) > 1:
            expr = pl.concat_str([pl.col(c) for c in sources_for], separator="|",
                                 ignore_nulls=True).replace("", None)
        elif sources_for:
            expr = pl.col(sources_for[0])
        else:
            expr = pl.lit(None, dtype=pl.Utf8)
        if name in source.constants:
            expr = expr.fill_null(pl.lit(source.constants[name]))
        if name == "external_id_kind" and not sources_for:
            expr = _default_id_kind(source, mapping, expr)
        exprs.append(expr.alias(name))
    # A reference row keeps every column, its key too (enrichment may join on it).
    unmapped = [c for c in raw_cols if c not in mapping
                and (c != key or source.role == "reference")]
    if unmapped:
        exprs.append(pl.struct([pl.col(c) for c in unmapped]).struct.json_encode()
                     .alias("extras"))
    else:
        exprs.append(pl.lit(None, dtype=pl.Utf8).alias("extras"))
    exprs.append((pl.col(key) if key else pl.lit(None, dtype=pl.Utf8)).alias(KEY))
    if not key:  # a derived key needs the whole row (a row of no columns is empty)
        exprs.append(pl.concat_str([pl.col(c).fill_null("\x00") for c in raw_cols],
                                   separator="\x1f").alias(CONTENT) if raw_cols
                     else pl.lit("", dtype=pl.Utf8).alias(CONTENT))
    out = frame.select(exprs)
    empty_rows = _empty_rows(frame, raw_cols)
    out = out.with_columns(pl.col(ROW).is_in(empty_rows.implode()).alias("_empty"))
    rejects: list[Reject] = []
    where = batch.location
    for row in out.filter(pl.col("_empty"))[ROW].to_list():
        rejects.append(Reject(row, "empty_row", f"{where} row {row}: every value is empty; "
                              "delete the blank row from the source"))
    out = out.filter(~pl.col("_empty")).drop("_empty")
    if key:
        missing = out.filter(pl.col(KEY).is_null())
        raws = _raw_json(frame, raw_cols, missing[ROW])
        for row in missing[ROW].to_list():
            rejects.append(Reject(row, "missing_key",
                                  f"{where} row {row}: key column '{key}' is empty; fill it in "
                                  "or remove 'key:' from the source", raw=raws.get(row),
                                  field=key))
        out = out.filter(pl.col(KEY).is_not_null())
        out = out.with_columns(pl.col(ROW).min().over(KEY).alias("_first"))
        if earlier is not None and earlier.height:
            out = (out.join(earlier.rename({"_first": "_earlier"}), on=KEY, how="left",
                            maintain_order="left")
                   .with_columns(pl.coalesce("_earlier", "_first").alias("_first"))
                   .drop("_earlier"))
        dupes = out.filter(pl.col(ROW) != pl.col("_first"))
        rejects.extend(duplicate_keys(frame, raw_cols, dupes, where, key))
        out = out.filter(pl.col(ROW) == pl.col("_first")).drop("_first")
        out = out.with_columns(pl.lit(1, dtype=pl.Int64).alias(OCCURRENCE))
    else:
        out = out.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
                               .over(CONTENT).alias(OCCURRENCE))
    return MappedBatch(frame=out, rejects=rejects, mapping=mapping, key=key)


def key_values(key: str) -> pl.Expr:
    """The key column as compared and stored: blanks around it do not count."""
    import polars as pl

    return pl.col(key).str.strip_chars().replace("", None)


def duplicate_keys(frame: pl.DataFrame, raw_cols: list[str], dupes: pl.DataFrame, where: str,
                   key: str) -> list[Reject]:
    """``duplicate_key`` rejects of ``dupes`` (``_row``, ``_key``, ``_first``: the row that
    holds the key), their raw values taken from the raw ``frame``."""
    raws = _raw_json(frame, raw_cols, dupes[ROW])
    return [Reject(row, "duplicate_key",
                   f"{where} row {row}: key '{key}' = {value!r} already used by row {first}; "
                   "give each row its own key or merge the rows", raw=raws.get(row), field=key)
            for row, value, first in dupes.select(ROW, KEY, "_first").iter_rows()]


def _default_id_kind(source: SourceBase, mapping: dict[str, str], expr: pl.Expr) -> pl.Expr:
    """An id whose kind nobody declared belongs to its source and column (``crm.member_no``):
    ids of two systems never meet by accident; a shared ``external_id_kind`` constant makes
    two sources' ids comparable."""
    import polars as pl

    raw = next((r for r, target in mapping.items() if target == "external_id"), None)
    if raw is None:
        return expr
    return (pl.when(pl.col(raw).str.strip_chars().str.len_chars() > 0)
            .then(expr.fill_null(pl.lit(f"{source.name}.{raw}"))).otherwise(expr))


def _empty_rows(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Rows whose every value is null or blank (cheap pre-filter on length, then strip)."""
    import polars as pl

    if not columns:
        return frame[ROW]
    short = frame.filter(pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c).str.len_bytes() <= 16) for c in columns]))
    blank = short.filter(pl.all_horizontal(
        [pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in columns]))
    return blank[ROW]


def _raw_json(frame: pl.DataFrame, columns: list[str], rows: pl.Series) -> dict[int, str]:
    """The raw values of a few rows as JSON objects, for rejected_records.raw."""
    import polars as pl

    if rows.is_empty():
        return {}
    picked = frame.filter(pl.col(ROW).is_in(rows.implode()))
    encoded = picked.select(ROW, pl.struct(columns).struct.json_encode().alias("_raw"))
    return dict(encoded.iter_rows())
