"""The pure dedupe function: normalized records in, contacts and links out (no warehouse)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import polars as pl

from contactops.config.dedupe import DEFAULT_STRONG_FIELDS, DedupeSettings
from contactops.contract import StageResult
from contactops.dedupe import (
    blocking,
    cluster,
    compare,
    defaults,
    diagnostics,
    drift,
    lineage,
    mailbox,
    match_index,
    model,
    survivorship,
)
from contactops.dedupe.contradictions import veto
from contactops.dedupe.encode import Encoded
from contactops.dedupe.facts import WarehouseFacts
from contactops.dedupe.ids import assign_ids


@dataclass
class DedupeResult(StageResult):
    """Everything one dedupe produces; tables are Polars frames.

    Attributes:
        contacts: golden records, one row per contact_id.
        links: contact_links — record_id, contact_id, link_type, rule, match_probability.
        reviews: pairs between the review and auto-merge thresholds, or refused by a conflict.
        provenance: which record and source won each field of each contact.
        events: merge_events of this run (merge/split).
        pairs: every scored candidate pair (record ids, levels, weights); ``conflict``
            names the strong fields that kept an identifier link from merging.
        model: the m/u model used.
        diagnostics: blocking passes, match-weight histogram and expected precision
            (:mod:`contactops.dedupe.diagnostics`; block keys raw and masked).
        index: the blocking index ``match`` looks new records up in
            (:mod:`contactops.dedupe.match_index`).
    """

    contacts: pl.DataFrame
    links: pl.DataFrame
    reviews: pl.DataFrame
    provenance: pl.DataFrame
    events: pl.DataFrame
    pairs: pl.DataFrame
    model: model.MatchModel
    name: ClassVar[str] = "dedupe"
    timings: dict[str, dict[str, float]] = field(default_factory=dict)
    cannot_match: str | None = None
    diagnostics: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    released: dict[str, Any] | None = None  # the counts, once release() dropped the frames
    pair_counts: dict[str, int] | None = None  # pairs' counts when ``pairs`` was not kept
    index: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=match_index.SCHEMA))
    #: whether the run was incremental and what it worked on, or why it was full
    #: (:mod:`contactops.dedupe.incremental`), last in the notes; ``totals``: the tables'
    #: counts, which an incremental run's counts report instead of its part's
    scope: list[str] = field(default_factory=list)
    totals: dict[str, int] | None = None

    FRAMES: ClassVar[tuple[str, ...]] = ("contacts", "links", "reviews", "provenance",
                                         "events", "pairs", "index")

    def release(self, *names: str) -> None:
        """Empty the named frames (default: all) once the warehouse holds them, keeping the
        counts: a run keeps every stage's result to its end, and at 1M records the pairs,
        contacts and links would otherwise stay in memory through the validate stage."""
        if self.released is None:
            self.released = self.match_counts()
        for name in names or self.FRAMES:
            setattr(self, name, getattr(self, name).clear())

    @property
    def counts(self) -> dict[str, Any]:
        """Records, contacts, pairs and links; the diagnostics' run figures (no PII)."""
        return {**self.match_counts(), **diagnostics.run_counts(self.diagnostics)}

    def match_counts(self) -> dict[str, Any]:
        if self.released is not None:
            return {**self.released, **(self.totals or {})}
        pairs = self.pair_counts or _pair_counts(self.pairs)
        return {"records": self.links.height, "contacts": self.contacts.height,
                "candidate_pairs": pairs["candidate_pairs"],
                "linked_by_key": int((self.links["link_type"] == "key").sum()),
                "linked_by_probability": int((self.links["link_type"] == "probability").sum()),
                "contradicted": pairs["contradicted"],
                "reviews": self.reviews.height, "events": self.events.height}

    @property
    def notes(self) -> list[str]:
        """What the run could not do as usual (no fields to match on, a match model of too
        little data)."""
        if self.cannot_match:  # the model notes would only repeat that nothing was compared
            return [self.cannot_match, *self.scope]
        return [*(f"match model: {note}" for note in self.model.notes), *self.scope]

    def asdict(self) -> dict[str, Any]:
        """The run record's keys, and the counts flat beside them (``asdict()["contacts"]``)."""
        return {**super().asdict(), **self.counts}

    def __str__(self) -> str:
        c = self.match_counts()
        where = ("tables in the warehouse: contacts, contact_links, match_reviews"
                 if self.released is not None else ".contacts, .links, .reviews, .pairs")
        return (f"DedupeResult({c['records']} records -> {c['contacts']} contacts; "
                f"{c['reviews']} pairs to review; {where})")

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>"
                       for k, v in self.match_counts().items())
        return f"<table><caption>dedupe</caption>{rows}</table>"


