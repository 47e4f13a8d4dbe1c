"""Hostile files (issue #14): every file ends in a run that accounts for each of its records,
or in a refusal with exit 2 naming the file, the problem and the fix. Never exit 3, never a
hang, never a row lost without a reason.

Every file is generated here; nothing binary is committed. Each case states how many records
the file really holds and how many of them must load.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import random
import sqlite3
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.hostile.conftest import Hostile

ROWS = [("1", "José Núñez", "jose@example.com"), ("2", "Zoë Müller", "zoe@example.com"),
        ("3", "Ann Lee", "ann@example.com")]
NAMES = [r[1] for r in ROWS]


def csv_text(rows: list[tuple[str, ...]] = ROWS, eol: str = "\n", last_eol: bool = True) -> str:
    lines = ["id,name,email", *(",".join(r) for r in rows)]
    return eol.join(lines) + (eol if last_eol else "")


CSV = csv_text().encode()
MANY = csv_text([(str(i), f"Person {i}", f"p{i}@example.com") for i in range(1, 21)]).encode()


def ndjson(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Loaded:
    """A file that loads: ``records`` it holds, ``accepted`` of them, the reject reasons."""

    name: str
    data: Callable[[], bytes]
    records: int
    accepted: int
    reasons: dict[str, int] = field(default_factory=dict)
    type_: str = "csv"
    names: list[str] | None = None       # expected full_name values, in row order
    details: dict[str, Any] = field(default_factory=dict)   # expected loads.details facts


@dataclass
class Refused:
    """A file that is refused with exit 2 and a message holding every ``fragments``."""

    name: str
    data: Callable[[], bytes]
    fragments: tuple[str, ...]
    type_: str = "csv"


DEEP_OBJECT = b'{"a":' * 5000 + b"1" + b"}" * 5000
DEEP_ARRAY = b"[" * 5000 + b"]" * 5000

LOADED: dict[str, Loaded] = {
    # -- encodings --------------------------------------------------------------------------
    "utf16le-bom": Loaded("f.csv", lambda: codecs.BOM_UTF16_LE + csv_text().encode("utf-16-le"),
                          3, 3, names=NAMES, details={"encoding": "utf-16"}),
    "utf16be-bom": Loaded("f.csv", lambda: codecs.BOM_UTF16_BE + csv_text().encode("utf-16-be"),
                          3, 3, names=NAMES, details={"encoding": "utf-16"}),
    "utf16le-no-bom": Loaded("f.csv", lambda: csv_text().encode("utf-16-le"), 3, 3, names=NAMES,
                             details={"encoding": "utf-16-le"}),
    "utf16be-no-bom": Loaded("f.csv", lambda: csv_text().encode("utf-16-be"), 3, 3, names=NAMES,
                             details={"encoding": "utf-16-be"}),
    "utf32-bom": Loaded("f.csv", lambda: csv_text().encode("utf-32"), 3, 3, names=NAMES,
                        details={"encoding": "utf-32"}),
    "utf32le-no-bom": Loaded("f.csv", lambda: csv_text().encode("utf-32-le"), 3, 3,
                             names=NAMES, details={"encoding": "utf-32-le"}),
    "latin1": Loaded("f.csv", lambda: csv_text([("1", "Zoë\x81", "z@example.com")]).encode(
        "latin-1"), 1, 1, names=["Zoë\x81"], details={"encoding": "latin-1"}),
    "cp1252": Loaded("f.csv", lambda: csv_text([("1", "“Ann” Lee", "a@example.com")]).encode(
        "cp1252"), 1, 1, names=["“Ann” Lee"], details={"encoding": "cp1252"}),
    "mixed-utf8-latin1": Loaded(
        "f.csv", lambda: b"id,name,email\n1,Jos\xc3\xa9,j@example.com\n2,Ren\xe9,r@example.com\n"
        b"3,Ann,a@example.com\n", 3, 3, names=["José", "René", "Ann"],
        details={"encoding": "utf-8", "fallback_lines": [3], "fallback_count": 1}),
    "invalid-byte": Loaded(
        "f.csv", lambda: CSV.replace(b"Ann Lee", b"Ann\xff Lee"), 3, 3,
        names=[*NAMES[:2], "Ann\xff Lee"], details={"fallback_lines": [4]}),
    "bom-in-the-middle": Loaded(
        "f.csv", lambda: CSV.replace(b"\n3,", b"\n\xef\xbb\xbf3,"), 3, 3, names=NAMES,
        details={"bom_removed_lines": [4]}),
    "cut-mid-multibyte": Loaded(
        "f.csv", lambda: "id,email,name\n1,j@example.com,José\n2,z@example.com,Zoë\n"
        "3,a@example.com,Jos".encode() + "é".encode()[:1], 3, 3,
        names=["José", "Zoë", "JosÃ"], details={"fallback_lines": [4]}),
    # -- line endings -----------------------------------------------------------------------
    "cr-only": Loaded("f.csv", lambda: csv_text(eol="\r").encode(), 3, 3, names=NAMES,
                      details={"line_endings": "cr"}),
    "crlf": Loaded("f.csv", lambda: csv_text(eol="\r\n").encode(), 3, 3, names=NAMES,
                   details={"line_endings": "crlf"}),
    "mixed-endings": Loaded(
        "f.csv", lambda: b"id,name,email\r\n1,Jos\xc3\xa9 N\xc3\xba\xc3\xb1ez,jose@example.com\n"
        b"2,Zo\xc3\xab M\xc3\xbcller,zoe@example.com\r3,Ann Lee,ann@example.com\r\n", 3, 3,
        names=NAMES, details={"line_endings": "mixed (crlf+lf+cr)"}),
    "no-newline-at-eof": Loaded("f.csv", lambda: csv_text(last_eol=False).encode(), 3, 3,
                                names=NAMES),
    "blank-lines": Loaded("f.csv", lambda: CSV.replace(b"\n2,", b"\n\n\n2,"), 5, 3,
                          {"blank_line": 2}, names=NAMES),
    # -- compression ------------------------------------------------------------------------
    "gzip-named-csv": Loaded("f.csv", lambda: gzip.compress(MANY), 20, 20,
                             details={"compression": "gzip"}),
    "csv-gz": Loaded("f.csv.gz", lambda: gzip.compress(CSV), 3, 3, names=NAMES),
    "csv-bz2": Loaded("f.csv.bz2", lambda: bz2.compress(CSV), 3, 3, names=NAMES,
                      details={"compression": "bz2"}),
    "xz-named-csv": Loaded("f.csv", lambda: lzma.compress(CSV), 3, 3, names=NAMES,
                           details={"compression": "xz"}),
    "json-gz": Loaded("f.json.gz", lambda: gzip.compress(json.dumps(
        [{"name": n} for n in NAMES]).encode()), 3, 3, type_="json", names=NAMES),
    "only-header": Loaded("f.csv", lambda: b"id,name,email\n", 0, 0),
    # -- quoting and truncation ---------------------------------------------------------------
    "unterminated-quote-mid-file": Loaded(
        "f.csv", lambda: CSV.replace(b"2,Zo", b'2,"Zo'), 3, 2, {"unterminated_quote": 1},
        names=[NAMES[0], NAMES[2]]),
    "cut-mid-quote": Loaded("f.csv", lambda: CSV + b'4,"Dan', 4, 3,
                            {"unterminated_quote": 1}, names=NAMES),
    "stray-quotes": Loaded("f.csv", lambda: CSV.replace(b"Ann Lee", b'Ann "AJ" Lee'), 3, 3,
                           names=[*NAMES[:2], 'Ann "AJ" Lee']),
    "text-after-closing-quote": Loaded("f.csv", lambda: CSV.replace(b"Ann Lee", b'"Ann" Lee'),
                                       3, 2, {"bad_quote": 1}),
    "embedded-newlines": Loaded(
        "f.csv", lambda: b'id,name,email\n1,"Jos\xc3\xa9\nN\xc3\xba\xc3\xb1ez",j@example.com\n'
        b'2,"Zo\xc3\xab\r\nM",z@example.com\n3,Ann Lee,a@example.com\n', 3, 3,
        names=["José\nNúñez", "Zoë\nM", "Ann Lee"]),
    # -- size ---------------------------------------------------------------------------------
    "10mb-cell": Loaded("f.csv", lambda: CSV.replace(b"Ann Lee", b"A" * 10_500_000), 3, 2,
                        {"line_too_long": 1}, names=NAMES[:2]),
    "row-with-20000-values": Loaded(
        "f.csv", lambda: CSV.replace(b"ann@example.com", b",".join([b"x"] * 19_998)), 3, 2,
        {"too_many_columns": 1}, names=NAMES[:2]),
    # -- NULs ---------------------------------------------------------------------------------
    "nul-in-value": Loaded("f.csv", lambda: CSV.replace(b"Ann Lee", b"Ann\x00 Lee"), 3, 3,
                           names=NAMES, details={"nul_removed_lines": [4]}),
    # -- JSON shapes --------------------------------------------------------------------------
    "json-empty-array": Loaded("f.json", lambda: b"[]", 0, 0, type_="json"),
    "json-empty-object": Loaded("f.json", lambda: b"{}", 1, 0, {"empty_row": 1}, type_="json"),
    "ndjson-bad-lines": Loaded(
        "f.ndjson", lambda: ndjson('{"name":"Ann"}', '{"name":', "[1,2]", '{"name":"Bob"}'),
        4, 2, {"invalid_json": 1, "not_an_object": 1}, type_="json", names=["Ann", "Bob"]),
    "ndjson-5000-deep-line": Loaded(
        "f.ndjson", lambda: b'{"name":"Ann"}\n' + DEEP_OBJECT + b'\n{"name":"Bob"}\n', 3, 2,
        {"too_deep": 1}, type_="json", names=["Ann", "Bob"]),
    "json-nul-escape": Loaded("f.json", lambda: b'[{"name":"A\\u0000nn"},{"name":"Bob"}]', 2, 2,
                              type_="json", names=["Ann", "Bob"],
                              details={"nul_removed_rows": [1]}),
    "json-utf16": Loaded("f.json", lambda: json.dumps([{"name": n} for n in NAMES],
                                                      ensure_ascii=False).encode("utf-16"),
                         3, 3, type_="json", names=NAMES),
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("contacts.csv", CSV)
    return buffer.getvalue()


def _xlsx_bytes() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Contacts").write_row(0, 0, ["email"])
    book.close()
    return buffer.getvalue()


REFUSED: dict[str, Refused] = {
    "truncated-gzip": Refused("f.csv", lambda: gzip.compress(MANY * 50)[:200],
                              ("data/f.csv", "gzip-compressed", "cut short",
                               "copy the complete file again")),
    "zip-not-xlsx": Refused("f.csv", _zip, ("data/f.csv", "zip archive", "contacts.csv",
                                            "unzip it")),
    "xlsx-named-csv": Refused("f.csv", _xlsx_bytes, ("Excel workbook", "type: excel")),
    "zstd-named-csv": Refused("f.csv", lambda: b"\x28\xb5\x2f\xfd" + bytes(64),
                              ("zstd-compressed", "zstd -d")),
    "elf-executable": Refused("f.csv", lambda: b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 8,
                              ("data/f.csv", "Linux executable", "not a CSV file")),
    "png": Refused("f.csv", lambda: b"\x89PNG\r\n\x1a\n" + random.Random(2).randbytes(500),
                   ("PNG image",)),
    "random-bytes": Refused("f.csv", lambda: random.Random(1).randbytes(4000),
                            ("data/f.csv", "binary data", "point 'path:'")),
    "zero-length": Refused("f.csv", lambda: b"", ("data/f.csv", "empty (0 bytes)",
                                                  "export the data again")),
    "only-whitespace": Refused("f.csv", lambda: b"  \n\t\n \r\n", ("only whitespace",)),
    "quote-in-header": Refused("f.csv", lambda: CSV.replace(b"id,name", b'id,"name'),
                               ("data/f.csv line 1 (the header)", "never closed")),
    "20000-columns": Refused("f.csv", lambda: ",".join(f"c{i}" for i in range(20_000)).encode()
                             + b"\n" + b",".join([b"v"] * 20_000) + b"\n",
                             ("20,000 columns", "limit of 2,000", "delimiter")),
    "utf16-cut-mid-character": Refused("f.csv", lambda: csv_text().encode("utf-16")[:-1],
                                       ("data/f.csv", "not valid utf-16", "cut short")),
    "json-cut-mid-document": Refused("f.json", lambda: b'[{"name":"Ann"},\n{"name":"Bo',
                                     ("data/f.json", "not valid JSON", "line 2"), "json"),
    "json-5000-deep-object": Refused("f.json", lambda: DEEP_OBJECT, ("deeper than",), "json"),
    "json-5000-deep-array": Refused("f.json", lambda: DEEP_ARRAY, ("deeper than",), "json"),
    "json-scalar": Refused("f.json", lambda: b"42", ("the number 42", "not records"), "json"),
    "json-empty-file": Refused("f.json", lambda: b"", ("empty (0 bytes)",), "json"),
    "json-raw-nul": Refused("f.json", lambda: b'[{"name":"A\x00n"}]', ("NUL byte", "line 1"),
                            "json"),
    "csv-named-xlsx": Refused("f.xlsx", lambda: CSV, ("data/f.xlsx", "is text",
                                                       "not an Excel file", "type: csv"),
                              "excel"),
}


@pytest.mark.parametrize("case", LOADED.values(), ids=LOADED.keys())
def test_hostile_file_loads_with_every_record_accounted(hostile: Hostile, case: Loaded) -> None:
    result = hostile.run(case.name, case.data(), case.type_)
    assert result.exit_code == 0, result.output
    acct = hostile.accounting()
    acct.assert_balanced(case.records, case.accepted)
    assert dict(acct.reasons) == case.reasons
    for key, value in case.details.items():
        assert acct.details.get(key) == value, (key, acct.details)
    if case.names is not None:
        assert hostile.values("full_name") == case.names
    for value in hostile.values("full_name") + hostile.values("email"):
        assert value is None or ("\x00" not in value and "\ufeff" not in value)


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_hostile_file_is_refused_with_exit_2(hostile: Hostile, case: Refused) -> None:
    result = hostile.run(case.name, case.data(), case.type_)
    assert result.exit_code == 2, result.output
    assert "unexpected error" not in result.output
    for fragment in case.fragments:
        assert fragment in result.output
    assert hostile.accounting().loads == 0


# -- Excel: which sheet, which header row ----------------------------------------------------

PEOPLE = [[f"p{i}@example.com", f"First{i}", f"Last{i}", f"41555501{i:02d}"] for i in range(5)]


def workbook(*sheets: tuple[str, list[list[Any]]], title: str | None = None) -> bytes:
    """An .xlsx with the given sheets; ``title`` adds a merged title row and a blank row
    above the first sheet whose name is Contacts."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        start = 0
        if title and name == "Contacts":
            sheet.merge_range(0, 0, 0, 3, title, book.add_format({"bold": True}))
            start = 2
        for i, row in enumerate(rows):
            sheet.write_row(start + i, 0, row)
    book.close()
    return buffer.getvalue()


