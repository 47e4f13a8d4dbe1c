"""Rich terminal summary of a report summary: the verdict first, then one line per stage.

    from contactops.report import build_summary, render_terminal
    render_terminal(build_summary(result.warehouse, result.run_id))   # after contactops run
"""

from __future__ import annotations

from typing import Any

from contactops.report.diagnostics import summary_line

STYLE = {"blocking": "bold red", "warning": "yellow", "ready": "bold green",
         "warnings": "bold yellow", "blocked": "bold red"}


def _lines(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """(stage, one-line text) for every section, "stage not run" where it did not."""
    s = summary["sections"]
    out: list[tuple[str, str]] = []

    def add(name: str, text: str) -> None:
        out.append((name, s[name].get("note", "stage not run") if s[name]["status"] != "ok"
                    else text))

    i = s["imports"]
    add("imports", "" if i["status"] != "ok" else
        f"{i['totals']['read']:,} read, {i['totals']['accepted']:,} accepted, "
        f"{i['totals']['rejected']:,} rejected from {len(i['sources'])} sources"
        + "".join(f"; {x['source']} {x['old_records']:,} -> {x['new_records']:,} "
                  f"{x['status']} by the volume gate" for x in i.get("shrinks", [])))
    n = s["normalization"]
    add("normalization", "" if n["status"] != "ok" else
        f"{n['changes']:,} values changed on {n['records']:,} records by "
        f"{len(n['by_rule'])} field rules")
    d = s["dedupe"]
    add("dedupe", "" if d["status"] != "ok" else
        f"{d['records']:,} records -> {d['contacts']:,} contacts; {d['cannot_match']}"
        if d.get("cannot_match") else
        f"{d['records']:,} records -> {d['contacts']:,} contacts "
        f"({d['merged_contacts']:,} merged), {d['open_reviews'] or 0} pairs to review")
    if d["status"] == "ok" and d.get("diagnostics") and not d.get("cannot_match"):
        out.append(("matching", summary_line(d["diagnostics"])))
    v = s["validation"]
    add("validation", "" if v["status"] != "ok" else
        f"rules failed {v['rules']['fail']}, warned {v['rules']['warn']}, "
        f"passed {v['rules']['pass']}")
    c = s["consent"]
    email = c.get("channels", {}).get("email", {})
    add("consent", "" if c["status"] != "ok" else
        f"email opted in {email.get('opted_in', 0):,} of {c['total']:,} "
        f"({email.get('unknown', 0):,} unknown)" + (
            "" if c.get("kept_over_edit") is None else
            f"; opt-outs kept over a later edit {c['kept_over_edit']:,}, "
            f"overridden by a later consent {c['overridden']:,}"))
    t = s["taxonomy"]
    add("taxonomy", "" if t["status"] != "ok" else
        f"{t['tags_distinct']} tags, {t['lists_distinct']} lists, "
        f"{len(t['unknown_tags'])} unknown tags")
    a = s["audiences"]
    add("audiences", "" if a["status"] != "ok" else
        f"{len(a['plans'])} planned, {len(a['published'])} published")
    ch = s["changes"]
    add("changes", "" if ch["status"] != "ok" else ch.get("note") or
        f"vs {ch['previous_run_id']}: {len(ch['new_loads'])} new loads, "
        f"{len(ch['rules_newly_failing'])} newly failing rules, "
        f"{len(ch['rules_resolved'])} resolved")
    return out


def render_terminal(summary: dict[str, Any], console: Any = None) -> None:
    """Print the verdict, its blocking items and warnings, and a line per stage."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    verdict = summary["verdict"]
    run = summary.get("run") or {}
    console.print(Text(verdict["headline"], style=STYLE[verdict["status"]]))
    if run:
        console.print(Text(f"run {run['run_id']} ({run['status']}) of "
                           f"{summary.get('pipeline')}", style="dim"))
    for item in verdict["items"][:12]:
        line = Text(f"  {item['severity']:<8} ", style=STYLE[item["severity"]])
        line.append(f"{item['section']}: {item['message']}")
        console.print(line)
    if len(verdict["items"]) > 12:
        console.print(f"  ... {len(verdict['items']) - 12} more in the report", style="dim")
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for name, text in _lines(summary):
        table.add_row(name, Text(text, style="dim" if text.startswith("stage not run")
                                 else ""))
    console.print(table)
