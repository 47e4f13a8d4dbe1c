"""Enrichment in a pipeline run: a reference source fills missing fields, with provenance,
audit rows and notes; its rows stay out of the contacts; bad rules name file, line and fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from contactops.config import load_pipeline
from contactops.engine import Warehouse
from contactops.errors import ConfigError
from contactops.pipeline import run_pipeline

PIPELINE = """\
name: t
sources:
  - name: crm
    type: csv
    kind: connected_system
    path: data/crm.csv
    key: Id
    mapping: {First: first_name, Mail: email, Org: company, Country: country}
  - name: company_domains
    type: csv
    kind: connected_system
    role: reference
    path: data/domains.csv
    key: domain
normalize:
  enrichment:
    - source: company_domains
      key_field: email_domain
      reference_key: domain
      fields: {company: name, industry: sector}
    - source: company_domains
      key_field: email_domain
      reference_key: domain
      fields: {country: hq}
"""
CRM = ("Id,First,Mail,Org,Country\n"
       "c1,Ann,ann@acme.com,,\n"            # company, industry and country filled
       "c2,Bob,bob@ACME.com,Kept Ltd,FR\n"  # company and country kept, industry filled
       "c3,Cy,cy@gmail.com,,\n"             # no reference row for gmail.com
       "c4,Di,,,\n")                        # no email, no key to join on
DOMAINS = ("domain,name,sector,hq\n"
           "acme.com,Acme Corporation,Manufacturing,US\n"
           "Acme.com,Second Row Loses,Retail,DE\n"
           "initech.com,Initech,Software,\n"
           ",,,\n")                          # empty row: rejected, not lost


@pytest.fixture
def project(make_project: Callable[..., Path]):
    return load_pipeline(make_project(PIPELINE, {"data/crm.csv": CRM,
                                                 "data/domains.csv": DOMAINS}))


def test_reference_fills_only_empty_fields_with_provenance_and_audit(project) -> None:
    result = run_pipeline(project, until="normalize")
    with Warehouse(project.warehouse_path) as wh:
        records = {r["record_id"]: r for r in wh.pl(
            "SELECT n.*, s.source_record_key AS k FROM normalized_records n "
            "JOIN current_source_records s USING (record_id)").to_dicts()}
        changes = wh.fetchall(
            "SELECT s.source_record_key, c.field, c.rule, c.before, c.after "
            "FROM normalization_changes c JOIN current_source_records s USING (record_id) "
            "WHERE c.rule LIKE 'enrich.%' ORDER BY 1, 2")
        reference = wh.fetchall("SELECT count(*) FROM current_reference_records")[0][0]
        contacts = wh.fetchall("SELECT DISTINCT source FROM current_source_records")
        rejected = wh.fetchall("SELECT source, reason_code FROM rejected_records")
    by_key = {r["k"]: r for r in records.values()}
    ann, bob, cy, di = (by_key[k] for k in ("c1", "c2", "c3", "c4"))
    assert (ann["company"], ann["industry"], ann["country"]) == \
        ("Acme Corporation", "Manufacturing", "US")
    assert (ann["company_enriched_from"], ann["country_enriched_from"]) == \
        ("company_domains", "company_domains")
    assert (bob["company"], bob["industry"], bob["country"]) == ("Kept Ltd", "Manufacturing",
                                                                "FR")
    assert bob["company_enriched_from"] is None and bob["country_enriched_from"] is None
    assert cy["company"] is None and di["industry"] is None
    assert changes == [
        ("c1", "company", "enrich.company_domains", None, "Acme Corporation"),
        ("c1", "country", "enrich.company_domains", None, "US"),
        ("c1", "industry", "enrich.company_domains", None, "Manufacturing"),
        ("c2", "industry", "enrich.company_domains", None, "Manufacturing"),
    ]
    assert reference == 3 and contacts == [("crm",)]
    assert rejected == [("company_domains", "empty_row")]
    stage = next(s for s in result.stages if s.stage == "normalize")
    assert stage.counts["enriched"] == 4
    assert stage.notes == ["enrichment from company_domains: filled company on 1 records, "
                           "country on 1 records, industry on 2 records (of 4 records)"]


def test_a_sample_run_says_what_enrichment_would_fill(project) -> None:
    result = run_pipeline(project, until="normalize", sample=2)
    stage = next(s for s in result.stages if s.stage == "normalize")
    assert result.warehouse.endswith("test.sample.duckdb")
    assert stage.notes and stage.notes[0].startswith("enrichment from company_domains: filled")
    assert not project.warehouse_path.exists()  # nothing touched the real warehouse


def test_a_rule_naming_a_missing_column_points_at_its_line(
        make_project: Callable[..., Path]) -> None:
    broken = PIPELINE.replace("fields: {company: name, industry: sector}",
                              "fields: {company: nmae, industry: sector}")
    project = load_pipeline(make_project(broken, {"data/crm.csv": CRM,
                                                  "data/domains.csv": DOMAINS}))
    with pytest.raises(ConfigError) as err:
        run_pipeline(project, until="normalize")
    assert str(err.value.issues[0]) == (
        "pipelines/p.yaml:20: normalize.enrichment[0].fields.company: reference source "
        "'company_domains' has no such column (got 'nmae') — its columns: domain, name, "
        "sector, hq")


@pytest.mark.parametrize(("change", "expected"), [
    (("source: company_domains\n      key_field: email_domain\n      reference_key: domain\n"
      "      fields: {company",
      "source: company_domain\n      key_field: email_domain\n      reference_key: domain\n"
      "      fields: {company"),
     "pipelines/p.yaml:17: normalize.enrichment[0].source: no source has this name (got "
     "'company_domain') — did you mean 'company_domains'?"),
    (("    role: reference\n", "    role: reference\n    mapping: {name: company}\n"),
     "pipelines/p.yaml:13: sources[1].mapping: a reference source keeps its own columns — "
     "remove mapping: name the columns in normalize.enrichment instead"),
    (("    role: reference\n", ""),
     "pipelines/p.yaml:16: normalize.enrichment[0].source: source 'company_domains' is a "
     "contacts source (got 'company_domains') — set role: reference on source "
     "'company_domains' (its rows then stay out of the contacts)"),
])
def test_enrichment_config_errors(make_project: Callable[..., Path], change: tuple[str, str],
                                  expected: str) -> None:
    path = make_project(PIPELINE.replace(*change, 1), {"data/crm.csv": CRM,
                                                       "data/domains.csv": DOMAINS})
    with pytest.raises(ConfigError) as err:
        load_pipeline(path)
    assert expected in [str(issue) for issue in err.value.issues]


def test_undoing_the_reference_load_skips_its_rules_and_says_so(project) -> None:
    from contactops.sources.loads import undo_load

    first = run_pipeline(project, until="normalize")
    load = next(info.load_id for info in first.loads if info.source == "company_domains")
    with Warehouse(project.warehouse_path) as wh:
        counts = undo_load(wh, load, "wrong file")
    assert counts["reference_records"] == 3
    again = run_pipeline(project, until="normalize")
    stage = next(s for s in again.stages if s.stage == "normalize")
    assert stage.notes == ["enrichment from company_domains skipped: it has no current rows "
                           "(not loaded yet, or its load was undone)"]
    assert stage.counts["enriched"] == 0
    with Warehouse(project.warehouse_path) as wh:
        assert wh.scalar("SELECT count(*) FROM normalization_changes "
                         "WHERE rule LIKE 'enrich.%'") == 0
        assert wh.scalar("SELECT count(company) FROM normalized_records") == 1  # Kept Ltd
        assert wh.scalar("SELECT count(*) FROM normalized_records "
                         "WHERE company_enriched_from IS NULL") == 4  # the column stays
