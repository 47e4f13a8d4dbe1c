"""Model drift: the PSI of the new pairs' comparison levels against the fitted ones, and
the full dedupe an incremental run falls back to past the threshold."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from tests.dedupe.conftest import first_run, generated_pool

from contactops.config.dedupe import ModelDrift
from contactops.core import Context
from contactops.dedupe.drift import measure, psi
from contactops.testing.pipelines import crm_and_forms


def test_the_psi_is_zero_for_the_same_shares_and_grows_with_the_shift() -> None:
    assert psi([300, 700], [30, 70]) == pytest.approx(0.0, abs=1e-3)
    small, large = psi([300, 700], [25, 75]), psi([300, 700], [80, 20])
    assert 0 < small < 0.02 < 0.25 < large
    # a level the fitted pairs never had does not make it infinite
    assert 0.25 < psi([0, 1000], [50, 50]) < 10


def test_the_largest_field_decides_and_fields_with_few_new_pairs_are_not_judged() -> None:
    fitted = {"email": [500, 0, 0, 0, 500], "city": [600, 400]}
    settings = ModelDrift(threshold=0.25, min_pairs=100)
    found = measure(fitted, {"email": [50, 0, 0, 0, 50], "city": [10, 190]}, settings)
    assert found.field == "city" and found.drifted and found.pairs == 200
    assert "PSI" in found.describe() and "on city over 200 new pairs" in found.describe()
    quiet = measure(fitted, {"email": [5, 0, 0, 0, 5], "city": [1, 9]}, settings)
    assert quiet.field is None and not quiet.drifted
    assert quiet.describe().startswith("not judged")
    assert not measure(fitted, {"city": [60, 40]}, ModelDrift(min_pairs=100)).drifted


PIPELINE = crm_and_forms(dedupe="dedupe: {drift: {min_pairs: 20}}\n")


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    return generated_pool(tmp_path_factory.mktemp("pool"), 2200, seed=5)


@pytest.fixture
def project(make_project: Callable[..., Path], pool: pl.DataFrame) -> Path:
    return first_run(make_project, PIPELINE, pool, 2000)


def _dedupe_notes(project: Path) -> list[str]:
    result = Context.open(project).run()
    return next(s for s in result.stages if s.name == "dedupe").notes


def test_new_records_like_the_old_ones_keep_the_model(project: Path,
                                                      pool: pl.DataFrame) -> None:
    forms = project.parent.parent / "data" / "forms.csv"
    forms.write_text(pool.slice(2010, 150).write_csv())
    notes = _dedupe_notes(project)
    assert notes[-1].startswith("incremental: 150 new"), notes
    assert notes[-2].startswith("model drift: PSI "), notes


def test_new_records_that_compare_otherwise_make_a_full_dedupe_that_says_why(
        project: Path, pool: pl.DataFrame) -> None:
    # a feed of known people from a system that keeps first names as initials: their pairs
    # never agree on the first name, unlike the pairs the model was fitted on
    copies = pool.head(60).with_columns(pl.lit("COPY-") + pl.col("Record ID"),
                                        pl.col("First Name").str.slice(0, 1) + ".")
    forms = project.parent.parent / "data" / "forms.csv"
    forms.write_text(copies.write_csv())
    notes = _dedupe_notes(project)
    assert notes[-1].startswith("full dedupe: the match model drifted: PSI "), notes
    assert notes[-1].endswith("the model is estimated again"), notes
    # the full dedupe's pairs are the model's now: the next load is judged against them
    forms.write_text(pool.slice(2010, 5).write_csv())
    assert _dedupe_notes(project)[-1].startswith("incremental: 5 new"), notes
