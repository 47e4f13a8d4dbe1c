"""The tuned Splink baseline's input standardization and the FEBRL script's truth and YAML,
on literal records (the Splink run itself is in the slow smoke test)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import polars as pl
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _module(name: str):
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tuned():
    return _module("splink_tuned")


@pytest.fixture(scope="module")
def febrl():
    return _module("bench_febrl_product")


def test_prepare_standardizes_what_splink_compares(tuned):
    raw = pl.DataFrame({
        "record_key": ["a", "b", "c", "d"],
        "first_name": [" ROBERT ", None, "Дмитрий", None],
        "last_name": ["O'Brien", None, "Иванов", None],
        "full_name": [None, "Smith, Jane", None, "Mary Ann Lee"],
        "email": ["J.Doe+news@Gmail.com ", "info@acme.example", "x@y.example", "bad"],
        "phone": ["(415) 555-0123 x12", "+1 415 555 0123", "12", None],
        "birth_date": ["07/04/1980", "1980-07-04", "04.07.1980", "19800704"],
        "postal_code": ["ec1a 1bb", None, None, None],
        "street": ["12 Oak St.", None, None, None],
        "company": ["Acme, Inc.", "Globex GmbH", None, None],
    })
    p = tuned.prepare(raw)
    assert p["first_name"].to_list() == ["robert", "jane", "дмитрий", "mary"]
    assert p["last_name"].to_list() == ["o'brien", "smith", "иванов", "ann lee"]
    # +tag and Gmail dots go; a role mailbox identifies no one; no @ is no email
    assert p["email"].to_list() == ["jdoe@gmail.com", None, "x@y.example", None]
    assert p["email_user"].to_list() == ["jdoe", None, "x", None]
    assert p["phone"].to_list() == ["155550123", "155550123", None, None]
    assert p["birth_date"].to_list() == ["1980-07-04"] * 4
    assert p["postal_code"][0] == "EC1A1BB" and p["street"][0] == "12 oak st"
    assert p["company"].to_list()[:2] == ["acme", "globex"]
    assert p["name_concat"][0] == "robert o'brien" and p["unique_id"].to_list() == list("abcd")


def test_settings_use_only_the_columns_the_data_has(tuned):
    frame = tuned.prepare(pl.DataFrame({"record_key": ["a", "b"], "first_name": ["x", "y"],
                                        "last_name": ["p", "q"], "postal_code": ["1", "2"]}))
    settings, deterministic, em_rules = tuned._settings(frame)
    names = [c.create_comparison_dict("duckdb")["output_column_name"]
             for c in settings.comparisons]
    assert names == ["first_name_last_name", "postal_code"]
    assert len(deterministic) == 1 and len(em_rules) == 2


def test_febrl_truth_groups_originals_with_their_duplicates(febrl):
    frame = pl.DataFrame({"rec_id": ["rec-12-org", "rec-12-dup-0", "rec-120-dup-3",
                                     "rec-1-org"]})
    truth = febrl.truth_of(frame)
    assert truth["entity_id"].to_list() == ["rec-12", "rec-12", "rec-120", "rec-1"]


def test_febrl_pipeline_is_a_valid_mapping_only_pipeline(febrl, tmp_path):
    from contactops.config import load_pipeline

    csv = tmp_path / "febrl3.csv"
    csv.write_text("rec_id,given_name,surname\nrec-1-org,a,b\n", encoding="utf-8")
    path = tmp_path / "febrl3.yaml"
    path.write_text(febrl.pipeline_yaml("febrl3", csv), encoding="utf-8")
    (source,) = load_pipeline(path).pipeline.sources
    assert source.key == "rec_id" and source.mapping == febrl.MAPPING
