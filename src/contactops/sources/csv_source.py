"""CSV/TSV files: encoding detection, delimiter sniffing, quoted newlines, ragged rows.

Decisions (all recorded in ``loads.details``):

* encoding: a BOM decides (utf-8-sig, utf-16); else the whole file is checked as UTF-8;
  else cp1252 when every byte is defined there, else latin-1. Non-UTF-8 files are
  transcoded to a temporary UTF-8 copy, so DuckDB's fast parser reads them all the same.
* delimiter: sniffed among ``, ; tab |`` on the first 64 KiB unless the source sets one.
* a row with fewer values than the header is kept and padded with nulls (spreadsheets drop
  trailing empty cells); a row with more values, or an unterminated quote, is rejected.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from contactops.errors import SourceError
from contactops.sources.base import ROW, RawBatch, Reject

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.pipeline import CsvSource
    from contactops.engine.warehouse import Warehouse

SAMPLE_BYTES = 1 << 16
DELIMITERS = ",;\t|"
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def read(source: CsvSource, project: Project, warehouse: Warehouse | None = None) -> RawBatch:
    path = project.path(source.path)
    if not path.is_file():
        raise SourceError(f"source '{source.name}': file not found: {path}")
    shown = source.path
    encoding, digest = detect_encoding(path) if source.encoding == "auto" else (
        source.encoding, _sha256(path))
    with tempfile.TemporaryDirectory(prefix="contactops-csv-") as tmp:
        utf8_path = path if encoding in ("utf-8",) else _transcode(path, encoding, Path(tmp))
        sample = _head_text(utf8_path)
        delimiter = _delimiter(source.delimiter) or sniff_delimiter(sample, source.quote)
        columns = header_columns(sample, delimiter, source.quote) if source.header else \
            [f"column_{i + 1}" for i in range(_width(sample, delimiter, source.quote))]
        if not columns:
            raise SourceError(f"source '{source.name}': {shown} is empty")
        from contactops.engine.csv_reader import read_csv_strict

        parsed = read_csv_strict(utf8_path, columns, delimiter=delimiter, quote=source.quote,
                                 header=source.header)
        batch = _assemble(parsed, columns, shown, utf8_path, delimiter, source)
    batch.content_hash = digest
    batch.details.update({"encoding": encoding, "delimiter": delimiter, "columns": columns})
    return batch


def detect_encoding(path: Path) -> tuple[str, str]:
    """Return (encoding, sha256) after one pass over the file."""
    import hashlib

    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    cp1252_ok = True
    first = b""
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            if not first:
                first = block[:4]
            digest.update(block)
            if utf8_ok:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
            if cp1252_ok and not utf8_ok and _CP1252_UNDEFINED.intersection(block):
                cp1252_ok = False
    if first.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif utf8_ok:
        encoding = "utf-8"
    else:
        encoding = "cp1252" if cp1252_ok else "latin-1"
    return encoding, digest.hexdigest()


def _sha256(path: Path) -> str:
    from contactops.sources.base import file_sha256

    return file_sha256(path)


def _transcode(path: Path, encoding: str, folder: Path) -> Path:
    target = folder / (path.stem + ".utf8.csv")
    try:
        with path.open("r", encoding=encoding, newline="") as src, \
                target.open("w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not valid {encoding} at byte {exc.start} ({exc.reason}); "
                          "set 'encoding:' on the source to the file's real encoding") from None
    return target


def _head_text(path: Path) -> str:
    with path.open("rb") as handle:
        raw = handle.read(SAMPLE_BYTES)
    return raw.decode("utf-8", errors="ignore")


def _delimiter(value: str) -> str | None:
    if value == "auto":
        return None
    return "\t" if value in ("tab", "\\t") else value


def sniff_delimiter(sample: str, quote: str = '"') -> str:
    """The candidate whose per-line count is most consistent (and non-zero) wins."""
    lines = [ln for ln in sample.splitlines()[:50] if ln.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of the sample may be cut
    best, best_score = ",", -1.0
    for cand in DELIMITERS:
        counts = [len(row) - 1 for row in csv.reader(lines, delimiter=cand, quotechar=quote)]
        if not counts or max(counts) == 0:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        score = freq / len(counts) + (mode / 1000)
        if mode > 0 and score > best_score:
            best, best_score = cand, score
    return best


def header_columns(sample: str, delimiter: str, quote: str) -> list[str]:
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=quote)
    header = next(reader, [])
    names: list[str] = []
    seen: Counter[str] = Counter()
    for i, raw in enumerate(header):
        name = raw.strip().lstrip("\ufeff") or f"column_{i + 1}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return names


def _width(sample: str, delimiter: str, quote: str) -> int:
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, quotechar=quote)
    return len(next(reader, []))


def _assemble(parsed, columns: list[str], shown: str, path: Path, delimiter: str,
              source: CsvSource) -> RawBatch:
    import polars as pl

    from contactops.engine.csv_reader import ORDINAL

    offset = 1 if source.header else 0
    errors = parsed.errors
    rejects: list[Reject] = []
    padded: list[dict[str, object]] = []
    if errors.height:
        first = errors.group_by("record", maintain_order=True).first()
        lines = _line_numbers(path, first["byte_position"].to_list())
        for err, line in zip(first.iter_rows(named=True), lines, strict=True):
            row = int(err["record"]) - offset
            kind = err["error_type"]
            text = err["csv_line"] or ""
            if kind == "MISSING COLUMNS":
                values = next(csv.reader([text], delimiter=delimiter, quotechar=source.quote), [])
                padded.append({ROW: row, **dict(zip(columns, values, strict=False))})
                continue
            rejects.append(_reject(kind, row, line, text, shown, columns, delimiter, err))
    rows = parsed.rows
    bad = sorted([r.row_number for r in rejects if r.row_number] + [p[ROW] for p in padded])
    rows = rows.with_columns(_row_numbers(rows[ORDINAL], bad).alias(ROW)).drop(ORDINAL)
    if padded:
        extra = pl.DataFrame(padded, schema={**{c: pl.Utf8 for c in columns}, ROW: pl.Int64})
        rows = pl.concat([rows, extra.select(rows.columns)]).sort(ROW)
    details = {"padded_rows": [p[ROW] for p in padded][:100], "padded_count": len(padded)}
    return RawBatch(frame=rows, rejects=rejects, location=shown, details=details)


def _row_numbers(ordinal, bad_rows: list[int]):
    """Map the k-th accepted row to its data row number, skipping the rows not accepted."""
    import polars as pl

    if not bad_rows:
        return ordinal.cast(pl.Int64)
    shifted = pl.Series([r - i for i, r in enumerate(bad_rows, start=1)], dtype=pl.Int64)
    # row = k + #{j : bad_j - j < k}
    return ordinal.cast(pl.Int64) + shifted.search_sorted(ordinal.cast(pl.Int64), side="left")


def _line_numbers(path: Path, positions: list[int | None]) -> list[int | None]:
    wanted = sorted({p for p in positions if p is not None})
    found: dict[int, int] = {}
    newlines, offset, idx = 0, 0, 0
    with path.open("rb") as handle:
        while idx < len(wanted) and (block := handle.read(1 << 20)):
            end = offset + len(block)
            while idx < len(wanted) and wanted[idx] <= end:
                found[wanted[idx]] = newlines + block.count(b"\n", 0, wanted[idx] - offset) + 1
                idx += 1
            newlines += block.count(b"\n")
            offset = end
    return [found.get(p) if p is not None else None for p in positions]


def _reject(kind: str, row: int, line: int | None, text: str, shown: str, columns: list[str],
            delimiter: str, err: dict[str, object]) -> Reject:
    where = f"{shown} row {row}" + (f" (line {line})" if line else "")
    shown_delim = "tab" if delimiter == "\t" else repr(delimiter)
    if kind == "TOO MANY COLUMNS":
        found = text.count(delimiter) + 1
        return Reject(row, "too_many_columns",
                      f"{where}: {found} values for {len(columns)} columns — a value probably "
                      f"contains the delimiter {shown_delim}; quote that value or remove the "
                      "extra separator", raw=text, line_number=line)
    if kind == "UNQUOTED VALUE":
        swallowed = text.rstrip("\r\n").count("\n")
        return Reject(row, "unterminated_quote",
                      f"{where}: a quote opened in column '{err['column_name']}' is never "
                      f"closed, so the parser read {swallowed} following line(s) into it; close "
                      "the quote (the swallowed text is kept in raw)", raw=text, line_number=line,
                      field=str(err["column_name"]) if err["column_name"] else None)
    return Reject(row, kind.lower().replace(" ", "_"), f"{where}: {err['message']}", raw=text,
                  line_number=line,
                  field=str(err["column_name"]) if err["column_name"] else None)
