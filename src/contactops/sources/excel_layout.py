"""Which sheet of a workbook holds the contacts, and which row holds its column names.

Used when a source leaves ``sheet:`` or ``header_row:`` unset. Each of the first
``SCAN_ROWS`` rows of a sheet is scored by how many of its cells are known column names
(:mod:`contactops.sources.synonyms`: "E-mail", "First Name", "Company", an id column...).
A row with a single filled cell is a title (often merged across the columns) and is not a
header candidate while another row is. The sheet whose best row scores highest wins; when no
sheet looks like contact data, or two score the same, the workbook is refused with its sheet
names, because guessing there would load the wrong rows without a word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contactops.errors import SourceRefused
from contactops.sources.synonyms import ACTIVITY_INDEX, CONTACT_INDEX, KEY_NAMES, fold

SCAN_ROWS = 30


@dataclass(frozen=True)
class Header:
    """The best header row of one sheet: ``row`` is 0-based (Excel row ``row + 1``)."""

    sheet: str
    row: int
    score: int
    filled: int


def header_of(workbook: Any, sheet: str, top: int, role: str = "contacts") -> Header | None:
    """The best header row among the first rows of ``sheet``; None for an empty sheet.

    ``top`` is the 0-based row of the sheet's first used row (calamine starts there).
    """
    try:
        frame = workbook.load_sheet(sheet, header_row=None, n_rows=SCAN_ROWS,
                                    dtypes="string").to_polars()
    except Exception:  # an empty or unreadable sheet has no header to offer
        return None
    index = CONTACT_INDEX if role == "contacts" else ACTIVITY_INDEX
    rows: list[Header] = []
    for offset, values in enumerate(frame.iter_rows()):
        cells = [str(v).strip() for v in values if v is not None and str(v).strip()]
        if not cells:
            continue
        score = sum(1 for c in cells if fold(c) in index or fold(c) in KEY_NAMES)
        rows.append(Header(sheet, top + offset, score, len(cells)))
    if not rows:
        return None
    candidates = [r for r in rows if r.filled >= 2] or rows
    return max(candidates, key=lambda r: (r.score, -r.row))


def choose_sheet(headers: list[Header | None], sheets: list[str], shown: str,
                 source: str) -> Header:
    """The sheet that looks like contact data, or a refusal naming the sheets."""
    listed = ", ".join(f"'{s}'" for s in sheets) or "(none)"
    found = [h for h in headers if h is not None]
    if not found:
        raise SourceRefused(f"source '{source}': {shown} has no data in any sheet (sheets: "
                            f"{listed}); export the workbook again with the contacts in it")
    if len(found) == 1:
        return found[0]
    ranked = sorted(found, key=lambda h: -h.score)
    best = ranked[0]
    if best.score == 0:
        raise SourceRefused(
            f"source '{source}': cannot tell which sheet of {shown} holds the contacts: no "
            f"sheet has column names like email, name or phone (sheets: {listed}); set "
            "'sheet:' (and 'header_row:', 0-based) on the source")
    if ranked[1].score == best.score:
        tied = ", ".join(f"'{h.sheet}'" for h in ranked if h.score == best.score)
        raise SourceRefused(
            f"source '{source}': cannot tell which sheet of {shown} holds the contacts: "
            f"{tied} look alike (sheets: {listed}); set 'sheet:' on the source")
    return best
