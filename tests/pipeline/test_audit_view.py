"""The compact normalize audit: ``normalization_changes`` (a view over per-record change bits)
gives exactly the rows the long audit builder computes, on generated data of both presets,
on fractional timestamps, with enrichment, and on a warehouse that still has the old table."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from contactops.catalog import T
from contactops.catalog.audit import AUDIT_FIELDS, CONSENT_FIELDS, rule_counts_sql
from contactops.config import load_pipeline
from contactops.config.normalize import NormalizeSettings
from contactops.config.project import ProjectSettings
from contactops.engine import Warehouse
from contactops.fields import CONTACT_FIELDS
from contactops.normalize import audit
from contactops.normalize.stage import normalize
from contactops.pipeline import run_pipeline
from contactops.testing import write_dataset

KEY = ["record_id", "field"]
COLUMNS = ["record_id", "source", "field", "rule", "before", "after"]


def _long_rows(wh: Warehouse) -> pl.DataFrame:
    """What the old builder (one row per changed value) makes of the current records."""
    columns = ", ".join(["record_id", "source", "source_kind", *CONTACT_FIELDS])
    records = wh.pl(f"SELECT {columns} FROM {T.current_source_records}")
    _, changes = normalize(records.lazy(), ProjectSettings(), NormalizeSettings()).collect()
    return changes.with_columns(pl.col("field", "rule").cast(pl.String)).sort(KEY)


def _view_rows(wh: Warehouse) -> pl.DataFrame:
    return wh.pl(f"SELECT * FROM {T.normalization_changes}").select(COLUMNS).sort(KEY)


def _run(make_project: Callable[..., Path], files: dict[str, str | bytes], mapping: str = ""
         ) -> Path:
    pipeline = ("name: t\nsources:\n  - name: crm\n    type: csv\n    kind: import\n"
                "    path: data/contacts.csv\n    auto_map: true\n" + mapping)
    project = load_pipeline(make_project(pipeline, files))
    result = run_pipeline(project, until="normalize", warn_only=True)
    assert result.status == "success", result.error
    return project.root / "wh" / "test.duckdb"


@pytest.mark.parametrize("preset", ["classic", "hard"])
def test_view_returns_exactly_the_long_audit_rows(make_project, tmp_path: Path,
                                                  preset: str) -> None:
    write_dataset(tmp_path / "gen", 3000, seed=7, preset=preset)
    csv = (tmp_path / "gen" / "contacts.csv").read_bytes()
    warehouse = _run(make_project, {"data/contacts.csv": csv})
    with Warehouse(warehouse, read_only=True) as wh:
        expected, got = _long_rows(wh), _view_rows(wh)
        stored = wh.scalar(f"SELECT count(*) FROM {T.normalization_audit}")
        counts = wh.pl(rule_counts_sql(T.normalized_records)).sort("field", "rule")
    grouped = (expected.group_by("field", "rule")
               .agg(pl.len().cast(pl.Int64).alias("changes"),
                    pl.col("record_id").n_unique().cast(pl.Int64).alias("records"))
               .sort("field", "rule"))
    assert counts.equals(grouped)
    assert expected.height > 10_000  # the generator's mess changes many values
    assert got.equals(expected)
    assert stored <= 3000  # one narrow row per changed record, not one per value


def test_fractional_timestamps_and_consent_status_come_back_as_written(make_project) -> None:
    csv = ("Id,Email,Created,Consent,Consent Channel,Email Opt-In,Tags\n"
           "1,A@X.example,2021-01-02 03:04:05,yes,email,,vip; Partner\n"
           "2,b@x.example,2021-01-02 03:04:05.123,,,no,\n"
           "3,c@x.example,2021-01-02 03:04:05.123456,opt-in,all,,\n"
           "4,d@x.example,2021-01-02 03:04:05.1,y,,,\n"
           "5,e@x.example,not a date,,,,\n")
    warehouse = _run(make_project, {"data/contacts.csv": csv},
                     "    key: Id\n")
    with Warehouse(warehouse, read_only=True) as wh:
        expected, got = _long_rows(wh), _view_rows(wh)
    assert got.equals(expected)
    created = dict(got.filter(pl.col("field") == "created_at")
                   .select("before", "after").iter_rows())
    assert created["2021-01-02 03:04:05.123"] == "2021-01-02T03:04:05.123"
    assert created["2021-01-02 03:04:05.123456"] == "2021-01-02T03:04:05.123456"
    assert created["not a date"] is None
    assert got.filter(pl.col("field") == "consent_email").height >= 2


def test_old_table_is_replaced_by_the_view(make_project, tmp_path: Path) -> None:
    write_dataset(tmp_path / "gen", 200, seed=3)
    csv = (tmp_path / "gen" / "contacts.csv").read_bytes()
    warehouse = _run(make_project, {"data/contacts.csv": csv})
    with Warehouse(warehouse) as wh:  # as a warehouse from before the compact audit
        wh.execute(f"DROP VIEW {T.normalization_changes}")
        wh.execute(f"CREATE TABLE {T.normalization_changes} AS SELECT 1 AS stale")
    project = load_pipeline(Path("pipelines/p.yaml"))
    assert run_pipeline(project, until="normalize", warn_only=True).status == "success"
    with Warehouse(warehouse, read_only=True) as wh:
        kind = wh.scalar("SELECT table_type FROM information_schema.tables "
                         "WHERE table_name = 'normalization_changes'")
        assert kind == "VIEW"
        assert _view_rows(wh).equals(_long_rows(wh))


def test_compact_rows_only_for_changed_records() -> None:
    records = pl.DataFrame({"record_id": ["a", "b"], "load_id": ["l1", "l1"],
                            "source": ["s", "s"], "source_kind": ["import", "import"],
                            **{f: [None, None] for f in CONTACT_FIELDS}},
                           schema_overrides={f: pl.String for f in CONTACT_FIELDS})
    records = records.with_columns(email=pl.Series([" A@X.example ", "b@x.example"]),
                                   first_name=pl.Series(["ann", "Bob"]))
    wide = normalize(records.lazy(), ProjectSettings(), NormalizeSettings()).collect_wide()
    frame = audit.compact(records, wide)
    assert frame["record_id"].to_list() == ["a"]
    bits = {f for i, (f, _, _) in enumerate(AUDIT_FIELDS) if frame["changed"][0] >> i & 1}
    assert bits == {"email", "first_name"}
    assert frame["name_rule"][0] == "name.clean"
    assert audit.changed_values(frame) == 2
    assert frame["load_id"].to_list() == ["l1"]
    other = records.with_columns(load_id=pl.Series(["l2", "l3"])).reverse()  # not aligned
    assert audit.compact(other, wide)["load_id"].to_list() == ["l2"]


def test_normalizer_and_catalog_agree_on_the_bits() -> None:
    assert [(f, raw) for f, (raw, _) in audit.AUDITED_FIELDS.items()] == \
        [(f, raw) for f, raw, _ in AUDIT_FIELDS]
    for field, (_, rule) in audit.AUDITED_FIELDS.items():
        declared = next(r for f, _, r in AUDIT_FIELDS if f == field)
        assert declared == rule if isinstance(rule, str) else declared.startswith("@")
    assert set(CONSENT_FIELDS) <= set(audit.AUDITED_FIELDS)


def test_view_sql_transpiles_to_spark() -> None:
    sql = T.normalization_changes.sql
    sqlglot.transpile(sql, read="duckdb", write="spark", error_level=ErrorLevel.RAISE,
                      unsupported_level=ErrorLevel.RAISE)
    tree = sqlglot.parse_one(sql, read="duckdb")
    assert not {f.name for f in tree.find_all(exp.Anonymous)}


def test_undo_takes_the_audit_of_the_undone_records_with_it(make_project,
                                                              tmp_path: Path) -> None:
    from contactops.sources.loads import undo_load

    write_dataset(tmp_path / "gen", 300, seed=5)
    csv = (tmp_path / "gen" / "contacts.csv").read_bytes()
    warehouse = _run(make_project, {"data/contacts.csv": csv})
    with Warehouse(warehouse) as wh:
        assert wh.scalar(f"SELECT count(*) FROM {T.normalization_changes}") > 0
        load_id = wh.scalar(f"SELECT load_id FROM {T.loads}")
        counts = undo_load(wh, load_id, "test")
        assert counts[T.normalization_audit.name] > 0
        assert wh.scalar(f"SELECT count(*) FROM {T.normalization_audit}") == 0
        assert wh.scalar(f"SELECT count(*) FROM {T.normalization_changes}") == 0
