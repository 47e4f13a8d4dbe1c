"""Match before create: score a record not yet loaded against its candidate records.

The pure half of ``match``: given the normalized query record, the normalized records its
blocking keys found (:mod:`contactops.dedupe.lookup` reads them) and what the warehouse
knows about them (shared values, value counts), score every pair with the stage's own
code — :func:`blocking.prepare`, :func:`compare.compare`, :func:`model.score`, the key
links of :func:`core.key_links` and the :func:`contradictions.veto` — so a pair scores what
the dedupe stage would give it were the record loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import blocking, compare, defaults, mailbox, model
from contactops.dedupe.contradictions import veto
from contactops.dedupe.core import key_links
from contactops.dedupe.encode import Encoded
from contactops.dedupe.explain import explanation
from contactops.dedupe.match_index import SHARED, rule_keys

#: The query record's id inside the scoring frame (never a loaded record's).
QUERY_ID = "\x00query"


def effective(options: DedupeSettings, fitted: model.MatchModel) -> DedupeSettings:
    """The fields and passes the last dedupe run used: the declared ones plus the defaults
    it added for its data (:func:`defaults.follow_data`), the fields cut to the model's."""
    update: dict[str, object] = {}
    if "fields" not in options.model_fields_set:
        names = {f.name for f in options.fields}
        update["fields"] = [*options.fields,
                            *(f for f in defaults.EXTRA_FIELDS if f.name not in names)]
    if "blocking" not in options.model_fields_set:
        names = {r.name for r in options.blocking}
        update["blocking"] = [*options.blocking,
                              *(r for r in defaults.EXTRA_BLOCKING if r.name not in names)]
    adapted = options.model_copy(update=update) if update else options
    return adapted.model_copy(update={
        "fields": [f for f in adapted.fields if f.name in fitted.m]})


def query_keys(queries: pl.DataFrame, options: DedupeSettings) -> pl.DataFrame:
    """``_idx`` (row of ``queries``), ``rule``, ``key_hash`` of the query records' blocking
    keys (one row per record and pass it has every key of), hashed as the dedupe stage
    hashed the loaded records. Shared values are not guessed among the queries (they are
    not one data set); role mailboxes stay unkeyed."""
    features = blocking.prepare(queries, options, shared={})
    return rule_keys(features, options)


def count_columns(options: DedupeSettings) -> list[str]:
    """Columns whose value shares weigh a pair: term-frequency fields and names (their
    rarity tells a typo from another name in the contradiction checks)."""
    return list(dict.fromkeys(f.source_column for f in options.fields
                              if f.tf_adjust or f.kind == "name"))


@dataclass
class Counts:
    """Per column, how many loaded records hold each value, and how many hold any."""

    values: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)


def features(query: pl.DataFrame, candidates: pl.DataFrame, shared: pl.DataFrame,
             options: DedupeSettings) -> pl.DataFrame:
    """The candidates and, last, the query record, prepared for comparison as the stage
    prepares records (:func:`blocking.prepare`) with the stage's shared-value flags.

    ``shared``: ``record_id``, ``rule`` (``shared:<column>``) of candidates whose value
    several people use.
    """
    frame = pl.concat([candidates, query.with_columns(record_id=pl.lit(QUERY_ID))],
                      how="diagonal_relaxed")
    return blocking.prepare(frame, options, _shared_flags(frame, shared, options))


