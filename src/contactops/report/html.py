"""Render the summary as one self-contained HTML file (inline CSS, JS and SVG; works offline).

The template is package data (``report/templates/report.html.j2``). A Content-Security-Policy
``default-src 'none'`` in the page makes the browser refuse any request that would leave the
file, so the report cannot leak data to, or depend on, the network.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from contactops.report import charts

SECTION_TITLES = {
    "imports": "Import quality per source",
    "normalization": "What normalization changed",
    "dedupe": "Duplicates found and merged",
    "validation": "Validation issues",
    "consent": "Consent by channel",
    "taxonomy": "Contact types, tags and lists",
    "audiences": "Audiences",
    "changes": "Since the previous run",
}
NAV = {"imports": "Imports", "normalization": "Normalization", "dedupe": "Duplicates",
       "validation": "Validation", "consent": "Consent", "taxonomy": "Taxonomy",
       "audiences": "Audiences", "changes": "Changes"}


@cache
def _template() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("contactops.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:.1%}"
    env.filters["num"] = lambda v: "–" if v is None else f"{v:,}"
    env.filters["signed"] = lambda v: "–" if v is None else f"{v:+,}"
    return env.get_template("report.html.j2")


def _charts(summary: dict[str, Any]) -> dict[str, str]:
    """Pre-rendered SVG strings, keyed by name (empty when the data is missing)."""
    from markupsafe import Markup

    s = summary["sections"]
    out: dict[str, str] = {}
    if s["imports"]["status"] == "ok":
        out["imports"] = charts.hbars(
            ((x["source"], x["rejected"] or 0) for x in s["imports"]["sources"]),
            label="rejected rows per source", color=charts.PALETTE["fail"])
    if s["normalization"]["status"] == "ok":
        out["normalization"] = charts.hbars(
            ((f"{r['field']} · {r['rule']}", r["changes"]) for r in
             s["normalization"]["by_rule"]), label="changes per field and rule", limit=15)
    if s["dedupe"]["status"] == "ok":
        out["dedupe"] = charts.hbars(
            ((f"{r['link_type']} · {r['rule']}", r["records"]) for r in s["dedupe"]["links"]),
            label="records per link type and rule", color=charts.PALETTE["ok"])
        diag = s["dedupe"].get("diagnostics") or {}
        if diag.get("status") == "ok":
            out["weights"] = weights_chart(diag)
    if s["validation"]["status"] == "ok":
        out["validation"] = charts.hbars(
            ((f"{r['rule']} · {r['source']}", r["failed"]) for r in s["validation"]["summary"]),
            label="failing rows per rule", color=charts.PALETTE["warn"], limit=15)
    if s["consent"]["status"] == "ok":
        out["consent"] = charts.stacked(s["consent"]["channels"].items(),
                                        label="consent states per channel")
    if s["taxonomy"]["status"] == "ok":
        out["types"] = charts.hbars(s["taxonomy"]["contact_types"].items(),
                                    label="contacts per type")
        out["tags"] = charts.hbars(((t["value"], t["n"]) for t in s["taxonomy"]["tags"]),
                                   label="contacts per tag", color=charts.PALETTE["ok"])
        out["lists"] = charts.hbars(((t["value"], t["n"]) for t in s["taxonomy"]["lists"]),
                                    label="contacts per list", color=charts.PALETTE["ok"])
    return {k: Markup(v) for k, v in out.items()}


def weights_chart(diag: dict[str, Any]) -> str:
    """Match-weight histogram with the review and auto-merge thresholds marked."""
    import math

    from contactops.report.diagnostics import histogram_bins

    if diag.get("status") != "ok":
        return ""
    marks = [(math.log2(t["threshold"] / (1 - t["threshold"])), f"{name} {t['threshold']}")
             for name, t in (("review", diag["thresholds"]["review"]),
                             ("auto-merge", diag["thresholds"]["auto_merge"]))]
    return charts.histogram(histogram_bins(diag["histogram"]),
                            label="candidate pairs per match weight (log2 Bayes factor)",
                            width=diag["histogram"]["bin_width"], marks=marks)


def render_html(summary: dict[str, Any]) -> str:
    """The report page for a summary from :func:`contactops.report.build_summary`."""
    return _template().render(s=summary, sec=summary["sections"], v=summary["verdict"],
                              charts=_charts(summary), titles=SECTION_TITLES, nav=NAV,
                              fill_color=charts.fill_color)


def render_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, default=str, ensure_ascii=False) + "\n"


def write_report(summary: dict[str, Any], path: str | Path) -> Path:
    """Write HTML, or the JSON summary when ``path`` ends in ``.json``; returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = render_json(summary) if target.suffix.lower() == ".json" else render_html(summary)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    return target
