"""The incremental dedupe stage: what it works on, what it says, when it runs in full."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from tests.dedupe.conftest import first_run, generated_pool

from contactops.catalog import T
from contactops.core import Context
from contactops.engine import Warehouse
from contactops.testing.pipelines import crm_and_forms

PIPELINE = crm_and_forms()


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    return generated_pool(tmp_path_factory.mktemp("pool"), 600, seed=3)


@pytest.fixture
def project(make_project: Callable[..., Path], pool: pl.DataFrame) -> Path:
    return first_run(make_project, PIPELINE, pool, 500,
                     settings="project: test\nwarehouse: wh/test.duckdb\nmax_shrink: 1\n")


def _dedupe(result: object) -> object:
    return next(s for s in result.stages if s.name == "dedupe")  # type: ignore[attr-defined]


def _data(project: Path) -> Path:
    return project.parent.parent / "data"


def test_a_new_load_matches_only_the_contacts_it_reaches(project: Path,
                                                         pool: pl.DataFrame) -> None:
    # the same people again (another record key): they join their existing contacts
    again = pool.slice(0, 5).with_columns(pl.lit("F-") + pl.col("Record ID"))
    (_data(project) / "forms.csv").write_text(again.write_csv())
    result = Context.open(project).run()
    dedupe = _dedupe(result)
    note = dedupe.notes[-1]
    assert note.startswith("incremental: 5 new, 0 changed, 0 removed records"), note
    matched = dedupe.counts["matched"]
    assert 5 <= matched < 100
    with Warehouse(Context.open(project).warehouse, read_only=True) as wh:
        total = wh.scalar(f"SELECT count(*) FROM {T.contact_links}")
        versions = wh.scalar(f"SELECT count(*) FROM {T.dedupe_versions}")
        joined = wh.scalar(
            f"SELECT count(*) FROM {T.contact_links} l JOIN {T.current_source_records} s "
            "USING (record_id) WHERE s.source = 'forms' AND l.contact_id IN (SELECT "
            f"contact_id FROM {T.contact_links} l2 JOIN {T.current_source_records} s2 "
            "USING (record_id) WHERE s2.source = 'crm')")
    assert dedupe.counts["records"] == total == versions == 515  # the table, not the work
    assert joined >= 1  # a repeat found its contact
    # match's copy got the same delta: the same links and contacts as the warehouse
    path = Context.open(project).warehouse
    with Warehouse(path, read_only=True) as wh, \
            Warehouse(path.with_name(path.name + ".match.duckdb"), read_only=True) as copy:
        for query in (f"SELECT record_id, contact_id FROM {T.contact_links}",
                      f"SELECT contact_id, record_count FROM {T.contacts}",
                      f"SELECT key_hash, rule, record_id FROM {T.match_index}"):
            assert wh.pl(query).sort(pl.all()).equals(copy.pl(query).sort(pl.all())), query
        assert copy.scalar(f"SELECT count(*) FROM {T.normalized_records}") == 515


def test_an_undo_shrinks_the_contacts_and_a_reload_as_it_was_changes_nothing(
        project: Path, pool: pl.DataFrame) -> None:
    ctx = Context.open(project)
    again = pool.slice(0, 5).with_columns(pl.lit("F-") + pl.col("Record ID"))
    (_data(project) / "forms.csv").write_text(again.write_csv())
    Context.open(project).run()
    load = ctx.loads().filter(pl.col("source") == "forms")["load_id"][0]
    ctx.undo_load(load, "test")
    dedupe = _dedupe(Context.open(project).run())
    assert dedupe.notes[-1].startswith("incremental: 0 new, 0 changed, 5 removed records")
    with Warehouse(ctx.warehouse, read_only=True) as wh:
        counts = wh.fetchall(f"SELECT count(*), sum(record_count) FROM {T.contacts}")[0]
        links = wh.scalar(f"SELECT count(*) FROM {T.contact_links}")
        stale = wh.scalar(f"SELECT count(*) FROM {T.contacts}, unnest(record_ids) AS r(id) "
                          f"WHERE r.id NOT IN (SELECT record_id FROM {T.contact_links})")
    assert counts[1] == links == 510 and stale == 0
    # the crm snapshot again, rows in another order: a new load of identical records
    (_data(project) / "crm.csv").write_text(pool.head(500).reverse().write_csv())
    dedupe = _dedupe(Context.open(project).run())
    assert dedupe.notes[-1].startswith("incremental: no record changed"), dedupe.notes


def test_a_run_that_died_after_normalize_leaves_the_change_to_the_next(
        project: Path, pool: pl.DataFrame) -> None:
    (_data(project) / "forms.csv").write_text(pool.slice(520, 7).write_csv())
    stopped = Context.open(project).run(until="normalize")
    assert [s.name for s in stopped.stages] == ["ingest", "normalize"]
    dedupe = _dedupe(Context.open(project).run())
    assert dedupe.notes[-1].startswith("incremental: 7 new"), dedupe.notes


def test_a_large_change_or_a_full_run_dedupes_everything_and_says_why(
        project: Path, pool: pl.DataFrame) -> None:
    edited = pool.head(500).with_columns(pl.col("Notes").fill_null("") + "x",
                                         pl.col("Last Name") + "x")  # every row another
    (_data(project) / "crm.csv").write_text(edited.write_csv())
    dedupe = _dedupe(Context.open(project).run())
    note = dedupe.notes[-1]
    assert note.startswith("full dedupe: ") and "of 510 records changed" in note, note
    assert note.endswith("over 20%): a full dedupe is cheaper"), note
    dedupe = _dedupe(Context.open(project).run(full=True))
    assert dedupe.notes[-1] == "full dedupe: the run is a full run"


def test_a_full_dedupe_after_an_incremental_normalize_reads_the_records_in_order(
        project: Path, pool: pl.DataFrame) -> None:
    from contactops.catalog.stages import NORMALIZED_UNORDERED

    def state(ctx: Context) -> tuple[int, pl.DataFrame]:
        with Warehouse(ctx.warehouse, read_only=True) as wh:
            marked = wh.scalar(f"SELECT count(*) FROM {T.meta} WHERE key = ?",
                               [NORMALIZED_UNORDERED])
            links = wh.pl(f"SELECT record_id, contact_id FROM {T.contact_links}")
        return int(marked), links.sort("record_id")

    # every crm row another: normalize appends 500 records (out of record order), and
    # dedupe, past its 20%, runs in full over them
    edited = pool.head(500).with_columns(pl.col("Last Name") + "x")
    (_data(project) / "crm.csv").write_text(edited.write_csv())
    ctx = Context.open(project)
    assert _dedupe(ctx.run()).notes[-1].startswith("full dedupe: ")
    marked, after = state(ctx)
    assert marked == 1
    # a full run normalizes in record order again, and the full dedupe finds the same
    assert _dedupe(Context.open(project).run(full=True)).notes[-1].startswith("full dedupe")
    marked, again = state(ctx)
    assert marked == 0
    assert after.equals(again)


def test_a_run_that_died_before_patching_matchs_copy_has_it_written_whole_next(
        project: Path, pool: pl.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.dedupe.test_incremental_equality import check_match_copy

    from contactops.dedupe import apply
    from contactops.dedupe.lookup import COPY_STATE_TABLE

    def crash(*args: object, **kwargs: object) -> bool:
        raise KeyboardInterrupt  # the process ends after dedupe's commit, before the patch

    path = Context.open(project).warehouse
    (_data(project) / "forms.csv").write_text(pool.slice(520, 9).write_csv())
    with monkeypatch.context() as patched:
        patched.setattr(apply, "patch_snapshot", crash)
        with pytest.raises(KeyboardInterrupt):
            Context.open(project).run()
    with Warehouse(path, read_only=True) as wh:  # the warehouse holds the 9, the copy not
        assert wh.scalar(f"SELECT count(*) FROM {T.contact_links}") == 519
    with Warehouse(path.with_name(path.name + ".match.duckdb"), read_only=True) as wh:
        assert wh.scalar(f"SELECT count(*) FROM {T.contact_links}") == 510
    (_data(project) / "forms.csv").write_text(pool.slice(540, 6).write_csv())
    dedupe = _dedupe(Context.open(project).run())
    assert dedupe.notes[-1].startswith("incremental: 6 new"), dedupe.notes
    # the copy a run behind was not patched (which would leave it without the 9 and its
    # value counts off by theirs) but written whole
    check_match_copy(path)
    with Warehouse(path, read_only=True) as wh, \
            Warehouse(path.with_name(path.name + ".match.duckdb"), read_only=True) as copy:
        run = wh.scalar(f"SELECT value FROM {T.meta} WHERE key = 'dedupe_written_by'")
        assert copy.fetchall(f"SELECT written_by FROM {COPY_STATE_TABLE}") == [(run,)]
    # and the next delta patches it again
    (_data(project) / "forms.csv").write_text(pool.slice(560, 4).write_csv())
    Context.open(project).run()
    check_match_copy(path)
