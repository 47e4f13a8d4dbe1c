"""The CLI through Typer's CliRunner: commands, output and documented exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from contactops.cli.app import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CONTACTOPS_WAREHOUSE", raising=False)
    result = invoke("init", str(tmp_path / "proj"))
    assert result.exit_code == 0, result.output
    monkeypatch.chdir(tmp_path / "proj")
    return tmp_path / "proj"


def test_help_lists_every_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("init", "run", "check", "infer", "schema", "runs", "loads", "generate"):
        assert command in result.output


def test_help_does_not_import_heavy_libraries() -> None:
    code = ("import sys; from contactops.cli.app import app; "
            "print(sorted(m for m in ('duckdb','polars','pandas','great_expectations') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


HEAVY = ("duckdb", "polars", "pandas", "pandera", "numpy", "pyarrow", "great_expectations",
         "splink", "altair", "sqlglot")


def _modules_after(code: str, cwd: Path | None = None) -> list[str]:
    """Heavy top-level packages a fresh interpreter has imported after running ``code``."""
    script = (f"import sys\n{code}\nprint(sorted({{m.split('.')[0] for m in sys.modules}} "
              f"& set({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=cwd)
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_config_package_imports_nothing_heavy() -> None:
    assert _modules_after("import contactops.config, contactops.config.loader") == []


def test_check_without_a_warehouse_imports_nothing_heavy(project: Path) -> None:
    code = ("from contactops.cli.app import app\n"
            "try:\n    app(['check', 'pipelines/contacts.yaml'])\n"
            "except SystemExit as exc:\n    assert exc.code == 0, exc.code")
    assert not (project / "warehouse").exists()
    assert _modules_after(code, cwd=project) == []


def test_init_scaffolds_a_project_that_checks_and_runs(project: Path) -> None:
    for folder in ("config", "pipelines", "expectations", "notebooks", "data"):
        assert (project / folder).is_dir()
    assert invoke("check", "pipelines/contacts.yaml").exit_code == 0
    result = invoke("run", "pipelines/contacts.yaml", "--until", "ingest")
    assert result.exit_code == 0, result.output
    assert "signups: read 3, accepted 3, rejected 0" in result.output
    assert invoke("init", str(project)).exit_code == 2      # not empty


def test_run_json_and_rerun_adds_nothing(project: Path) -> None:
    first = json.loads(invoke("run", "--json", "--until", "ingest").output)
    assert first["status"] == "success" and first["loads"][0]["rows_accepted"] == 3
    second = json.loads(invoke("run", "--json", "--until", "ingest").output)
    assert second["loads"][0]["skipped"] is True
    loads = json.loads(invoke("loads", "--json").output)
    assert len(loads) == 1 and loads[0]["rows_read"] == 3
    runs = json.loads(invoke("runs", "--json").output)
    assert [r["status"] for r in runs] == ["success", "success"]


def test_quiet_prints_nothing(project: Path) -> None:
    result = invoke("run", "-q", "--until", "ingest")
    assert result.exit_code == 0 and result.output == ""


def test_check_reports_config_errors_with_exit_2(project: Path) -> None:
    (project / "pipelines" / "contacts.yaml").write_text(
        "name: x\nsources:\n  - name: a\n    type: csv\n    kind: imprt\n"
        "    path: data/contacts.csv\n")
    result = invoke("check", "pipelines/contacts.yaml")
    assert result.exit_code == 2
    assert "pipelines/contacts.yaml:5: sources[0].kind" in result.output
    assert "did you mean 'import'?" in result.output


def test_zero_config_run_says_what_it_mapped(project: Path, tmp_path: Path) -> None:
    raw = tmp_path / "leads.csv"
    raw.write_text("Record ID,Given Name,Surname,E-mail Address,Mobile,Organisation,Shoe size\n"
                   "7,Ann,Lee,ann@x.com,555-0101,Acme,38\n")
    result = invoke("run", "--source", str(raw), "--until", "ingest")
    assert result.exit_code == 0, result.output
    for line in ("key: Record ID", "'Given Name' → first_name", "'Surname' → last_name",
                 "'E-mail Address' → email", "'Mobile' → phone", "'Organisation' → company"):
        assert line in result.output
    assert "leads: read 1, accepted 1, rejected 0" in result.output


def test_infer_prints_a_source_block(project: Path, tmp_path: Path) -> None:
    raw = tmp_path / "x.csv"
    raw.write_text("contact_id;Email;Phone Number;Notes;Other\n1;a@x.com;1;n;o\n")
    result = invoke("infer", str(raw))
    assert result.exit_code == 0
    block = yaml.safe_load(result.output)["sources"][0]
    assert block["key"] == "contact_id" and block["type"] == "csv"
    assert block["mapping"] == {"Email": "email", "Phone Number": "phone", "Notes": "notes"}
    assert "# kept in extras (unmapped): Other" in result.output


def test_schema_is_json_schema_with_canonical_fields(tmp_path: Path) -> None:
    result = invoke("schema")
    schema = json.loads(result.output)
    assert "email" in schema["$defs"]["CanonicalField"]["enum"]
    assert "sources" in schema["properties"]
    settings = json.loads(invoke("schema", "--settings").output)
    assert "default_country" in settings["properties"]


def test_loads_undo_via_cli(project: Path) -> None:
    invoke("run", "-q", "--until", "ingest")
    load_id = json.loads(invoke("loads", "--json").output)[0]["load_id"]
    result = invoke("loads", "undo", load_id, "--reason", "test")
    assert result.exit_code == 0 and "removed 3 records" in result.output
    assert invoke("loads", "undo", load_id).exit_code == 2   # already undone
    assert invoke("loads", "undo", "nope-1").exit_code == 2


def test_missing_source_file_is_a_usage_error(project: Path) -> None:
    result = invoke("run", "--source", "nope.csv")
    assert result.exit_code == 2
    assert "nope.csv: file not found" in result.output
