"""A whole run: an opted-out linked record keeps its contact out of an email audience."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from contactops import Workbench
from contactops.audiences import load_audience_config, make_plan
from contactops.cli.dedupe import app as dedupe_app
from contactops.config import load_pipeline
from contactops.engine import Warehouse
from contactops.pipeline import run_pipeline

PIPELINE = """\
name: t
validate: {gx: {enabled: false}}
sources:
  - name: crm
    type: csv
    kind: connected_system
    path: data/crm.csv
    key: id
    mapping:
      First Name: first_name
      Last Name: last_name
      Email: email
      Status: email_consent
      Consent Date: consent_timestamp
      Updated: updated_at
"""
# Ann opted out in January; her other record says opted_in with no consent date and was only
# edited later. Cy opted out, then opted in again with a later consent date.
CRM = ("id,First Name,Last Name,Email,Status,Consent Date,Updated\n"
       "1,Ann,Lee,ann.lee@example.org,opted_out,2024-01-10,2024-01-10\n"
       "2,Ann,Lee,Ann.Lee@example.org,OPTED_IN,,2025-06-01\n"
       "3,Bob,Ray,bob.ray@example.org,Subscribed,2024-02-01,2024-02-01\n"
       "4,Cy,Moe,cy.moe@example.org,Opted-Out,2024-01-10,2024-01-10\n"
       "5,Cy,Moe,cy.moe@example.org,OptIn,2024-03-01,2024-03-01\n"
       "6,Di,Fox,di.fox@example.org,double_opt_in_pending,,2024-03-01\n")
AUDIENCES = """\
sending:
  confirmed: true
targets:
  out:
    type: csv
    path: exports/{audience}.csv
audiences:
  newsletter:
    channel: email
    purpose: marketing
    sources: [crm]
    targets: [out]
"""


def test_opted_out_linked_record_keeps_contact_out(make_project: Callable[..., Path]) -> None:
    pipeline = make_project(PIPELINE, {"data/crm.csv": CRM, "config/audiences.yaml": AUDIENCES})
    project = load_pipeline(pipeline)
    run_pipeline(project, warn_only=True)
    with Warehouse(project.warehouse_path) as wh:
        got = {r[0]: r[1:] for r in wh.fetchall(
            "SELECT first_name, record_count, consent_email, consent_email_reason "
            "FROM contacts ORDER BY 1")}
        assert got == {
            "Ann": (2, "opted_out", "opt_out_kept_over_edit"),
            "Bob": (1, "opted_in", "only_record"),
            "Cy": (2, "opted_in", "opt_in_later_consent"),
            "Di": (1, "pending", "only_record"),
        }
        ann = wh.scalar("SELECT contact_id FROM contacts WHERE first_name = 'Ann'")
        kept_by = wh.scalar("SELECT consent_email_record FROM contacts WHERE contact_id = ?",
                            [ann])
        assert wh.scalar("SELECT source_record_key FROM source_records WHERE record_id = ?",
                         [kept_by]) == "1"
        cfg = load_audience_config(project, wh.columns("contacts"))
        plan = make_plan(wh, cfg, "newsletter")
    members = set(plan.members["first_name"].to_list())
    assert members == {"Bob", "Cy"}
    excluded = dict(plan.excluded.rows())
    assert excluded[ann] == "consent_opted_out"
    assert plan.exclusions == {"consent_opted_out": 1, "consent_pending": 1}


def test_explain_shows_who_decided_consent_and_why(make_project: Callable[..., Path]) -> None:
    pipeline = make_project(PIPELINE, {"data/crm.csv": CRM})
    project = load_pipeline(pipeline)
    run_pipeline(project, warn_only=True)
    with Warehouse(project.warehouse_path) as wh:
        ann, kept_by = wh.fetchall(
            "SELECT contact_id, consent_email_record FROM contacts WHERE first_name = 'Ann'")[0]
    res = CliRunner().invoke(dedupe_app, ["explain", "--contact", ann, "--json",
                                          "--pipeline", str(pipeline)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert len(out["pairs"]) == 1
    email = next(r for r in out["consent"] if r["channel"] == "email")
    assert (email["status"], email["record_id"], email["reason"]) == (
        "opted_out", kept_by, "opt_out_kept_over_edit")
    assert email["consent_timestamp"].startswith("2024-01-10")
    assert "an edit is not consent" in email["meaning"]
    table = CliRunner().invoke(dedupe_app, ["explain", "--contact", ann,
                                            "--pipeline", str(pipeline)])
    assert table.exit_code == 0 and "opt_out_kept_over_edit" in table.output
    res = CliRunner().invoke(dedupe_app, ["explain", "--contact", "nope",
                                          "--pipeline", str(pipeline)])
    assert res.exit_code == 2 and "no contact with id 'nope'" in res.output
    explained = Workbench(pipeline.parent.parent).dedupe.explain(ann)
    assert explained.consent.filter(channel="email")["reason"].to_list() == [
        "opt_out_kept_over_edit"]
    assert "email: opted_out from record" in str(explained)
    assert "Consent per channel" in explained._repr_html_()
