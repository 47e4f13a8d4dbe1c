"""Dedupe stage: blocking, Fellegi-Sunter scoring, clustering, survivorship, lineage.

Quickstart::

    from contactops.dedupe import dedupe
    result = dedupe(normalized_records, DedupeSettings())
    result.contacts, result.links, result.reviews
"""

from __future__ import annotations

from contactops.dedupe.core import DedupeResult, dedupe

__all__ = ["DedupeResult", "dedupe"]
