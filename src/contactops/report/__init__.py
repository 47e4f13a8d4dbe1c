"""Report stage: one summary dict from the warehouse, rendered as HTML, JSON or terminal text.

    from contactops.report import build_summary, render_html, render_terminal
    summary = build_summary("warehouse/demo.duckdb")   # PII masked unless show_pii=True
    Path("report.html").write_text(render_html(summary))
    render_terminal(summary)                           # Rich summary for the console

The summary's shape is versioned (``schema_version``) and documented in docs/report-schema.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"SCHEMA_VERSION": "summary", "build_summary": "summary", "render_html": "html",
            "render_terminal": "terminal", "write_report": "html"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"contactops.report.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'contactops.report' has no attribute '{name}'")
