"""Test data: a seeded generator of messy multi-source contacts with known true people.

    from contactops.testing import make_contacts, write_dataset
    gen = make_contacts(10_000, seed=1, duplicate_rate=0.4)
    gen.records, gen.truth          # raw messy values / what they really mean
    hard = make_contacts(10_000, seed=1, preset="hard")  # families, namesakes, scripts...
    write_dataset("data/gen", 10_000, seed=1, layout="sources")
"""

from __future__ import annotations

from contactops.testing.defects import DEFECTS
from contactops.testing.generator import (
    RECORD_COLUMNS,
    SOURCE_FIELDS,
    SOURCE_KINDS,
    TRUTH_COLUMNS,
    GeneratedContacts,
    Knobs,
    make_contacts,
)
from contactops.testing.presets import PRESETS
from contactops.testing.writers import write_dataset

__all__ = [
    "DEFECTS",
    "RECORD_COLUMNS",
    "SOURCE_FIELDS",
    "SOURCE_KINDS",
    "TRUTH_COLUMNS",
    "PRESETS",
    "GeneratedContacts",
    "Knobs",
    "make_contacts",
    "write_dataset",
]