def score(features: pl.DataFrame, counts: Counts, options: DedupeSettings,
          fitted: model.MatchModel, *, show_pii: bool = False) -> pl.DataFrame:
    """One row per candidate record: its pair with the query record, scored.

    Args:
        features: :func:`features` (the query record last).
        counts: value counts over the loaded records (the query's own values are added).
        options: :func:`effective` settings; ``fitted``: the saved model.

    Returns:
        record_id, match_weight, match_probability, link_type (key, probability or null),
        key_rule, conflict, matched (fields that weigh for the pair) and explanation (the
        rows of ``contactops explain`` as a list of structs).
    """
    encoded = Encoded(features, options.fields)
    _fix_shares(encoded, features, counts)
    n = features.height - 1
    pairs = pl.DataFrame({"l": np.arange(n, dtype=np.uint32),
                          "r": np.full(n, n, dtype=np.uint32)})
    gammas = compare.compare(pairs, features, options.fields, encoded)
    scored = model.score(gammas, features, fitted, options.fields,
                         compare.tf_values(features, options.fields, encoded), encoded)
    scored = mailbox.with_flag(scored, features, options)
    scored = scored.with_columns(key_rule=_id_rules(features, options, n)).with_columns(
        key_rule=pl.coalesce("key_rule", key_links(scored, options)))
    scored = scored.with_columns(
        link_type=pl.when(pl.col("key_rule").is_not_null()).then(pl.lit("key"))
        .when(pl.col("match_probability") >= options.thresholds.auto_merge)
        .then(pl.lit("probability")))
    scored, _ = veto(scored, features, options, encoded)
    scored = scored.sort("l")  # the veto's joins may reorder pairs: back to candidate order
    explained = [explanation(scored, i, features, i, n, options, fitted,
                             scored["conflict"][i], show_pii=show_pii) for i in range(n)]
    return pl.DataFrame({
        "record_id": features["record_id"].head(n),
        "match_weight": scored["match_weight"].cast(pl.Float64),
        "match_probability": scored["match_probability"],
        "link_type": scored["link_type"], "key_rule": scored["key_rule"],
        "conflict": scored["conflict"],
        "matched": pl.Series([e.filter((pl.col("weight") > 0) & (pl.col("field") != "prior"))
                              ["field"].to_list() for e in explained],
                             dtype=pl.List(pl.String)),
        "explanation": pl.Series([e.to_dicts() for e in explained]),
    })


def _shared_flags(frame: pl.DataFrame, shared: pl.DataFrame, options: DedupeSettings
                  ) -> dict[str, pl.Series]:
    """The stage's shared-value flags of the candidates; the query's value is shared when a
    flagged candidate holds it (it would join that crowd). Role mailboxes: by prepare."""
    out = {}
    is_query = frame["record_id"] == QUERY_ID
    for f in options.fields:
        col = f.source_column
        if f.kind not in blocking.SHAREABLE or col not in frame.columns:
            continue
        flagged = frame["record_id"].is_in(
            shared.filter(pl.col("rule") == SHARED + col)["record_id"].implode())
        values = frame.filter(flagged)[col].drop_nulls().implode()
        query = is_query & frame[col].is_in(values).fill_null(False)
        out[col] = (flagged | query).fill_null(False)
    return out


def _fix_shares(encoded: Encoded, features: pl.DataFrame, counts: Counts) -> None:
    """Value shares of the warehouse (plus the query) instead of the few records here."""
    for column, by_value in counts.values.items():
        if column not in features.columns:
            continue
        vocab = encoded.vocab(column)
        query = features[column][-1]
        total = counts.totals.get(column, 0) + (query is not None)
        hits = np.array([by_value.get(v, 0) + (v == query) for v in vocab.values.to_list()]
                        + [0], dtype=np.float64)
        vocab.shares[column] = hits / max(total, 1)


def _id_rules(features: pl.DataFrame, options: DedupeSettings, n: int) -> pl.Series:
    """``id:<column>`` where an id column agrees exactly (the stage's id pairs)."""
    out = pl.repeat(None, n, dtype=pl.String, eager=True)
    for col in reversed(options.id_columns):
        if col not in features.columns:
            continue
        values = features[col].cast(pl.String)
        same = (values.head(n) == values[-1]).fill_null(False)
        out = pl.select(pl.when(same).then(pl.lit(f"id:{col}")).otherwise(out)).to_series()
    return out.alias("key_rule")
