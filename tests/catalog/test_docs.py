"""docs/warehouse.md's tables section is the catalog's: regenerate it when the catalog moves."""

from __future__ import annotations

from pathlib import Path

from contactops.catalog import TABLES, docs


def test_the_doc_matches_the_catalog() -> None:
    assert docs.DOC.exists()
    assert docs.main(["--check"]) == 0, (
        "docs/warehouse.md differs from the catalog: run 'python -m contactops.catalog.docs'")


def test_every_public_table_and_column_is_in_the_doc() -> None:
    text = docs.DOC.read_text(encoding="utf-8")
    for table in TABLES:
        assert (f"| `{table}` |" in text) == table.public, table.name
        if table.public and table.kind == "table":
            line = next(li for li in text.splitlines() if li.startswith(f"* `{table}`"))
            assert all(f"`{c.name}` {c.type}" in line for c in table.columns)
    assert "Reserved for later stages" not in text


def test_check_fails_and_write_repairs_a_stale_doc(tmp_path: Path, capsys) -> None:
    stale = tmp_path / "warehouse.md"
    stale.write_text(docs.DOC.read_text(encoding="utf-8").replace(
        "| `contacts` |", "| `contacts_old` |"), encoding="utf-8")
    assert docs.main(["--check", "--doc", str(stale)]) == 1
    assert "differs from the catalog" in capsys.readouterr().err
    assert docs.main(["--doc", str(stale)]) == 0
    assert docs.main(["--check", "--doc", str(stale)]) == 0
    assert "`contacts_old`" not in stale.read_text(encoding="utf-8")