def _pair_counts(pairs: pl.DataFrame) -> dict[str, int]:
    return {"candidate_pairs": pairs.height,
            "contradicted": int(pairs["conflict"].is_not_null().sum())
            if "conflict" in pairs.columns else 0}


class _Clock:
    """Per-phase wall and CPU seconds (``{phase: {"wall": s, "cpu": s}}``)."""

    def __init__(self) -> None:
        self.timings: dict[str, dict[str, float]] = {}
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self, phase: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        prev = self.timings.get(phase, {"wall": 0.0, "cpu": 0.0})
        self.timings[phase] = {"wall": round(prev["wall"] + wall - self._wall, 3),
                               "cpu": round(prev["cpu"] + cpu - self._cpu, 3)}
        self._wall, self._cpu = wall, cpu


#: Columns survivorship reads besides the golden fields (when present).
_SURVIVOR_EXTRA = ("source", "tags", "lists", "contact_type", "consent_timestamp",
                   "updated_at", "created_at")


#: Survivorship's working memory per record of a chunk (ranks, sort orders, winners and
#: the chunk's own copy of its records; ~1 KiB measured at 1M records, doubled for wide
#: sources).
SURVIVOR_BYTES_PER_RECORD = 2048
#: Chunk size when no memory limit is given.
SURVIVOR_CHUNK_DEFAULT = 200_000


