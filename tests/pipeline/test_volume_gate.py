"""Volume gates: a shrunken snapshot or a source gone from the pipeline stops the run.

The scenario of issue #13: a snapshot went from 7 to 2 rows and the run said "Ready to
publish" while 5 contacts, 3 of them in a published audience, disappeared.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contactops import Workbench
from contactops.cli.app import app
from contactops.config import load_pipeline
from contactops.engine import Warehouse
from contactops.errors import UsageError
from contactops.pipeline import run_pipeline

SOURCE = """\
  - name: {name}
    type: csv
    kind: {kind}
    path: data/{name}.csv
    key: id
    mapping: {{first: first_name, mail: email, news: consent_status}}
    constants: {{consent_channel: email}}
"""
NAMES = ["ann", "bob", "cyd", "dee", "eve", "fay", "gus", "hal", "ivy", "jon"]
AUDIENCES = """\
sending: {confirmed: true}
targets:
  out: {type: csv, path: "exports/{audience}.csv"}
audiences:
  newsletter: {channel: email, purpose: marketing, sources: [crm, legacy], targets: [out]}
"""


def pipeline(*sources: str, extra: str = "", settings: str = "") -> str:
    blocks = "".join(SOURCE.format(name=s, kind="connected_system") for s in sources)
    return (f"name: t\nvalidate: {{enabled: false}}\n"
            f"{settings}sources:\n{blocks}{extra}")


def rows(names: list[str], news: dict[str, str] | None = None) -> str:
    news = news or {}
    return "id,first,mail,news\n" + "".join(
        f"{n},{n.title()},{n}@example.org,{news.get(n, 'yes')}\n" for n in names)


@pytest.fixture
def project(make_project: Callable[..., Path]) -> Callable[..., Path]:
    """``project(yaml, crm_names)``: write the project, return the pipeline file."""
    def make(yaml: str, crm: list[str], **files: str) -> Path:
        return make_project(yaml, {"data/crm.csv": rows(crm),
                                   "config/audiences.yaml": AUDIENCES,
                                   **{f"data/{k}.csv": v for k, v in files.items()}})
    return make


def write(path: Path, name: str, content: str) -> None:
    (path.parent.parent / "data" / f"{name}.csv").write_text(content)


def state(path: Path) -> dict[str, object]:
    """What a blocked run must leave exactly as it was."""
    project = load_pipeline(path)
    with Warehouse(project.warehouse_path, read_only=True) as wh:
        return {
            "contacts": wh.fetchall("SELECT contact_id, email FROM contacts ORDER BY 1"),
            "records": wh.fetchall("SELECT record_id FROM current_source_records ORDER BY 1"),
            "normalized": wh.scalar("SELECT count(*) FROM normalized_records"),
            "members": wh.fetchall("SELECT audience, contact_id, publish_id FROM "
                                   "audience_members ORDER BY ALL"),
            "publishes": wh.scalar("SELECT count(*) FROM publishes"),
            "current_loads": wh.fetchall("SELECT load_id FROM current_loads ORDER BY 1"),
        }


def publish(path: Path) -> int:
    """Publish 'newsletter' for real; returns its member count."""
    wb = Workbench(path.parent.parent, path)
    result = wb.audiences.apply(wb.audiences.plan("newsletter"))
    return int(result.members if hasattr(result, "members") else result.asdict()["members"])


def test_seven_to_two_is_blocked_with_exit_1_and_the_whole_story(project) -> None:
    path = project(pipeline("crm"), NAMES[:7])
    # two of the five who vanish opted out, so 3 of them are newsletter members
    write(path, "crm", rows(NAMES[:7], news={"fay": "no", "gus": "no"}))
    assert run_pipeline(load_pipeline(path)).exit_code == 0
    assert publish(path) == 5
    before = state(path)
    write(path, "crm", rows(NAMES[:2]))
    result = CliRunner().invoke(app, ["run", str(path), "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "gate_failed" and data["halted"] is True
    assert [s["stage"] for s in data["stages"]] == ["ingest"]
    (shrink,) = data["shrinks"]
    assert (shrink["source"], shrink["status"], shrink["old_records"], shrink["new_records"],
            shrink["dropped"], shrink["contacts_losing"]) == ("crm", "blocked", 7, 2, 5, 5)
    assert shrink["audiences"] == {"newsletter": 3}
    message = data["gate_failures"][0]
    for part in ("'crm' shrank from 7 to 2 records", "-5, 71% dropped; limit 20%",
                 "5 contact(s) would lose their last record", "'newsletter' 3",
                 "--accept-shrink crm", "contactops sources retire crm"):
        assert part in message
    assert state(path) == before
    report = Workbench(path.parent.parent, path).report(plans=False)
    (item,) = [i for i in report.verdict["items"] if i["code"] == "volume_blocked"]
    assert item["severity"] == "blocking" and "'newsletter' 3" in item["message"]
    assert report.summary["sections"]["imports"]["shrinks"][0]["status"] == "blocked"
    assert "Volume gate" in report.html() and "snapshot shrank" in report.html()


def test_blocked_load_is_accounted_for_and_not_current(project) -> None:
    path = project(pipeline("crm"), NAMES[:7])
    run_pipeline(load_pipeline(path))
    write(path, "crm", rows(NAMES[:2]) + ",,,\n")          # 3 rows read, one rejected
    result = run_pipeline(load_pipeline(path))
    (load,) = result.loads
    assert load.blocked and (load.rows_read, load.rows_accepted, load.rows_rejected) == (3, 2, 1)
    with Warehouse(load_pipeline(path).warehouse_path, read_only=True) as wh:
        assert wh.fetchall("SELECT status, rows_read, rows_accepted, rows_rejected FROM loads "
                           "WHERE load_id = ?", [load.load_id]) == [("blocked", 3, 2, 1)]
        assert wh.scalar("SELECT count(*) FROM current_source_records") == 7
        assert wh.scalar("SELECT count(*) FROM audit_log WHERE action = 'volume_gate' "
                         "AND run_id = ?", [result.run_id]) == 1
    # the nightly rerun decides again on the stored load instead of landing it twice
    again = run_pipeline(load_pipeline(path))
    assert again.exit_code == 1 and again.loads[0].load_id == load.load_id
    with Warehouse(load_pipeline(path).warehouse_path, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM loads") == 2


def test_accept_shrink_makes_the_new_version_current(project) -> None:
    path = project(pipeline("crm"), NAMES[:7])
    run_pipeline(load_pipeline(path))
    publish(path)
    write(path, "crm", rows(NAMES[:2]))
    assert run_pipeline(load_pipeline(path)).exit_code == 1
    result = CliRunner().invoke(app, ["run", str(path), "--accept-shrink", "crm", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["stage"] for s in data["stages"]] == ["ingest", "normalize", "dedupe", "validate"]
    (shrink,) = data["shrinks"]
    assert (shrink["status"], shrink["old_records"], shrink["new_records"]) == ("accepted", 7, 2)
    assert shrink["audiences"] == {"newsletter": 5}
    with Warehouse(load_pipeline(path).warehouse_path, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM contacts") == 2
        assert wh.scalar("SELECT count(*) FROM loads") == 2       # the blocked load, promoted
        assert wh.scalar("SELECT count(*) FROM loads WHERE status = 'loaded'") == 2


def test_workbench_run_takes_accept_shrink(project) -> None:
    path = project(pipeline("crm"), NAMES[:7])
    wb = Workbench(path.parent.parent, path)
    wb.run()
    write(path, "crm", rows(NAMES[:2]))
    blocked = wb.run()
    assert blocked.halted and blocked.status == "gate_failed" and blocked.exit_code == 1
    accepted = wb.run(accept_shrink=["crm"])
    assert not accepted.halted and accepted.shrinks[0].status == "accepted"
    assert wb.contacts.count() == 2
    with pytest.raises(UsageError, match="still in pipelines/p.yaml"):
        wb.retire_source("crm", "declared sources are not retired")


def test_ten_to_nine_passes(project) -> None:
    path = project(pipeline("crm"), NAMES)
    run_pipeline(load_pipeline(path))
    write(path, "crm", rows(NAMES[:9]))
    result = run_pipeline(load_pipeline(path))
    assert result.exit_code == 0 and not result.shrinks
    assert result.loads[0].rows_accepted == 9 and not result.loads[0].blocked


@pytest.mark.parametrize(("settings", "source_limit", "blocked"), [
    ("max_shrink: 0.05\n", "", True),              # settings: 10% > 5%
    ("", "    max_shrink: 0.05\n", True),           # per source
    ("max_shrink: 0.05\n", "    max_shrink: 0.5\n", False),   # source wins over settings
])
def test_threshold_is_configurable(project, settings: str, source_limit: str,
                                   blocked: bool) -> None:
    yaml = pipeline("crm", settings=f"settings:\n  {settings}" if settings else "")
    path = project(yaml.replace("    constants:", source_limit + "    constants:"), NAMES)
    run_pipeline(load_pipeline(path))
    write(path, "crm", rows(NAMES[:9]))
    result = run_pipeline(load_pipeline(path))
    assert result.halted is blocked and result.exit_code == (1 if blocked else 0)


def test_project_settings_threshold(project) -> None:
    path = project(pipeline("crm"), NAMES)
    settings = path.parent.parent / "config" / "contactops.yaml"
    settings.write_text(settings.read_text() + "max_shrink: 0.05\n")
    run_pipeline(load_pipeline(path))
    write(path, "crm", rows(NAMES[:9]))
    assert run_pipeline(load_pipeline(path)).halted


def test_first_load_is_not_gated(project) -> None:
    path = project(pipeline("crm"), NAMES[:1])
    result = run_pipeline(load_pipeline(path))
    assert result.exit_code == 0 and not result.shrinks


def test_append_mode_is_not_gated(project) -> None:
    yaml = pipeline("crm").replace("    constants:", "    mode: append\n    constants:")
    path = project(yaml, NAMES[:7])
    run_pipeline(load_pipeline(path))
    write(path, "crm", rows(NAMES[:1]))
    result = run_pipeline(load_pipeline(path))
    assert result.exit_code == 0 and not result.shrinks
    assert result.loads[0].rows_accepted == 1


def test_removed_source_is_blocked_then_retired(project) -> None:
    path = project(pipeline("crm", "legacy"), NAMES[:3], legacy=rows(NAMES[3:8]))
    run_pipeline(load_pipeline(path))
    write(path, "legacy", rows(NAMES[3:7]))                 # a second version, 5 -> 4
    run_pipeline(load_pipeline(path))
    publish(path)
    path.write_text(pipeline("crm"))
    before = state(path)
    result = CliRunner().invoke(app, ["run", str(path), "--json"])
    assert result.exit_code == 1, result.output
    (shrink,) = json.loads(result.stdout)["shrinks"]
    assert (shrink["source"], shrink["reason"], shrink["status"], shrink["old_records"],
            shrink["contacts_losing"], shrink["audiences"]) == \
        ("legacy", "removed", "blocked", 4, 4, {"newsletter": 4})
    assert "contactops sources retire legacy" in json.loads(result.stdout)["gate_failures"][0]
    assert state(path) == before
    check = CliRunner().invoke(app, ["check", str(path)])
    assert check.exit_code == 0 and "source 'legacy' has 4 current records" in check.stdout
    listed = CliRunner().invoke(app, ["sources", "--pipeline", str(path), "--json"])
    assert {r["source"]: r["in_pipeline"] for r in json.loads(listed.stdout)} == \
        {"crm": True, "legacy": False}
    refused = CliRunner().invoke(app, ["sources", "retire", "crm", "--reason", "x",
                                       "--pipeline", str(path)])
    assert refused.exit_code == 2 and "still in" in refused.output

    retire = CliRunner().invoke(app, ["sources", "retire", "legacy", "--reason",
                                      "CRM migration", "--pipeline", str(path)])
    assert retire.exit_code == 0, retire.output
    assert "4 contact(s) lose their last record" in retire.stdout
    with Warehouse(load_pipeline(path).warehouse_path, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM current_source_records") == 3
        # both versions: retiring the current one alone would bring back the one before
        assert wh.fetchall("SELECT status, undo_reason FROM loads WHERE source = 'legacy'") \
            == [("retired", "CRM migration")] * 2
        assert wh.scalar("SELECT count(*) FROM audit_log WHERE action = 'retire_source'") == 1
    rerun = run_pipeline(load_pipeline(path))
    assert rerun.exit_code == 0 and not rerun.shrinks
    with Warehouse(load_pipeline(path).warehouse_path, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM contacts") == 3
    report = Workbench(path.parent.parent, path).report(plans=False)
    (item,) = [i for i in report.verdict["items"] if i["code"] == "source_retired"]
    assert "'newsletter' 4" in item["message"]


def test_removed_source_retired_by_accept_shrink(project) -> None:
    path = project(pipeline("crm", "legacy"), NAMES[:3], legacy=rows(NAMES[3:7]))
    run_pipeline(load_pipeline(path))
    path.write_text(pipeline("crm"))
    result = run_pipeline(load_pipeline(path), accept_shrink=["legacy"])
    assert result.exit_code == 0 and result.shrinks[0].status == "retired"
    with Warehouse(load_pipeline(path).warehouse_path, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM contacts") == 3


def test_unknown_accept_shrink_name_is_a_usage_error(project) -> None:
    path = project(pipeline("crm"), NAMES[:3])
    result = CliRunner().invoke(app, ["run", str(path), "--accept-shrink", "crn"])
    assert result.exit_code == 2
    assert "did you mean 'crm'" in result.output


def test_sample_runs_do_not_trip_the_gate_against_the_full_warehouse(project) -> None:
    path = project(pipeline("crm"), NAMES)
    run_pipeline(load_pipeline(path))
    sample = run_pipeline(load_pipeline(path), sample=2)     # sandbox warehouse: a first load
    assert sample.exit_code == 0 and not sample.shrinks
    bigger = run_pipeline(load_pipeline(path), sample=8)      # another size: not comparable
    assert bigger.exit_code == 0 and not bigger.shrinks
    write(path, "crm", rows(NAMES[:2]))
    same_size = run_pipeline(load_pipeline(path), sample=8)   # 8 -> 2 at the same size
    assert same_size.halted


def test_a_source_of_another_pipeline_is_not_a_removed_source(project) -> None:
    path = project(pipeline("crm"), NAMES[:3], forms=rows(NAMES[3:5]))
    run_pipeline(load_pipeline(path))
    other = path.parent / "other.yaml"
    other.write_text(pipeline("forms").replace("name: t\n", "name: other\n"))
    result = run_pipeline(load_pipeline(other))      # crm belongs to pipeline 't'
    assert result.exit_code == 0 and not result.shrinks
    check = CliRunner().invoke(app, ["check", str(other)])
    assert "source 'crm' has 3 current records" in check.stdout
    assert "loaded by another pipeline" in check.stdout


def test_an_activity_snapshot_is_gated_but_costs_no_contact(project) -> None:
    clicks = ("  - name: clicks\n    type: csv\n    kind: campaign\n    role: activity\n"
              "    links_to: crm\n    path: data/clicks.csv\n    key: event\n"
              "    mapping: {what: activity_type, who: contact_key}\n")
    events = "event,what,who\n" + "".join(f"e{i},open,ann\n" for i in range(5))
    path = project(pipeline("crm", extra=clicks), NAMES[:3], clicks=events)
    run_pipeline(load_pipeline(path))
    write(path, "clicks", "event,what,who\ne1,open,ann\n")
    result = run_pipeline(load_pipeline(path))
    (shrink,) = result.shrinks
    assert (shrink.source, shrink.status, shrink.old_records, shrink.new_records,
            shrink.contacts_losing) == ("clicks", "blocked", 5, 1, 0)
    with Warehouse(load_pipeline(path).warehouse_path, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM current_activities") == 5
