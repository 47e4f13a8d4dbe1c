"""Turn whatever bytes a CSV source holds into clean UTF-8 lines the parser can trust.

Steps, each recorded in ``loads.details``:

1. What the bytes are (:mod:`contactops.sources.sniff`): gzip/bz2/xz are expanded, anything
   that is not text (a workbook, a program, an image, random bytes) is refused with the fix.
2. Encoding: an explicit ``encoding:`` or a byte-order mark or the NUL pattern of UTF-16/32
   decide, and the file is transcoded to UTF-8 (a byte that does not decode is refused with
   its line). Otherwise the bytes are checked as UTF-8.
3. When the UTF-8 bytes are not clean, one line-by-line pass rewrites them: a file with no
   UTF-8 line at all is single-byte text (cp1252 when every byte is defined there, else
   latin-1); in a file that mixes, a line that is not UTF-8 is decoded as cp1252 (latin-1)
   and its line number kept in ``fallback_lines``. NUL bytes are removed
   (``nul_removed_lines``), and so is a byte-order mark starting a later line
   (``bom_removed_lines``: files concatenated with their BOMs). CR-only and mixed line
   endings become ``\\n`` (a bare CR ends a line, as every editor shows it).

A file that is valid UTF-8 without NULs and with one line-ending style is used as it is, so
the common case costs one read.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contactops.errors import SourceRefused
from contactops.sources import sniff

_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")
_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")
#: How many flagged line numbers ``loads.details`` keeps (the counts are always complete).
LISTED = 100
#: A line longer than this sends the file to the careful parser.
LONG_LINE = 16_384


@dataclass
class CleanText:
    path: Path
    encoding: str
    details: dict[str, Any] = field(default_factory=dict)
    #: the file has empty lines (DuckDB's reader skips them without a trace) or very long
    #: ones (DuckDB spends quadratic time on a row with thousands of extra values)
    careful: bool = False
    #: sha256 of the source file when this pass read it as it is (else the caller hashes it)
    digest: str | None = None


def prepare(path: Path, encoding: str, folder: Path, shown: str, source: str) -> CleanText:
    """A UTF-8 file with one line-ending style and no NULs holding the text of ``path``."""
    details: dict[str, Any] = {}
    original = path
    found = sniff.sniff_file(path)
    if found.kind in ("gzip", "bz2", "xz"):
        path = sniff.decompressed_copy(path, found.kind, folder / "expanded.csv", shown, source)
        details["compression"] = found.kind
        found = sniff.sniff_file(path)
        shown = f"{shown} (after {details['compression']} decompression)"
    if not found.is_text:
        raise sniff.refuse(shown, found, "CSV", source)
    chosen = encoding if encoding != "auto" else found.encoding
    if chosen is not None and chosen.lower().replace("_", "-") not in ("utf-8", "utf8"):
        path = _transcode(path, chosen, folder / "utf8.csv", shown, source)
    scan = _scan(path)
    digest = scan.digest if path == original else None
    details["line_endings"] = scan.endings
    if not scan.needs_rewrite:
        return CleanText(path, chosen or "utf-8", details, scan.blank or scan.long_lines,
                         digest)
    text = _rewrite(path, scan, folder / "clean.csv")
    details.update(text.details)
    return CleanText(text.path, chosen or text.encoding, details,
                     scan.blank or scan.long_lines or text.careful, digest)


def _transcode(path: Path, encoding: str, target: Path, shown: str, source: str) -> Path:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourceRefused(f"source '{source}': unknown encoding '{encoding}' for {shown}; "
                            "use auto, utf-8, utf-16, cp1252 or latin-1") from None
    data_line = 1
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while True:
            block = src.read(1 << 20)
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                where = offset + max(exc.start, 0)
                raise SourceRefused(
                    f"source '{source}': {shown} is not valid {encoding} near line "
                    f"{data_line} (byte {where:,}: {exc.reason}; the file may be cut short "
                    "or mix encodings); set 'encoding:' to the file's real encoding or "
                    "export it again as UTF-8") from None
            data_line += text.count("\n")
            dst.write(text.lstrip("\ufeff") if offset == 0 else text)
            offset += len(block)
            if not block:
                break
    return target


@dataclass
class _Scan:
    utf8: bool = True
    nul: bool = False
    bare_cr: bool = False
    crlf: bool = False
    bare_lf: bool = False
    blank: bool = False
    bom_inside: bool = False
    long_lines: bool = False
    digest: str = ""

    @property
    def needs_rewrite(self) -> bool:
        return (not self.utf8 or self.nul or self.bare_cr or (self.crlf and self.bare_lf)
                or self.bom_inside)

    @property
    def endings(self) -> str:
        kinds = [name for name, seen in (("crlf", self.crlf), ("lf", self.bare_lf),
                                         ("cr", self.bare_cr)) if seen]
        return "mixed (" + "+".join(kinds) + ")" if len(kinds) > 1 else (kinds or ["none"])[0]


def _scan(path: Path) -> _Scan:
    """One pass over the bytes: UTF-8 validity, NULs, line endings, blank and long lines."""
    scan = _Scan()
    decoder = codecs.getincrementaldecoder("utf-8")()
    digest = hashlib.sha256()
    last = b""
    cr = lf = crlf = 0
    line = 0  # length of the line still open at the end of the previous block
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
            if scan.utf8 and not block.isascii():
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    scan.utf8 = False
            scan.nul = scan.nul or b"\x00" in block
            block_cr = block.count(b"\r")
            cr += block_cr
            lf += block.count(b"\n")
            crlf += block.count(b"\r\n") if block_cr else 0
            crlf += last[-1:] == b"\r" and block[:1] == b"\n"  # a pair across two blocks
            edge = last[-2:] + block[:2]
            scan.blank = scan.blank or b"\n\n" in block or b"\n\n" in edge or (
                cr > 0 and (b"\n\r\n" in block or b"\n\r\n" in edge))
            if not scan.long_lines:
                scan.long_lines, line = _long_line(block, line)
            if not scan.bom_inside and not block.isascii():
                # a byte-order mark after the start: files concatenated with their BOMs
                scan.bom_inside = codecs.BOM_UTF8 in (
                    block[3:] if handle.tell() == len(block) else last[-2:] + block)
            last = block
    if scan.utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            scan.utf8 = False
    scan.crlf, scan.bare_cr, scan.bare_lf = crlf > 0, cr > crlf, lf > crlf
    scan.digest = digest.hexdigest()
    return scan


def _long_line(block: bytes, open_line: int) -> tuple[bool, int]:
    """(a line longer than LONG_LINE ends or runs in ``block``, length of its open last line).

    Jumps LONG_LINE bytes at a time and looks back for a newline, so a block of short lines
    costs a few dozen ``rfind`` calls, not one step per line.
    """
    first = block.find(b"\n")
    if first < 0:
        return open_line + len(block) > LONG_LINE, open_line + len(block)
    if open_line + first > LONG_LINE:
        return True, 0
    pos = first + 1
    while len(block) - pos > LONG_LINE:
        newline = block.rfind(b"\n", pos, pos + LONG_LINE + 1)
        if newline < 0:
            return True, 0
        pos = newline + 1
    return False, len(block) - pos


def _lines(path: Path):
    """Physical lines as bytes without their ending; a bare CR ends a line too."""
    with path.open("rb") as handle:
        for raw in handle:
            body = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") \
                else raw
            if b"\r" in body:  # the CR that ends the last line does not open another
                yield from (body[:-1] if body.endswith(b"\r") else body).split(b"\r")
            else:
                yield body


def _rewrite(path: Path, scan: _Scan, target: Path) -> CleanText:
    single_byte = None
    if not scan.utf8:
        single_byte = _single_byte_encoding(path)
    lines_clean = not (scan.nul or scan.bare_cr or (scan.crlf and scan.bare_lf)
                       or scan.bom_inside)
    if single_byte and lines_clean:  # a plain cp1252/latin-1 file: transcode in blocks
        with path.open("r", encoding=single_byte, newline="") as src, \
                target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        return CleanText(target, single_byte, {}, scan.blank)
    fallback_lines: list[int] = []
    nul_lines: list[int] = []
    fallback_count = nul_count = 0
    blank = False
    bom_lines: list[int] = []
    with target.open("w", encoding="utf-8", newline="") as dst:
        for number, line in enumerate(_lines(path), start=1):
            if b"\x00" in line:
                line = line.replace(b"\x00", b"")
                nul_count += 1
                if len(nul_lines) < LISTED:
                    nul_lines.append(number)
            if single_byte:
                text = line.decode(single_byte)
            else:
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    text = _fallback(line)
                    fallback_count += 1
                    if len(fallback_lines) < LISTED:
                        fallback_lines.append(number)
            if text.startswith("\ufeff"):
                text = text.lstrip("\ufeff")
                if number > 1:
                    bom_lines.append(number)
            dst.write(text)
            dst.write("\n")
            blank = blank or not text
    details: dict[str, Any] = {}
    if nul_count:
        details.update(nul_removed_count=nul_count, nul_removed_lines=nul_lines)
    if bom_lines:
        details.update(bom_removed_count=len(bom_lines), bom_removed_lines=bom_lines[:LISTED])
    if fallback_count:
        details.update(fallback_count=fallback_count, fallback_lines=fallback_lines,
                       fallback_encoding="cp1252 (latin-1 where cp1252 has no character)")
    return CleanText(target, single_byte or "utf-8", details, blank)



def _fallback(line: bytes) -> str:
    if _CP1252_UNDEFINED.isdisjoint(line):
        return line.decode("cp1252")
    return line.decode("latin-1")


def _single_byte_encoding(path: Path) -> str | None:
    """cp1252/latin-1 when no line is UTF-8 with non-ASCII text; None when lines mix."""
    undefined = False
    utf8_like = False
    tail = b""
    with path.open("rb") as handle:  # one quick pass: most single-byte files end here
        while block := handle.read(1 << 20):
            undefined = undefined or any(bytes((b,)) in block for b in _CP1252_UNDEFINED)
            # what survives a lenient UTF-8 decode beyond ASCII is a real UTF-8 sequence
            utf8_like = utf8_like or not (tail + block).decode("utf-8", "ignore").isascii()
            tail = block[-3:]
    if not utf8_like:
        return "latin-1" if undefined else "cp1252"
    undefined = False
    for line in _lines(path):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            undefined = undefined or not _CP1252_UNDEFINED.isdisjoint(line)
            continue
        return None
    return "latin-1" if undefined else "cp1252"
