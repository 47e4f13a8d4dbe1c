"""PostgreSQL target on the local server (127.0.0.1:5432, trust auth, database `test`).

Skipped only when no server answers AND CONTACTOPS_REQUIRE_POSTGRES is unset.
"""

from __future__ import annotations

import pytest

from contactops.audiences import apply, load_audience_config, make_plan
from contactops.config import load_project
from contactops.engine import Warehouse

from .conftest import AUDIENCES_YAML, contact, seed_warehouse


def test_publish_to_postgres_replaces_table_in_one_transaction(project_dir, pg_schema, pg_dsn,
                                                                monkeypatch) -> None:
    schema, conn = pg_schema
    DSN = pg_dsn
    monkeypatch.setenv("AUD_PG_DSN", DSN)
    yaml = AUDIENCES_YAML.replace("targets:\n  news_csv:", f"""targets:
  pg:
    type: postgres
    dsn: ${{AUD_PG_DSN}}
    schema: {schema}
    table: "{{audience}}"
  news_csv:""").replace("targets: [news_csv, news_table]", "targets: [pg]")
    root = project_dir(yaml)
    rows = [contact(f"c{i}", lists=["monthly-newsletter"], tags=["x", "y"]) for i in range(5)]
    seed_warehouse(root, rows)
    project = load_project(root)
    cfg = load_audience_config(project)
    assert "AUD_PG_DSN" not in str(cfg.file.targets["pg"]) and DSN not in repr(
        cfg.file.targets["pg"])
    with Warehouse(project.warehouse_path) as wh:
        plan = make_plan(wh, cfg, "newsletter")
        assert DSN not in str(plan.asdict())
        apply(wh, cfg, plan)
        assert conn.execute(f'SELECT count(*) FROM "{schema}".newsletter').fetchone()[0] == 5
        wh.execute("UPDATE contacts SET consent_email = 'opted_out' WHERE contact_id = 'c0'")
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
        ids = [r[0] for r in conn.execute(
            f'SELECT contact_id FROM "{schema}".newsletter ORDER BY 1').fetchall()]
        assert ids == ["c1", "c2", "c3", "c4"]
        assert apply(wh, cfg, make_plan(wh, cfg, "newsletter")).noop
    tables = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        [schema]).fetchall()]
    assert tables == ["newsletter"]          # no leftover __new table


def test_postgres_target_is_rolled_back_when_a_later_target_fails(
        project_dir, pg_schema, pg_dsn, monkeypatch) -> None:
    from contactops.audiences.targets import FileTarget, TargetError

    schema, conn = pg_schema
    monkeypatch.setenv("AUD_PG_DSN", pg_dsn)
    yaml = AUDIENCES_YAML.replace("targets:\n  news_csv:", f"""targets:
  pg:
    type: postgres
    dsn: ${{AUD_PG_DSN}}
    schema: {schema}
    table: "{{audience}}"
  news_csv:""").replace("targets: [news_csv, news_table]", "targets: [pg, news_csv]")
    root = project_dir(yaml)
    seed_warehouse(root, [contact(f"c{i}", lists=["monthly-newsletter"]) for i in range(3)])
    project = load_project(root)
    cfg = load_audience_config(project)
    with Warehouse(project.warehouse_path) as wh:
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
        wh.execute("UPDATE contacts SET consent_email = 'opted_out' WHERE contact_id = 'c0'")

        def broken(self):
            raise OSError("read-only file system")

        monkeypatch.setattr(FileTarget, "_swap", broken)   # after the table was swapped
        with pytest.raises(TargetError, match="read-only file system"):
            apply(wh, cfg, make_plan(wh, cfg, "newsletter"))
        assert wh.scalar("SELECT status FROM publishes ORDER BY published_at DESC "
                         "LIMIT 1") == "rolled_back"
    ids = [r[0] for r in conn.execute(
        f'SELECT contact_id FROM "{schema}".newsletter ORDER BY 1').fetchall()]
    assert ids == ["c0", "c1", "c2"]
    tables = [r[0] for r in conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        [schema]).fetchall()]
    assert tables == ["newsletter"]          # no staged or backup table left
