"""Features for matching and candidate pairs from multi-pass blocking.

Every record gets a dense integer ``_idx``; pairs are ``(l, r)`` with ``l < r``. A blocking
pass compares records agreeing on all its keys; blocks larger than the cap are skipped (a key
shared by hundreds of records says nothing about identity), and email/phone values used by
several different people (role mailboxes, switchboards) never form blocks.
"""

from __future__ import annotations

import re

import polars as pl

from contactops.config.dedupe import BlockingRule, DedupeSettings

#: Kinds whose values can be shared between different people.
SHAREABLE = ("email", "phone")
_TRANSFORM = re.compile(r"^(?P<col>[A-Za-z_][\w]*)(?::(?P<fn>prefix|suffix|initial)(?P<n>\d*))?$")


def shared_column(column: str) -> str:
    return f"{column}__shared"


def _name_signature(frame: pl.DataFrame) -> pl.Expr:
    """First and last name keys in sorted order, so a swapped name is the same person."""
    cols = frame.columns
    first = pl.col("first_name_key") if "first_name_key" in cols else pl.lit(None, pl.String)
    last = pl.col("last_name_key") if "last_name_key" in cols else pl.lit(None, pl.String)
    return pl.concat_list(first.fill_null(""), last.fill_null("")).list.sort().list.join(" ")


def _shared_rows(frame: pl.DataFrame, column: str, options: DedupeSettings) -> pl.Series:
    """``_idx`` of records whose ``column`` value is used by several different people.

    Shared: more distinct names than ``shared_value_max_names`` *and* no name token
    (first or last name) carried by all but at most one of the named records. One person's
    records keep a token through nicknames, typos and swaps (Robert/Bob/Robrt Smith share
    "smith"); the people behind a role mailbox or switchboard do not.
    """
    signature = _name_signature(frame)
    names = [c for c in ("first_name_key", "last_name_key") if c in frame.columns]
    if not names:
        return pl.Series("_idx", [], pl.UInt32)
    many = (frame.lazy().select("_idx", column, *names)
            .filter(pl.col(column).is_not_null() & (pl.len().over(column) > 2)))
    sigs = many.group_by(column).agg(_sigs=signature.n_unique())
    tokens = (many.select(column, "_idx", _t=pl.concat_list(names)).explode("_t")
              .filter(pl.col("_t").str.len_chars() > 0).unique([column, "_idx", "_t"]))
    top = tokens.group_by(column, "_t").len().group_by(column).agg(_top=pl.col("len").max())
    named = tokens.group_by(column).agg(_named=pl.col("_idx").n_unique())
    bad = (sigs.join(top, on=column).join(named, on=column)
           .filter((pl.col("_sigs") > options.shared_value_max_names)
                   & (pl.col("_top") < pl.col("_named") - 1)).select(column))
    return many.join(bad, on=column, how="semi").select("_idx").collect()["_idx"]


def prepare(normalized: pl.DataFrame, options: DedupeSettings) -> pl.DataFrame:
    """Columns the comparisons and blocking rules need, plus ``_idx`` and shared flags."""
    frame = normalized.with_row_index("_idx")
    if "email_key" in frame.columns:
        local = pl.col("email_key").str.split("@").list.first()
        frame = frame.with_columns(
            email_local=local,
            email_digits=local.str.extract(r"(\d{2,})", 1),
        )
    role = (pl.col("email_is_role").fill_null(False) if "email_is_role" in frame.columns
            else pl.lit(False))
    flags = []
    for f in options.fields:
        if f.kind not in SHAREABLE or f.source_column not in frame.columns:
            continue
        col = f.source_column
        shared = pl.col("_idx").is_in(_shared_rows(frame, col, options).implode())
        if f.kind == "email":
            shared = shared | (pl.col(col).is_not_null() & role)
        flags.append(shared.alias(shared_column(col)))
    if flags:
        frame = frame.with_columns(flags)
    if "email_local" in frame.columns and shared_column("email_key") in frame.columns:
        # a role mailbox's local part (info, sales) identifies nobody
        frame = frame.with_columns(
            email_local=pl.when(pl.col(shared_column("email_key"))).then(None)
            .otherwise("email_local"),
            email_digits=pl.when(pl.col(shared_column("email_key"))).then(None)
            .otherwise("email_digits"))
    return frame


