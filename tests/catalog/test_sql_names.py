"""Raw SQL names warehouse tables through the catalog (``{T.loads}``), not by literal.

Scans the string literals of ``src/contactops/**/*.py`` outside ``engine/`` and ``catalog/``
(docstrings and comments excluded) for a line holding a SQL keyword followed by a catalog
table name, bare or quoted. A few such lines may remain; more is drift.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from contactops.catalog import NAMES

SRC = Path(__file__).resolve().parents[2] / "src" / "contactops"
EXEMPT = ("engine", "catalog")
LIMIT = 10

_NAMES = "|".join(sorted(NAMES, key=len, reverse=True))
_KEYWORD = r"\b(?:SELECT|FROM|JOIN|INTO|UPDATE|DELETE|TABLE|VIEW)\b"
# a name not part of a longer word, a {T.name} reference or an alias (``AS contacts``)
_NAME = rf"(?<![\w.{{])(?<!AS )([\"'`]?)({_NAMES})\1(?![\w}}])"
SQL_NAMING_TABLE = re.compile(rf"{_KEYWORD}.*?{_NAME}")
#: A string piece continuing one that ended with a keyword: ``"... FROM "`` ``"loads l"``.
CONTINUED = re.compile(rf"^[a-zA-Z]*[\"']{{1,3}}\s*{_NAME}")
ENDS_WITH_KEYWORD = re.compile(rf"{_KEYWORD}\s*[\"']{{1,3}}$")


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def raw_table_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of each line of ``path`` whose SQL names a table by literal."""
    text = path.read_text(encoding="utf-8")
    skip = _docstring_lines(ast.parse(text))
    found: dict[int, str] = {}
    previous = ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type != tokenize.STRING or token.start[0] in skip:
            if token.type not in (tokenize.NL, tokenize.COMMENT):
                previous = ""
            continue
        for offset, piece in enumerate(token.string.splitlines()):
            if SQL_NAMING_TABLE.search(piece) or (
                    offset == 0 and ENDS_WITH_KEYWORD.search(previous)
                    and CONTINUED.search(piece)):
                number = token.start[0] + offset
                found[number] = text.splitlines()[number - 1].strip()
        previous = token.string
    return sorted(found.items())


def scan() -> dict[str, list[str]]:
    """Offending lines by file (relative to ``src/contactops``)."""
    hits: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        if rel.parts[0] in EXEMPT:
            continue
        lines = raw_table_lines(path)
        if lines:
            hits[str(rel)] = [f"{n}: {line}" for n, line in lines]
    return hits


def test_the_scanner_sees_raw_names_and_not_catalog_references(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""SELECT * FROM contacts (a docstring is prose)."""\n'
        'a = "SELECT count(*) FROM contacts"\n'
        'b = f"SELECT count(*) FROM {T.contacts}"\n'
        "c = 'DELETE FROM \"loads\" WHERE x'\n"
        '# SELECT * FROM loads\n'
        'd = wh.table_exists("loads")\n'
        'e = "SELECT contacts_seen FROM x"\n'
        'f = ("SELECT count(*) AS contacts FROM {T.contacts} "\n'
        '     "JOIN x USING (id)")\n'
        'g = ("SELECT count(*) FROM "\n'
        '     "contacts c")\n', encoding="utf-8")
    assert [n for n, _ in raw_table_lines(sample)] == [2, 4, 11]


def test_raw_sql_names_few_tables_outside_the_engine_and_catalog() -> None:
    hits = scan()
    total = sum(len(lines) for lines in hits.values())
    shown = "\n".join(f"{file}:{line}" for file, lines in hits.items() for line in lines)
    assert total <= LIMIT, (f"{total} lines of raw SQL name a warehouse table (at most "
                            f"{LIMIT}); write f\"... FROM {{T.name}}\" instead:\n{shown}")
