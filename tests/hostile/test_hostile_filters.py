"""Hostile audience filters and configs, through the CLI: each is refused with exit 2 and a
message naming the problem and the fix, and nothing is written.

Self-contained on purpose (no conftest here): the project, its warehouse and the runner are
built by the helpers below.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from contactops.cli.app import app
from contactops.cli.common import State

SCHEMA = {"contact_id": pl.Utf8, "first_name": pl.Utf8, "last_name": pl.Utf8,
          "email": pl.Utf8, "email_key": pl.Utf8, "phone_e164": pl.Utf8, "company": pl.Utf8,
          "contact_type": pl.Utf8, "lifecycle_stage": pl.Utf8, "tags": pl.List(pl.Utf8),
          "lists": pl.List(pl.Utf8), "consent_email": pl.Utf8, "consent_sms": pl.Utf8,
          "consent_phone": pl.Utf8, "sources": pl.List(pl.Utf8), "country": pl.Utf8,
          "created_at": pl.Datetime}

SETTINGS = "project: hostile\nwarehouse: wh/h.duckdb\n"
TARGETS = "targets:\n  out:\n    type: csv\n    path: exports/{audience}.csv\n"


def _audience(body: str) -> str:
    return (f"sending:\n  confirmed: true\n{TARGETS}audiences:\n  probe:\n"
            "    channel: email\n    purpose: marketing\n    targets: [out]\n" + body)


def _project(root: Path, audiences_yaml: str) -> Path:
    from contactops.engine import Warehouse

    (root / "config").mkdir()
    (root / "config" / "contactops.yaml").write_text(SETTINGS)
    (root / "config" / "audiences.yaml").write_text(audiences_yaml)
    rows = [{"contact_id": "c1", "first_name": "Ann", "last_name": "Lee",
             "email": "ann@example.org", "email_key": "ann@example.org",
             "phone_e164": "+16179542675", "company": "Acme", "contact_type": "customer",
             "lifecycle_stage": "lead", "tags": ["vip"], "lists": ["news"],
             "consent_email": "opted_in", "consent_sms": "opted_in",
             "consent_phone": "unknown", "sources": ["crm"], "country": "US",
             "created_at": datetime(2024, 5, 1)}]
    with Warehouse(root / "wh" / "h.duckdb") as wh:
        wh.replace_table("contacts", pl.DataFrame(rows, schema=SCHEMA))
    return root


def _plan(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    State.debug = False
    monkeypatch.chdir(root)
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    out = CliRunner().invoke(app, ["plan", "probe", *args])
    return out.exit_code, out.output


#: (audience body, message fragments)
CASES = [
    pytest.param("    filter: \"country = 'US' -- only US\"\n",
                 ["contains an SQL comment '-- only US'", "Remove the comment"],
                 id="line-comment"),
    pytest.param("    filter: >\n      country = 'US' -- only US\n      AND company = 'x'\n",
                 ["contains an SQL comment", "AND company", "would be silently ignored"],
                 id="folded-comment-swallows-rest"),
    pytest.param("    filter: \"/* vip */ country = 'US'\"\n",
                 ["contains an SQL comment '/* vip */'"], id="block-comment"),
    pytest.param("    filter: \"email IN (SELECT email FROM source_records)\"\n",
                 ["subqueries and other tables are not allowed"], id="subquery"),
    pytest.param("    filter: \"country = 'US'; DROP TABLE contacts\"\n",
                 ["must be a single condition"], id="stacked-statement"),
    pytest.param("    filter: \"read_csv('/etc/passwd') IS NOT NULL\"\n",
                 ["function 'read_csv' is not allowed"], id="file-read"),
    pytest.param("    filter: \"getenv('HOME') <> ''\"\n",
                 ["function 'getenv' is not allowed"], id="environment-read"),
    pytest.param("    filter: \"country = 'US\"\n", ["does not parse"], id="unterminated-string"),
    pytest.param("    filter: \"tags = 'vip'\"\n",
                 ["audiences.probe.filter", "fails on the data", "list_contains(tags"],
                 id="list-compared-with-text"),
    pytest.param("    filter: \"CAST(first_name AS INTEGER) > 0\"\n",
                 ["Could not convert string 'Ann'", "TRY_CAST"], id="cast-fails-on-data"),
    pytest.param("    filter: \"first_name > 3\"\n",
                 ["does not fit the columns' types", "compare like with like"],
                 id="binder-type-mismatch"),
    pytest.param("    filter: [country, US]\n", ["audiences.probe.filter"], id="filter-not-text"),
    pytest.param("    lists: [news]\n    columns: [contact_id, emial]\n",
                 ["columns[1]: not a column of contacts", "did you mean 'email'"],
                 id="unknown-column"),
    pytest.param("    lists: [news]\n    columns: [first_name]\n",
                 ["has no email address column", "add 'email' to columns"],
                 id="columns-without-address"),
    pytest.param("    lists: [news]\n    one_per_adress: false\n",
                 ["did you mean 'one_per_address'"], id="misspelt-option"),
    pytest.param("    lists: [news]\n    one_per_address: perhaps\n",
                 ["audiences.probe.one_per_address"], id="option-not-boolean"),
]


@pytest.mark.parametrize(("body", "fragments"), CASES)
def test_hostile_filter_or_config_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             body: str, fragments: list[str]) -> None:
    root = _project(tmp_path, _audience(body))
    code, output = _plan(root, monkeypatch)
    assert code == 2, output
    assert "unexpected error" not in output
    for fragment in fragments:
        assert fragment in output, output
    assert "config/audiences.yaml:" in output or "audience 'probe'" in output
    assert not (root / "exports").exists()


def test_one_per_address_without_a_channel_is_refused(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    yaml = (f"{TARGETS}audiences:\n  probe:\n    channel: none\n    purpose: internal\n"
            "    lists: [news]\n    one_per_address: true\n    targets: [out]\n")
    root = _project(tmp_path, yaml)
    code, output = _plan(root, monkeypatch)
    assert code == 2 and "one_per_address needs a channel" in output
    assert "config/audiences.yaml:" in output


def test_a_refused_filter_leaves_contacts_alone(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from contactops.engine import Warehouse

    root = _project(tmp_path, _audience(
        "    filter: \"country = 'US'; DELETE FROM contacts\"\n"))
    code, _ = _plan(root, monkeypatch)
    assert code == 2
    with Warehouse(root / "wh" / "h.duckdb", read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM contacts") == 1
