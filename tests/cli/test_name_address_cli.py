"""Name-and-address lists through the CLI: zero-config FEBRL-shaped files, masked ids and
dates of birth in the report, and the run that cannot look for duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from contactops.cli.app import app

runner = CliRunner()

FEBRL_LIKE = (
    "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,"
    "date_of_birth,soc_sec_id\n"
    """\
rec-1-org,mitchell,green,7,wallaby place,delmar,cleveland,2119,sa,19560409,1804974
rec-1-dup-0,mitchell,greeen,7,wallaby place,delmar,cleveland,2119,sa,19560409,1804974
rec-2-org,harley,mccarthy,177,pridham street,milton,marsden,3165,nsw,19080419,6089216
rec-3-org,ellie,blackwell,25,kenyon street,,townsville,4810,qld,19671221,4543106
""")


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    assert invoke("init", str(tmp_path / "proj")).exit_code == 0
    monkeypatch.chdir(tmp_path / "proj")
    return tmp_path / "proj"


def _report(warehouse: Path, *extra: str) -> dict:
    result = invoke("report", "--warehouse", str(warehouse), "--json", "--no-plans", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_zero_config_febrl_file_merges_and_masks_ids_and_birth_dates(
        project: Path, tmp_path: Path) -> None:
    raw = tmp_path / "febrl.csv"
    raw.write_text(FEBRL_LIKE)
    warehouse = tmp_path / "zero.duckdb"
    result = invoke("run", "--source", str(raw), "--warehouse", str(warehouse), "--warn-only")
    assert result.exit_code == 0, result.output
    for line in ("key: rec_id", "'suburb' → city", "'date_of_birth' → date_of_birth",
                 "'soc_sec_id' → external_id", "'street_number' → street_number"):
        assert line in result.output
    assert "could not look for duplicates" not in result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT region, street, external_id_key FROM normalized_records "
                       "ORDER BY record_id").fetchall()
        contacts = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
    assert {r[0] for r in rows} == {"SA", "NSW", "QLD"}
    assert "7 Wallaby Place" in {r[1] for r in rows}
    assert "febrl.soc_sec_id:1804974" in {r[2] for r in rows}
    assert contacts == 3
    summary = _report(warehouse)
    records = [r for c in summary["sections"]["dedupe"]["examples"] for r in c["records"]]
    assert {r["date_of_birth"] for r in records} == {"****-**-**"}
    assert {r["external_id"] for r in records} == {"*****74"}
    assert "1804974" not in json.dumps(summary) and "1956" not in json.dumps(summary)
    shown = _report(warehouse, "--show-pii")
    records = [r for c in shown["sections"]["dedupe"]["examples"] for r in c["records"]]
    assert {r["external_id"] for r in records} == {"1804974"}


def test_a_list_of_names_says_it_could_not_look_for_duplicates(
        project: Path, tmp_path: Path) -> None:
    raw = tmp_path / "names.csv"
    raw.write_text("Given Name,Surname,City\nAnn,Lee,Perth\nAnn,Lee,Perth\nBo,Chan,Perth\n")
    warehouse = tmp_path / "names.duckdb"
    result = invoke("run", "--source", str(raw), "--warehouse", str(warehouse), "--warn-only")
    assert result.exit_code == 0, result.output
    assert "could not look for duplicates: no email, phone, id or name+address fields" \
        in result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stages = json.loads(con.execute("SELECT stages FROM runs").fetchone()[0])
    dedupe = next(s for s in stages if s["stage"] == "dedupe")
    assert dedupe["notes"][0].startswith("could not look for duplicates")
    summary = _report(warehouse)
    assert summary["sections"]["dedupe"]["cannot_match"].startswith(
        "could not look for duplicates")
    codes = {i["code"] for i in summary["verdict"]["items"]}
    assert "cannot_match" in codes