CONTACTS = ("Contacts", [["Email", "First Name", "Last Name", "Phone"], *PEOPLE])
SUMMARY = ("Summary", [["Total contacts", 5], ["Exported", "2026-12-01"]])


def test_excel_summary_first_sheet_zero_config_loads_the_contacts_sheet(
        hostile: Hostile) -> None:
    hostile.write("book.xlsx", workbook(SUMMARY, CONTACTS))
    result = hostile.cli("run", "--source", "data/book.xlsx", "--until", "ingest")
    assert result.exit_code == 0, result.output
    assert "sheet: 'Contacts', column names at Excel row 1" in result.output
    acct = hostile.accounting("book")
    acct.assert_balanced(5, 5)
    assert acct.details["sheet"] == "Contacts"
    assert hostile.values("email", "book") == [p[0] for p in PEOPLE]


def test_excel_merged_title_row_is_skipped_and_infer_names_the_header_row(
        hostile: Hostile) -> None:
    hostile.write("book.xlsx", workbook(CONTACTS, title="Contact list Q3 2026"))
    shown = hostile.cli("infer", "data/book.xlsx")
    assert shown.exit_code == 0, shown.output
    assert "sheet: Contacts\n" in shown.output and "header_row: 2\n" in shown.output
    assert "Email: email" in shown.output and "First Name: first_name" in shown.output
    assert "column names at Excel row 3, 2 title row(s) above skipped" in shown.output
    result = hostile.run("book.xlsx", workbook(CONTACTS, title="Contact list Q3 2026"),
                         "excel")
    assert result.exit_code == 0, result.output
    acct = hostile.accounting()
    acct.assert_balanced(5, 5)
    assert (acct.details["header_row"], acct.details["header_chosen"]) == (2, "detected")
    assert hostile.values("first_name") == [p[1] for p in PEOPLE]


