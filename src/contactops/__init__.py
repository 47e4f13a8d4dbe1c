"""contactops — declarative contact data operations.

    from contactops import Workbench
    wb = Workbench("path/to/project")
    wb.run()                        # ingest -> normalize -> ... -> validate
    wb.contacts.pl()                # golden records as a Polars frame
    wb.table("rejected_records").df()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ContactopsError", "Workbench", "__version__", "load_pipeline", "run_pipeline"]

if TYPE_CHECKING:
    from contactops.config import load_pipeline
    from contactops.errors import ContactopsError
    from contactops.pipeline import run_pipeline
    from contactops.workbench import Workbench


def __getattr__(name: str) -> Any:  # lazy: `import contactops` stays cheap
    if name == "Workbench":
        from contactops.workbench import Workbench

        return Workbench
    if name == "load_pipeline":
        from contactops.config import load_pipeline

        return load_pipeline
    if name == "run_pipeline":
        from contactops.pipeline import run_pipeline

        return run_pipeline
    if name == "ContactopsError":
        from contactops.errors import ContactopsError

        return ContactopsError
    raise AttributeError(f"module 'contactops' has no attribute {name!r}")
