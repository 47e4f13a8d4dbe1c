"""Shared helpers for the hostile-input corpus (issue #14).

``hostile`` gives a throwaway project: write a file, write a one-source pipeline over it, run
the CLI in-process, and read back what the warehouse recorded (``loads`` and
``rejected_records``) so a test can check that every record of the file is accounted for.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
import yaml
from typer.testing import CliRunner, Result

from contactops.cli.app import app

WAREHOUSE = "wh/hostile.duckdb"


@dataclass
class Accounting:
    """What the warehouse holds for one source after a run."""

    loads: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    stored_accepted: int = 0
    stored_rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    details: dict[str, Any] = field(default_factory=dict)
    rejects: list[dict[str, Any]] = field(default_factory=list)

    def assert_balanced(self, records: int, accepted: int) -> None:
        """rows_read == accepted + rejected == ``records``, in ``loads`` and in the tables."""
        assert self.loads == 1, f"expected one load, found {self.loads}"
        assert self.rows_read == records, f"rows_read {self.rows_read} != {records} records"
        assert self.rows_accepted + self.rows_rejected == self.rows_read
        assert (self.stored_accepted, self.stored_rejected) == \
            (self.rows_accepted, self.rows_rejected)
        assert self.rows_accepted == accepted, \
            f"accepted {self.rows_accepted} != {accepted}; rejects: {dict(self.reasons)}"


class Hostile:
    """A project folder with one source; ``cwd`` is its root while the test runs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "config").mkdir()
        (root / "config" / "contactops.yaml").write_text(
            f"project: hostile\nwarehouse: {WAREHOUSE}\n")
        (root / "pipelines").mkdir()
        (root / "data").mkdir()
        self.runner = CliRunner()

    def write(self, name: str, data: bytes) -> Path:
        path = self.root / "data" / name
        path.write_bytes(data)
        return path

    def pipeline(self, name: str, type_: str, **options: Any) -> Path:
        """A pipeline with one source ``s`` of ``type_`` over ``data/<name>``."""
        source = {"name": "s", "type": type_, "kind": "import", "path": f"data/{name}",
                  "auto_map": True, **options}
        target = self.root / "pipelines" / "p.yaml"
        target.write_text(yaml.safe_dump({"name": "hostile", "sources": [source]},
                                         sort_keys=False))
        return target

    def cli(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args), catch_exceptions=True)

    def run(self, name: str, data: bytes, type_: str = "csv", **options: Any) -> Result:
        """Write ``data`` as ``data/<name>`` and run its one-source pipeline to ingest."""
        self.write(name, data)
        self.pipeline(name, type_, **options)
        return self.cli("run", "pipelines/p.yaml", "--until", "ingest", "--json")

    def accounting(self, source: str = "s") -> Accounting:
        import json

        import duckdb

        path = self.root / WAREHOUSE
        out = Accounting()
        if not path.exists():
            return out
        con = duckdb.connect(str(path), read_only=True)
        try:
            loads = con.execute(
                "SELECT load_id, rows_read, rows_accepted, rows_rejected, details FROM loads "
                "WHERE source = ? AND status = 'loaded'", [source]).fetchall()
            out.loads = len(loads)
            if not loads:
                return out
            load_id, out.rows_read, out.rows_accepted, out.rows_rejected, details = loads[-1]
            out.details = json.loads(details) if details else {}
            out.stored_accepted = con.execute(
                "SELECT count(*) FROM source_records WHERE load_id = ?", [load_id]).fetchone()[0]
            rows = con.execute(
                "SELECT row_number, line_number, reason_code, field, message, raw "
                "FROM rejected_records WHERE load_id = ? ORDER BY row_number",
                [load_id]).fetchall()
            names = ("row_number", "line_number", "reason_code", "field", "message", "raw")
            out.rejects = [dict(zip(names, r, strict=True)) for r in rows]
            out.stored_rejected = len(rows)
            out.reasons = Counter(r["reason_code"] for r in out.rejects)
        finally:
            con.close()
        return out

    def values(self, column: str, source: str = "s") -> list[Any]:
        """One canonical column of the landed records, in row order."""
        import duckdb

        con = duckdb.connect(str(self.root / WAREHOUSE), read_only=True)
        try:
            return [r[0] for r in con.execute(
                f'SELECT "{column}" FROM source_records WHERE source = ? ORDER BY row_number',
                [source]).fetchall()]
        finally:
            con.close()


@functools.cache
def _command() -> Any:
    return typer.main.get_command(app)


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hostile:
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    # Typer rebuilds the Click command on every invoke (0.3 s); build it once per session
    build = typer.testing._get_command
    monkeypatch.setattr(typer.testing, "_get_command",
                        lambda given: _command() if given is app else build(given))
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    return Hostile(root)
