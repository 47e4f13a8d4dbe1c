"""The notebooks execute top to bottom against a COPY of the demo project (nbclient)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.report.conftest import copy_demo

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["quickstart", "dedupe_review", "pre_rollout_review"])
def test_notebook_runs(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    root = copy_demo(tmp_path / "project")
    monkeypatch.setenv("CONTACTOPS_PROJECT", str(root))
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    NotebookClient(notebook, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
