"""What ``match`` returns, and the checks of what it is given (fields, JSON lines)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any

from contactops.errors import UsageError
from contactops.fields import CONTACT_FIELDS
from contactops.pii import IDENTIFYING_FIELDS, mask_identifier

if TYPE_CHECKING:
    import polars as pl

#: Fields that may hold several values (each is tried; a contact keeps its best match).
MULTI = ("email", "phone")
#: Most value combinations tried for one record.
MAX_VARIANTS = 16

#: Columns of a candidate, in order (``explanation`` last).
COLUMNS = ("contact_id", "first_name", "last_name", "full_name", "email", "company", "city",
           "record_count", "record_id", "match_probability", "match_weight", "link_type",
           "key_rule", "conflict", "matched", "explanation")


def check_fields(record: object, where: str) -> None:
    """Refuse a record that is not an object of contact fields, naming the bad field."""
    if not isinstance(record, Mapping):
        raise UsageError(f"{where} is not a JSON object of contact fields "
                         f"(got {type(record).__name__})")
    for name, value in record.items():
        if name not in CONTACT_FIELDS:
            close = get_close_matches(str(name), list(CONTACT_FIELDS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(f"{where}: unknown field '{name}'{hint}; valid fields: "
                             f"{', '.join(CONTACT_FIELDS)}")
        if isinstance(value, list) and name not in MULTI:
            raise UsageError(f"{where}: field '{name}' takes one value, not a list "
                             f"(only {' and '.join(MULTI)} may be lists)")
    if not any(v not in (None, "", []) for v in record.values()):
        raise UsageError(f"{where} has no field filled: give at least a name, an email, "
                         "a phone or an id")


def parse_json_lines(text: str, origin: str = "stdin") -> list[dict[str, Any]]:
    """One JSON object, a JSON array of objects, or one object per line (JSON lines).

    A syntax error names the line and column; every record's fields are checked.
    """
    stripped = text.strip()
    if not stripped:
        raise UsageError(f"no record on {origin}: give a JSON object, e.g. "
                         '{"first_name": "Ann", "email": "ann@example.com"}')
    try:
        whole = json.loads(stripped)
        records = whole if isinstance(whole, list) else [whole]
    except json.JSONDecodeError as first:
        if first.msg != "Extra data":  # a broken object, not several of them
            raise _json_error(origin, first) from None
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise UsageError(f"{origin} line {number}, column {exc.colno}: invalid JSON "
                                 f"({exc.msg}); give one JSON object per line") from None
    for i, record in enumerate(records, start=1):
        check_fields(record, f"{origin} record {i}")
    return records


def _json_error(origin: str, exc: json.JSONDecodeError) -> UsageError:
    return UsageError(f"{origin} line {exc.lineno}, column {exc.colno}: invalid JSON "
                      f"({exc.msg})")


def query_variants(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The record once per combination of its emails and phones (at most MAX_VARIANTS)."""
    choices = [[v for v in record[f] if v not in (None, "")] or [None]
               if isinstance(record.get(f), list) else [record.get(f)] for f in MULTI]
    base = {k: v for k, v in record.items() if k not in MULTI}
    combos = itertools.islice(itertools.product(*choices), MAX_VARIANTS)
    return [base | dict(zip(MULTI, combo, strict=True)) for combo in combos]


@dataclass
class MatchResult:
    """The contacts one record may already be, best first.

    Attributes:
        query: the record as given (identifiers masked unless ``show_pii``).
        candidates: one row per contact: golden name and email, the best record match's
            ``match_probability``, ``link_type`` (``key``: the stage would link them by an
            identifier; ``probability``: above auto-merge; null: below), ``matched`` fields
            and the ``explanation`` rows of ``contactops explain``.
        warehouse: the file read: the match copy beside the warehouse while it is
            current or a run holds the warehouse, else the warehouse.
    """

    query: dict[str, Any]
    candidates: pl.DataFrame
    warehouse: str = ""
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, record: Mapping[str, Any], found: list[pl.DataFrame], *, limit: int,
           min_probability: float, source: str, show_pii: bool) -> MatchResult:
        import polars as pl

        shown = {k: (v if show_pii or k not in IDENTIFYING_FIELDS else mask_identifier(v))
                 for k, v in record.items()}
        if not found:
            return cls(shown, _empty(), source)
        rows = pl.concat(found, how="diagonal_relaxed")
        keep = (pl.col("match_probability") >= min_probability) | (pl.col("link_type") == "key")
        best = (rows.filter(keep)
                .sort(["match_weight", "record_id"], descending=[True, False])
                .unique("contact_id", keep="first", maintain_order=True)
                .head(limit))
        return cls(shown, best.select([c for c in COLUMNS if c in best.columns]), source)

    @property
    def found(self) -> bool:
        return self.candidates.height > 0

    def asdict(self) -> dict[str, Any]:
        """JSON-ready: the query, the candidates (explanations included) and the source."""
        return {"query": self.query, "candidates": self.candidates.to_dicts(),
                "warehouse": self.warehouse}

    def __str__(self) -> str:
        if not self.found:
            return "no existing contact matches this record"
        lines = [f"{self.candidates.height} candidate contact(s):"]
        for r in self.candidates.iter_rows(named=True):
            name = " ".join(x for x in (r.get("first_name"), r.get("last_name")) if x) \
                or r.get("full_name") or ""
            lines.append(f"  {r['contact_id']}  {r['match_probability']:.3f}  {name}  "
                         f"{r.get('email') or ''}  matched: {', '.join(r['matched'])}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        frame = self.candidates.drop("explanation", strict=False)
        return f"<p>match: {self.candidates.height} candidate(s)</p>{frame._repr_html_()}"


def _empty() -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(schema={"contact_id": pl.String, "record_id": pl.String,
                                "match_probability": pl.Float64, "match_weight": pl.Float64,
                                "link_type": pl.String, "matched": pl.List(pl.String)})
