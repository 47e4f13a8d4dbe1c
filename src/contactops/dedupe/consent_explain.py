"""Why a contact has the consent it has: per channel, the deciding record and the reason.

``consent_decisions`` is pure (a ``contacts`` row and the records in, one row per channel
out); ``read_consent`` reads both from the warehouse; ``ContactExplanation`` pairs it with the
match explanation of the contact's records for ``contactops dedupe explain --contact`` and
``wb.dedupe.explain(contact_id)``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from contactops.catalog import T
from contactops.dedupe.consent import CHANNELS, REASONS

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

_SCHEMA = {"channel": pl.String, "status": pl.String, "record_id": pl.String,
           "source": pl.String, "consent_timestamp": pl.String, "updated_at": pl.String,
           "reason": pl.String, "meaning": pl.String}
_STALE = "not recorded by this warehouse's last dedupe run: rerun the pipeline"


def consent_decisions(contact: dict[str, Any], records: pl.DataFrame) -> pl.DataFrame:
    """One row per channel: status, deciding record (its source and times), reason, meaning.

    ``contact`` is a ``contacts`` row; ``records`` holds (at least) the deciding records with
    record_id and, when known, source, consent_timestamp and updated_at.
    """
    by_id = {r["record_id"]: r for r in records.iter_rows(named=True)}
    rows = []
    for channel in CHANNELS:
        col = f"consent_{channel}"
        if col not in contact:
            continue
        record = contact.get(f"{col}_record")
        reason = contact.get(f"{col}_reason")
        found = by_id.get(record, {})
        rows.append({
            "channel": channel, "status": contact[col] or "unknown", "record_id": record,
            "source": found.get("source"),
            "consent_timestamp": _text(found.get("consent_timestamp")),
            "updated_at": _text(found.get("updated_at")), "reason": reason,
            "meaning": REASONS.get(reason, _STALE) if reason else _STALE})
    return pl.DataFrame(rows, schema=_SCHEMA)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def read_consent(wh: Warehouse, contact_id: str) -> pl.DataFrame:
    """:func:`consent_decisions` of one contact; KeyError when there is no such contact."""
    rows = wh.pl(f"SELECT * FROM {T.contacts} WHERE contact_id = ?", [contact_id]).to_dicts()
    if not rows:
        raise KeyError(f"no contact with id '{contact_id}' in the contacts table")
    contact = rows[0]
    ids = [contact[c] for c in (f"consent_{ch}_record" for ch in CHANNELS)
           if contact.get(c) is not None]
    have = set(wh.columns(T.normalized_records.name))
    cols = ", ".join(f'"{c}"' for c in ("record_id", "source", "consent_timestamp",
                                         "updated_at") if c in have)
    records = wh.pl(f"SELECT {cols} FROM {T.normalized_records} "
                    "WHERE record_id IN (SELECT unnest(?))", [ids])
    return consent_decisions(contact, records)


@dataclass(frozen=True, repr=False)
class ContactExplanation:
    """Why a contact's records were merged (``pairs``) and why it has its consent."""

    contact_id: str
    pairs: pl.DataFrame
    consent: pl.DataFrame

    def asdict(self) -> dict[str, Any]:
        return {"contact_id": self.contact_id, "pairs": self.pairs.to_dicts(),
                "consent": self.consent.to_dicts()}

    def __str__(self) -> str:
        lines = [f"contact {self.contact_id}: {self.pairs.height} record pairs "
                 "(.pairs); consent per channel (.consent):"]
        for r in self.consent.iter_rows(named=True):
            by = f" from record {r['record_id']}" if r["record_id"] else ""
            lines.append(f"  {r['channel']}: {r['status']}{by} - {r['reason']}: "
                         f"{r['meaning']}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        return (f"<p>contact <code>{html.escape(self.contact_id)}</code></p>"
                f"<h4>Consent per channel</h4>"
                f"{self.consent._repr_html_()}<h4>Record pairs</h4>"
                f"{self.pairs._repr_html_()}")
