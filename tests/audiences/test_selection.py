"""Filters that fail only in the engine are config errors (exit 2) naming the audience and
the fix, found at plan time before anything is written; ``columns:`` is checked too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from contactops.audiences import apply, load_audience_config, make_plan
from contactops.cli.audiences import app as audiences_app
from contactops.cli.common import State
from contactops.config import load_project
from contactops.engine import Warehouse
from contactops.errors import ConfigError

from .conftest import AUDIENCES_YAML, contact, seed_warehouse

ROWS = [contact("v", tags=["vip"], country="US", first_name="Ann",
                created_at=datetime(2024, 5, 1)),
        contact("n", tags=["vip"], country="US", first_name="12")]
VIPS_FILTER = "    filter: \"country = 'US'\"\n"


def _with_filter(text: str) -> str:
    return AUDIENCES_YAML.replace(VIPS_FILTER, f"    filter: \"{text}\"\n")


@pytest.mark.parametrize(("text", "what", "fix"), [
    ("tags = 'vip'", "fails on the data", "list_contains(tags, 'value')"),
    ("CAST(first_name AS INTEGER) > 3", "fails on the data", "TRY_CAST"),
    ("first_name > 3", "does not fit the columns' types", "compare like with like"),
    ("list_contains(tags, 1)", "does not fit the columns' types", "list_contains(tags"),
    ("created_at > 'yesterday'", "fails on the data", "DATE '2024-01-31'"),
])
def test_engine_failures_name_audience_filter_and_fix(project_dir, text: str, what: str,
                                                      fix: str) -> None:
    root = project_dir(_with_filter(text))
    seed_warehouse(root, ROWS)
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        cfg = load_audience_config(project, wh.columns("contacts"))
        with pytest.raises(ConfigError) as caught:
            make_plan(wh, cfg, "vips")
        assert not wh.table_exists("publishes")          # nothing was written
    message = str(caught.value)
    assert "config/audiences.yaml:27: audiences.vips.filter" in message
    assert f"the filter of audience 'vips' {what}" in message
    assert text.replace("'", "\\'") in message or text in message
    assert fix in message


def test_try_cast_is_the_working_fix(project_dir) -> None:
    root = project_dir(_with_filter("TRY_CAST(first_name AS INTEGER) > 3"))
    seed_warehouse(root, ROWS)
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        plan = make_plan(wh, load_audience_config(project), "vips")
    assert plan.members["contact_id"].to_list() == ["n"]


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.registered_commands.extend(audiences_app.registered_commands)
    return app


def test_cli_plan_exits_2_not_3(project_dir) -> None:
    State.debug = False
    root = project_dir(_with_filter("tags = 'vip'"))
    seed_warehouse(root, ROWS)
    out = CliRunner().invoke(_cli(), ["plan", "vips"])
    assert out.exit_code == 2, out.output
    assert "unexpected error" not in out.output
    assert "audience 'vips'" in out.output and "list_contains" in out.output


def _with_columns(columns: str, audience: str = "vips") -> str:
    marker = VIPS_FILTER if audience == "vips" else "    lists: [monthly-newsletter]\n"
    return AUDIENCES_YAML.replace(marker, marker + f"    columns: {columns}\n")


def test_columns_without_contact_id_still_publish_it_first(project_dir) -> None:
    root = project_dir(_with_columns("[email, first_name]", "newsletter"))
    seed_warehouse(root, [contact("a", lists=["monthly-newsletter"])])
    project = load_project(root)
    with Warehouse(project.warehouse_path) as wh:
        cfg = load_audience_config(project, wh.columns("contacts"))
        plan = make_plan(wh, cfg, "newsletter")
        assert plan.members.columns == ["contact_id", "email", "first_name"]
        assert any("contact_id is published too" in n for n in plan.notes)
        apply(wh, cfg, plan)
        assert wh.fetchall("SELECT contact_id FROM audience_members") == [("a",)]
    assert (root / "exports" / "newsletter.csv").read_text().splitlines()[0] == (
        "contact_id,email,first_name")


@pytest.mark.parametrize(("columns", "audience", "fragment"), [
    ("[contact_id, emial]", "vips", "columns[1]: not a column of contacts (got 'emial') — "
                                    "did you mean 'email'?"),
    ("[email, email]", "vips", "columns[1]: listed twice"),
    ("[]", "vips", "columns: lists no column"),
    ("[contact_id, first_name]", "newsletter",
     "has no email address column, so the published audience could not be reached"),
])
def test_columns_are_checked_before_anything_is_written(project_dir, columns: str,
                                                        audience: str, fragment: str) -> None:
    root = project_dir(_with_columns(columns, audience))
    seed_warehouse(root, ROWS)
    with pytest.raises(ConfigError) as caught:
        load_audience_config(load_project(root), None)
    message = str(caught.value)
    assert fragment in message and f"audiences.{audience}.columns" in message
    assert "config/audiences.yaml:" in message
    assert not Path(root / "exports").exists()
