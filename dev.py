#!/usr/bin/env python3
"""Set up ``.venv`` from the lock file and run a project task. Needs only Python 3.11.

    python3.11 dev.py demo      # set up, then run the demo pipeline on the embedded DuckDB
    python3.11 dev.py test      # set up, check the layer contracts, run the whole test suite
    python3.11 dev.py lint      # set up, then check the layer contracts and run ruff
    python3.11 dev.py setup     # set up only
    python3.11 dev.py lock      # re-resolve requirements/dev.lock from pyproject.toml
    python3.11 dev.py lab       # open JupyterLab on the project's notebooks/

Setup installs uv into the venv (pip takes ~130 s for this stack, uv ~8 s) and syncs the
exact versions in requirements/dev.lock; it is skipped when the lock has not changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "dev.lock"
STAMP = VENV / ".contactops-lock"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def sh(*args: str | Path, **kw: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kw)  # type: ignore[arg-type]


def setup() -> None:
    if sys.version_info[:2] != (3, 11):
        print(f"note: running under Python {sys.version.split()[0]}; the lock targets 3.11")
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PY.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    uv = BIN / "uv"
    if not uv.exists():
        sh(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv>=0.5")
    # bytecode now, not at each import: with PYTHONDONTWRITEBYTECODE set (containers, CI)
    # every contactops process would compile its imports again (~2 s of a small run)
    sh(uv, "pip", "sync", "--python", PY, "--quiet", "--compile-bytecode", LOCK)
    sh(uv, "pip", "install", "--python", PY, "--quiet", "--no-deps", "-e", ".")
    sh(PY, "-m", "compileall", "-q", "src")
    STAMP.write_text(wanted)


def lock() -> None:
    setup_uv = BIN / "uv"
    if not setup_uv.exists():
        setup()
    LOCK.parent.mkdir(exist_ok=True)
    sh(setup_uv, "pip", "compile", "pyproject.toml", "--extra", "dev", "--python-version",
       "3.11", "--quiet", "-o", LOCK)


def contracts() -> None:
    """The import-linter contracts in pyproject.toml (stages independent, only the engine
    imports duckdb, ...): a layer broken by an import fails before any test runs."""
    sh(BIN / "lint-imports", "--no-logo")


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "help"
    rest = argv[1:]
    if task == "setup":
        setup()
    elif task == "demo":
        setup()
        # The demo data carries planted problems, so its quality gate fails by design;
        # --warn-only shows the whole result and exits 0. Drop it to see exit code 1.
        sh(BIN / "contactops", "run", "pipelines/demo.yaml", *(rest or ["--warn-only"]))
    elif task == "test":
        setup()
        contracts()
        sh(PY, "-m", "pytest", *(rest or ["-q"]))
    elif task == "lint":
        setup()
        contracts()
        sh(BIN / "ruff", "check", "src", "tests", *rest)
    elif task == "lock":
        lock()
    elif task == "lab":
        setup()
        sh(BIN / "jupyter", "lab", "notebooks/", *rest)
    else:
        print(__doc__)
        return 0 if task in ("help", "-h", "--help") else 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
