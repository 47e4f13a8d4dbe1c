"""What a file really is, from its first bytes rather than its name.

Readers call :func:`sniff_file` before parsing, so a gzip named ``.csv`` is decompressed, an
Excel workbook or a program named ``.csv`` is refused with the fix, and a UTF-16 file without
a byte-order mark is decoded as UTF-16 instead of being split on its NUL bytes.
Compressed files (gzip, bz2, xz) are read transparently through :func:`decompressed_copy`;
zstd has no reader in the standard library, so it is refused with the command that fixes it.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import lzma
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from contactops.errors import SourceRefused

HEAD_BYTES = 1 << 16
#: A compressed file may grow this many times (and at least to MIN_BOMB_BYTES) when expanded;
#: beyond that it is refused as a decompression bomb instead of filling the disk.
MAX_EXPANSION = 200
MIN_BOMB_BYTES = 1 << 30

COMPRESSED = ("gzip", "bz2", "xz", "zstd")
_CONTROL = frozenset(range(0, 32)) - frozenset(b"\t\n\r\f\v\x1a\x1b")

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x1f\x8b", "gzip", "gzip-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd-compressed data"),
    (b"\xfd7zXZ\x00", "xz", "xz-compressed data"),
    (b"PAR1", "parquet", "a Parquet file"),
    (b"SQLite format 3\x00", "sqlite", "a SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls", "an old-style Excel (.xls) or Office file"),
    (b"\x7fELF", "executable", "a Linux executable (ELF)"),
    (b"MZ", "executable", "a Windows executable"),
    (b"\xcf\xfa\xed\xfe", "executable", "a macOS executable"),
    (b"\xce\xfa\xed\xfe", "executable", "a macOS executable"),
    (b"\xca\xfe\xba\xbe", "executable", "a macOS executable or Java class"),
    (b"\x89PNG\r\n\x1a\n", "image", "a PNG image"),
    (b"\xff\xd8\xff", "image", "a JPEG image"),
    (b"GIF8", "image", "a GIF image"),
    (b"%PDF", "document", "a PDF document"),
    (b"7z\xbc\xaf\x27\x1c", "archive", "a 7-Zip archive"),
    (b"Rar!", "archive", "a RAR archive"),
)


@dataclass(frozen=True)
class Sniffed:
    """``kind``: text, empty, gzip, bz2, xz, zstd, zip, xlsx, ods, xls, parquet, sqlite, duckdb,
    executable, image, document, archive or binary. ``encoding`` is set for text whose bytes
    say which (a BOM, or the NUL pattern of UTF-16/UTF-32 without one)."""

    kind: str
    description: str
    encoding: str | None = None

    @property
    def is_text(self) -> bool:
        return self.kind == "text"


def sniff_file(path: Path) -> Sniffed:
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    if head[:2] == b"PK":
        return _sniff_zip(path)
    return sniff_bytes(head)


def sniff_bytes(head: bytes) -> Sniffed:
    if not head:
        return Sniffed("empty", "empty (0 bytes)")
    bom = _bom(head)
    if bom:
        return Sniffed("text", f"{bom} text", bom)
    for magic, kind, description in _MAGIC:
        if head.startswith(magic):
            return Sniffed(kind, description)
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return Sniffed("bz2", "bz2-compressed data")
    if head[8:12] == b"DUCK":
        return Sniffed("duckdb", "a DuckDB database")
    wide = _wide_encoding(head)
    if wide:
        return Sniffed("text", f"{wide} text without a byte-order mark", wide)
    if not head.strip():
        return Sniffed("empty", "only whitespace")
    control = sum(1 for b in head if b in _CONTROL)
    if control >= 4 and (head.count(0) * 10 > len(head) or control * 20 > len(head)):
        return Sniffed("binary", "binary data, not text")
    return Sniffed("text", "text")


def _bom(head: bytes) -> str | None:
    # UTF-32 LE starts with the UTF-16 LE mark, so test it first
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _wide_encoding(head: bytes) -> str | None:
    """UTF-16/32 without a BOM: mostly-ASCII text leaves NULs at fixed byte positions."""
    sample = head[: len(head) - len(head) % 4]
    if len(sample) < 8:
        return None
    lanes = [sample[i::4].count(0) / (len(sample) // 4) for i in range(4)]
    if lanes[1] > 0.9 and lanes[2] > 0.9 and lanes[3] > 0.9 and lanes[0] < 0.1:
        return "utf-32-le"
    if lanes[0] > 0.9 and lanes[1] > 0.9 and lanes[2] > 0.9 and lanes[3] < 0.1:
        return "utf-32-be"
    even, odd = (lanes[0] + lanes[2]) / 2, (lanes[1] + lanes[3]) / 2
    if odd > 0.6 and even < 0.1:
        return "utf-16-le"
    if even > 0.6 and odd < 0.1:
        return "utf-16-be"
    return None


def _sniff_zip(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError):
        return Sniffed("binary", "a damaged zip archive")
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return Sniffed("xlsx", "an Excel workbook (.xlsx)")
    if b"spreadsheet" in mimetype:
        return Sniffed("ods", "an OpenDocument spreadsheet (.ods)")
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return Sniffed("zip", f"a zip archive holding {len(names)} file(s): {shown or 'none'}")


def refuse(shown: str, sniffed: Sniffed, expected: str, source: str) -> SourceRefused:
    """The refusal for a file whose bytes are not the ``expected`` format."""
    fix = {
        "xlsx": "set 'type: excel' on the source (or rename it .xlsx)",
        "ods": "set 'type: excel' on the source (or rename it .ods)",
        "xls": "open it in Excel and save it as .xlsx, then set 'type: excel'",
        "parquet": "set 'type: parquet' on the source",
        "sqlite": "set 'type: sqlite' with a 'table:' on the source",
        "duckdb": "set 'type: duckdb' with a 'table:' on the source",
        "zip": "unzip it and point 'path:' at the file inside",
        "zstd": "decompress it first (zstd -d FILE) and point 'path:' at the result",
        "text": "if it holds delimited text or JSON, set 'type: csv' or 'type: json' on the "
                "source",
    }.get(sniffed.kind, f"point 'path:' at the real {expected} file")
    if sniffed.kind == "empty":
        return SourceRefused(f"source '{source}': {shown} is {sniffed.description}: it holds "
                             "no records; export the data again")
    article = "an" if expected[:1].lower() in "aeiou" else "a"
    return SourceRefused(f"source '{source}': {shown} is {sniffed.description}, not "
                         f"{article} {expected} file; {fix}")


def decompressed_copy(path: Path, kind: str, target: Path, shown: str, source: str) -> Path:
    """Expand a gzip/bz2/xz file into ``target``; a truncated or corrupt stream is refused."""
    opener = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}[kind]
    limit = max(MIN_BOMB_BYTES, MAX_EXPANSION * path.stat().st_size)
    written = 0
    try:
        with opener(path, "rb") as src, target.open("wb") as dst:
            while block := src.read(1 << 20):
                written += len(block)
                if written > limit:
                    raise SourceRefused(
                        f"source '{source}': {shown} expands past {limit:,} bytes "
                        f"({MAX_EXPANSION}x its size): refused as a decompression bomb; "
                        "decompress it yourself and point 'path:' at the result")
                dst.write(block)
    except (EOFError, OSError, lzma.LZMAError, zlib_error()) as exc:
        raise SourceRefused(
            f"source '{source}': {shown} is {kind}-compressed but the stream is damaged or "
            f"cut short after {written:,} bytes ({_short(exc)}); copy the complete file again"
        ) from None
    shutil.copystat(path, target)
    return target


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
