"""The catalog agrees with a real warehouse: the demo project run through every stage.

Every catalog table the warehouse has holds exactly the declared columns, in order, with the
declared types (configured ``<...>`` columns last); every warehouse table is declared. A
stage that starts writing a new column fails here until the catalog declares it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from contactops.catalog import NAMES, TABLES, T, Table, ensure_tables
from contactops.catalog.ddl import warehouse_ddl
from contactops.engine import Warehouse

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """The demo project's warehouse after a full run, with the audiences tables too."""
    from contactops import Workbench

    root = tmp_path_factory.mktemp("catalog-demo")
    for folder in ("config", "pipelines", "data"):
        shutil.copytree(REPO / folder, root / folder)
    saved = os.environ.pop("CONTACTOPS_WAREHOUSE", None)
    try:
        workbench = Workbench(root)
        workbench.run()  # warn-only: the demo's gate fails by design
        path = workbench.warehouse
    finally:
        if saved is not None:
            os.environ["CONTACTOPS_WAREHOUSE"] = saved
    wh = Warehouse(path)
    ensure_tables(wh, stage="audiences")
    yield wh
    wh.close()


def _columns(wh: Warehouse, name: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in wh.fetchall(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = ? ORDER BY ordinal_position", [name])]


def _agree(table: Table, found: list[tuple[str, str]]) -> list[str]:
    """How ``found`` (name, type) differs from the declaration; empty when it agrees."""
    fixed = [(c.name, c.type) for c in table.fixed_columns]
    problems = []
    if found[:len(fixed)] != fixed:
        problems.append(f"{table}: declared {fixed}\n  found {found[:len(fixed) + 3]}")
    configured = [c for c in table.columns if c.pattern is not None]
    for name, dtype in found[len(fixed):]:
        if not any(c.pattern and c.pattern.match(name) and c.type == dtype
                   for c in configured):
            problems.append(f"{table}: column {name} {dtype} is not declared")
    return problems


def test_every_catalog_table_has_its_declared_columns(demo_warehouse: Warehouse) -> None:
    present = {t.name for t in TABLES if demo_warehouse.table_exists(t.name)}
    assert present == NAMES  # the demo run makes every table
    problems = [p for t in TABLES for p in _agree(t, _columns(demo_warehouse, t.name))]
    assert not problems, "\n".join(problems)


def test_every_warehouse_table_is_in_the_catalog(demo_warehouse: Warehouse) -> None:
    names = {r[0] for r in demo_warehouse.fetchall(
        "SELECT table_name FROM information_schema.tables")}
    assert names - NAMES == set()


def test_configured_columns_are_matched_by_pattern() -> None:
    pattern = T.normalized_records.column("<field>_enriched_from").pattern
    assert pattern is not None and pattern.match("company_enriched_from")
    assert not _agree(T.match_reviews, [(c.name, c.type) for c in T.match_reviews.fixed_columns]
                      + [("g_email", "TINYINT")])
    assert _agree(T.match_reviews, [(c.name, c.type) for c in T.match_reviews.fixed_columns]
                  + [("surprise", "VARCHAR")])


def test_stage_tables_are_created_lazily_through_the_catalog() -> None:
    with Warehouse(":memory:") as wh:
        assert wh.table_exists(T.loads.name) and wh.table_exists(T.current_loads.name)
        assert not wh.table_exists(T.publishes.name)
        assert not wh.table_exists(T.match_decisions.name)
        ensure_tables(wh, stage="dedupe")
        assert wh.table_exists(T.match_decisions.name) and wh.table_exists(T.merge_events.name)
        assert not wh.table_exists(T.validation_issues.name)


def test_a_publishes_table_from_before_gets_its_added_columns() -> None:
    with Warehouse(":memory:") as wh:
        old = [c.ddl() for c in T.publishes.fixed_columns if c.name not in T.publishes.added]
        wh.execute(f"CREATE TABLE {T.publishes} ({', '.join(old)})")
        wh.execute(f"INSERT INTO {T.publishes} (publish_id, audience) VALUES ('p1', 'a')")
        ensure_tables(wh, stage="audiences", atomic=True)
        assert wh.columns(T.publishes.name)[-2:] == ["status", "definition"]
        # rows from before crash-consistent publishing are committed ones
        assert wh.scalar(f"SELECT status FROM {T.publishes}") == "committed"
        assert wh.table_exists(T.contact_deletions.name)


def test_warehouse_ddl_is_idempotent() -> None:
    with Warehouse(":memory:") as wh:
        wh.execute(warehouse_ddl())
        wh.execute(warehouse_ddl())


def test_validation_result_schemas_are_the_catalog_columns() -> None:
    from contactops.validate.result import ISSUE_SCHEMA, SUMMARY_SCHEMA

    assert tuple(ISSUE_SCHEMA) == T.validation_issues.column_names
    assert tuple(SUMMARY_SCHEMA) == T.validation_summary.column_names


def test_lineage_cascades() -> None:
    from contactops.catalog import derived_by_record, landed_by_load, personal_tables

    assert [t.name for t in landed_by_load()] == [
        "source_records", "activities", "reference_records", "rejected_records"]
    assert [t.name for t in derived_by_record()] == [
        "normalized_records", "normalization_audit", "normalization_enrichments",
        "normalized_versions", "contact_links", "match_index", "validation_issues",
        "validated_records"]
    assert {t.name for t in personal_tables()} == {"match_index",
        "source_records", "normalized_records", "normalization_audit",
        "normalization_enrichments", "normalized_versions", "contacts", "dedupe_versions",
        "contact_links", "contact_provenance", "validation_issues", "validated_records",
        "validated_contacts"}


def test_a_publish_target_cannot_replace_a_warehouse_table() -> None:
    from contactops.audiences.targets import TargetError, spec_for
    from contactops.config.audiences import DuckdbTarget

    target = DuckdbTarget(type="duckdb", table="{audience}")
    ok = spec_for("wh", target, audience="vip-list", project=None,  # type: ignore[arg-type]
                  publish_id="pub-1-abc")
    assert ok["table"] == "vip_list"
    with pytest.raises(TargetError, match="'contacts', a warehouse table"):
        spec_for("wh", target, audience="contacts", project=None,  # type: ignore[arg-type]
                 publish_id="pub-1-abc")
