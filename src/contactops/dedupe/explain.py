"""Why two records (or a contact's records) matched: per-field levels and weights.

``explain_pair`` returns data (one row per field: values, level, weight, running total, and
whether the field contradicts the pair's shared identifier); ``waterfall_chart`` draws it as
an Altair waterfall for notebooks.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import blocking, compare, defaults, model
from contactops.dedupe.contradictions import contradictions
from contactops.dedupe.encode import Encoded
from contactops.pii import IDENTIFYING_FIELDS, mask_identifier


def explain_pair(normalized: pl.DataFrame, record_a: str, record_b: str,
                 options: DedupeSettings, match_model: model.MatchModel, *,
                 show_pii: bool = False) -> pl.DataFrame:
    """One row per match field (plus the prior) for the pair ``record_a``/``record_b``.

    Term-frequency adjustments are computed on ``normalized`` (pass all records for the
    weights the stage used). ``contradicts`` marks the strong fields that keep the pair's
    shared identifier from merging it (review); a strong field outside the model (country)
    gets a row of weight 0 when it contradicts. Dates of birth and external ids are
    masked unless ``show_pii``.
    """
    options, _ = defaults.follow_data(options, normalized)  # the fields the stage compared
    if not match_model.fits(options.fields):  # a model of other data weighs its own fields
        options = options.model_copy(update={
            "fields": [f for f in options.fields if f.name in match_model.m]})
    features = blocking.prepare(normalized, options)
    idx = dict(zip(features["record_id"].to_list(), features["_idx"].to_list(), strict=True))
    for r in (record_a, record_b):
        if r not in idx:
            raise KeyError(f"unknown record id '{r}'")
    pair = pl.DataFrame({"l": [idx[record_a]], "r": [idx[record_b]]},
                        schema={"l": pl.UInt32, "r": pl.UInt32})
    encoded = Encoded(features, options.fields)
    gam = compare.compare(pair, features, options.fields, encoded)
    scored = model.score(gam, features, match_model, options.fields,
                         compare.tf_values(features, options.fields, encoded), encoded)
    conflict = contradictions(scored, features, options, encoded)[0]
    return explanation(scored, 0, features, idx[record_a], idx[record_b], options,
                       match_model, conflict, show_pii=show_pii)


def explanation(scored: pl.DataFrame, row: int, features: pl.DataFrame, a: int, b: int,
                options: DedupeSettings, match_model: model.MatchModel,
                conflict: str | None, *, show_pii: bool = False) -> pl.DataFrame:
    """The per-field rows of :func:`explain_pair` for row ``row`` of ``scored`` (levels
    and weights), the records at ``a`` and ``b`` of ``features`` and the pair's conflict."""
    against = set(conflict.split(", ")) if conflict else set()
    rows: list[dict[str, Any]] = [{"field": "prior", "value_a": None, "value_b": None,
                                   "level": None, "label": "prior odds",
                                   "weight": match_model.prior_weight}]
    for f in options.fields:
        code = int(scored[f"g_{f.name}"][row])
        va = features[f.source_column][a]
        vb = features[f.source_column][b]
        if not show_pii and f.source_column in IDENTIFYING_FIELDS:
            va, vb = mask_identifier(va), mask_identifier(vb)
        rows.append({"field": f.name, "value_a": None if va is None else str(va),
                     "value_b": None if vb is None else str(vb), "level": code,
                     "label": "missing" if code < 0 else compare.level_names(f)[code],
                     "weight": float(scored[f"w_{f.name}"][row])})
    # strong fields outside the model; a reason that is not a column (the veto's "only
    # names, employer and place agree") only marks the pair
    for name in sorted(against - {f.name for f in options.fields}):
        if name not in features.columns:
            continue
        va, vb = features[name][a], features[name][b]
        rows.append({"field": name, "value_a": str(va), "value_b": str(vb), "level": None,
                     "label": "different (not weighed)", "weight": 0.0})
    out = pl.DataFrame(rows, schema={"field": pl.String, "value_a": pl.String,
                                     "value_b": pl.String, "level": pl.Int64,
                                     "label": pl.String, "weight": pl.Float64})
    out = out.with_columns(contradicts=pl.col("field").is_in(sorted(against)))
    total = out["weight"].cum_sum()
    return out.with_columns(cumulative=total, start=total - pl.col("weight"),
                            match_probability=1 / (1 + 2 ** (-total)))


def explain_contact(normalized: pl.DataFrame, links: pl.DataFrame, contact_id: str,
                    options: DedupeSettings, match_model: model.MatchModel) -> pl.DataFrame:
    """Every pair of a contact's records with its total weight and agreeing fields."""
    members = links.filter(pl.col("contact_id") == contact_id)["record_id"].sort().to_list()
    rows = []
    for i, a in enumerate(members):
        for b in members[i + 1:]:
            e = explain_pair(normalized, a, b, options, match_model)
            agreeing = e.filter((pl.col("weight") > 0) & (pl.col("field") != "prior"))
            rows.append({"record_a": a, "record_b": b,
                         "match_weight": float(e["cumulative"][-1]),
                         "match_probability": float(e["match_probability"][-1]),
                         "agreeing": agreeing["field"].to_list()})
    return pl.DataFrame(rows, schema={"record_a": pl.String, "record_b": pl.String,
                                      "match_weight": pl.Float64,
                                      "match_probability": pl.Float64,
                                      "agreeing": pl.List(pl.String)})


def waterfall_chart(explanation: pl.DataFrame) -> Any:
    """An Altair waterfall of :func:`explain_pair` output (bars from start to cumulative)."""
    import altair as alt

    data = explanation.with_columns(
        sign=pl.when(pl.col("weight") >= 0).then(pl.lit("for")).otherwise(pl.lit("against")),
        text=pl.col("label").fill_null(""),
    ).to_dicts()
    order = [r["field"] for r in data]
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("field:N", sort=order, title=None))
    bars = base.mark_bar().encode(
        x=alt.X("start:Q", title="match weight (log2 Bayes factor)"), x2="cumulative:Q",
        color=alt.Color("sign:N", scale=alt.Scale(domain=["for", "against"],
                                                  range=["#2a9d8f", "#e76f51"])),
        tooltip=["field:N", "value_a:N", "value_b:N", "text:N", "weight:Q", "cumulative:Q"])
    labels = base.mark_text(align="left", dx=4).encode(x="cumulative:Q", text="text:N")
    return (bars + labels).properties(title="Why these records match", width=420)
