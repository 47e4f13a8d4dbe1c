"""The application core: one :class:`Context` per opened project, every command flow a method.

    from contactops.core import Context
    ctx = Context.open()              # the project around the working directory
    ctx.run(); ctx.validate(); ctx.report(path="report.html")

``contactops.cli`` and the notebook facade (``contactops.workbench``) import only this
package. Nothing heavy is imported here: ``contactops --help`` must stay instant, so the
names below load on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Context", "Project", "Relation", "Report", "RunResult", "explain_fault", "generate",
           "infer_source", "init_project", "json_schema"]

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.core.context import Context
    from contactops.core.scaffold import generate, infer_source, init_project, json_schema
    from contactops.engine.faults import explain_fault
    from contactops.engine.relation import Relation
    from contactops.pipeline.result import RunResult
    from contactops.report.result import Report

_LAZY = {
    "Context": "contactops.core.context",
    "generate": "contactops.core.scaffold",
    "infer_source": "contactops.core.scaffold",
    "init_project": "contactops.core.scaffold",
    "json_schema": "contactops.core.scaffold",
    "explain_fault": "contactops.engine.faults",
    "Project": "contactops.config.loader",
    "Relation": "contactops.engine.relation",
    "RunResult": "contactops.pipeline.result",
    "Report": "contactops.report.result",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'contactops.core' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)
