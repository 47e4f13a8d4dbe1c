"""Runs with a handful of records: no numpy warnings, a model that says what it lacks."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import dedupe

from .conftest import normalize_rows

STRANGERS = [
    {"record_id": "R1", "first_name": "Ada", "last_name": "Byron", "email": "ada@example.org"},
    {"record_id": "R2", "first_name": "Alan", "last_name": "Turing", "phone": "+44 20 7946 0018"},
    {"record_id": "R3", "first_name": "Grace", "last_name": "Hopper",
     "email": "grace@example.org"},
]
ONE_PAIR = [*STRANGERS[:2], {"record_id": "R3", "first_name": "Ada", "last_name": "Byron",
                             "email": "ada@example.org"}]


@pytest.mark.parametrize("rows", [STRANGERS, ONE_PAIR, STRANGERS[:1]],
                         ids=["three strangers", "one pair", "one record"])
def test_tiny_run_raises_no_warning(rows: list[dict]) -> None:
    records = normalize_rows(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = dedupe(records, DedupeSettings())
    assert math.isfinite(result.model.prior) and 0 < result.model.prior < 1
    assert result.links.height == len(rows)


def test_model_of_too_little_data_says_so_and_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    options = DedupeSettings(model_file=str(path))
    result = dedupe(normalize_rows(STRANGERS), options)
    assert result.notes == ["match model: no candidate pairs among 3 records: default m and "
                            "prior"]
    assert result.asdict()["notes"] == result.notes
    assert not path.exists()  # the next, larger run trains again
    paired = dedupe(normalize_rows(ONE_PAIR), options)
    assert paired.notes == ["match model: only 1 of the 20 pairs needed to estimate m agree "
                            "on an identifier: the other fields use default m"]
    assert paired.links["contact_id"].n_unique() == 2  # Ada Byron's two records merge


def test_model_of_enough_data_has_no_notes_and_is_kept(tmp_path, background) -> None:
    path = tmp_path / "model.json"
    result = dedupe(background.head(1500), DedupeSettings(model_file=str(path)))
    assert result.notes == []
    assert path.exists()
