"""Plan and publish end to end on a small warehouse: gates, diffs, no-ops and targets."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from contactops.audiences import apply, load_audience_config, make_plan
from contactops.config import load_project
from contactops.engine import Warehouse
from contactops.errors import GateFailed

from .conftest import AUDIENCES_YAML, contact, seed_warehouse

ROWS = [
    contact("a", lists=["monthly-newsletter"]),
    contact("b", lists=["monthly-newsletter"], consent_email="opted_out"),
    contact("c", lists=["monthly-newsletter"], consent_email="pending"),
    contact("d", lists=["monthly-newsletter"], tags=["do-not-contact"]),
    contact("e", lists=["monthly-newsletter"], email=None),
    contact("f", lists=["monthly-newsletter"], first_name="=HYPERLINK(\"http://x\")"),
    contact("g", lists=["monthly-newsletter"], consent_email=None),
    contact("v", tags=["vip"], country="US"),
    contact("w", tags=["vip"], country="DE"),
    contact("s", contact_type="internal", email="s@example-corp.com"),
    contact("t", tags=["vip", "test-contact"], country="US"),
]


def _open(root: Path) -> tuple[Warehouse, object]:
    project = load_project(root)
    return Warehouse(project.warehouse_path), load_audience_config(project)


def test_plan_counts_exclusions_by_reason(project_dir) -> None:
    root = project_dir()
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        plan = make_plan(wh, cfg, "newsletter")
    assert sorted(plan.members["contact_id"]) == ["a", "f"]
    assert plan.exclusions == {"do_not_contact": 1, "no_address": 1, "consent_opted_out": 1,
                               "consent_pending": 1, "consent_unknown": 1}
    assert plan.added == ["a", "f"] and plan.removed == [] and not plan.blockers
    text = str(plan)
    assert "consent_pending" in text and "+2 added" in text
    assert "<table>" in plan._repr_html_()
    assert json.dumps(plan.asdict())


def test_publish_writes_targets_then_noop_then_diff(project_dir) -> None:
    root = project_dir()
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        first = apply(wh, cfg, make_plan(wh, cfg, "newsletter"), run_id="r1")
        assert not first.noop and first.members == 2
        csv_text = (root / "exports" / "newsletter.csv").read_text()
        assert "'=HYPERLINK" in csv_text          # formula neutralized
        assert wh.scalar("SELECT count(*) FROM aud_newsletter") == 2
        manifest = wh.pl("SELECT * FROM publishes").row(0, named=True)
        assert manifest["run_id"] == "r1" and manifest["members"] == 2
        assert json.loads(manifest["exclusions"])["consent_pending"] == 1
        again = apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
        assert again.noop
        assert wh.scalar("SELECT count(*) FROM publishes") == 1
        wh.execute("UPDATE contacts SET consent_email = 'opted_in' WHERE contact_id = 'c'")
        wh.execute("UPDATE contacts SET consent_email = 'opted_out' WHERE contact_id = 'a'")
        plan = make_plan(wh, cfg, "newsletter")
        assert plan.added == ["c"] and plan.removed == ["a"]
        apply(wh, cfg, plan)
        assert wh.scalar("SELECT count(*) FROM audience_members WHERE publish_id = "
                         "(SELECT max_by(publish_id, published_at) FROM publishes)") == 2
        assert wh.scalar("SELECT count(*) FROM audit_log WHERE action = 'publish'") == 2


def test_outbound_refused_until_sending_confirmed(project_dir) -> None:
    root = project_dir(AUDIENCES_YAML.replace("confirmed: true", "confirmed: false"))
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        plan = make_plan(wh, cfg, "newsletter")
        assert any("sending setup is not confirmed" in b for b in plan.blockers)
        with pytest.raises(GateFailed):
            apply(wh, cfg, plan)
        assert not (root / "exports" / "newsletter.csv").exists()
        # internal audiences are not outbound marketing: not gated on the sending setup
        assert not make_plan(wh, cfg, "staff").blockers


def test_error_validation_issues_block_or_exclude(project_dir) -> None:
    root = project_dir()
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        wh.replace_table("validation_issues", pl.DataFrame({
            "run_id": ["r1", "r1"], "record_id": [None, None], "contact_id": ["a", "f"],
            "rule": ["email_syntax", "name_case"], "severity": ["error", "warn"],
            "field": ["email", "first_name"], "value": ["***", "***"], "message": ["", ""]}))
        plan = make_plan(wh, cfg, "newsletter")
        assert any("error-severity validation issues" in b for b in plan.blockers)
        assert set(plan.issues["rule"]) == {"email_syntax", "name_case"}
    root.joinpath("config/audiences.yaml").write_text(AUDIENCES_YAML.replace(
        "    lists: [monthly-newsletter]\n",
        "    lists: [monthly-newsletter]\n    validation_errors: exclude\n"))
    wh, cfg = _open(root)
    with wh:
        plan = make_plan(wh, cfg, "newsletter")
        assert not plan.blockers and plan.exclusions["validation_error"] == 1
        assert plan.members["contact_id"].to_list() == ["f"]


def test_test_mode_only_safe_records_only_sandbox(project_dir) -> None:
    root = project_dir()
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        plan = make_plan(wh, cfg, "vips", test=True)
        assert plan.members["contact_id"].to_list() == ["t"]
        assert plan.exclusions == {"not_safe": 1}
        apply(wh, cfg, plan)
        assert (root / "exports" / "sandbox" / "vips.csv").exists()
        assert not (root / "exports" / "vips.csv").exists()
        # a production target can never receive a test run
        prod = make_plan(wh, cfg, "vips", test=True, target="news_csv")
        assert any("never write to production" in b for b in prod.blockers)
        # outbound tests are refused while the audience holds non-safe records
        outbound = make_plan(wh, cfg, "newsletter", test=True)
        assert any("outbound test refused" in b for b in outbound.blockers)
        # test publishes do not count as the production baseline
        assert make_plan(wh, cfg, "vips").previous_publish_id is None


def test_parquet_and_external_duckdb_targets(project_dir) -> None:
    yaml = AUDIENCES_YAML.replace("targets:\n  news_csv:", """targets:
  pq:
    type: parquet
    path: exports/{audience}.parquet
  ext:
    type: duckdb
    path: exports/published.duckdb
    table: "{audience}"
  news_csv:""").replace("targets: [news_csv]\n  staff", "targets: [pq, ext]\n  staff")
    root = project_dir(yaml)
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        result = apply(wh, cfg, make_plan(wh, cfg, "vips"))
    assert result.members == 2
    assert pl.read_parquet(root / "exports" / "vips.parquet")["contact_id"].to_list() == [
        "t", "v"]
    with Warehouse(root / "exports" / "published.duckdb", read_only=True) as other:
        assert other.fetchall("SELECT contact_id FROM vips ORDER BY 1") == [("t",), ("v",)]
