"""Source readers: every value a string, `_row` numbering, stable hashes, clear errors."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from contactops.config.loader import Project
from contactops.config.pipeline import (
    DuckdbSource,
    ExcelSource,
    JsonSource,
    ParquetSource,
    PostgresSource,
    SqliteSource,
)
from contactops.errors import SourceError
from contactops.sources import duckdb_file, excel, json_source, parquet, postgres, sqlite
from contactops.sources.base import ROW
from contactops.sources.registry import READERS, reader_for

COMMON: dict[str, Any] = {"name": "src", "kind": "import"}


def rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def assert_all_strings(frame: pl.DataFrame) -> None:
    for name, dtype in frame.schema.items():
        assert dtype == (pl.Int64 if name == ROW else pl.Utf8), (name, dtype)


# -- Excel ---------------------------------------------------------------------------------

def write_xlsx(path: Path, *, top_blank_rows: int = 0, phone: int = 4155550123) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Contacts")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    r = top_blank_rows
    sheet.write_row(r, 0, ["name", "phone", "zip", "signed_up", "vip"])
    sheet.write_row(r + 1, 0, ["Ann Lee", phone, "02134"])
    sheet.write_datetime(r + 1, 3, dt.datetime(2024, 1, 2), date_format)
    sheet.write_boolean(r + 1, 4, True)
    # row r + 2 left fully blank
    sheet.write_row(r + 3, 0, ["Bob Roe", 4155550124.0, 2134, None, False])
    book.add_worksheet("Notes").write(0, 0, "nothing here")
    book.close()


def test_excel_reads_every_cell_as_text_and_keeps_phones_without_dot_zero(
        project: Project, tmp_path: Path) -> None:
    write_xlsx(tmp_path / "import.xlsx")
    src = ExcelSource(type="excel", path="import.xlsx", sheet="Contacts", **COMMON)
    batch = excel.read(src, project)
    assert_all_strings(batch.frame)
    assert rows(batch.frame) == [
        {"name": "Ann Lee", "phone": "4155550123", "zip": "02134",
         "signed_up": "2024-01-02 00:00:00", "vip": "true", ROW: 1},
        {"name": "Bob Roe", "phone": "4155550124", "zip": "2134", "signed_up": None,
         "vip": "false", ROW: 3},
    ]
    [blank] = batch.rejects
    assert (blank.reason_code, blank.row_number, blank.line_number) == ("blank_row", 2, 3)
    assert "import.xlsx sheet 'Contacts' Excel row 3" in blank.message
    assert batch.rows_read == 3
    assert batch.location == "import.xlsx sheet 'Contacts'"
    assert batch.details["sheet"] == "Contacts" and batch.details["blank_rows"] == 1


def test_excel_row_numbers_match_excel_when_the_sheet_starts_lower(
        project: Project, tmp_path: Path) -> None:
    write_xlsx(tmp_path / "import.xlsx", top_blank_rows=2)
    src = ExcelSource(type="excel", path="import.xlsx", header_row=2, **COMMON)
    batch = excel.read(src, project)
    assert batch.frame["name"].to_list() == ["Ann Lee", "Bob Roe"]
    assert batch.details["header_excel_row"] == 3
    assert "Excel row 5" in batch.rejects[0].message


def test_excel_sheet_by_index_and_hash(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "import.xlsx"
    write_xlsx(path)
    src = ExcelSource(type="excel", path="import.xlsx", sheet=1, **COMMON)
    first = excel.read(src, project)
    assert first.details["sheet"] == "Notes"
    assert first.content_hash == excel.read(src, project).content_hash
    write_xlsx(path, phone=4155550199)
    assert excel.read(src, project).content_hash != first.content_hash


def test_excel_unknown_sheet_lists_the_sheets(project: Project, tmp_path: Path) -> None:
    write_xlsx(tmp_path / "import.xlsx")
    src = ExcelSource(type="excel", path="import.xlsx", sheet="contacts ", **COMMON)
    with pytest.raises(SourceError) as err:
        excel.read(src, project)
    text = str(err.value)
    assert "source 'src'" in text and "sheet 'contacts ' not found in import.xlsx" in text
    assert "'Contacts', 'Notes'" in text and "did you mean 'Contacts'" in text
    with pytest.raises(SourceError, match="no sheet number 5"):
        excel.read(ExcelSource(type="excel", path="import.xlsx", sheet=5, **COMMON), project)


def test_excel_formula_error_rejects_the_row_and_header_past_the_end_errors(
        project: Project, tmp_path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "f.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write_row(0, 0, ["name", "phone"])
    sheet.write_row(1, 0, ["Ann", "415"])
    sheet.write(2, 0, "Bob")
    sheet.write_formula(2, 1, "=1/0", None, "#DIV/0!")
    book.close()
    batch = excel.read(ExcelSource(type="excel", path="f.xlsx", **COMMON), project)
    assert batch.frame["name"].to_list() == ["Ann"]
    [reject] = batch.rejects
    assert (reject.reason_code, reject.row_number, reject.field) == \
        ("unreadable_sheet_row", 2, "phone")
    assert "Excel row 3" in reject.message and json.loads(reject.raw or "")["name"] == "Bob"
    with pytest.raises(SourceError, match="no column names at Excel row 8"):
        excel.read(ExcelSource(type="excel", path="f.xlsx", header_row=7, **COMMON), project)


def test_missing_file_names_source_and_path(project: Project) -> None:
    src = ExcelSource(type="excel", path="data/nope.xlsx", **COMMON)
    with pytest.raises(SourceError, match=r"source 'src': file data/nope.xlsx not found"):
        excel.read(src, project)


# -- JSON ----------------------------------------------------------------------------------

NESTED = [
    {"id": 1, "contact": {"name": {"first": "Ann", "last": "Lee"}, "phone": 4155550123},
     "tags": ["vip", "b2b"], "score": 1.50, "active": True, "note": None},
    {"id": 2, "contact": {"name": {"first": "Bob"}}, "email": "bob@x.com", "tags": []},
]


def test_json_document_flattens_nested_objects_and_keeps_number_text(
        project: Project, tmp_path: Path) -> None:
    # written by hand so 1.50 keeps its trailing zero
    text = json.dumps(NESTED).replace("1.5", "1.50")
    (tmp_path / "c.json").write_text(text)
    batch = json_source.read(JsonSource(type="json", path="c.json", **COMMON), project)
    assert_all_strings(batch.frame)
    assert batch.frame.columns == ["id", "contact.name.first", "contact.name.last",
                                   "contact.phone", "tags", "score", "active", "note",
                                   "email", ROW]
    first, second = rows(batch.frame)
    assert first["contact.phone"] == "4155550123" and first["score"] == "1.50"
    assert first["tags"] == '["vip","b2b"]' and first["active"] == "true"
    assert first["note"] is None and first["email"] is None
    assert second["contact.name.last"] is None and second["tags"] == "[]"
    assert second[ROW] == 2
    assert batch.details["format"] == "json"


def test_json_records_path_and_detected_single_array(project: Project, tmp_path: Path) -> None:
    doc = {"meta": {"count": 2}, "data": {"items": NESTED}}
    (tmp_path / "a.json").write_text(json.dumps(doc))
    src = JsonSource(type="json", path="a.json", records_path="data.items", **COMMON)
    assert json_source.read(src, project).frame["id"].to_list() == ["1", "2"]

    (tmp_path / "b.json").write_text(json.dumps({"meta": {}, "actions": NESTED}))
    batch = json_source.read(JsonSource(type="json", path="b.json", **COMMON), project)
    assert batch.details["records_path"] == "actions" and batch.frame.height == 2

    bad = JsonSource(type="json", path="a.json", records_path="data.itms", **COMMON)
    with pytest.raises(SourceError, match=r"no 'itms' under data \(found there: items\)"):
        json_source.read(bad, project)


def test_json_document_rejects_elements_that_are_not_objects(
        project: Project, tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text('[{"a": 1}, 42, {"a": 3}]')
    batch = json_source.read(JsonSource(type="json", path="m.json", **COMMON), project)
    assert batch.frame[ROW].to_list() == [1, 3]
    [reject] = batch.rejects
    assert (reject.reason_code, reject.row_number, reject.raw) == ("not_an_object", 2, "42")
    assert "m.json record 2" in reject.message


def test_ndjson_rejects_invalid_lines_with_line_numbers(project: Project,
                                                        tmp_path: Path) -> None:
    lines = ['{"email": "a@x.com", "phone": 4155550123}', "",
             '{"email": "b@x.com", ',
             '["not", "an", "object"]',
             '{"email": "c@x.com", "contact": {"city": "Oslo"}}']
    (tmp_path / "e.ndjson").write_text("\n".join(lines) + "\n")
    batch = json_source.read(JsonSource(type="json", path="e.ndjson", **COMMON), project)
    assert batch.details["format"] == "ndjson" and batch.details["blank_lines"] == 1
    assert rows(batch.frame) == [
        {"email": "a@x.com", "phone": "4155550123", "contact.city": None, ROW: 1},
        {"email": "c@x.com", "phone": None, "contact.city": "Oslo", ROW: 4},
    ]
    invalid, not_object = batch.rejects
    assert (invalid.reason_code, invalid.row_number, invalid.line_number) == \
        ("invalid_json", 2, 3)
    assert "e.ndjson line 3 (record 2): invalid JSON" in invalid.message
    assert "column" in invalid.message and invalid.raw == lines[2]
    assert (not_object.reason_code, not_object.line_number) == ("not_an_object", 4)
    assert batch.rows_read == 4


def test_json_broken_document_is_a_source_error(project: Project, tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text('[\n  {"a": 1},\n  {"a": 2,\n]')
    with pytest.raises(SourceError, match=r"x.json is not valid JSON: .* at line 4"):
        json_source.read(JsonSource(type="json", path="x.json", **COMMON), project)


def test_json_hash_changes_with_the_file(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "h.ndjson"
    path.write_text('{"a": 1}\n')
    src = JsonSource(type="json", path="h.ndjson", format="ndjson", **COMMON)
    first = json_source.read(src, project).content_hash
    assert json_source.read(src, project).content_hash == first
    path.write_text('{"a": 2}\n')
    assert json_source.read(src, project).content_hash != first


# -- Parquet -------------------------------------------------------------------------------

def test_parquet_values_as_strings(project: Project, tmp_path: Path) -> None:
    frame = pl.DataFrame({
        "id": [1, 2], "phone": ["4155550123", None], "joined": [dt.date(2024, 1, 2), None],
        "contact": [{"email": "a@x.com"}, {"email": None}], "tags": [["a", "b"], None]})
    frame.write_parquet(tmp_path / "p.parquet")
    batch = parquet.read(ParquetSource(type="parquet", path="p.parquet", **COMMON), project)
    assert_all_strings(batch.frame)
    assert rows(batch.frame) == [
        {"id": "1", "phone": "4155550123", "joined": "2024-01-02", "contact.email": "a@x.com",
         "tags": '["a","b"]', ROW: 1},
        {"id": "2", "phone": None, "joined": None, "contact.email": None, "tags": None,
         ROW: 2},
    ]
    first = batch.content_hash
    src = ParquetSource(type="parquet", path="p.parquet", **COMMON)
    assert parquet.read(src, project).content_hash == first
    frame.with_columns(pl.lit("x").alias("phone")).write_parquet(tmp_path / "p.parquet")
    assert parquet.read(src, project).content_hash != first


# -- SQLite --------------------------------------------------------------------------------

def make_sqlite(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (id INTEGER, name TEXT, phone INTEGER, score REAL)")
    con.executemany("INSERT INTO contacts VALUES (?, ?, ?, ?)",
                    [(1, "Ann", 4155550123, 1.5), (2, "Bob", None, None)])
    con.execute("CREATE TABLE accounts (id INTEGER)")
    con.commit()
    con.close()


def test_sqlite_table_and_query(project: Project, tmp_path: Path) -> None:
    make_sqlite(tmp_path / "crm.sqlite")
    table = SqliteSource(type="sqlite", path="crm.sqlite", table="contacts", **COMMON)
    batch = sqlite.read(table, project)
    assert_all_strings(batch.frame)
    assert rows(batch.frame) == [
        {"id": "1", "name": "Ann", "phone": "4155550123", "score": "1.5", ROW: 1},
        {"id": "2", "name": "Bob", "phone": None, "score": None, ROW: 2}]
    assert batch.location == "table contacts in crm.sqlite"
    assert sqlite.read(table, project).content_hash == batch.content_hash

    query = SqliteSource(type="sqlite", path="crm.sqlite",
                         query="SELECT name FROM contacts WHERE id = 2", **COMMON)
    result = sqlite.read(query, project)
    assert rows(result.frame) == [{"name": "Bob", ROW: 1}]
    assert result.content_hash != batch.content_hash

    con = sqlite3.connect(tmp_path / "crm.sqlite")
    con.execute("UPDATE contacts SET name = 'Bobby' WHERE id = 2")
    con.commit()
    con.close()
    assert sqlite.read(table, project).content_hash != batch.content_hash


def test_sqlite_missing_table_lists_tables_and_is_read_only(project: Project,
                                                            tmp_path: Path) -> None:
    make_sqlite(tmp_path / "crm.sqlite")
    src = SqliteSource(type="sqlite", path="crm.sqlite", table="contcts", **COMMON)
    with pytest.raises(SourceError) as err:
        sqlite.read(src, project)
    assert str(err.value) == ("source 'src': table 'contcts' not found in crm.sqlite; "
                              "tables there: accounts, contacts; did you mean 'contacts'?")
    delete = SqliteSource(type="sqlite", path="crm.sqlite", query="DELETE FROM contacts",
                          **COMMON)
    with pytest.raises(SourceError, match="query on crm.sqlite failed"):
        sqlite.read(delete, project)
    con = sqlite3.connect(tmp_path / "crm.sqlite")
    assert con.execute("SELECT count(*) FROM contacts").fetchone() == (2,)
    con.close()


# -- DuckDB file ---------------------------------------------------------------------------

def make_duckdb(path: Path, name: str = "Ann") -> None:
    import duckdb  # tests may import it; src outside engine/ may not

    con = duckdb.connect(str(path))
    con.execute("CREATE OR REPLACE TABLE contacts AS SELECT * FROM (VALUES "
                f"(1, '{name}', 4155550123::BIGINT, DATE '2024-01-02', {{'city': 'Oslo'}}),"
                "(2, 'Bob', NULL, NULL, NULL)) t(id, name, phone, joined, address)")
    con.execute("CREATE SCHEMA IF NOT EXISTS sales")
    con.execute("CREATE OR REPLACE TABLE sales.accounts AS SELECT 7 AS id")
    con.close()


def test_duckdb_file_table_query_and_errors(project: Project, tmp_path: Path) -> None:
    make_duckdb(tmp_path / "crm.duckdb")
    src = DuckdbSource(type="duckdb", path="crm.duckdb", table="contacts", **COMMON)
    batch = duckdb_file.read(src, project)
    assert_all_strings(batch.frame)
    assert rows(batch.frame) == [
        {"id": "1", "name": "Ann", "phone": "4155550123", "joined": "2024-01-02",
         "address": '{"city":"Oslo"}', ROW: 1},
        {"id": "2", "name": "Bob", "phone": None, "joined": None, "address": None, ROW: 2}]
    assert duckdb_file.read(src, project).content_hash == batch.content_hash

    qualified = DuckdbSource(type="duckdb", path="crm.duckdb", table="sales.accounts", **COMMON)
    assert duckdb_file.read(qualified, project).frame["id"].to_list() == ["7"]
    query = DuckdbSource(type="duckdb", path="crm.duckdb",
                         query="SELECT name FROM contacts ORDER BY id DESC", **COMMON)
    assert duckdb_file.read(query, project).frame["name"].to_list() == ["Bob", "Ann"]

    missing = DuckdbSource(type="duckdb", path="crm.duckdb", table="contcts", **COMMON)
    with pytest.raises(SourceError, match=r"source 'src': table 'contcts' not found in "
                       r"crm.duckdb; tables there: contacts, sales.accounts"):
        duckdb_file.read(missing, project)

    make_duckdb(tmp_path / "crm.duckdb", name="Anne")
    assert duckdb_file.read(src, project).content_hash != batch.content_hash


# -- PostgreSQL ----------------------------------------------------------------------------

@pytest.fixture
def pg_contacts(pg_schema: tuple[str, Any]) -> str:
    schema, conn = pg_schema
    conn.execute(f'CREATE TABLE "{schema}".contacts (id int, name text, phone bigint, '
                 'vip boolean, joined date, note text, tags text[])')
    conn.execute(f'INSERT INTO "{schema}".contacts VALUES '
                 "(1, 'Ann', 4155550123, true, '2024-01-02', '', '{a,b}'), "
                 "(2, 'Bob', NULL, false, NULL, NULL, NULL)")
    conn.execute(f'CREATE TABLE "{schema}".one_col (v text)')
    conn.execute(f'INSERT INTO "{schema}".one_col VALUES (NULL), (NULL), (\'\')')
    return schema


@pytest.mark.postgres
def test_postgres_schema_qualified_table(project: Project, pg_contacts: str,
                                        pg_dsn: str) -> None:
    src = PostgresSource(type="postgres", dsn=pg_dsn, table=f"{pg_contacts}.contacts",
                         **COMMON)
    batch = postgres.read(src, project)
    assert_all_strings(batch.frame)
    assert rows(batch.frame) == [
        {"id": "1", "name": "Ann", "phone": "4155550123", "vip": "true",
         "joined": "2024-01-02", "note": "", "tags": "{a,b}", ROW: 1},
        {"id": "2", "name": "Bob", "phone": None, "vip": "false", "joined": None,
         "note": None, "tags": None, ROW: 2}]
    assert batch.location.startswith(f"table {pg_contacts}.contacts on postgres at 127.0.0.1")
    assert postgres.read(src, project).content_hash == batch.content_hash

    one = PostgresSource(type="postgres", dsn=pg_dsn, table=f"{pg_contacts}.one_col",
                         **COMMON)
    assert postgres.read(one, project).frame["v"].to_list() == [None, None, ""]


@pytest.mark.postgres
def test_postgres_table_on_search_path_and_query(project: Project, pg_contacts: str,
                                                pg_dsn: str) -> None:
    dsn = f"{pg_dsn} options='-c search_path={pg_contacts}'"
    table = postgres.read(PostgresSource(type="postgres", dsn=dsn, table="contacts", **COMMON),
                          project)
    query = postgres.read(PostgresSource(
        type="postgres", dsn=dsn, query="SELECT name, id * 10 AS ten FROM contacts "
        "WHERE name LIKE 'B%';", **COMMON), project)
    assert rows(query.frame) == [{"name": "Bob", "ten": "20", ROW: 1}]
    assert query.content_hash != table.content_hash

    with pytest.raises(SourceError) as err:
        postgres.read(PostgresSource(type="postgres", dsn=dsn, table="contcts", **COMMON),
                      project)
    assert "table 'contcts' not found" in str(err.value)
    assert "did you mean 'contacts'" in str(err.value)
    with pytest.raises(SourceError, match=r"query on postgres .* failed: .*fix 'query:'"):
        postgres.read(PostgresSource(type="postgres", dsn=dsn, query="SELECT nope FROM contacts",
                                     **COMMON), project)


@pytest.mark.postgres
def test_postgres_connection_errors_mask_the_password(project: Project) -> None:
    secret = "s3cr3t-Pw"
    refused = PostgresSource(type="postgres", dsn=f"postgresql://root:{secret}@127.0.0.1:1/crm",
                             table="contacts", **COMMON)
    with pytest.raises(SourceError) as err:
        postgres.read(refused, project)
    text = str(err.value)
    assert secret not in text
    assert "cannot connect to postgres at 127.0.0.1:1 database 'crm' as user 'root'" in text

    garbled = PostgresSource(type="postgres", dsn=f"host=127.0.0.1 password={secret} bogus",
                             table="contacts", **COMMON)
    with pytest.raises(SourceError) as err:
        postgres.read(garbled, project)
    assert secret not in str(err.value)


# -- registry ------------------------------------------------------------------------------

def test_registry_maps_every_type_lazily() -> None:
    assert set(READERS) == {"csv", "excel", "json", "parquet", "sqlite", "duckdb", "postgres"}
    assert reader_for("sqlite") is sqlite.read
    assert reader_for("json") is json_source.read
    with pytest.raises(SourceError, match="known types: csv, excel"):
        reader_for("xml")


def test_registry_wrapper_calls_the_reader(project: Project, tmp_path: Path) -> None:
    make_sqlite(tmp_path / "crm.sqlite")
    src = SqliteSource(type="sqlite", path="crm.sqlite", table="accounts", **COMMON)
    assert READERS["sqlite"](src, project).frame.height == 0
