"""Zero-config inference reads a plain CSV's column names from its head, not the whole file.

Whatever the head-only path answers must be what the full reader finds; where the head
alone cannot tell (compression, other encodings, NULs, bare CRs, a broken header quote) it
answers None and inference reads the file as before.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from contactops.config.loader import Project
from contactops.config.pipeline import CsvSource
from contactops.config.project import ProjectSettings
from contactops.sources import infer
from contactops.sources.csv_source import read, read_columns

ROWS = "".join(f"{i},Name {i},Zoë {i}\n" for i in range(1, 3000))


def _source(name: str, **options: object) -> CsvSource:
    return CsvSource(type="csv", name="t", kind="import", path=name, **options)


def _project(tmp_path: Path) -> Project:
    return Project(root=tmp_path, settings=ProjectSettings())


CASES: dict[str, tuple[bytes, dict[str, object], bool]] = {
    # name: (bytes, source options, the head alone decides)
    "plain": (("id,name,city\n" + ROWS).encode(), {}, True),
    "crlf": (("id,name,city\n" + ROWS).replace("\n", "\r\n").encode(), {}, True),
    "semicolon": (("id;name;city\n" + ROWS.replace(",", ";")).encode(), {}, True),
    "quoted header": (('"id","full, name",city\n' + ROWS).encode(), {}, True),
    "duplicate names": (("id,name,name\n" + ROWS).encode(), {}, True),
    "no header": (ROWS.encode(), {"header": False}, True),
    "non-ascii header": (("id,prénom,ville\n" + ROWS).encode(), {}, True),
    "broken late": (("id,name,city\n" + ROWS + '9999,"open,x\n').encode(), {}, True),
    "utf-8 bom": (b"\xef\xbb\xbf" + ("id,name,city\n" + ROWS).encode(), {}, False),
    "cp1252": (("id,prénom,ville\n" + ROWS).encode("cp1252"), {}, False),
    "utf-16": (("id,name,city\n" + ROWS).encode("utf-16"), {}, False),
    "nul in head": (("id,name,city\n1,a\x00b,c\n" + ROWS).encode(), {}, False),
    "bare cr": (("id,name,city\r" + ROWS.replace("\n", "\r")).encode(), {}, False),
    "gzip": (gzip.compress(("id,name,city\n" + ROWS).encode()), {}, False),
    "declared cp1252": (("id,name,city\n" + ROWS).encode(), {"encoding": "cp1252"}, False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_head_columns_are_the_full_readers_or_none(tmp_path: Path, case: str) -> None:
    data, options, decides = CASES[case]
    (tmp_path / "f.csv").write_bytes(data)
    project = _project(tmp_path)
    source = _source("f.csv", **options)
    head = read_columns(source, project)
    assert (head is not None) == decides
    if head is not None:
        assert head == read(source, project).raw_columns()


def test_a_header_quote_never_closed_falls_back_to_the_full_read(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_bytes(('id,"name,city\n' + ROWS).encode())
    assert read_columns(_source("f.csv"), _project(tmp_path)) is None


def test_infer_does_not_read_a_plain_csv_whole(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "contacts.csv").write_text("Email,First Name,Last Name\n"
                                           "a@x.example,Ann,Lee\n", encoding="utf-8")

    def refuse(kind: str):
        raise AssertionError(f"the whole {kind} file was read")

    monkeypatch.setattr("contactops.sources.registry.reader_for", refuse)
    block = infer.infer_source(tmp_path / "contacts.csv", root=tmp_path)
    assert block["mapping"] == {"Email": "email", "First Name": "first_name",
                                "Last Name": "last_name"}


def test_infer_still_reads_a_compressed_csv_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "contacts.csv.gz").write_bytes(
        gzip.compress(b"Email,First Name\na@x.example,Ann\n"))
    block = infer.infer_source(tmp_path / "contacts.csv.gz", root=tmp_path)
    assert block["mapping"] == {"Email": "email", "First Name": "first_name"}
    assert "read through gzip decompression" in block["notes"]
