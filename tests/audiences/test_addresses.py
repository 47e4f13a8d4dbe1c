"""One member per channel address: the representative rule, plan counts, and the switch."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from contactops.audiences import apply, load_audience_config, make_plan
from contactops.audiences.addresses import one_per_address
from contactops.config import load_project
from contactops.engine import Warehouse
from contactops.errors import ConfigError

from .conftest import AUDIENCES_YAML, contact, contacts_frame, seed_warehouse

NEWS = ["monthly-newsletter"]


def _frame(rows: list[dict]) -> pl.DataFrame:
    return contacts_frame(rows)


def test_latest_consent_wins_then_completeness_then_smallest_id() -> None:
    members = _frame([
        contact("c1", email="Sales@Globex.example", email_key="sales@globex.example"),
        contact("c2", email="sales+news@globex.example", email_key="sales@globex.example"),
        contact("c3", email="sales@globex.example", email_key="sales@globex.example"),
        contact("c4", email="info@acme.example", company="Acme"),
        contact("c5", email="info@acme.example", company=None),
        contact("c6", email="support@initech.example"),
        contact("c7", email="support@initech.example"),
        contact("c8", email="alone@example.org"),
    ])
    stamps = pl.DataFrame({"contact_id": ["c1", "c2", "c3"],
                           "consent_at": [datetime(2024, 1, 1), datetime(2025, 3, 1), None]})
    kept, excluded = one_per_address(members, "email", stamps)
    # c2 consented last; c4 has a company c5 lacks; c6/c7 tie on everything: smallest id
    assert kept["contact_id"].to_list() == ["c2", "c4", "c6", "c8"]
    assert excluded.to_dicts() == [{"contact_id": c, "reason": "duplicate_address"}
                                   for c in ("c1", "c3", "c5", "c7")]


def test_phones_are_compared_as_e164() -> None:
    members = _frame([contact("a", phone_e164="+16179542675"),
                      contact("b", phone_e164=" +16179542675 "),
                      contact("c", phone_e164="+16179542676")])
    kept, excluded = one_per_address(members, "sms")
    assert kept["contact_id"].to_list() == ["a", "c"]
    assert excluded["contact_id"].to_list() == ["b"]


ROWS = [contact(f"s{i}", lists=NEWS, email="sales@globex.example") for i in range(61)] + [
    contact(f"i{i}", lists=NEWS, email="info@acme.example") for i in range(44)] + [
    contact("solo", lists=NEWS), contact("out", lists=NEWS, email="sales@globex.example",
                                         consent_email="opted_out")]


def _open(root: Path) -> tuple[Warehouse, object]:
    project = load_project(root)
    return Warehouse(project.warehouse_path), load_audience_config(project)


def test_plan_publishes_each_inbox_once_and_counts_the_rest(project_dir) -> None:
    root = project_dir()
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        plan = make_plan(wh, cfg, "newsletter")
        assert plan.members["contact_id"].to_list() == ["i0", "s0", "solo"]
        # an opted-out contact never represents the address; it keeps its own reason
        assert plan.exclusions == {"consent_opted_out": 1, "duplicate_address": 60 + 43}
        assert "duplicate_address  103" in str(plan)
        assert any("one_per_address: false" in n for n in plan.notes)
        apply(wh, cfg, plan)
        assert wh.scalar("SELECT count(*) FROM audience_members") == 3
    text = (root / "exports" / "newsletter.csv").read_text()
    assert text.count("sales@globex.example") == 1 and text.count("info@acme.example") == 1


def test_consent_time_comes_from_the_record_dedupe_kept(project_dir) -> None:
    root = project_dir()
    rows = [contact(c, lists=NEWS, email="team@globex.example") for c in ("a", "b", "c")]
    seed_warehouse(root, rows)
    wh, cfg = _open(root)
    with wh:
        wh.execute("ALTER TABLE contacts ADD COLUMN consent_email_record VARCHAR")
        wh.execute("UPDATE contacts SET consent_email_record = 'r-' || contact_id")
        wh.replace_table("normalized_records", pl.DataFrame({
            "record_id": ["r-a", "r-b", "r-c"],
            # c's consent date is in the future: a data error, not the latest consent
            "consent_timestamp": [datetime(2023, 5, 1), datetime(2024, 6, 1),
                                  datetime(2999, 1, 1)],
            "updated_at": [None, None, None]}, schema_overrides={"updated_at": pl.Datetime}))
        cfg = load_audience_config(cfg.project, wh.columns("contacts"))
        plan = make_plan(wh, cfg, "newsletter")
    assert plan.members["contact_id"].to_list() == ["b"]


def test_one_per_address_false_publishes_everyone(project_dir) -> None:
    yaml = AUDIENCES_YAML.replace("    lists: [monthly-newsletter]\n",
                                  "    lists: [monthly-newsletter]\n    one_per_address: false\n")
    root = project_dir(yaml)
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        plan = make_plan(wh, cfg, "newsletter")
    assert plan.size == 106 and "duplicate_address" not in plan.exclusions


def test_internal_audiences_keep_everyone_unless_asked(project_dir) -> None:
    staff = [contact(c, contact_type="internal", email="desk@example-corp.com")
             for c in ("a", "b")]
    root = project_dir()
    seed_warehouse(root, staff)
    wh, cfg = _open(root)
    with wh:
        assert make_plan(wh, cfg, "staff").size == 2
    root.joinpath("config/audiences.yaml").write_text(AUDIENCES_YAML.replace(
        "    contact_types: [internal]\n", "    contact_types: [internal]\n"
        "    one_per_address: true\n"))
    wh, cfg = _open(root)
    with wh:
        plan = make_plan(wh, cfg, "staff")
    assert plan.size == 1 and plan.exclusions == {"duplicate_address": 1}


SMS_YAML = AUDIENCES_YAML + """\
  texts:
    channel: sms
    purpose: marketing
    tags: [sms]
    targets: [news_csv]
"""


def test_sms_audience_one_per_number_with_the_phone_intact(project_dir) -> None:
    root = project_dir(SMS_YAML)
    seed_warehouse(root, [contact(c, tags=["sms"], consent_sms="opted_in",
                                  phone_e164="+16179542675") for c in ("a", "b")]
                   + [contact("c", tags=["sms"], consent_sms="opted_in",
                              phone_e164="+442079460958")])
    wh, cfg = _open(root)
    with wh:
        result = apply(wh, cfg, make_plan(wh, cfg, "texts"))
    assert result.members == 2 and result.exclusions == {"duplicate_address": 1}
    lines = (root / "exports" / "texts.csv").read_text().splitlines()
    assert lines[1].endswith(",+16179542675") and lines[2].endswith(",+442079460958")


@pytest.mark.parametrize(("setting", "fragment"), [
    ("one_per_address: true", "one_per_address needs a channel"),
    ("one_per_address: sometimes", "one_per_address"),
])
def test_one_per_address_is_validated(project_dir, setting: str, fragment: str) -> None:
    yaml = AUDIENCES_YAML.replace("    filter: \"country = 'US'\"\n",
                                  f"    filter: \"country = 'US'\"\n    {setting}\n")
    root = project_dir(yaml)
    with pytest.raises(ConfigError) as caught:
        load_audience_config(load_project(root))
    text = str(caught.value)
    assert fragment in text and "config/audiences.yaml:" in text and "audiences.vips" in text
