"""The tables part of ``docs/warehouse.md``, generated from the catalog.

``python -m contactops.catalog.docs`` rewrites the text between the ``catalog:begin`` and
``catalog:end`` markers; ``--check`` exits 1 (and changes nothing) when it differs, so a
table or column added to the catalog without regenerating the doc fails CI. Prose outside
the markers is hand-written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contactops.catalog.model import Column, Table
from contactops.catalog.tables import TABLES

BEGIN = "<!-- catalog:begin -->"
END = "<!-- catalog:end -->"
#: The doc in a source checkout (the package lives in ``src/contactops/catalog``).
DOC = Path(__file__).resolve().parents[3] / "docs" / "warehouse.md"


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _column(column: Column) -> str:
    text = f"`{column.name}` {column.type}"
    return f"{text} ({column.doc})" if column.doc and "<" in column.name else text


def _row(table: Table) -> str:
    return f"| `{table}` | {table.doc} | {table.stage} | {_names(table.key)} |"


def section() -> str:
    """The generated text, markers included."""
    public = [t for t in TABLES if t.public]
    lines = [BEGIN,
             "<!-- generated from src/contactops/catalog by "
             "`python -m contactops.catalog.docs`; edit the catalog, not this -->",
             "", "| table | one row per | stage | key columns |", "| --- | --- | --- | --- |"]
    lines += [_row(t) for t in public if t.kind == "table"]
    lines += ["", "Views (always current, computed from the tables above):", "",
              "| view | one row per | stage | key columns |", "| --- | --- | --- | --- |"]
    lines += [_row(t) for t in public if t.kind == "view"]
    internal = [t for t in TABLES if not t.public]
    lines += ["", "Internal: " + ", ".join(f"`{t}` ({t.doc})" for t in internal) + ".", "",
              "#### Columns", ""]
    for table in (t for t in public if t.kind == "table"):
        lineage = [f"{what} `{col}`" for what, col in
                   (("record", table.by_record), ("contact", table.by_contact),
                    ("load", table.by_load)) if col]
        derived = f" (lineage: {', '.join(lineage)})" if lineage else ""
        lines.append(f"* `{table}`{derived}: " + ", ".join(_column(c) for c in table.columns))
    lines.append(END)
    return "\n".join(lines)


def render(text: str) -> str:
    """``text`` (the whole doc) with its generated part replaced."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{DOC.name} has no {BEGIN} ... {END} block")
    return text[:start] + section() + text[end + len(END):]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contactops.catalog.docs",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the doc differs from the catalog; write nothing")
    parser.add_argument("--doc", type=Path, default=DOC, help="the doc to write")
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    wanted = render(text)
    if wanted == text:
        return 0
    if args.check:
        print(f"{args.doc} differs from the catalog: run 'python -m contactops.catalog.docs'",
              file=sys.stderr)
        return 1
    args.doc.write_text(wanted, encoding="utf-8")
    print(f"wrote {args.doc}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
