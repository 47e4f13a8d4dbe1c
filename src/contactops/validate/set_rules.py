"""Rules over sets rather than single records: taxonomy, lists, duplicates, loads.

Their issue rows name a tag, list, contact or load instead of a record; their summary rows
count the labels (or contacts, loads) checked and found.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from contactops.config.project import ProjectSettings
from contactops.config.validate import ValidateSettings
from contactops.pii import mask_expr
from contactops.validate.result import ISSUE_SCHEMA, ValidationResult, conform, empty_summary
from contactops.validate.rules import summary_rows

MAX_PAIRWISE = 5000  # distinct labels compared pairwise for near-duplicates
_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def compact(label: str) -> str:
    """'Webinar 2024', 'webinar-2024' and 'WEBINAR_2024' all become 'webinar2024'."""
    return _NON_ALNUM.sub("", label.casefold())


def within_edits(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of ``a`` and ``b`` is at most ``limit`` (early exit)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def near_duplicates(labels: list[str], distance: int) -> list[tuple[str, str]]:
    """Pairs of labels equal once case and punctuation are removed, or whose letters are
    within ``distance`` edits while their digits are equal (so 2023 and 2024 stay apart)."""
    ordered = sorted(labels)[:MAX_PAIRWISE]
    keys = {label: compact(label) for label in ordered}
    digits = {label: re.sub(r"\D", "", keys[label]) for label in ordered}
    pairs: list[tuple[str, str]] = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            ka, kb = keys[a], keys[b]
            if ka == kb or (distance and min(len(ka), len(kb)) >= 5
                            and digits[a] == digits[b] and within_edits(ka, kb, distance)):
                pairs.append((a, b))
    return pairs


def _issue(rule: str, severity: str, field: str, value: str, message: str,
           **extra: Any) -> dict[str, Any]:
    return {"rule": rule, "severity": severity, "field": field, "value": value,
            "message": message, **extra}


def _frame(rows: list[dict[str, Any]], run_id: str, table: str) -> pl.DataFrame:
    if not rows:
        return conform(pl.DataFrame(), ISSUE_SCHEMA)
    frame = pl.DataFrame(rows, schema_overrides={k: pl.String for k in rows[0]})
    frame = frame.with_columns(run_id=pl.lit(run_id), origin=pl.lit("rule"),
                               table_name=pl.lit(table))
    return conform(frame, ISSUE_SCHEMA)


def _one(rule: str, checked: int, failed: int, options: ValidateSettings, run_id: str,
         table: str, message: str | None = None) -> pl.DataFrame:
    counts = pl.DataFrame({"checked": [checked], "failed": [failed]})
    return summary_rows(counts, rule, options, run_id=run_id, origin="rule", table=table,
                        message=message)


def _label_counts(records: pl.DataFrame, column: str) -> dict[str, int]:
    counts = (records.select(pl.col(column).explode().alias("label")).drop_nulls()
              .group_by("label").len())
    return dict(counts.iter_rows())


def check_taxonomy(records: pl.DataFrame, options: ValidateSettings,
                   settings: ProjectSettings, run_id: str,
                   table: str = "normalized_records") -> ValidationResult:
    """Near-duplicate tags and lists, tag/list budgets, declared lists nobody uses."""
    labels = {column: _label_counts(records, column) for column in ("tags", "lists")
              if column in records.columns}
    return check_taxonomy_counts(labels, options, settings, run_id, table)


def check_taxonomy_counts(labels: dict[str, dict[str, int]], options: ValidateSettings,
                          settings: ProjectSettings, run_id: str,
                          table: str = "normalized_records") -> ValidationResult:
    """:func:`check_taxonomy` from the records per label of each column present (``tags``,
    ``lists``), so the engine can count them over a whole table."""
    issues: list[dict[str, Any]] = []
    summaries: list[pl.DataFrame] = []
    budgets = {"tags": settings.taxonomy.max_tags, "lists": settings.taxonomy.max_lists}
    for column, noun in (("tags", "tag"), ("lists", "list")):
        if column not in labels:
            continue
        used = labels[column]
        rule = f"{noun}_near_duplicate"
        sev = options.rule(rule).severity
        if sev != "off":
            pairs = near_duplicates(list(used), options.near_duplicate_distance)
            issues += [_issue(
                rule, sev, column, f"{a} ~ {b}",
                f"{noun}s '{a}' ({used[a]:,} records) and '{b}' ({used[b]:,}) look like one "
                f"{noun}: make one an alias of the other in settings.taxonomy.{column}")
                for a, b in pairs]
            involved = {x for pair in pairs for x in pair}
            summaries.append(_one(rule, len(used), len(involved), options, run_id, table))
        rule = f"{noun}_budget"
        sev = options.rule(rule).severity
        if sev != "off":
            over = max(0, len(used) - budgets[column])
            if over:
                issues.append(_issue(
                    rule, sev, column, str(len(used)),
                    f"{len(used)} distinct {column}, budget {budgets[column]} "
                    f"(settings.taxonomy.max_{column}): merge or retire {over}"))
            summaries.append(_one(rule, len(used), over, options, run_id, table,
                                  f"budget {budgets[column]}"))
    declared = list(settings.taxonomy.lists)
    sev = options.rule("list_unused").severity
    if declared and "lists" in labels and sev != "off":
        present = labels["lists"]
        unused = [name for name in declared if name not in present]
        issues += [_issue("list_unused", sev, "lists", name,
                          f"list '{name}' is declared in the taxonomy but has no members: "
                          "remove it or check the source mapping") for name in unused]
        summaries.append(_one("list_unused", len(declared), len(unused), options, run_id,
                              table))
    return ValidationResult(run_id, _frame(issues, run_id, table),
                            pl.concat(summaries) if summaries else empty_summary())


def list_members(records: pl.DataFrame) -> pl.DataFrame | None:
    """Members per list and contact type of ``records`` (list, contact_type, n, separated),
    or None when they carry no lists or types. Chunks' frames add up (:func:`mixed_lists`)."""
    if not {"lists", "contact_type"} <= set(records.columns):
        return None
    separated = (pl.col("tags").list.contains(pl.col("contact_type")).fill_null(False)
                 if "tags" in records.columns else pl.lit(False))
    members = (records.select(pl.col("lists").alias("list"), "contact_type",
                              separated=separated)
               .explode("list").drop_nulls("list")
               .filter(pl.col("contact_type").is_in(["customer", "prospect", "internal"])))
    return members.group_by("list", "contact_type").agg(
        n=pl.len().cast(pl.Int64), separated=pl.col("separated").all())


