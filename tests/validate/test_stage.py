"""The validate stage through the pipeline and the CLI: tables written, exit codes, GX."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactops.cli.validate import app as validate_app
from contactops.config import load_pipeline
from contactops.engine import Warehouse
from contactops.pipeline import run_pipeline

CSV = ("id,first,last,email,phone,type,consent,tags\n"
       "1,Ada,Lovelace,ada@lovelace.org,+1 415 555 0101,customer,yes,Webinar2024\n"
       "2,Alan,Turing,alan@@turing.org,+1 415 555 0102,customer,yes,webinar-2024\n"
       "3,,,grace@hopper.org,+1 415 555 0103,prospect,no,\n")
PIPELINE = """
name: t
sources:
  - name: signups
    type: csv
    kind: web_form
    path: data/s.csv
    key: id
    mapping: {first: first_name, last: last_name, email: email, phone: phone,
              type: contact_type, consent: email_consent, tags: tags}
validate:
  gx: {enabled: %s}
"""
SUITE = {"name": "normalized_records", "meta": {"contactops_table": "normalized_records"},
         "expectations": [
             {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "record_id"},
              "meta": {"severity": "error"}},
             {"type": "expect_column_values_to_be_in_set",
              "kwargs": {"column": "email_valid", "value_set": [True]},
              "meta": {"severity": "error"}}]}


def test_run_gates_on_error_rules_and_stores_issues(make_project) -> None:
    pipeline = make_project(PIPELINE % "false", files={"data/s.csv": CSV})
    project = load_pipeline(pipeline)
    result = run_pipeline(project)
    assert result.exit_code == 1 and result.status == "gate_failed"
    assert any("email_invalid" in f for f in result.gate_failures)
    assert any("required_fields" in f for f in result.gate_failures)
    assert run_pipeline(project, warn_only=True).exit_code == 0
    with Warehouse(project.warehouse_path, read_only=True) as wh:
        rules = {r[0] for r in wh.fetchall("SELECT DISTINCT rule FROM validation_issues")}
        masked = wh.scalar("SELECT value FROM validation_issues WHERE rule = 'email_invalid'")
        runs = wh.scalar("SELECT count(DISTINCT run_id) FROM validation_summary")
    assert {"email_invalid", "required_fields", "tag_near_duplicate"} <= rules
    assert masked == "a***@turing.org"
    assert runs == 2


def test_validate_command_exit_codes(make_project) -> None:
    pipeline = make_project(PIPELINE % "false", files={"data/s.csv": CSV})
    run_pipeline(load_pipeline(pipeline), warn_only=True)
    runner = CliRunner()
    failed = runner.invoke(validate_app, [str(pipeline), "--json"])
    assert failed.exit_code == 1, failed.output
    assert json.loads(failed.output)["passed"] is False
    assert runner.invoke(validate_app, [str(pipeline), "--warn-only"]).exit_code == 0
    missing = runner.invoke(validate_app, [str(pipeline), "--warehouse", "nope.duckdb"])
    assert missing.exit_code == 3


@pytest.mark.slow
def test_gx_suite_runs_in_worker_and_builds_data_docs(make_project) -> None:
    pipeline = make_project(PIPELINE % "true", files={
        "data/s.csv": CSV,
        "expectations/suites/normalized_records.json": json.dumps(SUITE)})
    result = run_pipeline(load_pipeline(pipeline), warn_only=True)
    validate = next(s for s in result.stages if s.stage == "validate")
    assert validate.timings["gx_import"] > 0
    gx_failures = [f for f in result.gate_failures if "expect_column_values_to_be_in_set" in f]
    assert gx_failures and "email_valid" in gx_failures[0]
    docs = Path(validate.counts["data_docs"].removeprefix("file://"))
    assert docs.is_file()
    assert (Path("expectations/gx/checkpoints/normalized_records.json")).is_file()
