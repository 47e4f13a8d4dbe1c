"""CSV reading: encodings, delimiters, quoted newlines, ragged rows, row and line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactops.config.loader import Project
from contactops.config.pipeline import CsvSource
from contactops.config.project import ProjectSettings
from contactops.sources.csv_source import detect_encoding, read, sniff_delimiter

TEXT = "id,name,city\n1,Zoë Müller,Köln\n2,José Núñez,São Paulo\n3,“Smart” Quote,Zürich\n"


def _read(tmp_path: Path, name: str, **options: str):
    project = Project(root=tmp_path, settings=ProjectSettings())
    return read(CsvSource(type="csv", name="t", kind="import", path=name, **options), project)


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("utf-16", "utf-16"),
    ("cp1252", "cp1252"),
])
def test_encodings_are_detected_and_decoded(tmp_path: Path, encoding: str, expected: str) -> None:
    (tmp_path / "f.csv").write_bytes(TEXT.encode(encoding))
    batch = _read(tmp_path, "f.csv")
    assert batch.details["encoding"] == expected
    assert batch.frame["name"].to_list() == ["Zoë Müller", "José Núñez", "“Smart” Quote"]
    assert batch.frame.columns == ["id", "name", "city", "_row"]


def test_latin1_when_bytes_are_undefined_in_cp1252(tmp_path: Path) -> None:
    # 0x81 is undefined in cp1252, so only latin-1 can decode this file
    (tmp_path / "f.csv").write_bytes("id,name\n1,Zoë\x81\n".encode("latin-1"))
    assert detect_encoding(tmp_path / "f.csv")[0] == "latin-1"
    assert _read(tmp_path, "f.csv").frame["name"].to_list() == ["Zoë\x81"]


@pytest.mark.parametrize(("sample", "delimiter"), [
    ("a,b,c\n1,2,3\n", ","),
    ("a;b;c\n1;2,5;3\n4;5;6\n", ";"),
    ("a\tb\tc\n1\t2\t3\n", "\t"),
    ("a|b|c\n1|2|3\n", "|"),
    ('name,note\n"Doe; John","a;b;c"\n"Roe; Jane","x"\n', ","),
])
def test_delimiter_sniffing(sample: str, delimiter: str) -> None:
    assert sniff_delimiter(sample) == delimiter


def test_tsv_and_explicit_delimiter(tmp_path: Path) -> None:
    (tmp_path / "f.tsv").write_text("id\tname\n1\tAnn\n")
    assert _read(tmp_path, "f.tsv", delimiter="tab").frame["name"].to_list() == ["Ann"]


def test_quoted_newlines_ragged_rows_and_row_numbers(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text(
        'id,name,email\n'            # line 1
        '1,Ann,a@x.com\n'            # line 2, row 1
        '2,"Bob\nSmith",b@x.com\n'   # lines 3-4, row 2
        '3,Carl\n'                   # line 5, row 3: short -> padded
        '4,Dan,d@x.com,extra\n'      # line 6, row 4: too many -> rejected
        '5,Eve,e@x.com\n'            # line 7, row 5
        '6,"Fay,f@x.com\n'           # line 8, row 6: unterminated quote: only this line
        '7,Gus,g@x.com\n')           # line 9, row 7: read as a row, not swallowed
    batch = _read(tmp_path, "f.csv")
    rows = {r["id"]: r for r in batch.frame.iter_rows(named=True)}
    assert rows["2"]["name"] == "Bob\nSmith"
    assert rows["3"]["email"] is None and rows["3"]["_row"] == 3
    assert [rows[k]["_row"] for k in ("1", "2", "5")] == [1, 2, 5]
    assert batch.details["padded_rows"] == [3]
    codes = [(r.reason_code, r.row_number, r.line_number) for r in batch.rejects]
    assert codes == [("too_many_columns", 4, 6), ("unterminated_quote", 6, 8)]
    too_many = batch.rejects[0]
    assert too_many.raw == "4,Dan,d@x.com,extra"
    assert too_many.message == (
        "f.csv row 4 (line 6): 4 values for 3 columns — a value probably contains the "
        "delimiter ','; quote that value or remove the extra separator")
    assert batch.rejects[1].raw == '6,"Fay,f@x.com'
    assert rows["7"]["_row"] == 7 and rows["7"]["email"] == "g@x.com"
    assert batch.rows_read == 7   # one per record: the broken quote swallows nothing


def test_header_names_are_cleaned_and_made_unique(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text(" Email ,,Email\na@x.com,x,b@x.com\n")
    batch = _read(tmp_path, "f.csv")
    assert batch.frame.columns == ["Email", "column_2", "Email_2", "_row"]


def test_row_numbers_stay_right_at_scale(tmp_path: Path) -> None:
    lines = ["id,name"]
    for i in range(1, 30001):
        lines.append(f"{i},n{i},oops" if i % 7000 == 0 else f"{i},n{i}")
    (tmp_path / "f.csv").write_text("\n".join(lines) + "\n")
    batch = _read(tmp_path, "f.csv")
    assert [r.row_number for r in batch.rejects] == [7000, 14000, 21000, 28000]
    assert [r.line_number for r in batch.rejects] == [7001, 14001, 21001, 28001]
    frame = batch.frame
    assert frame.height == 29996
    assert (frame["id"].cast(int) == frame["_row"]).all()


def test_content_hash_changes_with_the_file(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("id\n1\n")
    first = _read(tmp_path, "f.csv").content_hash
    assert _read(tmp_path, "f.csv").content_hash == first
    (tmp_path / "f.csv").write_text("id\n2\n")
    assert _read(tmp_path, "f.csv").content_hash != first
