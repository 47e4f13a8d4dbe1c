"""Validate in chunks equals validate in one piece; chunks never split a group of ids."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from contactops.engine import Warehouse
from contactops.validate.reads import whole_groups


def test_whole_groups_keeps_equal_keys_together_and_every_row() -> None:
    keys = ["a", "b", "b", "b", "c", "c", "d", "e", "e", "e", "e", None, None]
    frame = pl.DataFrame({"k": keys, "n": range(len(keys))})
    batches = [frame.slice(i, 2) for i in range(0, frame.height, 2)]
    out = list(whole_groups(batches, "k"))
    assert pl.concat(out).equals(frame)  # nothing lost, order kept
    seen: dict[str, int] = {}
    for i, chunk in enumerate(out):
        for key in chunk["k"].drop_nulls().unique().to_list():
            assert seen.setdefault(key, i) == i, f"{key} spans two chunks"
    empty = frame.clear()
    assert [f.height for f in whole_groups([empty], "k")] == [0]


def test_a_duplicate_id_across_a_batch_boundary_still_fails_the_schema() -> None:
    """Pandera's uniqueness check sees both rows of an id even when the engine's batches
    would have cut between them."""
    from contactops.config.validate import ValidateSettings
    from contactops.validate.pandera_schemas import SchemaChecks

    ids = pl.DataFrame({"contact_id": ["c1", "c2", "c2", "c3"]})
    checks = SchemaChecks("contacts", ValidateSettings(), "r")
    for chunk in whole_groups([ids.slice(0, 2), ids.slice(2, 2)], "contact_id"):
        checks.add(chunk)
    result = checks.result()
    assert result.summary["failed"].to_list() == [2]
    assert sorted(result.issues["contact_id"].to_list()) == ["c2", "c2"]


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["classic", "hard"])
def test_chunked_validation_equals_one_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             preset: str) -> None:
    from contactops.core import Context
    from contactops.pipeline import run_pipeline
    from contactops.testing import write_dataset
    from contactops.validate.phone_regions import candidate_regions, regions_from_counts
    from contactops.validate.reads import region_counts
    from contactops.validate.stage import validate

    monkeypatch.chdir(tmp_path)
    write_dataset(tmp_path / "data", 3000, seed=11, preset=preset)
    project = Context.open(sources=[tmp_path / "data" / "contacts.csv"]).project
    run_pipeline(project, until="dedupe", warn_only=True)
    assert project.pipeline is not None
    options = project.pipeline.validate_.model_copy(
        update={"gx": project.pipeline.validate_.gx.model_copy(update={"enabled": False}),
                "max_issues_per_rule": 40})
    with Warehouse(project.warehouse_path, read_only=True) as wh:
        # the engine's country counts pick the regions a frame of every record would
        counted = regions_from_counts(region_counts(wh, "normalized_records",
                                                    wh.columns("normalized_records")))
        assert counted and counted == candidate_regions(
            wh.pl("SELECT country, phone_region FROM normalized_records"))
        whole = validate(wh, project, options, "r")
        chunked = validate(wh, project, options, "r", chunk_rows=97)
    assert whole.issues.height > 100 and whole.summary.height > 10
    assert chunked.summary.equals(whole.summary)
    order = list(whole.issues.columns)
    assert chunked.issues.sort(order, nulls_last=True).equals(
        whole.issues.sort(order, nulls_last=True))