def survivor_chunk(frame_bytes: int | None) -> int:
    """Records per survivorship chunk: an eighth of the frames' share of the memory limit
    (the records, the features' ids and the finished golden rows hold the rest), at least
    10,000 records so small limits do not make thousands of tiny chunks."""
    if frame_bytes is None:
        return SURVIVOR_CHUNK_DEFAULT
    return max(10_000, frame_bytes // 8 // SURVIVOR_BYTES_PER_RECORD)


def needed_columns(options: DedupeSettings, available: list[str]) -> list[str] | None:
    """Columns of ``normalized_records`` dedupe and survivorship read (in table order).

    ``None`` means every column: the ``most_complete`` rule counts every filled column.
    """
    from contactops.dedupe.consent import CHANNELS

    rules = {options.default_rule, *options.survivorship.values()}
    if "most_complete" in rules:
        return None
    want = {options.record_id, "first_name_key", "last_name_key", "email_key",
            "email_is_role", *options.id_columns, *survivorship.GOLDEN_FIELDS,
            *_SURVIVOR_EXTRA, *(f"consent_{c}" for c in CHANNELS)}
    want |= {f.source_column for f in options.fields} | defaults.EXTRA_COLUMNS
    strong = options.contradictions.fields
    want |= set(DEFAULT_STRONG_FIELDS if strong is None else strong)
    want |= {k.split(":")[0] for rule in options.blocking for k in rule.keys}
    return [c for c in available if c in want]


def key_links(scored: pl.DataFrame, options: DedupeSettings) -> pl.Expr:
    """Pairs linked by an exact key: a non-shared identifier agrees and names do not clash
    (or the date of birth agrees exactly too)."""
    key_fields = [f for f in options.fields if f.key]
    names = [f for f in options.fields if f.kind == "name"]
    if not key_fields:
        return pl.lit(None, pl.String)
    clash = (pl.all_horizontal(pl.col(f"g_{f.name}") == 0 for f in names) if names
             else pl.lit(False))
    if mailbox.COLUMN in scored.columns:  # garbled names under a mailbox named after both
        clash = clash & ~pl.col(mailbox.COLUMN).fill_null(False)
    births = [f for f in options.fields if f.kind == "dob"]
    if births:  # the same id and birthday under another name: a renamed or retyped record
        born = pl.any_horizontal(pl.col(f"g_{f.name}") == len(compare.level_names(f)) - 1
                                 for f in births)
        clash = clash & ~born
    expr = pl.lit(None, pl.String)
    for f in reversed(key_fields):
        top = len(compare.level_names(f)) - 1
        agree = pl.col(f"g_{f.name}") == top
        if f.kind == "phone":  # numbers are reused: a phone alone links only with a name
            agree = agree & pl.any_horizontal(pl.col(f"g_{n.name}") > 0 for n in names) \
                if names else agree
        expr = pl.when(agree & ~clash).then(pl.lit(f.name)).otherwise(expr)
    return expr


def _id_pairs(features: pl.DataFrame, options: DedupeSettings) -> pl.DataFrame:
    parts = []
    for col in options.id_columns:
        if col not in features.columns:
            continue
        rule = blocking.BlockingRule(name=f"id:{col}", keys=(col,), max_block_size=10_000)
        parts.append(blocking.rule_pairs(features, rule, 10_000).with_columns(
            key_rule=pl.lit(f"id:{col}")))
    if not parts:
        return pl.DataFrame(schema={"l": pl.UInt32, "r": pl.UInt32, "key_rule": pl.String})
    return pl.concat(parts).unique(["l", "r"], keep="first")


def _decision_pairs(decisions: pl.DataFrame | None, index: pl.DataFrame, kind: str
                    ) -> pl.DataFrame:
    if decisions is None or decisions.height == 0:
        return pl.DataFrame(schema={"l": pl.UInt32, "r": pl.UInt32})
    d = decisions.filter(pl.col("decision") == kind)
    d = (d.join(index.rename({"record_id": "record_a", "_idx": "a"}), on="record_a")
         .join(index.rename({"record_id": "record_b", "_idx": "b"}), on="record_b"))
    return d.select(pl.min_horizontal("a", "b").alias("l"),
                    pl.max_horizontal("a", "b").alias("r")).filter(
        pl.col("l") != pl.col("r")).unique()


def load_or_train(features: pl.DataFrame, gammas: pl.DataFrame, options: DedupeSettings,
                  root: Path | None = None, encoded: Encoded | None = None
                  ) -> model.MatchModel:
    path = Path(options.model_file) if options.model_file else None
    if path is not None and root is not None and not path.is_absolute():
        path = root / path
    if path is not None and path.exists() and not options.retrain:
        loaded = model.MatchModel.load(path)
        if loaded.fits(options.fields):
            return loaded
    trained = model.train(features, gammas, options, encoded)
    if path is not None and not trained.notes:  # a model of too little data is not kept
        trained.save(path)
    return trained


def dedupe(normalized: pl.DataFrame, options: DedupeSettings,
           previous_links: pl.DataFrame | None = None, decisions: pl.DataFrame | None = None,
           *, run_id: str = "run", match_model: model.MatchModel | None = None,
           root: Path | None = None, keep_pairs: bool = True,
           survivor_chunk: int | None = None, facts: WarehouseFacts | None = None
           ) -> DedupeResult:
    """Deduplicate normalized records into contacts.

    Args:
        normalized: normalized records (``record_id`` plus the match-field columns).
        options: the pipeline's ``dedupe:`` block.
        previous_links: last run's contact_links (record_id, contact_id) for stable ids.
        decisions: match_decisions (record_a, record_b, decision must_link|cannot_link).
        run_id: recorded in lineage and reviews.
        match_model: use this model instead of loading/training one.
        root: folder a relative ``model_file`` is resolved against.
        keep_pairs: return the scored pairs (``.pairs``); the stage, which does not store
            them, passes False so they are freed before survivorship (their counts stay).
        survivor_chunk: merge multi-record contacts in chunks of about this many records
            (:func:`survivor_chunk`; ``None``: in one piece). The result is the same.
        facts: what the whole warehouse says about these records when they are a part of
            it (an incremental run): fill shares, shared values, oversized blocks and value
            counts, so the part is matched as a full run would match it.
    """
    clock = _Clock()
    rid = options.record_id
    if rid != "record_id":
        normalized = normalized.rename({rid: "record_id"})
    options, cannot_match = defaults.follow_data(
        options, normalized, shares=facts.fill if facts is not None else None)
    if match_model is not None and not match_model.fits(options.fields):
        # a given model weighs the fields it was trained on; fields added for this data wait
        options = options.model_copy(update={
            "fields": [f for f in options.fields if f.name in match_model.m]})
    keep = needed_columns(options.model_copy(update={"record_id": "record_id"}),
                          normalized.columns)
    if keep is not None and len(keep) < normalized.width:
        normalized = normalized.select(keep)
    features = blocking.prepare(normalized, options,
                                shared=facts.shared if facts is not None else None)
    clock.lap("prepare")
    hashes = blocking.key_hashes(features, options)
    pairs = blocking.candidate_pairs(features, options, hashes,
                                     oversized=facts.oversized if facts is not None else None)
    clock.lap("blocking")
    passes = diagnostics.blocking_passes(features, options, pairs, hashes)
    index_rows = match_index.build(features, options, hashes)
    del hashes
    clock.lap("diagnostics")
    encoded = Encoded(features, options.fields)
    if facts is not None:
        facts.apply_shares(encoded)
    clock.lap("encode")
    gammas = compare.compare(pairs, features, options.fields, encoded)
    del pairs
    levels = drift.profile(gammas, options.fields, _fresh_pairs(gammas, features, facts))
    clock.lap("compare")
    fitted = match_model or load_or_train(features, gammas, options, root, encoded)
    clock.lap("train")
    tf = compare.tf_values(features, options.fields, encoded)
    scored = model.score(gammas, features, fitted, options.fields, tf, encoded)
    del gammas
    clock.lap("score")
    found = diagnostics.diagnose(passes, scored, options)
    found["level_profile"] = levels

    index = features.select("record_id", "_idx")
    scored = mailbox.with_flag(scored, features, options)
    scored = scored.with_columns(key_rule=key_links(scored, options))
    ids = _id_pairs(features, options)
    if ids.height:
        scored = scored.join(ids.rename({"key_rule": "_id"}), on=["l", "r"], how="full",
                             coalesce=True).with_columns(
            key_rule=pl.coalesce("_id", "key_rule")).drop("_id")
    must = _decision_pairs(decisions, index, "must_link")
    cannot = _decision_pairs(decisions, index, "cannot_link")
    if must.height:
        scored = scored.join(must.with_columns(_must=pl.lit(True)), on=["l", "r"], how="full",
                             coalesce=True).with_columns(
            key_rule=pl.when(pl.col("_must")).then(pl.lit("decision:must_link"))
            .otherwise("key_rule")).drop("_must")
    if cannot.height:
        scored = scored.join(cannot, on=["l", "r"], how="anti")
    auto_thr = options.thresholds.auto_merge
    prob = pl.col("match_probability").fill_null(1.0)
    scored = scored.with_columns(
        link_type=pl.when(pl.col("key_rule") == "decision:must_link").then(pl.lit("decision"))
        .when(pl.col("key_rule").is_not_null()).then(pl.lit("key"))
        .when(prob >= auto_thr).then(pl.lit("probability")),
        match_weight=pl.col("match_weight").fill_null(99.0),
    )
    scored, vetoed = veto(scored, features, options, encoded)
    auto = scored.filter(pl.col("link_type").is_not_null())
    clock.lap("keys")
    apart = pl.concat([cannot, vetoed]) if vetoed.height else cannot
    labels, refused = cluster.cluster(features.height, auto, features, options.fields, apart,
                                      encoded)
    del encoded
    clock.lap("cluster")

    assigned = assign_ids(pl.DataFrame({"record_id": features["record_id"],
                                        "cluster": labels}), previous_links)
    clock.lap("ids")
    links = _record_links(assigned, auto, refused, labels)
    del auto
    clock.lap("links")
    reviews = _reviews(scored, refused, labels, options, features, assigned, run_id)
    clock.lap("reviews")
    # the features share the normalized records' columns: only record ids are needed from
    # here on, and survivorship copies the records' rows (1M records: 1.3 GiB otherwise held)
    rid_col = features["record_id"]
    del features
    pair_counts = None
    if not keep_pairs:  # 1M records: ~2.8M pairs of ~25 columns, freed before survivorship
        pair_counts = _pair_counts(scored)
        scored = scored.clear()
    sizes = np.bincount(labels, minlength=len(labels))[labels] if len(labels) else labels
    single = pl.Series(sizes == 1)
    records = normalized.with_columns(contact_id=assigned["contact_id"])
    del normalized
    singles = records.filter(single)
    multi = records.filter(~single).with_columns(
        _group=pl.Series(labels).filter(~single).cast(pl.UInt32))
    del records  # split into copies: the whole frame goes before survivorship's work
    contacts, provenance = survivorship.golden_records_split(
        multi, singles, options, chunk_records=survivor_chunk)
    del multi, singles
    clock.lap("survivorship")
    events = lineage.run_events(assigned, links, run_id, multi=pl.Series(sizes > 1))
    clock.lap("lineage")
    out_pairs = scored.with_columns(record_a=rid_col.gather(scored["l"]),
                                    record_b=rid_col.gather(scored["r"]))
    clock.lap("pairs")
    return DedupeResult(contacts=contacts, links=links, reviews=reviews, provenance=provenance,
                        events=events, pairs=out_pairs, model=fitted, timings=clock.timings,
                        cannot_match=cannot_match, diagnostics=found, pair_counts=pair_counts,
                        index=index_rows)


def _fresh_pairs(gammas: pl.DataFrame, features: pl.DataFrame,
                 facts: WarehouseFacts | None) -> np.ndarray | None:
    """Which pairs involve a new or changed record (None: count every pair)."""
    if facts is None or facts.fresh is None:
        return None
    fresh = features["record_id"].is_in(facts.fresh.implode()).to_numpy()
    return fresh[gammas["l"].to_numpy()] | fresh[gammas["r"].to_numpy()]  # type: ignore[no-any-return]


def _record_links(assigned: pl.DataFrame, auto: pl.DataFrame, refused: pl.DataFrame,
                  labels: np.ndarray) -> pl.DataFrame:
    """contact_links: each record with the strongest link that put it in its contact.

    ``assigned`` is in record (``_idx``) order, so every step is positional.
    """
    used = auto.select("l", "r", "link_type", "key_rule", "block_rule", "match_probability",
                       "match_weight")
    if refused.height:
        used = used.join(refused, on=["l", "r"], how="anti")
    lab = pl.Series(labels)
    used = used.filter(lab.gather(used["l"]) == lab.gather(used["r"]))
    ends = pl.concat([used.drop("r").rename({"l": "_idx"}),
                      used.drop("l").rename({"r": "_idx"})])
    # strongest link per record (ties: the first in pair order, as a stable sort would)
    best = ends.sort("match_weight", descending=True, maintain_order=True).unique(
        "_idx", keep="first")
    n = assigned.height
    per_record = pl.DataFrame({"_idx": np.arange(n, dtype=np.uint32)}).join(
        best.with_columns(pl.col("_idx").cast(pl.UInt32)), on="_idx", how="left",
        maintain_order="left")
    out = pl.concat([assigned.select("record_id", "contact_id"), per_record.drop("_idx")],
                    how="horizontal").select(
        "record_id", "contact_id",
        pl.col("link_type").fill_null("singleton"),
        pl.coalesce("key_rule", pl.when(pl.col("link_type").is_not_null())
                    .then(pl.lit("model:") + pl.col("block_rule"))).alias("rule"),
        pl.col("match_probability"),
    )
    return out  # record order (deterministic); sorting 1M string ids is not worth it


def _reviews(scored: pl.DataFrame, refused: pl.DataFrame, labels: np.ndarray,
             options: DedupeSettings, features: pl.DataFrame, assigned: pl.DataFrame,
             run_id: str) -> pl.DataFrame:
    lab = pl.Series(labels)
    th = options.thresholds
    contradicted = scored.filter(pl.col("conflict").is_not_null()).with_columns(
        reason=pl.lit("conflict: ") + pl.col("conflict"))
    between = scored.filter(pl.col("link_type").is_null() & pl.col("conflict").is_null()
                            & (pl.col("match_probability") >= th.review)).with_columns(
        reason=pl.lit("between thresholds"))
    conflict = scored.join(refused, on=["l", "r"], how="semi").with_columns(
        reason=pl.lit("conflict: would join different people"))
    both = pl.concat([contradicted, between, conflict])
    both = both.filter(lab.gather(both["l"]) != lab.gather(both["r"]))
    rid = features["record_id"]
    contact = assigned["contact_id"]
    levels = [c for c in scored.columns if c.startswith("g_")]
    return both.select(
        pl.lit(run_id).alias("run_id"),
        rid.gather(both["l"]).alias("record_a"), rid.gather(both["r"]).alias("record_b"),
        contact.gather(both["l"]).alias("contact_a"), contact.gather(both["r"]).alias("contact_b"),
        "match_probability", "match_weight", "reason", "block_rule", *levels,
    ).sort("match_probability", descending=True)
