"""JSON reader: a JSON document holding an array of records, or NDJSON (one object a line).

Decisions:

* Values keep their JSON text: numbers are never re-formatted (``4155550123`` stays
  ``4155550123``, ``1.50`` stays ``1.50``), ``true``/``false`` become ``"true"``/``"false"``,
  ``null`` becomes a null.
* Nested objects are flattened into dotted column names (``contact.name.first``); arrays are
  kept as compact JSON text (``["a","b"]``), as :class:`RawBatch` documents. An empty object
  adds no column. Columns are the union of every record's keys, in first-seen order.
* ``format: auto`` reads the whole file as one document when it parses; otherwise, if its
  first non-blank line is a JSON value on its own, the file is NDJSON.
* A document's records are found at ``records_path`` (dotted, list indexes allowed:
  ``data.items``, ``pages.0.rows``); without it a top-level array is used, or the only
  array-of-objects value of a top-level object, or else the object itself is one record.
* NDJSON: blank lines are skipped (counted in ``details``); a line that does not parse is
  rejected as ``invalid_json`` and a value that is not an object as ``not_an_object``. The
  ``_row`` of a record is its position among the non-blank lines (or array elements).
"""

from __future__ import annotations

import gc
import itertools
import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contactops.errors import SourceRefused
from contactops.sources import sniff
from contactops.sources.base import ROW, RawBatch, Reject, file_sha256, without_nuls

if TYPE_CHECKING:
    import polars as pl

    from contactops.config.loader import Project
    from contactops.config.pipeline import JsonSource
    from contactops.engine.warehouse import Warehouse

_RAW_LIMIT = 10_000
#: Nesting that Python's recursion limit allows, roughly; deeper records are rejected.
MAX_DEPTH = 900


class _Number(str):
    """A JSON number kept as the text it was written as."""


_decoder = json.JSONDecoder(parse_float=_Number, parse_int=_Number,
                            parse_constant=_Number)
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def read(source: JsonSource, project: Project, warehouse: Warehouse | None = None) -> RawBatch:
    """Read the records of the JSON or NDJSON file at ``source.path``."""
    path = project.path(source.path)
    if not path.is_file():
        raise SourceRefused(f"source '{source.name}': file {source.path} not found "
                            f"(looked in {path}); fix 'path:' in the pipeline")
    data = _bytes_of(source, path)
    text = _decode(source, data)
    del data
    with _gc_paused():
        fmt, document = _detect(source, text)
        details: dict[str, Any] = {"format": fmt}
        if fmt == "ndjson":
            rows, rejects, numbers = _ndjson_records(source, text, details)
        else:
            records, found_at = _records_of(source, document)
            details["records_path"] = found_at
            rows, rejects, numbers = _document_records(source, records)
            del document, records
        frame = _frame(rows, numbers)
    details["records"] = len(rows) + len(rejects)
    details["columns"] = len(frame.columns) - 1
    frame = without_nuls(frame, details)
    return RawBatch(frame=frame, rejects=rejects, content_hash=file_sha256(path),
                    location=str(source.path), details=details)


# -- parsing -----------------------------------------------------------------------------

@contextmanager
def _gc_paused() -> Iterator[None]:
    """Parsing makes millions of small dicts and no cycles; the cyclic GC would triple the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _bytes_of(source: JsonSource, path: Path) -> bytes:
    """The file's bytes, expanded when compressed; anything that is not text is refused."""
    found = sniff.sniff_file(path)
    if found.kind in ("gzip", "bz2", "xz"):
        with tempfile.TemporaryDirectory(prefix="contactops-json-") as tmp:
            expanded = sniff.decompressed_copy(path, found.kind, Path(tmp) / "expanded.json",
                                               source.path, source.name)
            inner = sniff.sniff_file(expanded)
            if not inner.is_text:
                raise sniff.refuse(f"{source.path} (after {found.kind} decompression)", inner,
                                   "JSON", source.name)
            return _recode(expanded.read_bytes(), inner.encoding)
    if not found.is_text:
        raise sniff.refuse(source.path, found, "JSON", source.name)
    return _recode(path.read_bytes(), found.encoding)


