"""Features for matching and candidate pairs from multi-pass blocking.

Every record gets a dense integer ``_idx``; pairs are ``(l, r)`` with ``l < r``. A blocking
pass compares records agreeing on all its keys; blocks larger than the cap are skipped (a key
shared by hundreds of records says nothing about identity), and email/phone values used by
several different people (role mailboxes, switchboards) never form blocks.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from contactops.config.dedupe import BlockingRule, DedupeSettings
from contactops.dedupe.latin import latin, latin_expr, per_distinct
from contactops.dedupe.streets import house_expr

#: Kinds whose values can be shared between different people.
SHAREABLE = ("email", "phone")
_TRANSFORM = re.compile(
    r"^(?P<col>[A-Za-z_][\w]*)(?::(?P<fn>prefix|suffix|initial|soundex|latin|house)"
    r"(?P<n>\d*))?$")
_SOUNDEX = (("[BFPV]", "1"), ("[CGJKQSXZ]", "2"), ("[DT]", "3"), ("L", "4"), ("[MN]", "5"),
            ("R", "6"), ("[HW]", ""), ("[AEIOUY]", "0"))


def shared_column(column: str) -> str:
    return f"{column}__shared"


def _shared_rows(frame: pl.DataFrame, column: str, options: DedupeSettings) -> pl.Series:
    """``_idx`` of records whose ``column`` value is used by several different people.

    Shared: more distinct names than ``shared_value_max_names`` *and* no name token
    (first or last name) carried by all but at most one of the named records. One person's
    records keep a token through nicknames, typos and swaps (Robert/Bob/Robrt Smith share
    "smith"); the people behind a role mailbox or switchboard do not.

    A name of four letters or more also carries its first and its last three letters as
    tokens, so a person whose name is misspelt in both parts on some records (Rebecca
    Mensah, Rebeca Menash, Becac Ensah) still keeps their own mailbox.

    Values, names and tokens are compared as 64-bit hashes (a collision, about 1e-8 at a
    million values, could only merge two counts).
    """
    names = [c for c in ("first_name_key", "last_name_key") if c in frame.columns]
    if not names:
        return pl.Series("_idx", [], pl.UInt32)
    first = (pl.col("first_name_key") if "first_name_key" in frame.columns
             else pl.lit(None, pl.String))
    last = (pl.col("last_name_key") if "last_name_key" in frame.columns
            else pl.lit(None, pl.String))
    many = (frame.lazy().filter(pl.col(column).is_not_null())
            .select("_idx", _v=pl.col(column).hash(seed=0),
                    _f=first.fill_null("").hash(seed=1), _l=last.fill_null("").hash(seed=1),
                    _fn=first.str.len_chars() > 0, _ln=last.str.len_chars() > 0,
                    **_affixes("_f", first), **_affixes("_l", last))
            .filter(pl.len().over("_v") > 2).collect())
    if many.height == 0:
        return pl.Series("_idx", [], pl.UInt32)
    # a first/last pair in either order is one signature
    sigs = many.lazy().group_by("_v").agg(
        _sigs=pl.struct(pl.min_horizontal("_f", "_l").alias("a"),
                        pl.max_horizontal("_f", "_l").alias("b"))
        .n_unique())
    tokens = pl.concat([
        many.lazy().filter(pl.col("_fn")).select("_v", "_idx", _t=pl.col("_f")),
        many.lazy().filter(pl.col("_ln")).select("_v", "_idx", _t=pl.col("_l")),
        *(many.lazy().select("_v", "_idx", _t=pl.col(c)).drop_nulls("_t")
          for c in ("_fa", "_fz", "_la", "_lz")),
    ]).unique()
    top = tokens.group_by("_v", "_t").len().group_by("_v").agg(_top=pl.col("len").max())
    named = tokens.group_by("_v").agg(_named=pl.col("_idx").n_unique())
    bad = (sigs.join(top, on="_v").join(named, on="_v")
           .filter((pl.col("_sigs") > options.shared_value_max_names)
                   & (pl.col("_top") < pl.col("_named") - 1)).select("_v"))
    return many.lazy().join(bad, on="_v", how="semi").select("_idx").collect()["_idx"]


def shared_records(holders: pl.DataFrame, column: str, options: DedupeSettings) -> pl.Series:
    """``record_id`` of the records whose ``column`` value several people use, judged on
    ``holders`` (every record holding the values in question, with their name keys)."""
    frame = holders.with_row_index("_idx")
    return frame["record_id"].gather(_shared_rows(frame, column, options))


def _affixes(prefix: str, name: pl.Expr) -> dict[str, pl.Expr]:
    """Hashes of a name's first and last three letters (null under four letters)."""
    long_ = name.str.len_chars() >= 4
    return {f"{prefix}a": pl.when(long_).then(name.str.slice(0, 3).hash(seed=2)),
            f"{prefix}z": pl.when(long_).then(name.str.slice(-3).hash(seed=3))}


