"""The summary dict: schema, verdict, masking, graceful degradation, run-over-run changes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from contactops.report import SCHEMA_VERSION, build_summary
from contactops.report.summary import SECTION_ORDER

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "report-schema.md"


@pytest.fixture(scope="module")
def summary(demo_warehouse: Path) -> dict:
    return build_summary(demo_warehouse)


def test_top_level_keys_and_version(summary: dict) -> None:
    assert summary["schema_version"] == SCHEMA_VERSION == 1
    assert set(summary) == {"schema_version", "generated_at", "warehouse", "pipeline", "pii",
                            "run", "verdict", "sections", "build_seconds"}
    assert tuple(summary["sections"]) == SECTION_ORDER
    assert all(s["status"] in ("ok", "not_run") for s in summary["sections"].values())
    json.dumps(summary)  # JSON-ready as is


def test_schema_doc_names_every_key(summary: dict) -> None:
    doc = SCHEMA_DOC.read_text()
    assert f"schema_version: {SCHEMA_VERSION}" in doc or f'"schema_version": {SCHEMA_VERSION}' \
        in doc
    for key in [*summary, *summary["verdict"], *summary["sections"]]:
        assert f"`{key}`" in doc, key


def test_demo_is_blocked_by_failing_rules_first(summary: dict) -> None:
    verdict = summary["verdict"]
    assert verdict["status"] == "blocked" and not verdict["ready"]
    severities = [i["severity"] for i in verdict["items"]]
    assert severities == sorted(severities, key=lambda s: s != "blocking")
    assert any(i["code"] == "rule_failed" for i in verdict["items"])
    assert verdict["blocking"] == severities.count("blocking")


def test_sections_carry_the_numbers(summary: dict) -> None:
    s = summary["sections"]
    imports = s["imports"]
    assert imports["totals"]["read"] == imports["totals"]["accepted"] + \
        imports["totals"]["rejected"]
    manual = next(x for x in imports["sources"] if x["source"] == "manual")
    assert manual["rejected_reasons"] == {"too_many_columns": 1}
    assert 0 <= manual["fill_rate"]["email"] <= 1
    assert s["normalization"]["changes"] == sum(r["changes"] for r in s["normalization"]
                                                ["by_rule"])
    assert s["dedupe"]["contacts"] < s["dedupe"]["records"]
    assert s["dedupe"]["examples"] and all(len(c["records"]) > 1
                                           for c in s["dedupe"]["examples"])
    assert set(s["consent"]["channels"]) >= {"email", "sms"}
    assert s["taxonomy"]["tags"] and s["taxonomy"]["contact_types"]


def test_personal_data_is_masked_unless_asked(demo_warehouse: Path, summary: dict) -> None:
    records = [r for c in summary["sections"]["dedupe"]["examples"] for r in c["records"]]
    assert all(re.fullmatch(r".\*\*\*@.*", r["email"]) for r in records if r["email"])
    assert all("***" in r["name"] for r in records if r["name"])
    shown = build_summary(demo_warehouse, show_pii=True)
    plain = [r for c in shown["sections"]["dedupe"]["examples"] for r in c["records"]]
    assert shown["pii"] == "shown" and any("***" not in (r["email"] or "***") for r in plain)


def test_stages_not_run_degrade(tmp_path: Path) -> None:
    from tests.report.conftest import copy_demo

    from contactops import Workbench

    root = copy_demo(tmp_path)
    wb = Workbench(root)
    wb.run(until="ingest")
    summary = build_summary(wb.warehouse)
    s = summary["sections"]
    assert s["imports"]["status"] == "ok"
    for name in ("normalization", "dedupe", "validation", "consent", "taxonomy", "audiences"):
        assert s[name]["status"] == "not_run", name
        expected = "nothing published yet" if name == "audiences" else "stage not run"
        assert expected in s[name]["note"]
    assert {i["section"] for i in summary["verdict"]["items"]
            if i["code"] == "stage_not_run"} == {"normalization", "dedupe", "validation"}


def test_changes_compare_with_the_previous_run(tmp_path: Path) -> None:
    from tests.report.conftest import copy_demo

    from contactops import Workbench

    wb = Workbench(copy_demo(tmp_path))
    wb.run(until="normalize")
    second = wb.run(until="normalize")
    changes = build_summary(wb.warehouse)["sections"]["changes"]
    assert changes["previous_run_id"] is not None
    assert changes["new_loads"] == []   # every source unchanged
    assert changes["touched"] == {"records_normalized": 0}  # incremental: nothing new
    records = next(c for c in changes["counts"] if c["metric"] == "normalize.records")
    assert records["delta"] == 0
    assert build_summary(wb.warehouse, second.run_id)["run"]["run_id"] == second.run_id


def test_unknown_run_is_a_usage_error(demo_warehouse: Path) -> None:
    from contactops.errors import UsageError

    with pytest.raises(UsageError, match="no run 'nope'"):
        build_summary(demo_warehouse, "nope")
