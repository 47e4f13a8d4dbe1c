"""The CLI and the notebook facade stand on the core alone, and opening the core is cheap."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import contactops

SRC = Path(contactops.__file__).parent
ALLOWED = ("contactops.core", "contactops.errors", "contactops.cli", "contactops.workbench")
SURFACES = [*sorted((SRC / "cli").glob("*.py")), SRC / "workbench.py", SRC / "workbench_ns.py"]


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return [n for n in names if n == "contactops" or n.startswith("contactops.")]


def test_cli_and_facade_import_only_the_core() -> None:
    bad = {f"{path.relative_to(SRC)}: {name}" for path in SURFACES for name in _imports(path)
           if not name.startswith(ALLOWED)}
    assert not bad, sorted(bad)


def test_no_sql_statements_in_cli_or_facade() -> None:
    bad = []
    for path in SURFACES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.upper()
                if "SELECT " in text and " FROM " in text or "INSERT INTO" in text:
                    bad.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert not bad, bad


def test_importing_the_core_stays_light() -> None:
    code = ("import sys, contactops.core\n"
            "heavy = {'duckdb', 'polars', 'pydantic', 'yaml', 'pandas', 'rich'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
