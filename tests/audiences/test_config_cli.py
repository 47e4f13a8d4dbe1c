"""Config errors with file:line, and the CLI commands through Typer's CliRunner."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from contactops.audiences import load_audience_config
from contactops.cli.audiences import app as audiences_app
from contactops.cli.common import State
from contactops.config import load_project
from contactops.errors import ConfigError

from .conftest import AUDIENCES_YAML, contact, seed_warehouse

BROKEN = """\
targets:
  out:
    type: csvv
    path: x.csv
audiences:
  news:
    channel: email
    purpose: marketting
    lists: [monthly-newsletter]
  bad-filter:
    channel: none
    purpose: internal
    filter: "email IN (SELECT email FROM source_records)"
  typo:
    channel: email
    purpose: internal
    lsts: [a]
"""


def test_config_errors_name_file_line_and_all_problems(project_dir) -> None:
    root = project_dir(BROKEN)
    try:
        load_audience_config(load_project(root))
    except ConfigError as exc:
        text = str(exc)
    else:
        raise AssertionError("expected a ConfigError")
    assert "config/audiences.yaml:3: targets.out.type" in text
    assert "audiences.news.purpose" in text and "config/audiences.yaml:8" in text
    assert "did you mean 'lists'" in text


def test_filter_and_taxonomy_problems_are_located(project_dir) -> None:
    settings = ("project: t\nwarehouse: wh/t.duckdb\ntaxonomy:\n  lists:\n"
                "    monthly-newsletter: []\n")
    yaml = AUDIENCES_YAML.replace("filter: \"country = 'US'\"",
                                  "filter: \"read_csv('/etc/passwd') IS NULL\"").replace(
        "lists: [monthly-newsletter]", "lists: [montly-newsletter]")
    root = project_dir(yaml, settings_yaml=settings)
    try:
        load_audience_config(load_project(root))
    except ConfigError as exc:
        text = str(exc)
    else:
        raise AssertionError("expected a ConfigError")
    assert "audiences.vips.filter" in text and "function 'read_csv'" in text
    assert "did you mean 'monthly-newsletter'" in text and "config/audiences.yaml:" in text


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.registered_commands.extend(audiences_app.registered_commands)
    return app


def test_cli_plan_publish_impact_delete_restore(project_dir) -> None:
    State.debug = False
    root = project_dir(references_yaml="workflows:\n  - name: wf\n    uses: "
                                       "{lists: [monthly-newsletter]}\n")
    seed_warehouse(root, [contact("a", lists=["monthly-newsletter"]),
                          contact("b", lists=["monthly-newsletter"], consent_email="pending")])
    runner = CliRunner()
    app = _cli()
    out = runner.invoke(app, ["plan", "newsletter"])
    assert out.exit_code == 0, out.output
    assert "consent_pending    1" in out.output
    out = runner.invoke(app, ["publish", "newsletter"])
    assert out.exit_code == 0 and "published 'newsletter'" in out.output
    out = runner.invoke(app, ["publish", "newsletter"])
    assert "nothing written" in out.output
    out = runner.invoke(app, ["audiences", "--json"])
    assert out.exit_code == 0 and '"newsletter"' in out.output
    assert "wf" in runner.invoke(app, ["impact", "monthly-newsletter"]).output
    out = runner.invoke(app, ["delete", "a"])
    assert out.exit_code == 1 and "refusing" in out.output
    out = runner.invoke(app, ["delete", "a", "--force", "--reason", "test"])
    assert out.exit_code == 0, out.output
    deletion_id = out.output.split("deletion ")[1].split(";")[0]
    assert runner.invoke(app, ["restore", deletion_id]).exit_code == 0
    out = runner.invoke(app, ["plan", "nope"])
    assert out.exit_code == 2 and "no audience 'nope'" in out.output
    out = runner.invoke(app, ["erase", "b", "--reason", "gdpr", "--yes"])
    assert out.exit_code == 0, out.output
    assert "pepper" not in out.output