def check_list_mixing(records: pl.DataFrame, options: ValidateSettings, run_id: str,
                      table: str = "normalized_records") -> ValidationResult:
    """Lists whose members are of several contact types (customer, prospect, internal),
    unless every member carries a tag naming its type, which keeps them separable."""
    members = list_members(records)
    return mixed_lists([] if members is None else [members], options, run_id, table)


def mixed_lists(members: list[pl.DataFrame], options: ValidateSettings, run_id: str,
                table: str = "normalized_records") -> ValidationResult:
    """:func:`check_list_mixing` from :func:`list_members` frames (one per chunk); no frame:
    the records carry no lists or types, and nothing is checked."""
    rule = "list_mixed_contact_types"
    sev = options.rule(rule).severity
    if sev == "off" or not members:
        return ValidationResult(run_id)
    per_type = (pl.concat(members).group_by("list", "contact_type")
                .agg(n=pl.col("n").sum(), separated=pl.col("separated").all())
                .sort("list", "n", "contact_type", descending=[False, True, False]))
    per_list = per_type.group_by("list", maintain_order=True).agg(
        types=pl.col("contact_type"), n=pl.col("n"), separated=pl.col("separated").all())
    mixed = per_list.filter((pl.col("types").list.len() > 1) & ~pl.col("separated"))
    rows = [_issue(rule, sev, "lists", r["list"],
                   f"list '{r['list']}' mixes "
                   + ", ".join(f"{t} {n:,}" for t, n in zip(r["types"], r["n"], strict=True))
                   + ": split it, or tag members with their contact type")
            for r in mixed.iter_rows(named=True)]
    return ValidationResult(run_id, _frame(rows, run_id, table),
                            _one(rule, per_list.height, mixed.height, options, run_id, table))


def check_duplicates(contact_keys: pl.DataFrame, options: ValidateSettings, run_id: str,
                     table: str = "contacts", *, checked: int | None = None
                     ) -> ValidationResult:
    """Keys (email_key, ...) still shared by different contact_ids after dedupe.

    ``contact_keys`` has contact_id and the key columns (one row per contact or per linked
    record). Role mailboxes are left out: colleagues legitimately share info@. ``checked``:
    the number of contacts checked when ``contact_keys`` holds only the shared keys' rows
    (the stage's engine aggregate); by default its distinct contact_ids.
    """
    rule = "duplicate_after_dedupe"
    sev = options.rule(rule).severity
    if sev == "off" or "contact_id" not in contact_keys.columns:
        return ValidationResult(run_id)
    flagged: set[str] = set()
    rows: list[dict[str, Any]] = []
    for key in options.duplicate_keys:
        if key not in contact_keys.columns:
            continue
        frame = contact_keys
        if "email_is_role" in frame.columns and key.startswith("email"):
            frame = frame.filter(~pl.col("email_is_role").fill_null(False))
        shared = (frame.select(pl.col("contact_id").cast(pl.String), key).drop_nulls().unique()
                  .group_by(key).agg(pl.col("contact_id").sort())
                  .filter(pl.col("contact_id").list.len() > 1))
        for value, ids in shared.iter_rows():
            flagged.update(ids)
            listed = ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")
            rows += [_issue(rule, sev, key, value,
                            f"{key} shared by {len(ids)} contacts ({listed}): dedupe missed "
                            "a match, or the key is shared on purpose", contact_id=cid)
                     for cid in ids]
    issues = _frame(rows, run_id, table).with_columns(
        value=pl.when(pl.col("field").str.starts_with("email"))
        .then(mask_expr("email", pl.col("value")))
        .when(pl.col("field").str.starts_with("phone")).then(mask_expr("phone", pl.col("value")))
        .otherwise(pl.col("value")))
    return ValidationResult(run_id, issues,
                            _one(rule, contact_keys["contact_id"].n_unique()
                                 if checked is None else checked, len(flagged),
                                 options, run_id, table))


def check_loads(loads: pl.DataFrame, options: ValidateSettings, run_id: str) -> ValidationResult:
    """Current loads whose share of rejected rows is above the threshold (per source)."""
    rule = "load_rejected_rows"
    sev = options.rule(rule).severity
    if sev == "off" or loads.height == 0:
        return ValidationResult(run_id)
    rows = [_issue(rule, sev, "load_id", r["load_id"],
                   f"load {r['load_id']} rejected {r['rows_rejected']:,} of {r['rows_read']:,} "
                   "rows: see rejected_records", source=r["source"])
            for r in loads.filter(pl.col("rows_rejected") > 0).iter_rows(named=True)]
    counts = loads.group_by("source").agg(checked=pl.col("rows_read").sum(),
                                          failed=pl.col("rows_rejected").sum()).sort("source")
    return ValidationResult(run_id, _frame(rows, run_id, "loads"),
                            summary_rows(counts, rule, options, run_id=run_id, origin="rule",
                                         table="loads"))
