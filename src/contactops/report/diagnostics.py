"""The "Match diagnostics" part of the report's dedupe section, read from ``match_model``.

Label-free: what each blocking pass compared, the largest blocks and their share of all
comparisons, the blocks the size cap skipped, a histogram of match weights and the precision
the model expects at its thresholds. Block keys are masked unless ``show_pii``.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contactops.catalog import T

if TYPE_CHECKING:
    import polars as pl

    from contactops.engine.warehouse import Warehouse

#: Largest blocks shown over all passes.
LARGEST = 10


def _block(rule: str, block: dict[str, Any], show_pii: bool) -> dict[str, Any]:
    return {"rule": rule, "kind": block["kind"],
            "key": block["value"] if show_pii else block["masked"],
            "records": block["records"], "pairs": block["pairs"], "share": block["share"],
            "share_of_pass": block["share_of_pass"]}


def match_diagnostics(wh: Warehouse, show_pii: bool = False) -> dict[str, Any]:
    """``status``: ``ok``; ``no_pairs`` when blocking found nothing to compare (``note``
    says why); ``not_recorded`` when the last dedupe run predates diagnostics."""
    text = None
    if wh.table_exists(T.match_model.name) and "diagnostics_json" in wh.columns(T.match_model.name):
        text = wh.scalar(f"SELECT diagnostics_json FROM {T.match_model} LIMIT 1")
    found = json.loads(text) if text else {}
    if not found:
        return {"status": "not_recorded", "note": "no match diagnostics recorded: run the "
                                                  "pipeline's dedupe stage again"}
    passes = [{"rule": p["rule"], "keys": p["keys"], "cap": p["cap"], "blocks": p["blocks"],
               "pairs": p["pairs"], "new_pairs": p["new_pairs"],
               "share": round(p["pairs"] / found["comparisons"], 6)
               if found["comparisons"] else 0.0,
               "capped_blocks": p["capped"]["blocks"], "capped_pairs": p["capped"]["pairs"],
               "skipped": p.get("skipped"),
               "largest": [_block(p["rule"], b, show_pii) for b in p["largest"]],
               "largest_capped": [_block(p["rule"], b, show_pii)
                                  for b in p["capped"]["largest"]]}
              for p in found["passes"]]
    # stable: ties keep the passes' order (by raw key), the same masked or not
    largest = sorted((b for p in passes for b in p["largest"]),
                     key=lambda b: -b["pairs"])[:LARGEST]
    out = {"status": "ok", "candidate_pairs": found["candidate_pairs"],
           "comparisons": found["comparisons"], "repeated_pairs": found["repeated_pairs"],
           "scored_pairs": found["scored_pairs"], "passes": passes, "largest_blocks": largest,
           "capped_blocks": sum(p["capped_blocks"] for p in passes),
           "capped_pairs": sum(p["capped_pairs"] for p in passes),
           "histogram": found["histogram"], "thresholds": found["thresholds"]}
    if not found["scored_pairs"]:
        out |= {"status": "no_pairs",
                "note": "no candidate pairs: no two records share a blocking key, so the "
                        "model scored nothing"}
    return out


def histogram_bins(histogram: dict[str, Any]) -> list[tuple[int, int]]:
    """(bin's lower edge, pairs) from the first to the last non-empty bin."""
    counts = histogram["counts"]
    used = [i for i, n in enumerate(counts) if n]
    if not used:
        return []
    low, width = histogram["low"], histogram["bin_width"]
    return [(low + i * width, counts[i]) for i in range(used[0], used[-1] + 1)]


def summary_line(diag: dict[str, Any]) -> str:
    """One line for the terminal: passes, comparisons, expected precision."""
    if diag["status"] != "ok":
        return diag["note"]
    auto, review = diag["thresholds"]["auto_merge"], diag["thresholds"]["review"]

    def at(t: dict[str, Any]) -> str:
        if t["expected_precision"] is None:
            return f"no pairs >= {t['threshold']}"
        return (f"{t['expected_precision']:.2%} >= {t['threshold']} "
                f"(~{t['expected_false_merges']:,.1f} false of {t['pairs']:,})")

    return (f"{len(diag['passes'])} blocking passes, {diag['comparisons']:,} comparisons -> "
            f"{diag['candidate_pairs']:,} candidate pairs, {diag['capped_blocks']:,} blocks "
            f"over the cap; expected precision {at(auto)}, {at(review)}")


@dataclass
class MatchDiagnostics:
    """Label-free diagnostics of the last dedupe run, as ``wb.dedupe.diagnostics()`` gives.

    ``.passes``, ``.blocks`` (the largest blocks of every pass, keys masked unless
    ``show_pii``) and ``.histogram`` (pairs per match-weight bin) are Polars frames;
    ``.thresholds`` holds the expected precision and false merges at the auto-merge and
    review thresholds; ``asdict()`` is the report's ``dedupe.diagnostics``.
    """

    summary: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.summary["status"] == "ok"

    @property
    def thresholds(self) -> dict[str, Any]:
        return self.summary.get("thresholds", {})

    @property
    def passes(self) -> pl.DataFrame:
        import polars as pl

        cols = ("rule", "blocks", "pairs", "new_pairs", "share", "capped_blocks",
                "capped_pairs")
        rows = [{c: p[c] for c in cols} | {"keys": " + ".join(p["keys"])}
                for p in self.summary.get("passes", [])]
        return pl.DataFrame(rows, schema={
            "rule": pl.String, "blocks": pl.Int64, "pairs": pl.Int64, "new_pairs": pl.Int64,
            "share": pl.Float64, "capped_blocks": pl.Int64, "capped_pairs": pl.Int64,
            "keys": pl.String}).select("rule", "keys", *cols[1:])

    @property
    def blocks(self) -> pl.DataFrame:
        """Largest blocks per pass (``capped``: skipped by the size cap, not compared)."""
        import polars as pl

        rows = [b | {"capped": capped} for p in self.summary.get("passes", [])
                for capped, part in ((False, "largest"), (True, "largest_capped"))
                for b in p[part]]
        return pl.DataFrame(rows, schema={
            "rule": pl.String, "kind": pl.String, "key": pl.String, "records": pl.Int64,
            "pairs": pl.Int64, "share": pl.Float64, "share_of_pass": pl.Float64,
            "capped": pl.Boolean}).sort(["pairs", "rule"], descending=[True, False],
                                             maintain_order=True)

    @property
    def histogram(self) -> pl.DataFrame:
        """Pairs per match-weight bin ``[weight_from, weight_to)`` (non-empty range)."""
        import polars as pl

        hist = self.summary.get("histogram")
        bins = histogram_bins(hist) if hist else []
        width = hist["bin_width"] if hist else 1
        return pl.DataFrame({"weight_from": [b for b, _ in bins],
                             "weight_to": [b + width for b, _ in bins],
                             "pairs": [n for _, n in bins]},
                            schema={"weight_from": pl.Int64, "weight_to": pl.Int64,
                                    "pairs": pl.Int64})

    def asdict(self) -> dict[str, Any]:
        return self.summary

    def __str__(self) -> str:
        return f"MatchDiagnostics({summary_line(self.summary)}; .passes, .blocks, .histogram)"

    def _repr_html_(self) -> str:
        from contactops.report.html import weights_chart

        esc = html.escape
        if not self.ok:
            return f"<p><b>Match diagnostics</b>: {esc(self.summary['note'])}</p>"

        def table(frame: pl.DataFrame, caption: str) -> str:
            head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
            body = "".join("<tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>"
                           for row in frame.iter_rows())
            return f"<table><caption>{esc(caption)}</caption><tr>{head}</tr>{body}</table>"

        return (f"<div><p><b>Match diagnostics</b>: {esc(summary_line(self.summary))}</p>"
                f"{table(self.passes, 'blocking passes')}"
                f"{table(self.blocks.head(LARGEST), 'largest blocks')}"
                f"{weights_chart(self.summary)}</div>")