def test_excel_explicit_sheet_and_header_row_are_used(hostile: Hostile) -> None:
    data = workbook(SUMMARY, CONTACTS, title="Contact list")
    result = hostile.run("book.xlsx", data, "excel", sheet="Contacts", header_row=2)
    assert result.exit_code == 0, result.output
    acct = hostile.accounting()
    acct.assert_balanced(5, 5)
    assert (acct.details["sheet_chosen"], acct.details["header_chosen"]) == ("given", "given")


@pytest.mark.parametrize(("sheets", "fragments"), [
    ([("Q1", [["Region", "Revenue"], ["EU", 5]]), ("Q2", [["Region", "Revenue"], ["US", 7]])],
     ("cannot tell which sheet of data/book.xlsx", "sheets: 'Q1', 'Q2'", "set 'sheet:'")),
    ([CONTACTS, ("Archive", CONTACTS[1])],
     ("'Contacts', 'Archive' look alike", "set 'sheet:'")),
    ([("Sheet1", [])], ("has no data in any sheet (sheets: 'Sheet1')",)),
], ids=["no-contact-sheet", "two-contact-sheets", "empty-workbook"])
def test_excel_that_cannot_be_told_is_refused_with_the_sheet_names(
        hostile: Hostile, sheets: list[tuple[str, list[list[Any]]]],
        fragments: tuple[str, ...]) -> None:
    result = hostile.run("book.xlsx", workbook(*sheets), "excel")
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.output
    assert hostile.accounting().loads == 0