def key_expr(key: str, frame_columns: list[str], *, drop_shared: bool = True) -> pl.Expr:
    """A blocking key: a column, optionally transformed (``col:prefix3``, ``col:initial``).

    Shared values (role mailboxes, switchboards) are dropped when the key stands alone; next
    to a name they still make a selective block.
    """
    match = _TRANSFORM.match(key)
    if match is None or match["col"] not in frame_columns:
        raise KeyError(key)
    col = match["col"]
    expr = pl.col(col).cast(pl.String)
    if drop_shared and shared_column(col) in frame_columns:
        expr = pl.when(pl.col(shared_column(col))).then(None).otherwise(expr)
    fn, n = match["fn"], int(match["n"] or 1)
    if fn == "prefix":
        expr = expr.str.slice(0, n)
    elif fn == "suffix":
        expr = expr.str.slice(-n)
    elif fn == "initial":
        expr = expr.str.slice(0, 1)
    return pl.when(expr.str.len_chars() > 0).then(expr)


def rule_pairs(features: pl.DataFrame, rule: BlockingRule, cap: int) -> pl.DataFrame:
    """Pairs ``(l, r)`` of one blocking pass."""
    alone = len(rule.keys) == 1
    keys = [key_expr(k, features.columns, drop_shared=alone).alias(f"_k{i}")
            for i, k in enumerate(rule.keys)]
    names = [f"_k{i}" for i in range(len(keys))]
    keyed = (features.lazy().select("_idx", *keys).drop_nulls(names)
             .select("_idx", pl.concat_str(names, separator="\x1f").alias("_key")))
    sized = keyed.with_columns(_n=pl.len().over("_key")).filter(
        (pl.col("_n") >= 2) & (pl.col("_n") <= (rule.max_block_size or cap)))
    left = sized.select(pl.col("_idx").alias("l"), "_key")
    right = sized.select(pl.col("_idx").alias("r"), "_key")
    return (left.join(right, on="_key").filter(pl.col("l") < pl.col("r"))
            .select("l", "r").collect())


def candidate_pairs(features: pl.DataFrame, options: DedupeSettings) -> pl.DataFrame:
    """Union of every blocking pass.

    ``block_rule`` names the first pass that found a pair, ``rule_mask`` has bit ``i`` set
    when pass ``i`` found it (EM trains per pass on every pair the pass makes).
    """
    parts = []
    for i, rule in enumerate(options.blocking):
        try:
            pairs = rule_pairs(features, rule, options.max_block_size)
        except KeyError:
            continue  # a rule on a column these records lack (e.g. email_local without email)
        parts.append(pairs.with_columns(_rule=pl.lit(i, pl.UInt8),
                                        rule_mask=pl.lit(1 << i, pl.UInt64)))
    if not parts:
        return pl.DataFrame(schema={"l": pl.UInt32, "r": pl.UInt32, "block_rule": pl.String,
                                    "rule_mask": pl.UInt64})
    names = pl.Series([r.name for r in options.blocking], dtype=pl.String)
    pairs = (pl.concat(parts).group_by("l", "r")
             .agg(pl.col("_rule").min(), pl.col("rule_mask").sum()).sort("l", "r"))
    return pairs.with_columns(block_rule=names.gather(pairs["_rule"])).drop("_rule")


def block_counts(features: pl.DataFrame, options: DedupeSettings) -> pl.DataFrame:
    """Comparisons each blocking pass makes (before the union), to tune rules."""
    rows = []
    for rule in options.blocking:
        try:
            n = rule_pairs(features, rule, options.max_block_size).height
        except KeyError:
            n = 0
        rows.append({"rule": rule.name, "pairs": n})
    return pl.DataFrame(rows, schema={"rule": pl.String, "pairs": pl.Int64})
