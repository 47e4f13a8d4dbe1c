"""Excel reader: one sheet of an .xlsx/.xlsm/.xls/.ods workbook, every cell as text.

Decisions:

* Cells are read as strings by fastexcel (calamine), so a phone typed as a number stays
  ``4155550123`` (never ``4155550123.0``) and a zip code keeps the text Excel stored.
* ``sheet`` and ``header_row`` unset: :mod:`contactops.sources.excel_layout` picks the
  sheet and the header row that look like contact data (title rows above are skipped), or
  refuses naming the sheets.
* ``header_row`` is the 0-based spreadsheet row of the column names (Excel row
  ``header_row + 1``). Calamine starts a sheet at its first non-empty row; for .xlsx files
  the reader finds that row so row numbers match what Excel shows. If ``header_row`` points
  above the first non-empty row, the first non-empty row is the header.
* ``_row`` is the data row index counting every row under the header, so the Excel row of a
  record is ``header_row + 1 + _row`` (also given as the reject's ``line_number``). A fully
  blank row (every cell empty or whitespace) is rejected with ``blank_row``, so
  ``rows_read`` matches the rows a user sees in Excel up to the last filled row.
* A row with a cell that cannot be read as text (a formula error such as ``#DIV/0!`` or
  ``#N/A``) is rejected whole with ``unreadable_sheet_row``, naming the column: turning the
  cell into a null would lose the problem silently.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from contactops.errors import SourceRefused
from contactops.sources import sniff
from contactops.sources.base import (
    ROW,
    RawBatch,
    Reject,
    as_strings,
    file_sha256,
    without_nuls,
)
from contactops.sources.excel_layout import choose_sheet, header_of

if TYPE_CHECKING:
    from contactops.config.loader import Project
    from contactops.config.pipeline import ExcelSource
    from contactops.engine.warehouse import Warehouse

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_ROW = re.compile(r"[A-Z]+(\d+)$")


def read(source: ExcelSource, project: Project, warehouse: Warehouse | None = None) -> RawBatch:
    """Read ``source.sheet`` of the workbook at ``source.path``."""
    import fastexcel
    import polars as pl

    path = project.path(source.path)
    if not path.is_file():
        raise SourceRefused(f"source '{source.name}': file {source.path} not found "
                            f"(looked in {path}); fix 'path:' in the pipeline")
    found = sniff.sniff_file(path)
    if found.kind not in ("xlsx", "ods", "xls", "zip"):
        raise sniff.refuse(source.path, found, "Excel", source.name)
    try:
        workbook = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types and OSError
        raise SourceRefused(f"source '{source.name}': cannot open {source.path} as a workbook: "
                            f"{_short(exc)}; save it as .xlsx and try again") from None
    sheets = list(workbook.sheet_names)
    if source.sheet is None:
        tops = [_first_used_row(path, i) for i in range(len(sheets))]
        chosen = choose_sheet([header_of(workbook, s, t, source.role)
                               for s, t in zip(sheets, tops, strict=True)],
                              sheets, source.path, source.name)
        sheet = chosen.sheet
    else:
        sheet = _sheet_name(source, sheets)
    top = _first_used_row(path, sheets.index(sheet))
    if source.header_row is not None:
        header = max(source.header_row, top)
    else:
        best = header_of(workbook, sheet, top, source.role)
        header = best.row if best is not None else top
    try:
        loaded = workbook.load_sheet(sheet, header_row=header - top, dtypes="string")
        batch, cell_errors = loaded.to_arrow_with_errors()
        frame = pl.from_arrow(batch)
    except Exception as exc:
        raise SourceRefused(f"source '{source.name}': cannot read sheet '{sheet}' of "
                            f"{source.path}: {_short(exc)}; check header_row "
                            f"(now {header}) points at the column names") from None
    assert isinstance(frame, pl.DataFrame)
    location = f"{source.path} sheet '{sheet}'"
    if frame.width == 0:
        raise SourceRefused(f"source '{source.name}': {location} has no column names at Excel "
                            f"row {header + 1} (header_row {header}); the sheet is "
                            "empty there — fix 'header_row:' or 'sheet:'")
    frame = as_strings(frame.cast(pl.Utf8))
    raw_cols = [c for c in frame.columns if c != ROW]

    # cells calamine cannot give as text (formula errors such as #DIV/0!, #N/A)
    errors: dict[int, tuple[str, str]] = {}
    for error in (cell_errors.errors if cell_errors is not None else []):
        row_index, col_index = error.offset_position
        column = raw_cols[col_index] if col_index < len(raw_cols) else f"#{col_index + 1}"
        errors.setdefault(row_index + 1, (column, str(error.detail)))
    raws = {r.pop(ROW): json.dumps(r, ensure_ascii=False)
            for r in frame.filter(pl.col(ROW).is_in(list(errors))).to_dicts()}
    rejects: list[Reject] = []
    for row, (column, detail) in errors.items():
        excel_row = header + 1 + row
        rejects.append(Reject(
            row_number=row, reason_code="unreadable_sheet_row", line_number=excel_row,
            field=column, raw=raws.get(row), message=(
                f"{location} Excel row {excel_row} (data row {row}), column '{column}': the "
                f"cell cannot be read as text ({detail}); fix the formula or clear the cell")))

    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "")
                              for c in raw_cols)
    flagged = frame.with_columns(
        (blank & ~pl.col(ROW).is_in(list(errors))).alias("_blank"),
        pl.col(ROW).is_in(list(errors)).alias("_error"))
    for row in flagged.filter(pl.col("_blank"))[ROW].to_list():
        rejects.append(Reject(
            row_number=row, reason_code="blank_row", line_number=header + 1 + row,
            message=(f"{location} Excel row {header + 1 + row} (data row {row}) is blank; "
                     "delete the empty row or fill it in")))
    rejects.sort(key=lambda reject: reject.row_number or 0)
    kept = flagged.filter(~pl.col("_blank") & ~pl.col("_error")).drop("_blank", "_error")
    scrubbed: dict[str, object] = {}
    kept = without_nuls(kept, scrubbed)
    return RawBatch(
        frame=kept,
        rejects=rejects,
        content_hash=file_sha256(path),
        location=location,
        details={
            "format": path.suffix.lower().lstrip(".") or "excel",
            "sheet": sheet,
            "sheets": sheets,
            "sheet_chosen": "given" if source.sheet is not None else "detected",
            "header_row": header,
            "header_chosen": "given" if source.header_row is not None else "detected",
            "rows_above_header": header - top,
            "header_excel_row": header + 1,
            "first_data_excel_row": header + 2,
            "columns": raw_cols,
            "blank_rows": len(rejects) - len(errors),
            "unreadable_rows": len(errors),
            "records": frame.height,
            **scrubbed,
        },
    )


def _sheet_name(source: ExcelSource, sheets: list[str]) -> str:
    listed = ", ".join(f"'{s}'" for s in sheets)
    if isinstance(source.sheet, int):
        if 0 <= source.sheet < len(sheets):
            return sheets[source.sheet]
        raise SourceRefused(
            f"source '{source.name}': {source.path} has no sheet number {source.sheet} "
            f"(0-based; it has {len(sheets)}: {listed}); fix 'sheet:' in the pipeline")
    if source.sheet in sheets:
        return source.sheet
    folded = [s for s in sheets if s.strip().lower() == source.sheet.strip().lower()]
    hint = f"; did you mean '{folded[0]}'?" if folded else ""
    raise SourceRefused(f"source '{source.name}': sheet '{source.sheet}' not found in "
                        f"{source.path}; sheets there: {listed}{hint}")


def _first_used_row(path: Path, index: int) -> int:
    """0-based row of the first non-empty cell of sheet ``index`` (0 when unknown).

    Only .xlsx/.xlsm are inspected; other formats start counting at the first used row.
    """
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return 0
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, index)
            if part is None:
                return 0
            with archive.open(part) as handle:
                for _event, element in ElementTree.iterparse(handle, events=("end",)):
                    if element.tag == f"{_MAIN}c" and _has_value(element):
                        match = _CELL_ROW.match(element.get("r", ""))
                        return int(match.group(1)) - 1 if match else 0
                    if element.tag == f"{_MAIN}row":
                        element.clear()
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return 0
    return 0


def _has_value(cell: ElementTree.Element) -> bool:
    value = cell.find(f"{_MAIN}v")
    if value is not None and (value.text or "") != "":
        return True
    inline = cell.find(f"{_MAIN}is")
    return inline is not None and "".join(inline.itertext()) != ""


def _sheet_part(archive: zipfile.ZipFile, index: int) -> str | None:
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheets = book.findall(f"{_MAIN}sheets/{_MAIN}sheet")
    if index >= len(sheets):
        return None
    rel_id = sheets[index].get(f"{_REL}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.findall(f"{_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            full = target.lstrip("/") if target.startswith("/") else str(
                PurePosixPath("xl") / target)
            return full
    return None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