def test_infer_warns_when_no_column_maps(hostile: Hostile) -> None:
    hostile.write("odd.csv", b"alpha,beta\n1,2\n")
    result = hostile.cli("infer", "data/odd.csv")
    assert result.exit_code == 0, result.output
    assert "mapping: {}" in result.output
    assert "warning: no column matched a known contact field" in result.output
    assert "(columns: alpha, beta)" in result.output


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("f.csv.gz", gzip.compress(CSV), "type: csv"),
    ("f.csv", workbook(CONTACTS), "type: excel"),
    ("f.xlsx", CSV, "type: csv"),
    ("f.dat", json.dumps([{"email": "a@example.com"}]).encode(), "type: json"),
], ids=["csv-gz", "xlsx-named-csv", "csv-named-xlsx", "json-named-dat"])
def test_infer_tells_the_format_from_the_bytes(hostile: Hostile, name: str, data: bytes,
                                               kind: str) -> None:
    hostile.write(name, data)
    result = hostile.cli("infer", f"data/{name}")
    assert result.exit_code == 0, result.output
    assert kind in result.output and "email" in result.output


# -- Parquet and SQLite ---------------------------------------------------------------------

def parquet(table: Any) -> bytes:
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def test_parquet_binary_column_loads_as_text_or_hex(hostile: Hostile) -> None:
    import pyarrow as pa

    table = pa.table({"email": ["a@example.com", "b@example.com"],
                      "blob": pa.array([b"\xff\xfe\x00", b"plain"], pa.binary())})
    result = hostile.run("f.parquet", parquet(table), "parquet")
    assert result.exit_code == 0, result.output
    hostile.accounting().assert_balanced(2, 2)
    extras = [json.loads(e) for e in hostile.values("extras")]
    assert [e["blob"] for e in extras] == ["\\xfffe00", "plain"]


