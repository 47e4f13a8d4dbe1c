"""Ingest in batches lands exactly what ingest in one batch lands.

The same generated files (duplicate keys and duplicate content across batch boundaries,
rejects of every kind, quoted multi-line values, short rows, a hostile file that needs the
careful parser, Parquet) are landed once whole and once in tiny batches; every table must
hold the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from contactops.config import load_pipeline
from contactops.config.memory import MemoryLimit
from contactops.engine import Warehouse
from contactops.pipeline import run_pipeline
from contactops.sources import stage

PIPELINE = """\
name: t
sources:
  - name: crm
    type: csv
    kind: connected_system
    path: data/crm.csv
    key: Id
    mapping: {First: first_name, Last: last_name, Mail: email, Note: notes}
  - name: forms
    type: csv
    kind: web_form
    path: data/forms.csv
    mapping: {email: email, comment: notes}
  - name: messy
    type: csv
    kind: web_form
    path: data/messy.csv
    mapping: {email: email, name: full_name}
  - name: shop
    type: parquet
    kind: connected_system
    path: data/shop.parquet
    mapping: {mail: email, city: city}
  - name: clicks
    type: csv
    kind: campaign
    role: activity
    links_to: crm
    path: data/clicks.csv
    mapping: {what: activity_type, who: contact_key}
"""


def _crm(rng: random.Random) -> str:
    """Keyed rows: repeated keys far apart, missing keys, empty rows, too many values,
    short rows and quoted values with line breaks."""
    lines = ["Id,First,Last,Mail,Note"]
    for i in range(1, 241):
        key = f"c{rng.randrange(150)}"
        kind = rng.random()
        if kind < 0.04:
            lines.append(",,,,")
        elif kind < 0.08:
            lines.append(f",Ann{i},Lee,a{i}@x.com,")
        elif kind < 0.11:
            lines.append(f"{key},Bo{i},Ray,b{i}@x.com,n,extra")
        elif kind < 0.15:
            lines.append(f"{key},Cy{i}")
        elif kind < 0.25:
            lines.append(f'{key},Di{i},Fox,d{i}@x.com,"line one\nline two, ""quoted"""')
        else:
            lines.append(f"{key},Ed{i},Oak,e{i}@x.com,")
    return "\n".join(lines) + "\n"


def _forms(rng: random.Random) -> str:
    """Keyless rows from a few distinct contents, so duplicate groups span many batches."""
    lines = ["email,comment"]
    for _ in range(200):
        n = rng.randrange(12)
        comment = f'"hi\nthere {n}"' if n % 3 == 0 else f"c{n}"
        lines.append(f"u{n}@x.com,{comment}" if n != 11 else ",")
    return "\n".join(lines) + "\n"


def _messy(rng: random.Random) -> str:
    """Blank lines and a quote never closed: the careful parser's file."""
    lines = ["email,name"]
    for i in range(120):
        n = rng.randrange(6)
        lines.append("" if i % 17 == 5 else f"m{n}@x.com,Name {n}")
    lines.insert(60, 'x@x.com,"never closed')
    return "\n".join(lines) + "\n"


@pytest.fixture
def make(make_project: Callable[..., Path]) -> Callable[[], Any]:
    rng = random.Random(16)
    files: dict[str, str | bytes] = {"data/crm.csv": _crm(rng), "data/forms.csv": _forms(rng),
                                     "data/messy.csv": _messy(rng),
                                     "data/clicks.csv": "what,who\n" + "open,c1\nclick,c2\n" * 40}

    shop = pl.DataFrame({"mail": [f"s{rng.randrange(9)}@x.com" for _ in range(150)],
                         "city": [f"C\x00{i % 4}" if i % 50 == 7 else f"C{i % 4}"
                                  for i in range(150)]})

    def project() -> Any:
        path = make_project(PIPELINE, files)
        shop.write_parquet(path.parent.parent / "data" / "shop.parquet", row_group_size=16)
        return load_pipeline(path)

    return project