def _recode(data: bytes, encoding: str | None) -> bytes:
    """UTF-16/32 JSON (allowed by RFC 8259's predecessor) as UTF-8 bytes."""
    if encoding is None or encoding == "utf-8-sig":
        return data
    try:
        return data.decode(encoding).encode("utf-8")
    except UnicodeDecodeError:
        return data  # _decode names the bad byte


def _decode(source: JsonSource, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceRefused(f"source '{source.name}': {source.path} is not UTF-8 (bad byte at "
                            f"line {line}, byte offset {exc.start}); JSON must be UTF-8 — "
                            "re-save the file as UTF-8") from None
    if "\x00" in text:  # a raw NUL is not JSON; as text it would end values early
        line = text[: text.index("\x00")].count("\n") + 1
        raise SourceRefused(f"source '{source.name}': {source.path} holds a NUL byte at line "
                            f"{line}; JSON cannot contain raw NULs — re-export the file")
    return text


def _detect(source: JsonSource, text: str) -> tuple[str, Any]:
    """Return ("json", document) or ("ndjson", None)."""
    if source.format == "ndjson":
        return "ndjson", None
    stripped = text.lstrip()
    if not stripped:
        if source.format == "json":
            raise SourceRefused(f"source '{source.name}': {source.path} is empty; "
                                "expected a JSON document")
        return "ndjson", None
    try:
        return "json", _decoder.decode(text)
    except json.JSONDecodeError as exc:
        error = exc
    except RecursionError:
        error = None
    first_line = stripped.split("\n", 1)[0].strip()
    if source.format == "auto" and stripped[0] in "[{" and _parses(first_line):
        return "ndjson", None
    if error is None:
        raise SourceRefused(f"source '{source.name}': {source.path} nests objects or arrays "
                            f"deeper than {MAX_DEPTH} levels, which contactops does not read; "
                            "flatten the records (or write one record a line as NDJSON)")
    hint = ("; if the file holds one JSON object per line set 'format: ndjson'"
            if error.msg == "Extra data" else "; fix the JSON syntax at that position")
    raise SourceRefused(f"source '{source.name}': {source.path} is not valid JSON: "
                        f"{error.msg.removesuffix(' at')} at line {error.lineno} column "
                        f"{error.colno}{hint}")


def _parses(line: str) -> bool:
    try:
        _decoder.decode(line)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def _ndjson_records(source: JsonSource, text: str, details: dict[str, Any]
                    ) -> tuple[list[dict[str, Any]], list[Reject], list[int]]:
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    record = 0
    blank = 0
    decode = _decoder.decode
    # split on "\n" only: str.splitlines() would also split at U+2028 inside JSON strings
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    for line_number, line in enumerate(lines, start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            blank += 1
            continue
        record += 1
        try:
            value = decode(line)
        except RecursionError:
            rejects.append(_too_deep(source, record, line[:_RAW_LIMIT], line_number))
            continue
        except json.JSONDecodeError as exc:
            rejects.append(Reject(
                row_number=record, line_number=line_number, reason_code="invalid_json",
                raw=line[:_RAW_LIMIT],
                message=(f"{source.path} line {line_number} (record {record}): invalid JSON: "
                         f"{exc.msg} at column {exc.colno}; fix the line so it holds one "
                         "complete JSON object, or remove it")))
            continue
        if not isinstance(value, dict):
            rejects.append(_not_an_object(source, record, value, line_number))
            continue
        flat = _flat_or_none(value)
        if flat is None:
            rejects.append(_too_deep(source, record, line[:_RAW_LIMIT], line_number))
            continue
        rows.append(flat)
        numbers.append(record)
    details["blank_lines"] = blank
    return rows, rejects, numbers


def _records_of(source: JsonSource, document: Any) -> tuple[list[Any], str | None]:
    if source.records_path:
        node = document
        walked: list[str] = []
        for part in source.records_path.split("."):
            where = ".".join(walked) or "the top level"
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                keys = (", ".join(map(str, node)) if isinstance(node, dict)
                        else f"an array of {len(node)}" if isinstance(node, list)
                        else "a single value")
                raise SourceRefused(
                    f"source '{source.name}': records_path '{source.records_path}' not found "
                    f"in {source.path}: no '{part}' under {where} (found there: {keys}); "
                    "fix 'records_path:'")
            walked.append(part)
        if isinstance(node, list):
            return node, source.records_path
        raise SourceRefused(
            f"source '{source.name}': records_path '{source.records_path}' in {source.path} "
            f"holds {_kind(node)}, not an array of records; point it at the array")
    if isinstance(document, list):
        return document, None
    if isinstance(document, dict):
        arrays = [k for k, v in document.items()
                  if isinstance(v, list) and v and any(isinstance(x, dict) for x in v)]
        if len(arrays) == 1:
            return document[arrays[0]], arrays[0]
        if len(arrays) > 1:
            raise SourceRefused(
                f"source '{source.name}': {source.path} holds several arrays of records "
                f"({', '.join(arrays)}); set 'records_path:' to the one to read")
        return [document], None
    raise SourceRefused(f"source '{source.name}': {source.path} holds {_kind(document)}, "
                        "not records; expected an array of objects or NDJSON")


def _document_records(source: JsonSource, records: list[Any]
                      ) -> tuple[list[dict[str, Any]], list[Reject], list[int]]:
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    for number, value in enumerate(records, start=1):
        flat = _flat_or_none(value) if isinstance(value, dict) else None
        if flat is not None:
            rows.append(flat)
            numbers.append(number)
        elif isinstance(value, dict):
            rejects.append(_too_deep(source, number, None, None))
        else:
            rejects.append(_not_an_object(source, number, value, None))
    return rows, rejects, numbers


def _flat_or_none(record: dict[str, Any]) -> dict[str, str | None] | None:
    try:
        return _flatten(record)
    except RecursionError:
        return None


def _too_deep(source: JsonSource, record: int, raw: str | None, line: int | None) -> Reject:
    where = f"line {line} (record {record})" if line else f"record {record}"
    return Reject(
        row_number=record, line_number=line, reason_code="too_deep", raw=raw,
        message=(f"{source.path} {where}: the record nests objects or arrays deeper than "
                 f"{MAX_DEPTH} levels, which contactops does not read; flatten the record"))


def _not_an_object(source: JsonSource, record: int, value: Any, line: int | None) -> Reject:
    where = f"line {line} (record {record})" if line else f"record {record}"
    return Reject(
        row_number=record, line_number=line, reason_code="not_an_object",
        raw=_to_json(value)[:_RAW_LIMIT],
        message=(f"{source.path} {where}: expected a JSON object with field names, got "
                 f"{_kind(value)}; wrap the values in {{\"field\": value}} or remove it"))


# -- flattening --------------------------------------------------------------------------

def _flatten(record: dict[str, Any], prefix: str = "",
             out: dict[str, str | None] | None = None) -> dict[str, str | None]:
    out = {} if out is None else out
    for key, value in record.items():
        name = prefix + key if prefix else key
        kind = type(value)
        if kind is str:
            out[name] = value
        elif kind is _Number:
            out[name] = str.__str__(value)
        elif kind is dict:
            _flatten(value, name + ".", out)
        elif value is None:
            out[name] = None
        elif value is True:
            out[name] = "true"
        elif value is False:
            out[name] = "false"
        else:
            out[name] = _to_json(value)
    return out


def _to_json(value: Any) -> str:
    """Compact JSON text that writes numbers exactly as they were read."""
    if isinstance(value, _Number):
        return str.__str__(value)
    if isinstance(value, str):
        return _encode(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        if all(type(v) is str for v in value):  # the common case: tags, emails
            return _encode(value)
        return "[" + ",".join(_to_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_encode(str(k))}:{_to_json(v)}"
                              for k, v in value.items()) + "}"
    return json.dumps(value)


def _kind(value: Any) -> str:
    if isinstance(value, _Number):
        return f"the number {str.__str__(value)}"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return f"the value {_to_json(value)}"


def _frame(rows: list[dict[str, str | None]], numbers: list[int]) -> pl.DataFrame:
    import polars as pl

    # union of the keys in first-seen order; from_dicts fills missing keys with null
    names = dict.fromkeys(itertools.chain.from_iterable(rows))
    if ROW in names:
        raise SourceRefused(f"a JSON field is named '{ROW}', which contactops reserves; "
                            "rename the field in the file")
    schema = {name: pl.Utf8 for name in names}
    frame = pl.from_dicts(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    return frame.with_columns(pl.Series(ROW, numbers, dtype=pl.Int64))
