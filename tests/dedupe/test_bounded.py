"""Survivorship in chunks of contacts gives exactly the tables of one piece (issue #16)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.config.normalize import NormalizeSettings
from contactops.config.project import ProjectSettings
from contactops.dedupe import dedupe
from contactops.dedupe.core import SURVIVOR_CHUNK_DEFAULT, survivor_chunk
from contactops.dedupe.survivorship import _chunks, golden_records, golden_records_split
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import normalize
from contactops.testing import make_contacts

from .conftest import NOW


def _generated(rows: int, preset: str) -> pl.DataFrame:
    gen = make_contacts(rows, seed=23, preset=preset)
    raw = gen.records.rename({"record_key": "record_id"}).with_columns(
        source_kind=pl.lit("import"),
        **{f: pl.lit(None, pl.String) for f in CONTACT_FIELDS if f not in gen.records.columns})
    return normalize(raw.lazy(), ProjectSettings(), NormalizeSettings(), now=NOW
                     ).records.collect()


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["classic", "hard"])
def test_chunked_survivorship_gives_the_same_tables(preset: str) -> None:
    records = _generated(3000, preset)
    whole = dedupe(records, DedupeSettings(), run_id="r")
    chunked = dedupe(records, DedupeSettings(), run_id="r", survivor_chunk=37)
    assert whole.contacts.height < records.height  # there were contacts to merge
    # same rows in the same order: a tiny chunk makes dozens of chunks
    for name in ("contacts", "links", "provenance", "reviews"):
        assert getattr(chunked, name).equals(getattr(whole, name)), name
    # merge events carry the time they were made and come in hash order, run to run alike
    events = [r.events.drop("created_at").sort("event_id") for r in (chunked, whole)]
    assert events[0].height and events[0].equals(events[1])
    assert chunked.pairs.equals(whole.pairs)


def test_most_frequent_rule_in_chunks(background: pl.DataFrame) -> None:
    options = DedupeSettings(default_rule="most_frequent")
    rng = np.random.default_rng(1)
    records = background.with_columns(
        contact_id=pl.Series(rng.integers(0, background.height // 3, background.height)
                             .astype(str)).str.zfill(6))
    size = records.select(pl.len().over("contact_id"))["len"]
    contacts, provenance = golden_records(records, options)
    split, split_prov = golden_records_split(records.filter(size > 1),
                                             records.filter(size == 1), options,
                                             chunk_records=50)
    assert split.select(contacts.columns).sort("contact_id").equals(contacts)
    order = ["contact_id", "field"]
    assert split_prov.select(provenance.columns).sort(order).equals(provenance.sort(order))


def test_chunks_keep_contacts_whole_and_in_group_order() -> None:
    group = np.repeat(np.arange(40), np.arange(40) % 5 + 2)  # contacts of 2..6 records
    frame = pl.DataFrame({"_group": np.random.default_rng(0).permutation(group),
                          "row": np.arange(len(group))})
    chunks = _chunks(frame, 25)
    assert len(chunks) > 5
    assert sum(c.height for c in chunks) == frame.height
    seen: set[int] = set()
    last = -1
    for c in chunks:
        groups = set(c["_group"].to_list())
        assert not groups & seen  # no contact is split across chunks
        assert min(groups) > last  # chunks follow the contacts' order
        seen |= groups
        last = max(groups)
        assert c.height <= 25 + 6  # a chunk overshoots by at most its last contact
        assert c["row"].is_sorted()  # records keep their order within a chunk


def test_survivor_chunk_follows_the_memory_limit() -> None:
    assert survivor_chunk(None) == SURVIVOR_CHUNK_DEFAULT
    assert survivor_chunk(8 * 2**30) == 8 * 2**30 // 8 // 2048
    assert survivor_chunk(2**30) < survivor_chunk(4 * 2**30)
    assert survivor_chunk(2**20) == 10_000  # a tiny limit still makes useful chunks