def test_parquet_nested_struct_is_flattened(hostile: Hostile) -> None:
    import pyarrow as pa

    table = pa.table({"contact": [{"email": "a@example.com", "name": {"first": "Ann"}},
                                  {"email": "b@example.com", "name": {"first": "Bob"}}]})
    result = hostile.run("f.parquet", parquet(table), "parquet",
                         mapping={"contact.name.first": "first_name"})
    assert result.exit_code == 0, result.output
    hostile.accounting().assert_balanced(2, 2)
    assert hostile.values("first_name") == ["Ann", "Bob"]
    assert hostile.values("email") == ["a@example.com", "b@example.com"]


def test_parquet_empty_loads_nothing_and_truncated_is_refused(hostile: Hostile) -> None:
    import pyarrow as pa

    result = hostile.run("f.parquet", parquet(pa.table({"email": pa.array([], pa.string())})),
                         "parquet")
    assert result.exit_code == 0, result.output
    hostile.accounting().assert_balanced(0, 0)
    whole = parquet(pa.table({"email": ["a@example.com"] * 50}))
    result = hostile.run("g.parquet", whole[: len(whole) // 2], "parquet")
    assert result.exit_code == 2, result.output
    assert "data/g.parquet" in result.output and "as Parquet" in result.output


def test_sqlite_attach_in_query_is_refused_and_creates_no_file(hostile: Hostile) -> None:
    db = hostile.root / "data" / "crm.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE contacts (email TEXT)")
    con.execute("INSERT INTO contacts VALUES ('a@example.com')")
    con.commit()
    con.close()
    hostile.pipeline("crm.sqlite", "sqlite", query="ATTACH DATABASE 'data/evil.db' AS evil")
    result = hostile.cli("run", "pipelines/p.yaml", "--until", "ingest")
    assert result.exit_code == 2, result.output
    assert "uses ATTACH" in result.output and "nothing was run" in result.output
    assert not (hostile.root / "data" / "evil.db").exists()
    assert not (hostile.root / "evil.db").exists()
    assert hostile.accounting().loads == 0


def test_text_named_sqlite_is_refused(hostile: Hostile) -> None:
    hostile.write("crm.sqlite", CSV)
    hostile.pipeline("crm.sqlite", "sqlite", table="contacts")
    result = hostile.cli("run", "pipelines/p.yaml", "--until", "ingest")
    assert result.exit_code == 2, result.output
    assert "data/crm.sqlite is not a readable SQLite database" in result.output


def test_sqlite_file_named_as_a_duckdb_source_is_refused_offline(hostile: Hostile) -> None:
    # DuckDB would try to download its sqlite extension to ATTACH this; the bytes say what it is.
    con = sqlite3.connect(hostile.root / "data" / "crm.duckdb")
    con.execute("CREATE TABLE contacts (email TEXT)")
    con.commit()
    con.close()
    hostile.pipeline("crm.duckdb", "duckdb", table="contacts")
    result = hostile.cli("run", "pipelines/p.yaml", "--until", "ingest")
    assert result.exit_code == 2, result.output
    assert "data/crm.duckdb is a SQLite database, not a DuckDB file" in result.output
    assert "type: sqlite" in result.output and "Extension" not in result.output
    assert hostile.accounting().loads == 0


def test_repairs_are_told_in_the_run_output(hostile: Hostile) -> None:
    data = LOADED["mixed-utf8-latin1"].data().replace(b"\n", b"\r\n", 1).replace(
        b"Ann", b"A\x00nn")
    hostile.write("f.csv", data)
    hostile.pipeline("f.csv", "csv")
    result = hostile.cli("run", "pipelines/p.yaml", "--until", "ingest")
    assert result.exit_code == 0, result.output
    assert "s: read 3, accepted 3, rejected 0" in result.output
    assert ("note: 1 line(s) were not UTF-8 and were decoded as cp1252 (latin-1 where cp1252 "
            "has no character) (lines 3)") in result.output
    assert "note: NUL bytes removed from 1 line(s) (lines 4)" in result.output
    assert "note: line endings mixed (crlf+lf): each read as a line end" in result.output


def test_rejects_name_their_row_and_line(hostile: Hostile) -> None:
    data = CSV.replace(b"\n2,", b"\n\n\n2,").replace(b"3,Ann", b'3,"Ann')
    result = hostile.run("f.csv", data)
    assert result.exit_code == 0, result.output
    acct = hostile.accounting()
    acct.assert_balanced(5, 2)
    assert [(r["row_number"], r["line_number"], r["reason_code"]) for r in acct.rejects] == [
        (2, 3, "blank_line"), (3, 4, "blank_line"), (5, 6, "unterminated_quote")]
    assert acct.rejects[2]["raw"] == '3,"Ann Lee,ann@example.com'
    assert acct.rejects[0]["message"].startswith("data/f.csv row 2 (line 3) is blank")