def _tables(warehouse: str) -> dict[str, pl.DataFrame]:
    with Warehouse(warehouse) as wh:
        return {
            "source_records": wh.pl(
                "SELECT * EXCLUDE (load_seq) FROM source_records ORDER BY source, row_number"),
            "activities": wh.pl(
                "SELECT * EXCLUDE (load_seq) FROM activities ORDER BY row_number"),
            "rejected_records": wh.pl(
                "SELECT * FROM rejected_records "
                "ORDER BY source, row_number, reason_code"),
            "loads": wh.pl(
                "SELECT source, content_hash, details, rows_read, rows_accepted, "
                "rows_rejected, status FROM loads ORDER BY source"),
        }


def _land(make: Callable[[], Any], monkeypatch: pytest.MonkeyPatch, rows: int | None,
          sample: int | None = None) -> dict[str, pl.DataFrame]:
    monkeypatch.setattr(stage, "batch_rows", lambda memory: rows)
    result = run_pipeline(make(), until="ingest", sample=sample)
    tables = _tables(result.warehouse)
    for leftover in Path(result.warehouse).parent.glob(Path(result.warehouse).name + "*"):
        leftover.unlink()  # the next landing starts from an empty warehouse
    return tables


@pytest.mark.slow
@pytest.mark.parametrize("rows", [1, 7, 50])
def test_batches_land_what_one_batch_lands(make, monkeypatch, rows: int) -> None:
    whole = _land(make, monkeypatch, None)
    batched = _land(make, monkeypatch, rows)
    # the generated files really hold what the batches must carry across their edges
    records = whole["source_records"]
    assert records.filter(pl.col("source_record_key").str.contains("#")).height > 20
    reasons = set(whole["rejected_records"]["reason_code"])
    assert {"duplicate_key", "missing_key", "empty_row", "too_many_columns", "blank_line",
            "unterminated_quote"} <= reasons
    assert whole["loads"]["details"].str.contains("nul_removed_count").any()
    assert records.filter(pl.col("notes").str.contains("\n")).height > 5
    for name, table in whole.items():
        assert batched[name].equals(table), name


def test_duplicate_content_counts_over_the_whole_file(make, monkeypatch) -> None:
    """A content seen in every batch of 3 rows still numbers its rows 1, 2, 3, ..."""
    batched = _land(make, monkeypatch, 3)["source_records"].filter(pl.col("source") == "forms")
    per_content = batched.with_columns(pl.col("source_record_key").str.slice(0, 32)
                                       .alias("content"))
    for _, group in per_content.group_by("content"):
        keys = group.sort("row_number")["source_record_key"].to_list()
        assert keys == [keys[0]] + [f"{keys[0]}#{n}" for n in range(2, len(keys) + 1)]


def test_a_repeated_key_in_a_later_batch_names_the_first_row(make, monkeypatch) -> None:
    rejects = _land(make, monkeypatch, 5)["rejected_records"]
    dupes = rejects.filter(pl.col("reason_code") == "duplicate_key")
    first_rows = dupes["message"].str.extract(r"already used by row (\d+)").cast(pl.Int64)
    assert (first_rows < dupes["row_number"]).all()
    assert (dupes["row_number"] - first_rows > 5).any()  # the first row is batches away


def test_sample_draws_the_same_rows_in_batches(make, monkeypatch) -> None:
    whole = _land(make, monkeypatch, None, sample=40)
    batched = _land(make, monkeypatch, 6, sample=40)
    assert whole["source_records"].height > 0
    for name, table in whole.items():
        assert batched[name].equals(table), name


def test_batch_rows_follows_the_frame_memory_within_bounds() -> None:
    assert stage.batch_rows(None) is None
    small = MemoryLimit(512 * 1024**2, "test", "512MB")
    large = MemoryLimit(64 * 1024**3, "test", "64GB")
    middle = MemoryLimit(1024**3, "test", "1GB")
    assert stage.batch_rows(small) == stage.MIN_BATCH_ROWS
    assert stage.batch_rows(large) == stage.MAX_BATCH_ROWS
    rows = stage.batch_rows(middle)
    assert rows is not None and stage.MIN_BATCH_ROWS < rows < stage.MAX_BATCH_ROWS
