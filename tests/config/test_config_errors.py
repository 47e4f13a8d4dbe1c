"""Every kind of config error: one broken fixture each, with the exact message asserted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contactops.config import load_pipeline, load_project
from contactops.errors import ConfigError

BROKEN = Path(__file__).parent / "broken"

CASES = {
    "yaml_syntax": "pipelines/p.yaml:5: <root>: invalid YAML: expected <block end>, but found "
                   "'<block mapping start>' — fix the indentation or quoting on that line",
    "unknown_key": "pipelines/p.yaml:7: sources[0].mappings: unknown key — did you mean "
                   "'mapping'?",
    "missing_key": "pipelines/p.yaml:3: sources[0].path: required key is missing — add 'path:'",
    "unknown_type": "pipelines/p.yaml:4: sources[0].type: unknown source type (got 'cvs') — "
                    "did you mean 'csv'?",
    "bad_kind": "pipelines/p.yaml:5: sources[0].kind: must be one of 'manual', 'import', "
                "'web_form', 'connected_system', 'campaign', 'workflow' or 'agent' "
                "(got 'webform') — did you mean 'web_form'?",
    "unknown_field": "pipelines/p.yaml:8: sources[0].mapping.E-mail: unknown canonical field "
                     "for a contacts source (got 'emial') — did you mean 'email'?",
    "two_columns_one_field": "pipelines/p.yaml:9: sources[0].mapping.Mobile: 2 raw columns map "
                             "to 'phone' (Phone, Mobile) — map only one of them; only tags, "
                             "lists and notes take several",
    "duplicate_source": "pipelines/p.yaml:7: sources[1].name: duplicate source name "
                        "(got 'crm') — give every source its own name",
    "missing_file": "pipelines/p.yaml:6: sources[0].path: file not found (got 'data/nope.csv') "
                    "— paths are relative to the project root {root}",
    "env_unset": "pipelines/p.yaml:6: sources[0].dsn: environment variable "
                 "CONTACTOPS_TEST_UNSET_DSN is not set — export CONTACTOPS_TEST_UNSET_DSN=... "
                 "or write ${{CONTACTOPS_TEST_UNSET_DSN:-default}}",
    "duplicate_yaml_key": "pipelines/p.yaml:2: name: duplicate key — keep only one of them",
    "bad_name": "pipelines/p.yaml:3: sources[0].name: String should match pattern "
                "'^[a-z][a-z0-9_]{{0,62}}$' (got 'CRM Export')",
    "table_and_query": "pipelines/p.yaml:3: sources[0]: give exactly one of 'table' or 'query'",
    "links_to_unknown": "pipelines/p.yaml:11: sources[1].links_to: no source has this name "
                        "(got 'crn') — did you mean 'crm'?",
    "no_sources": "pipelines/p.yaml:2: sources: List should have at least 1 item after "
                  "validation, not 0 (got [])",
    "bad_setting_override": "pipelines/p.yaml:3: settings.default_country: must be an ISO 3166 "
                            "alpha-2 code such as US, GB or DE (got 'Germany')",
    # enrichment rules are checked when the pipeline is loaded, not when normalize runs
    "enrichment_key_field": "pipelines/p.yaml:15: normalize.enrichment[0].key_field: not a "
                            "column of normalized_records (got 'email_domian') — did you mean "
                            "'email_domain'?",
    "enrichment_key_field_unknown": "pipelines/p.yaml:15: normalize.enrichment[0].key_field: "
                                    "not a column of normalized_records (got 'website') — use "
                                    "a normalized column such as email_domain or company_key",
    "enrichment_unknown_source": "pipelines/p.yaml:14: normalize.enrichment[0].source: no "
                                 "source has this name (got 'domain') — did you mean "
                                 "'domains'?",
    "enrichment_not_reference": "pipelines/p.yaml:13: normalize.enrichment[0].source: source "
                                "'domains' is a contacts source (got 'domains') — set role: "
                                "reference on source 'domains' (its rows then stay out of the "
                                "contacts)",
    "enrichment_reference_mapping": "pipelines/p.yaml:11: sources[1].mapping: a reference "
                                    "source keeps its own columns — remove mapping: name the "
                                    "columns in normalize.enrichment instead",
    "enrichment_bad_field": "pipelines/p.yaml:15: normalize.enrichment[0].fields: cannot "
                            "enrich ['first_name']; use ['city', 'company', "
                            "'company_domain_hint', 'country', 'industry', 'job_title', "
                            "'region']",
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "contactops.yaml").write_text("project: t\n")
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("Email\na@example.com\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONTACTOPS_TEST_UNSET_DSN", raising=False)
    return tmp_path


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_fixture_gives_its_exact_message(project: Path, case: str) -> None:
    shutil.copy(BROKEN / f"{case}.yaml", project / "pipelines" / "p.yaml")
    with pytest.raises(ConfigError) as info:
        load_pipeline("pipelines/p.yaml")
    expected = CASES[case].format(root=project.resolve())
    assert [str(i) for i in info.value.issues] == [expected]
    assert info.value.exit_code == 2


def test_all_errors_are_reported_at_once(project: Path) -> None:
    (project / "pipelines" / "p.yaml").write_text(
        "name: demo\nsources:\n"
        "  - name: a\n    type: csv\n    kind: webform\n    path: data/a.csv\n"
        "  - name: b\n    type: csv\n    kind: import\n    path: data/a.csv\n"
        "    mapping: {E-mail: emial}\n")
    (project / "config" / "contactops.yaml").write_text("default_country: USA\nwarehous: x\n")
    with pytest.raises(ConfigError) as info:
        load_pipeline("pipelines/p.yaml")
    where = [(i.file, i.line, i.key) for i in info.value.issues]
    assert where == [
        ("config/contactops.yaml", 1, "default_country"),
        ("config/contactops.yaml", 2, "warehous"),
        ("pipelines/p.yaml", 5, "sources[0].kind"),
        ("pipelines/p.yaml", 11, "sources[1].mapping.E-mail"),
    ]
    assert "did you mean 'warehouse'?" in str(info.value)
    assert str(info.value).startswith("4 configuration errors:")


def test_secret_values_are_never_printed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTOPS_TEST_DSN", "postgresql://u:hunter2@h/db")
    (project / "pipelines" / "p.yaml").write_text(
        "name: demo\nsources:\n  - name: pg\n    type: postgres\n    kind: connected_system\n"
        "    dsn: ${CONTACTOPS_TEST_DSN}\n    table: t\n    query: select 1\n"
        "    settings_typo: 1\n")
    with pytest.raises(ConfigError) as info:
        load_pipeline("pipelines/p.yaml")
    assert "hunter2" not in str(info.value)
    project_ok = (project / "pipelines" / "ok.yaml")
    project_ok.write_text("name: demo\nsources:\n  - name: pg\n    type: postgres\n"
                          "    kind: connected_system\n    dsn: ${CONTACTOPS_TEST_DSN}\n"
                          "    table: t\n")
    loaded = load_pipeline(project_ok)
    assert "hunter2" not in repr(loaded.pipeline)
    assert loaded.pipeline.sources[0].dsn.get_secret_value().endswith("hunter2@h/db")


def test_env_default_is_used_when_unset(project: Path) -> None:
    (project / "pipelines" / "p.yaml").write_text(
        "name: demo\nwarehouse: ${CONTACTOPS_TEST_UNSET_DSN:-wh/x.duckdb}\nsources:\n"
        "  - name: a\n    type: csv\n    kind: import\n    path: data/a.csv\n")
    loaded = load_pipeline("pipelines/p.yaml")
    assert loaded.warehouse_path == project.resolve() / "wh" / "x.duckdb"


def test_pipeline_settings_override_project_settings(project: Path) -> None:
    (project / "config" / "contactops.yaml").write_text(
        "default_country: GB\ncontact_types:\n  internal_domains: [corp.example]\n")
    (project / "pipelines" / "p.yaml").write_text(
        "name: demo\nsettings:\n  default_country: de\nsources:\n"
        "  - name: a\n    type: csv\n    kind: import\n    path: data/a.csv\n")
    loaded = load_pipeline("pipelines/p.yaml")
    assert loaded.settings.default_country == "DE"
    assert loaded.settings.contact_types.internal_domains == ("corp.example",)


def test_project_settings_errors_name_the_settings_file(project: Path) -> None:
    (project / "config" / "contactops.yaml").write_text("consent:\n  vocabulary:\n    maybe: [x]\n")
    with pytest.raises(ConfigError) as info:
        load_project(project)
    assert str(info.value.issues[0]) == (
        "config/contactops.yaml:2: consent.vocabulary: unknown consent status ['maybe']; use "
        "['opted_in', 'opted_out', 'pending', 'unknown']")


def test_consent_word_under_two_statuses_names_both(project: Path) -> None:
    (project / "config" / "contactops.yaml").write_text(
        "consent:\n  vocabulary:\n    opted_in: [OptIn]\n    opted_out: [opt_in]\n")
    with pytest.raises(ConfigError) as info:
        load_project(project)
    assert str(info.value.issues[0]) == (
        "config/contactops.yaml:2: consent.vocabulary: 'opt_in' under opted_out reads as "
        "'OptIn' under opted_in: a word can mean one status only, keep it under one of them")


def test_missing_pipeline_file_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match="pipeline file not found"):
        load_pipeline("pipelines/none.yaml")


def test_frozen_models_cannot_be_changed(project: Path) -> None:
    (project / "pipelines" / "p.yaml").write_text(
        "name: demo\nsources:\n  - name: a\n    type: csv\n    kind: import\n"
        "    path: data/a.csv\n")
    loaded = load_pipeline("pipelines/p.yaml")
    with pytest.raises(Exception, match="frozen"):
        loaded.pipeline.sources[0].name = "b"  # type: ignore[misc]


def test_enrichment_key_fields_are_the_normalized_columns() -> None:
    """The key_field check reads the column list normalize writes (one declaration)."""
    from contactops.config.normalize import DATE_FIELDS, NORMALIZED_COLUMNS
    from contactops.normalize import OUTPUT_COLUMNS
    from contactops.normalize.dates import DATE_FIELDS as PARSED_DATES

    assert OUTPUT_COLUMNS is NORMALIZED_COLUMNS and DATE_FIELDS == PARSED_DATES