def prepare(normalized: pl.DataFrame, options: DedupeSettings,
            shared: dict[str, pl.Series] | None = None) -> pl.DataFrame:
    """Columns the comparisons and blocking rules need, plus ``_idx`` and shared flags.

    ``shared``: per email/phone column, which records' values several people use, when
    known from more records than these (``match`` scores a few records with the flags the
    dedupe stage found over all of them); role mailboxes are flagged either way.
    """
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
        if shared is not None:
            flag = pl.lit(shared[col]) if col in shared else pl.lit(False)
        else:
            flag = pl.col("_idx").is_in(_shared_rows(frame, col, options).implode())
        if f.kind == "email":
            flag = flag | (pl.col(col).is_not_null() & role)
        flags.append(flag.alias(shared_column(col)))
    if flags:
        frame = frame.with_columns(flags)
    if "email_local" in frame.columns and shared_column("email_key") in frame.columns:
        # a role mailbox's local part (info, sales) identifies nobody
        frame = frame.with_columns(
            email_local=pl.when(pl.col(shared_column("email_key"))).then(None)
            .otherwise("email_local"),
            email_digits=pl.when(pl.col(shared_column("email_key"))).then(None)
            .otherwise("email_digits"))
    return _person_keys(frame)


def _person_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Blocking columns that follow one person across the ways records write them.

    * ``name_pair``: first and last name in either order (Matthew Karlsson and Karlsson
      Matthew are one key), as the order-free combination of the two names' hashes (at a
      million records a string key cost seconds);
    * ``org``: the employer without spaces or hyphens, from the company or else the
      company's own mail domain (``green networks`` and ``jane@greennetworks.example``
      agree).
    """
    cols = frame.columns
    out: dict[str, pl.Expr] = {}
    if "first_name_key" in cols and "last_name_key" in cols:
        first, last = pl.col("first_name_key").hash(seed=0), pl.col("last_name_key").hash(seed=0)
        low, high = pl.min_horizontal(first, last), pl.max_horizontal(first, last)
        out["name_pair"] = (pl.when(pl.col("first_name_key").is_not_null()
                                    & pl.col("last_name_key").is_not_null())
                            .then(low * int(_MIX) + high))
    orgs = []
    if "company_key" in cols:
        orgs.append(pl.col("company_key").str.replace_all(" ", "", literal=True))
    if "company_domain_hint" in cols:
        orgs.append(pl.col("company_domain_hint").str.split(".").list.first()
                    .str.replace_all("-", "", literal=True))
    if orgs:
        org = pl.coalesce(*orgs) if len(orgs) > 1 else orgs[0]
        out["org"] = pl.when(org.str.len_chars() > 0).then(org)
    return frame.with_columns(**out) if out else frame


def key_expr(key: str, frame_columns: list[str], *, drop_shared: bool = True) -> pl.Expr:
    """A blocking key: a column, optionally transformed (``col:prefix3``, ``col:initial``).

    Shared values (role mailboxes, switchboards) are dropped when the key stands alone; next
    to a name they still make a selective block.
    """
    col, fn, n = _parse_key(key, frame_columns)
    expr = pl.col(col).cast(pl.String)
    if drop_shared and shared_column(col) in frame_columns:
        expr = pl.when(pl.col(shared_column(col))).then(None).otherwise(expr)
    return _transformed(expr, fn, n)


def _parse_key(key: str, frame_columns: list[str]) -> tuple[str, str | None, int]:
    """(column, transform or None, its length argument) of a key; ``KeyError`` when the
    key is malformed or names a column the records lack."""
    match = _TRANSFORM.match(key)
    if match is None or match["col"] not in frame_columns:
        raise KeyError(key)
    return match["col"], match["fn"], int(match["n"] or 1)


def _transformed(expr: pl.Expr, fn: str | None, n: int) -> pl.Expr:
    """``expr`` under a key transform; an empty result is null (no block)."""
    if fn == "prefix":
        expr = expr.str.slice(0, n)
    elif fn == "suffix":
        expr = expr.str.slice(-n)
    elif fn == "initial":
        expr = expr.str.slice(0, 1)
    elif fn == "soundex":  # per distinct value, in Latin letters (Волков -> V412)
        expr = expr.map_batches(_soundex_of_latin, return_dtype=pl.String)
    elif fn == "latin":
        expr = latin_expr(expr)
    elif fn == "house":
        expr = house_expr(expr)
    return pl.when(expr.str.len_chars() > 0).then(expr)


def _soundex_of_latin(values: pl.Series) -> pl.Series:
    return per_distinct(values, lambda v: pl.select(soundex(pl.lit(latin(v)))).to_series())


def soundex(value: pl.Expr) -> pl.Expr:
    """American Soundex (``Robert`` and ``Rupert`` -> ``R163``); null without a Latin letter.

    Letters coded alike next to each other (or split only by H or W) count once; vowels
    split them. Values are folded keys (``last_name_key``), so accents are already gone.
    """
    letters = value.str.to_uppercase().str.replace_all(r"[^A-Z]", "")
    codes = letters
    for pattern, digit in _SOUNDEX:
        codes = codes.str.replace_all(pattern, digit)
    for digit in "0123456":
        codes = codes.str.replace_all(f"{digit}+", digit)
    first = letters.str.slice(0, 1)
    # the first letter stands for its own code (unless H or W, which have none)
    tail = pl.when(first.is_in(["H", "W"])).then(codes).otherwise(codes.str.slice(1))
    code = first + tail.str.replace_all("0", "").str.pad_end(3, "0").str.slice(0, 3)
    return pl.when(first.str.len_chars() > 0).then(code)


_MIX = np.uint64(0x9E3779B97F4A7C15)


#: A blocking key's 64-bit hash per record and whether the record has the key, by
#: ``(key, drop_shared)``: computed once and shared by blocking and its diagnostics.
KeyHashes = dict[tuple[str, bool], tuple[np.ndarray, np.ndarray]]


def _key_hashes(features: pl.DataFrame, key: str, drop_shared: bool,
                cache: KeyHashes | None = None) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hash of one blocking key per record and whether the record has the key.

    Blocks are formed on hashes instead of strings: a hash collision (about 1e-8 at a
    million distinct values) can only put two different values in one block, which adds
    candidate pairs (scored like any other) and never loses one.
    """
    if cache is not None and (key, drop_shared) in cache:
        return cache[(key, drop_shared)]
    column, fn, n = _parse_key(key, features.columns)
    if fn != "soundex":
        col = features.select(key_expr(key, features.columns, drop_shared=drop_shared)
                              .alias("_k")).to_series()
    else:
        # soundex (~15 regex passes) runs once per distinct value, not per record (1M
        # records: 13.6 s -> 0.3 s); the key is the same either way
        values = features[column].cast(pl.String)
        distinct = pl.DataFrame({"_v": values.unique()}).with_columns(
            _k=_transformed(pl.col("_v"), fn, n))
        col = pl.DataFrame({"_v": values}).join(distinct, on="_v", how="left",
                                                maintain_order="left")["_k"]
        if drop_shared and shared_column(column) in features.columns:
            col = col.set(features[shared_column(column)].fill_null(False), None)
    out = (col.hash(seed=0).to_numpy(), col.is_not_null().to_numpy())
    if cache is not None:
        cache[(key, drop_shared)] = out
    return out


