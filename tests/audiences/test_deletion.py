"""Impact, delete/restore (soft, audited) and erase (salted-hash suppression)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from contactops.audiences import apply, deletion, load_audience_config, make_plan
from contactops.audiences.references import impact
from contactops.config import load_project
from contactops.engine import Warehouse
from contactops.errors import GateFailed, UsageError

from .conftest import contact, contacts_frame, seed_warehouse

REFERENCES = """\
workflows:
  - name: welcome
    active: true
    uses: {lists: [product-updates]}
  - name: old-drip
    active: false
    uses: {tags: [partner]}
campaigns:
  - name: vip-dinner
    active: true
    uses: {audiences: [vips], contacts: [x]}
"""

ROWS = [
    contact("a", lists=["monthly-newsletter"]),
    contact("b", lists=["product-updates"]),
    contact("p", tags=["partner"]),
    contact("x"),
    contact("v", tags=["vip"]),
]


def _open(root: Path):
    project = load_project(root)
    return Warehouse(project.warehouse_path), load_audience_config(project)


def test_impact_lists_everything_that_relies(project_dir) -> None:
    root = project_dir(references_yaml=REFERENCES)
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        lst = impact(wh, cfg, "product-updates")
        assert lst.kind == "list" and lst.contacts == 1
        assert [(r["what"], r["name"]) for r in lst.relies] == [("workflow", "welcome")]
        aud = impact(wh, cfg, "vips")
        assert aud.kind == "audience" and aud.relies[0]["name"] == "vip-dinner"
        tag = impact(wh, cfg, "partner", kind="tag")
        assert tag.relies[0]["name"] == "old-drip" and not tag.active
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
        person = impact(wh, cfg, "a")
        assert person.kind == "contact"
        assert {r["name"] for r in person.relies} == {"newsletter"}
        assert "newsletter" in str(person)
        with pytest.raises(UsageError, match="not a known"):
            impact(wh, cfg, "nothing-like-this")


def test_delete_refuses_referenced_then_force_and_restore(project_dir) -> None:
    root = project_dir(references_yaml=REFERENCES)
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
        ids = deletion.select_contacts(wh, contact_ids=["a", "b", "p", "x"])
        with pytest.raises(GateFailed) as refused:
            deletion.delete(wh, cfg, ids)
        message = str(refused.value)
        assert "a is used by" in message and "welcome" in message and "vip-dinner" in message
        assert "p is used" not in message          # only an inactive workflow uses p
        with pytest.raises(UsageError, match="--reason"):
            deletion.delete(wh, cfg, ids, force=True)
        # unreferenced contacts go without force
        only_p = deletion.delete(wh, cfg, ["p"], reason="cleanup")
        result = deletion.delete(wh, cfg, ["a", "b"], force=True, reason="ticket 42")
        assert result.referenced.keys() == {"a", "b"}
        plan = make_plan(wh, cfg, "newsletter")
        assert plan.members.height == 0 and plan.exclusions == {"deleted": 1}
        assert plan.removed == ["a"]
        audit = wh.pl("SELECT action, detail FROM audit_log WHERE action = 'delete'")
        assert audit.height == 2
        assert json.loads(audit["detail"][1])["reason"] == "ticket 42"
        deletion.restore(wh, deletion_id=result.deletion_id, reason="mistake")
        assert make_plan(wh, cfg, "newsletter").members.height == 1
        deletion.restore(wh, contact_ids=["p"])
        with pytest.raises(UsageError, match="nothing to restore"):
            deletion.restore(wh, deletion_id=only_p.deletion_id)
        by_list = deletion.select_contacts(wh, list_name="monthly-newsletter")
        by_filter = deletion.select_contacts(wh, where="list_contains(tags, 'vip')")
        assert by_list == ["a"] and by_filter == ["v"]


def test_erase_removes_data_and_keeps_reimports_out(project_dir) -> None:
    root = project_dir()
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        wh.replace_table("source_records", pl.DataFrame(
            {"record_id": ["r1", "r2"], "email": ["A@example.org ", "b@example.org"]}))
        wh.replace_table("contact_links", pl.DataFrame(
            {"record_id": ["r1", "r2"], "contact_id": ["a", "b"]}))
        wh.replace_table("match_model", pl.DataFrame(
            {"model_json": ["{}"], "diagnostics_json": [
                json.dumps({"passes": [{"largest": [{"value": "a@example.org"}]}]})]}))
        result = deletion.erase(wh, cfg, ["a"], reason="GDPR request 7")
        assert result.removed_rows["contacts"] == 1
        # raw block keys in the match diagnostics do not outlive the erasure
        assert wh.scalar("SELECT diagnostics_json FROM match_model") is None
        assert result.removed_rows["source_records"] == 1
        assert wh.scalar("SELECT count(*) FROM source_records") == 1
        stored = wh.pl("SELECT * FROM suppressions")
        assert stored["hashed"].all() and "a@example.org" not in stored["value"].to_list()
        assert "pepper" not in json.dumps(wh.pl("SELECT * FROM audit_log").to_dicts(),
                                          default=str)
        # the person comes back with a new import: kept out of every audience
        wh.append_frame("contacts", contacts_frame(
            [contact("a2", email="A@Example.org", lists=["monthly-newsletter"])]))
        plan = make_plan(wh, cfg, "newsletter")
        assert plan.exclusions == {"erased": 1} and plan.members.height == 0


def test_erase_needs_salt_and_a_changed_salt_is_refused(project_dir, monkeypatch) -> None:
    root = project_dir()
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        monkeypatch.delenv("CONTACTOPS_SUPPRESSION_SALT")
        with pytest.raises(UsageError, match="CONTACTOPS_SUPPRESSION_SALT"):
            deletion.erase(wh, cfg, ["a"], reason="r")
        monkeypatch.setenv("CONTACTOPS_SUPPRESSION_SALT", "one")
        deletion.erase(wh, cfg, ["a"], reason="r")
        monkeypatch.setenv("CONTACTOPS_SUPPRESSION_SALT", "two")
        with pytest.raises(UsageError, match="differs from the salt"):
            make_plan(wh, cfg, "newsletter")


@pytest.mark.parametrize(("where", "fix"), [
    ("tags = 'vip'", "list_contains(tags, 'value')"),
    ("CAST(first_name AS INTEGER) > 1", "TRY_CAST"),
    ("first_name > 3", "compare like with like"),
])
def test_delete_filter_failing_in_the_engine_is_a_usage_error(project_dir, where: str,
                                                             fix: str) -> None:
    root = project_dir()
    seed_warehouse(root, [contact("v", tags=["vip"], first_name="Ann")])
    wh, _cfg = _open(root)
    with wh:
        with pytest.raises(UsageError) as caught:
            deletion.select_contacts(wh, where=where)
    message = str(caught.value)
    assert f"--filter {where!r}" in message and fix in message
    assert "nothing was deleted" in message


def test_erase_follows_the_catalog_lineage_to_contact_provenance(project_dir) -> None:
    """contact_provenance holds the person's field values: erase removes them too."""
    root = project_dir()
    seed_warehouse(root, ROWS)
    wh, cfg = _open(root)
    with wh:
        wh.replace_table("contact_provenance", pl.DataFrame(
            {"contact_id": ["a", "a", "b"], "field": ["email", "phone", "email"],
             "rule": ["most_recent"] * 3, "record_id": ["r1", "r1", "r2"],
             "source": ["crm"] * 3,
             "value": ["a@example.org", "+4420", "b@example.org"]}))
        result = deletion.erase(wh, cfg, ["a"], reason="GDPR request 8")
        assert result.removed_rows["contact_provenance"] == 2
        left = wh.pl("SELECT contact_id, value FROM contact_provenance")
        assert left.to_dicts() == [{"contact_id": "b", "value": "b@example.org"}]
