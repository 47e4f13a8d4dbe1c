"""Byte-level detection: what a file is, whatever its name says."""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import random
import zipfile
from pathlib import Path

import pytest

from contactops.errors import SourceRefused
from contactops.sources.csv_recover import follow_quotes
from contactops.sources.sniff import decompressed_copy, sniff_bytes, sniff_file

TEXT = "id,name\n1,Zoë\n2,Ann\n"


@pytest.mark.parametrize(("data", "kind", "encoding"), [
    (TEXT.encode(), "text", None),
    (TEXT.encode("cp1252"), "text", None),
    (b"id,name\n1,A\x00nn\n2,Bob\n3,Cy\n", "text", None),       # a stray NUL is still text
    (codecs.BOM_UTF8 + TEXT.encode(), "text", "utf-8-sig"),
    (TEXT.encode("utf-16"), "text", "utf-16"),
    (TEXT.encode("utf-32"), "text", "utf-32"),                   # not mistaken for UTF-16
    (TEXT.encode("utf-16-le"), "text", "utf-16-le"),
    (TEXT.encode("utf-16-be"), "text", "utf-16-be"),
    (TEXT.encode("utf-32-le"), "text", "utf-32-le"),
    (TEXT.encode("utf-32-be"), "text", "utf-32-be"),
    (gzip.compress(TEXT.encode()), "gzip", None),
    (bz2.compress(TEXT.encode()), "bz2", None),
    (lzma.compress(TEXT.encode()), "xz", None),
    (b"\x28\xb5\x2f\xfd\x00", "zstd", None),
    (b"PAR1\x00\x00", "parquet", None),
    (b"SQLite format 3\x00" + bytes(20), "sqlite", None),
    (b"\x7fELF\x02\x01\x01\x00", "executable", None),
    (b"MZ\x90\x00\x03", "executable", None),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image", None),
    (b"%PDF-1.7\n", "document", None),
    (random.Random(7).randbytes(2048), "binary", None),
    (b"", "empty", None),
    (b" \r\n\t\n", "empty", None),
])
def test_sniff_bytes(data: bytes, kind: str, encoding: str | None) -> None:
    found = sniff_bytes(data)
    assert (found.kind, found.encoding) == (kind, encoding)


def test_zip_is_told_from_xlsx(tmp_path: Path) -> None:
    plain = tmp_path / "a.csv"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("contacts.csv", TEXT)
    found = sniff_file(plain)
    assert found.kind == "zip" and "contacts.csv" in found.description
    book = tmp_path / "b.csv"
    with zipfile.ZipFile(book, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff_file(book).kind == "xlsx"


def test_truncated_and_bomb_streams_are_refused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    cut = tmp_path / "cut.csv"
    cut.write_bytes(gzip.compress(TEXT.encode() * 1000)[:100])
    with pytest.raises(SourceRefused, match="cut short"):
        decompressed_copy(cut, "gzip", tmp_path / "out", "cut.csv", "s")
    bomb = tmp_path / "bomb.csv"
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as out:
        out.write(bytes(3 << 20))
    bomb.write_bytes(buffer.getvalue())
    monkeypatch.setattr("contactops.sources.sniff.MIN_BOMB_BYTES", 1 << 20)
    with pytest.raises(SourceRefused, match="decompression bomb"):
        decompressed_copy(bomb, "gzip", tmp_path / "out2", "bomb.csv", "s")


@pytest.mark.parametrize(("line", "in_quote", "expected"), [
    ('1,Ann,a@x', False, (False, False)),
    ('1,"Ann, Lee",a@x', False, (False, False)),
    ('1,"Ann', False, (True, False)),               # opens and stays open
    ('Lee",a@x', True, (False, False)),             # closes a value opened earlier
    ('1,"Ann" Lee,a@x', False, (False, True)),      # text after the closing quote
    ('1,An"n,a@x', False, (False, False)),          # a quote inside a value is literal
    ('1,"say ""hi""",x', False, (False, False)),    # doubled quotes are escapes
])
def test_follow_quotes(line: str, in_quote: bool, expected: tuple[bool, bool]) -> None:
    assert follow_quotes(line, in_quote, ",", '"') == expected
