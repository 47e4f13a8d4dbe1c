"""Landing: row accounting, reruns, versions, keys, extras, activities, undo and samples."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from contactops.config import load_pipeline
from contactops.engine import Warehouse
from contactops.errors import ConfigError
from contactops.pipeline import run_pipeline
from contactops.sources.loads import undo_load

PIPELINE = """\
name: t
sources:
  - name: crm
    type: csv
    kind: connected_system
    path: data/crm.csv
    key: Id
    mapping: {First: first_name, Last: last_name, Mail: email, Tag1: tags, Tag2: tags}
    constants: {consent_channel: email}
  - name: forms
    type: csv
    kind: web_form
    path: data/forms.csv
    mapping: {email: email}
  - name: clicks
    type: csv
    kind: campaign
    role: activity
    links_to: crm
    path: data/clicks.csv
    key: event
    mapping: {what: activity_type, who: contact_key, when: occurred_at, mail: email}
"""
CRM = ("Id,First,Last,Mail,Tag1,Tag2,Favourite colour\n"
       "c1,Ann,Lee,ann@x.com,vip,,blue\n"
       "c2,Bob,Ray,bob@x.com,vip,webinar,\n"
       "c2,Bobby,Ray,bob2@x.com,,,\n"          # duplicate key -> rejected
       ",Cy,Oak,cy@x.com,,,\n"                 # missing key -> rejected
       ",,,,,,\n"                              # empty row -> rejected
       "c3,Di,Fox,di@x.com,,,green,extra\n")   # too many columns -> rejected
FORMS = "email\na@x.com\na@x.com\nb@x.com\n"
CLICKS = ("event,what,who,when,mail\ne1,open,c1,2026-01-01,\ne2,click,c2,2026-01-02,\n"
          "e3,form_fill,,2026-01-03, ANN@x.com\n")


@pytest.fixture
def project(make_project: Callable[..., Path]):
    path = make_project(PIPELINE, {"data/crm.csv": CRM, "data/forms.csv": FORMS,
                                   "data/clicks.csv": CLICKS})
    return load_pipeline(path)


def _wh(project) -> Warehouse:
    return Warehouse(project.warehouse_path)


def test_every_row_is_accepted_or_rejected_with_a_reason(project) -> None:
    result = run_pipeline(project, until="ingest")
    loads = {load.source: load for load in result.loads}
    assert (loads["crm"].rows_read, loads["crm"].rows_accepted, loads["crm"].rows_rejected) \
        == (6, 2, 4)
    assert loads["crm"].reject_reasons == {"duplicate_key": 1, "missing_key": 1,
                                           "empty_row": 1, "too_many_columns": 1}
    with _wh(project) as wh:
        stored = wh.fetchall("SELECT source, rows_read, rows_accepted, rows_rejected FROM loads "
                             "ORDER BY source")
        assert stored == [("clicks", 3, 3, 0), ("crm", 6, 2, 4), ("forms", 3, 3, 0)]
        rejects = wh.fetchall("SELECT row_number, reason_code, field FROM rejected_records "
                              "WHERE source = 'crm' ORDER BY row_number")
        assert rejects == [(3, "duplicate_key", "Id"), (4, "missing_key", "Id"),
                           (5, "empty_row", None), (6, "too_many_columns", None)]
        message = wh.scalar("SELECT message FROM rejected_records WHERE reason_code = "
                            "'duplicate_key'")
        assert message == ("data/crm.csv row 3: key 'Id' = 'c2' already used by row 2; give "
                           "each row its own key or merge the rows")
        raw = json.loads(wh.scalar("SELECT raw FROM rejected_records WHERE reason_code = "
                                   "'duplicate_key'"))
        assert raw["First"] == "Bobby"


def test_mapping_constants_multivalued_fields_and_extras(project) -> None:
    run_pipeline(project, until="ingest")
    with _wh(project) as wh:
        rows = wh.pl("SELECT * FROM source_records WHERE source = 'crm' ORDER BY row_number")
    ann, bob = rows.to_dicts()
    assert (ann["first_name"], ann["email"], ann["source_record_key"]) == \
        ("Ann", "ann@x.com", "c1")
    assert ann["consent_channel"] == "email"
    assert bob["tags"] == "vip|webinar"
    assert json.loads(ann["extras"]) == {"Favourite colour": "blue"}
    assert ann["source_kind"] == "connected_system" and ann["row_number"] == 1


def test_keyless_repeated_rows_are_kept_apart(project) -> None:
    run_pipeline(project, until="ingest")
    with _wh(project) as wh:
        keys = [r[0] for r in wh.fetchall(
            "SELECT source_record_key FROM source_records WHERE source = 'forms' "
            "ORDER BY row_number")]
    assert len(set(keys)) == 3
    assert keys[1] == keys[0] + "#2"


def test_rerun_on_unchanged_files_adds_nothing(project) -> None:
    run_pipeline(project, until="ingest")
    second = run_pipeline(project, until="ingest")
    assert all(load.skipped for load in second.loads)
    with _wh(project) as wh:
        assert wh.scalar("SELECT count(*) FROM loads") == 3
        assert wh.scalar("SELECT count(*) FROM source_records") == 5
        assert wh.scalar("SELECT count(*) FROM runs WHERE status = 'success'") == 2


def test_changed_file_is_a_new_version_and_ids_are_stable(project) -> None:
    run_pipeline(project, until="ingest")
    with _wh(project) as wh:
        before = dict(wh.fetchall("SELECT source_record_key, record_id FROM source_records "
                                  "WHERE source = 'crm'"))
    crm = project.root / "data" / "crm.csv"
    crm.write_text("Id,First,Last,Mail,Tag1,Tag2\nc1,Ann,Lee-Smith,ann@x.com,,\n"
                   "c9,New,Person,n@x.com,,\n")
    result = run_pipeline(project, until="ingest")
    assert [load.skipped for load in result.loads] == [False, True, True]
    with _wh(project) as wh:
        current = dict(wh.fetchall("SELECT source_record_key, record_id FROM "
                                   "current_source_records WHERE source = 'crm'"))
        assert set(current) == {"c1", "c9"}          # snapshot: c2 is gone from the source
        assert current["c1"] == before["c1"]         # same key, same record_id
        assert wh.scalar("SELECT last_name FROM current_source_records WHERE "
                         "source_record_key = 'c1'") == "Lee-Smith"


def test_undo_restores_the_previous_version_and_is_audited(project) -> None:
    run_pipeline(project, until="ingest")
    (project.root / "data" / "crm.csv").write_text("Id,First,Last,Mail,Tag1,Tag2\n"
                                                   "c1,Annie,,,,\nc2,Bob,,,,\n")
    run_pipeline(project, until="ingest")
    with _wh(project) as wh:
        newest = wh.scalar("SELECT max(load_id) FROM loads WHERE source = 'crm'")
        counts = undo_load(wh, newest, "wrong file")
        assert counts["source_records"] == 2
        assert wh.scalar("SELECT first_name FROM current_source_records WHERE "
                         "source_record_key = 'c1'") == "Ann"
        assert wh.scalar("SELECT status FROM loads WHERE load_id = ?", [newest]) == "undone"
        audit = wh.fetchall("SELECT action, target FROM audit_log")
        assert audit == [("undo_load", newest)]


def test_activities_land_apart_and_link_to_their_source(project) -> None:
    run_pipeline(project, until="ingest")
    with _wh(project) as wh:
        rows = wh.fetchall("SELECT activity_type, contact_key, links_to FROM activities "
                           "ORDER BY row_number")
        assert rows == [("open", "c1", "crm"), ("click", "c2", "crm"), ("form_fill", None, "crm")]
        assert wh.scalar("SELECT count(*) FROM source_records WHERE source = 'clicks'") == 0
        links = wh.fetchall("SELECT s.source_record_key, l.linked_by FROM activity_links l "
                            "JOIN current_source_records s USING (record_id) ORDER BY 1, 2")
        assert links == [("c1", "email"), ("c1", "key"), ("c2", "key")]


def test_sample_goes_to_a_sandbox_warehouse(project) -> None:
    result = run_pipeline(project, until="ingest", sample=1)
    assert result.warehouse.endswith("test.sample.duckdb")
    assert not project.warehouse_path.exists()
    with Warehouse(result.warehouse) as wh:
        per_source = dict(wh.fetchall("SELECT source, rows_read FROM loads"))
        assert per_source == {"crm": 1, "forms": 1, "clicks": 1}
    again = run_pipeline(project, until="ingest", sample=1)
    assert all(load.skipped for load in again.loads)   # the same sample, deterministically


def test_mapping_a_column_the_file_lacks_is_a_config_error(make_project) -> None:
    path = make_project("name: t\nsources:\n  - name: a\n    type: csv\n    kind: import\n"
                        "    path: data/a.csv\n    mapping: {Emial: email}\n",
                        {"data/a.csv": "Email\nx@y.com\n"})
    with pytest.raises(ConfigError) as info:
        run_pipeline(load_pipeline(path), until="ingest")
    assert str(info.value.issues[0]) == (
        "pipelines/p.yaml:7: sources[0].mapping.Emial: raw column not found in the source data "
        "(got 'Emial') — did you mean 'Email'?")


def test_until_rejects_unknown_stage(project) -> None:
    from contactops.errors import UsageError

    with pytest.raises(UsageError, match="unknown stage 'dedup'"):
        run_pipeline(project, until="dedup")