def key_hashes(features: pl.DataFrame, options: DedupeSettings) -> KeyHashes:
    """Every blocking rule's key hashes (keys on columns the records lack are left out):
    pass them to :func:`candidate_pairs` and ``diagnostics.blocking_passes`` so neither
    evaluates a key expression again."""
    cache: KeyHashes = {}
    for rule in options.blocking:
        for k in rule.keys:
            try:
                _key_hashes(features, k, len(rule.keys) == 1, cache)
            except KeyError:
                continue
    return cache


def rule_hash(features: pl.DataFrame, rule: BlockingRule, cache: KeyHashes | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """One hash per record of a rule's keys combined, and whether the record has them all.

    Raises ``KeyError`` when a key names a column the records lack.
    """
    alone = len(rule.keys) == 1
    combined = None
    valid = None
    for k in rule.keys:
        h, ok = _key_hashes(features, k, alone, cache)
        combined = h.copy() if combined is None else combined * _MIX + h
        valid = ok if valid is None else valid & ok
    assert combined is not None and valid is not None
    return combined, valid


def _block_pairs(keys: np.ndarray, rows: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(l, r)``, ``l < r``, of ``rows`` sharing a key, in blocks of 2..cap records."""
    dup = pl.Series(keys).is_duplicated().to_numpy()  # singletons make no pairs
    keys, rows = keys[dup], rows[dup]
    order = pl.Series(keys).arg_sort().to_numpy()
    k = keys[order]
    start = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    size = np.diff(np.r_[start, len(k)])
    ok = (size >= 2) & (size <= cap)
    start, size = start[ok], size[ok]
    if not len(start):
        empty = np.zeros(0, dtype=np.uint32)
        return empty, empty
    # every member j of a block of n pairs with members j+1..n-1
    member_start = np.repeat(start, size)
    offset = np.arange(len(member_start)) - np.repeat(np.cumsum(size) - size, size)
    member_size = np.repeat(size, size)
    partners = (member_size - 1 - offset).astype(np.int64)
    first = np.repeat(member_start + offset, partners)
    step = np.arange(len(first)) - np.repeat(np.cumsum(partners) - partners, partners) + 1
    a = rows[order[first]]
    b = rows[order[first + step]]
    return (np.minimum(a, b).astype(np.uint32), np.maximum(a, b).astype(np.uint32))


def _rule_arrays(features: pl.DataFrame, rule: BlockingRule, cap: int,
                 cache: KeyHashes | None = None, oversized: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    combined, valid = rule_hash(features, rule, cache)
    rows = np.flatnonzero(valid)
    if oversized is not None and len(oversized):  # blocks too big in the whole warehouse
        rows = rows[~np.isin(combined[rows], oversized)]
    return _block_pairs(combined[rows], rows, rule.max_block_size or cap)


def rule_pairs(features: pl.DataFrame, rule: BlockingRule, cap: int) -> pl.DataFrame:
    """Pairs ``(l, r)`` of one blocking pass."""
    left, right = _rule_arrays(features, rule, cap)
    return pl.DataFrame({"l": left, "r": right}, schema={"l": pl.UInt32, "r": pl.UInt32})


def candidate_pairs(features: pl.DataFrame, options: DedupeSettings,
                    hashes: KeyHashes | None = None,
                    oversized: dict[str, np.ndarray] | None = None) -> pl.DataFrame:
    """Union of every blocking pass.

    ``block_rule`` names the first pass that found a pair, ``rule_mask`` has bit ``i`` set
    when pass ``i`` found it (EM trains per pass on every pair the pass makes). ``hashes``:
    :func:`key_hashes` of ``features``, when the caller keeps them for the diagnostics.
    ``oversized``: per pass, key hashes whose block is over the cap in more records than
    these (an incremental run's part of the warehouse): those blocks are skipped too.
    """
    cache: KeyHashes = {} if hashes is None else hashes
    keys, rules = [], []
    for i, rule in enumerate(options.blocking):
        try:
            left, right = _rule_arrays(features, rule, options.max_block_size, cache,
                                       (oversized or {}).get(rule.name))
        except KeyError:
            continue  # a rule on a column these records lack (e.g. email_local without email)
        keys.append((left.astype(np.uint64) << np.uint64(32)) | right.astype(np.uint64))
        rules.append(np.full(len(left), i, dtype=np.uint8))
    schema = {"l": pl.UInt32, "r": pl.UInt32, "block_rule": pl.String, "rule_mask": pl.UInt64}
    if not keys or not sum(len(k) for k in keys):
        return pl.DataFrame(schema=schema)
    key = np.concatenate(keys)
    rule = np.concatenate(rules)
    del keys, rules
    order = pl.Series(key).arg_sort().to_numpy()
    key, rule = key[order], rule[order]
    del order
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    mask = np.bitwise_or.reduceat(np.left_shift(np.uint64(1), rule.astype(np.uint64)), start)
    first_rule = np.minimum.reduceat(rule, start)  # the first pass that found the pair
    key = key[start]
    names = pl.Series([r.name for r in options.blocking], dtype=pl.String)
    return pl.DataFrame({
        "l": (key >> np.uint64(32)).astype(np.uint32),
        "r": (key & np.uint64(0xFFFFFFFF)).astype(np.uint32),
        "block_rule": names.gather(first_rule),
        "rule_mask": mask,
    }, schema=schema)
