"""``Report``: a built summary with its renderings, as ``Workbench.report()`` returns it."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Report:
    """The report of one run. ``summary`` is the versioned JSON-ready dict.

    ``save("report.html")`` writes the self-contained page (``.json``: the summary);
    ``show()`` prints the Rich terminal summary; in a notebook the verdict is displayed.
    """

    summary: dict[str, Any]

    @property
    def verdict(self) -> dict[str, Any]:
        return self.summary["verdict"]

    @property
    def ready(self) -> bool:
        return bool(self.verdict["ready"])

    def asdict(self) -> dict[str, Any]:
        return self.summary

    def html(self) -> str:
        from contactops.report.html import render_html

        return render_html(self.summary)

    def save(self, path: str | Path) -> Path:
        from contactops.report.html import write_report

        return write_report(self.summary, path)

    def show(self, console: Any = None) -> None:
        from contactops.report.terminal import render_terminal

        render_terminal(self.summary, console)

    def __str__(self) -> str:
        from contactops.report.terminal import _lines

        lines = [self.verdict["headline"]]
        lines += [f"  {i['severity']:<8} {i['section']}: {i['message']}"
                  for i in self.verdict["items"]]
        lines += [f"{name:<14} {text}" for name, text in _lines(self.summary)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from contactops.report.terminal import _lines

        esc = html.escape
        color = {"ready": "#2a9d8f", "warnings": "#c99a1a", "blocked": "#d1495b"}
        items = "".join(f"<tr><td><b>{esc(i['severity'])}</b></td><td>{esc(i['section'])}"
                        f"</td><td>{esc(i['message'])}</td></tr>"
                        for i in self.verdict["items"])
        stages = "".join(f"<tr><td>{esc(n)}</td><td>{esc(t)}</td></tr>"
                         for n, t in _lines(self.summary))
        return (f"<div><h3 style='color:{color[self.verdict['status']]}'>"
                f"{esc(self.verdict['headline'])}</h3><table>{items}</table>"
                f"<table>{stages}</table><small>Full page: <code>report.save('report.html')"
                "</code>; data: <code>report.summary</code></small></div>")
