"""Zero-config: build source blocks for raw files nobody wrote a pipeline for.

``contactops infer FILE`` prints the block; ``contactops run --source FILE`` uses it.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from contactops.errors import UsageError
from contactops.sources.synonyms import suggest_mapping

EXTENSIONS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".tab": "csv",
    ".xlsx": "excel", ".xlsm": "excel",
    ".json": "json", ".ndjson": "json", ".jsonl": "json", ".xls": "excel", ".ods": "excel",
    ".parquet": "parquet", ".pq": "parquet",
    ".sqlite": "sqlite", ".sqlite3": "sqlite", ".db": "sqlite",
    ".duckdb": "duckdb",
}


def source_name(path: Path, taken: set[str] | None = None) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_") or "source"
    if not base[0].isalpha():
        base = "s_" + base
    base = base[:50]
    name, n = base, 2
    while taken and name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def infer_source(path: str | Path, *, root: Path | None = None,
                 taken: set[str] | None = None) -> dict[str, Any]:
    """A source block (plain dict, YAML-ready) for ``path`` with a suggested mapping."""
    from contactops.config.loader import Project
    from contactops.config.pipeline import SOURCE_TYPES  # noqa: F401
    from contactops.config.project import ProjectSettings
    from contactops.sources.registry import reader_for

    file = Path(path)
    if not file.is_file():
        raise UsageError(f"{file}: file not found")
    kind_of = kind_from_bytes(file)
    if kind_of is None:
        raise UsageError(f"{file}: cannot tell the format from '{file.suffix}' or from its "
                         f"bytes; known: {', '.join(sorted(EXTENSIONS))} (also compressed: "
                         f"{', '.join(COMPRESSED_SUFFIXES)}). Write a pipeline source instead")
    shown = str(file) if root is None else _relative(file, root)
    block: dict[str, Any] = {"name": source_name(file, taken), "type": kind_of,
                             "kind": "connected_system" if kind_of in ("sqlite", "duckdb")
                             else "import", "path": shown}
    if kind_of == "sqlite":
        block["table"] = _pick_sqlite_table(file)
    if kind_of == "duckdb":
        raise UsageError(f"{file}: a DuckDB file needs a table or query; write a pipeline source "
                         "with type: duckdb")
    from contactops.config.pipeline import Pipeline

    probe = Pipeline.model_validate({"name": "infer", "sources": [{**block, "path": str(file)}]})
    project = Project(root=Path.cwd(), settings=ProjectSettings())
    columns = _csv_columns(probe.sources[0], project) if kind_of == "csv" else None
    batch = None
    if columns is None:
        batch = reader_for(kind_of)(probe.sources[0], project, None)
        columns = batch.raw_columns()
    notes: list[str] = []
    if batch is not None and kind_of == "excel":
        block["sheet"] = batch.details["sheet"]
        block["header_row"] = batch.details["header_row"]
        others = [s for s in batch.details["sheets"] if s != block["sheet"]]
        notes.append(f"sheet '{block['sheet']}' chosen" + (
            f" (other sheets: {', '.join(others)})" if others else "")
            + f"; column names at Excel row {block['header_row'] + 1}"
            + (f", {batch.details['rows_above_header']} title row(s) above skipped"
               if batch.details["rows_above_header"] else ""))
    if batch is not None and batch.details.get("compression"):
        notes.append(f"read through {batch.details['compression']} decompression")
    mapping, key = suggest_mapping(columns)
    if key:
        block["key"] = key
    block["mapping"] = mapping
    if not mapping:
        notes.append("warning: no column matched a known contact field, so the mapping is "
                     "empty; write 'mapping:' by hand (columns: "
                     + ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "") + ")")
    block["unmapped"] = [c for c in columns if c not in mapping and c != key]
    block["notes"] = notes
    return block


def _csv_columns(source: Any, project: Any) -> list[str] | None:
    """A plain UTF-8 CSV's columns from its head (None: read the whole file to know)."""
    from contactops.sources.csv_source import read_columns

    return read_columns(source, project)


COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")
_BYTE_KINDS = {"xlsx": "excel", "ods": "excel", "xls": "excel", "parquet": "parquet",
               "sqlite": "sqlite", "duckdb": "duckdb"}


def kind_from_bytes(file: Path) -> str | None:
    """The source type of ``file``: what its bytes say first, then its extension."""
    from contactops.sources.sniff import sniff_file

    found = sniff_file(file)
    if found.kind in _BYTE_KINDS:
        return _BYTE_KINDS[found.kind]
    suffixes = [s.lower() for s in file.suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        suffixes.pop()
    by_name = EXTENSIONS.get(suffixes[-1]) if suffixes else None
    if by_name in ("csv", "json"):
        return by_name
    if found.is_text:  # no name, or a name that lies (a CSV saved as .xlsx)
        with file.open("rb") as handle:
            head = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        return "json" if head[:1] in (b"[", b"{") else "csv"
    return by_name


def _pick_sqlite_table(file: Path) -> str:
    con = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table','view') "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    finally:
        con.close()
    if len(tables) == 1:
        return tables[0]
    for name in tables:
        if "contact" in name.lower() or "people" in name.lower() or "lead" in name.lower():
            return name
    raise UsageError(f"{file}: cannot tell which table holds contacts ({', '.join(tables)}); "
                     "write a pipeline source with 'table:'")


def _relative(file: Path, root: Path) -> str:
    try:
        return str(file.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(file.resolve())


def zero_config_pipeline(files: list[str], *, root: Path) -> dict[str, Any]:
    """Pipeline data (plain dict) with one inferred source per file; auto_map stays on."""
    taken: set[str] = set()
    sources = []
    for file in files:
        block = infer_source(file, root=root, taken=taken)
        taken.add(block["name"])
        block.pop("unmapped")
        block.pop("notes")
        block["auto_map"] = True
        sources.append(block)
    return {"name": "adhoc", "sources": sources}
