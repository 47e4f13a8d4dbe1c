"""The publish hashes: one vectorized pass, stable, and old publishes still recognized."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from contactops.audiences import apply, load_audience_config, make_plan, plan_hash
from contactops.config import load_project
from contactops.engine import Warehouse

from .conftest import contact, seed_warehouse

FRAME = pl.DataFrame({"contact_id": ["a", "b"], "email": ["a@x.org", None],
                      "tags": [["vip"], []], "created_at": [datetime(2024, 1, 2), None]})


def test_content_hash_is_tagged_and_pinned() -> None:
    # pinned: a change here means every audience looks changed after an upgrade
    assert plan_hash.content_hash(FRAME) == (
        "v2:b68b61146f51a4079a50ffa69ce513fa6a2aa85058caa92e2fbb945a79cca870")


def test_content_hash_does_not_depend_on_slicing(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = plan_hash.content_hash(FRAME)
    monkeypatch.setattr(plan_hash, "_SLICE_ROWS", 1)
    assert plan_hash.content_hash(FRAME) == whole


@pytest.mark.parametrize("changed", [
    FRAME.with_columns(email=pl.Series(["a@x.org", ""])),            # null vs empty text
    FRAME.with_columns(tags=pl.Series([["vip"], ["vip"]])),           # a list value
    FRAME.rename({"email": "mail"}),                                  # a column name
    FRAME.select("email", "contact_id", "tags", "created_at"),        # column order
    FRAME.reverse(),                                                  # row order
    FRAME.head(1),                                                    # a row fewer
])
def test_content_hash_sees_every_change(changed: pl.DataFrame) -> None:
    assert plan_hash.content_hash(changed) != plan_hash.content_hash(FRAME)


def test_legacy_hash_is_the_first_scheme() -> None:
    # the value the per-row json.dumps hash gave before scheme v2 (stored in old publishes)
    assert plan_hash.legacy_content_hash(FRAME) == (
        "011d9e6f3f4196f6b18bbc35fa5f70a3aa019efc66a9cda9477f85b6366e7ca7")
    assert plan_hash.is_legacy(plan_hash.legacy_content_hash(FRAME))
    assert not plan_hash.is_legacy(plan_hash.content_hash(FRAME))


ROWS = [contact("a", lists=["monthly-newsletter"]), contact("b", lists=["monthly-newsletter"])]


def _as_legacy_publish(wh: Warehouse, cfg: object) -> None:
    """Rewrite the last publish's hashes as the first scheme would have stored them."""
    plan = make_plan(wh, cfg, "newsletter")  # type: ignore[arg-type]
    content = plan_hash.legacy_content_hash(plan.members)
    definition = cfg.audience("newsletter").model_dump(mode="json")  # type: ignore[attr-defined]
    stored = plan_hash._combined(content, definition, plan.targets)
    wh.execute("UPDATE publishes SET content_hash = ?, plan_hash = ?", [content, stored])


def _never(frame: pl.DataFrame) -> str:
    raise AssertionError("the per-row hash of the first scheme ran")


def test_publish_stored_with_the_first_scheme_is_still_a_noop(project_dir) -> None:
    root: Path = project_dir()
    seed_warehouse(root, ROWS)
    project = load_project(root)
    cfg = load_audience_config(project)
    with Warehouse(project.warehouse_path) as wh:
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"), run_id="r1")
        _as_legacy_publish(wh, cfg)
        plan = make_plan(wh, cfg, "newsletter")
        assert plan.unchanged and plan.plan_hash.startswith("v2:")
        assert apply(wh, cfg, plan).noop
        assert wh.scalar("SELECT count(*) FROM publishes") == 1
        # the no-op stored the v2 hashes: the next plan does not need the per-row hash
        assert wh.scalar("SELECT plan_hash FROM publishes") == plan.plan_hash
        assert wh.scalar("SELECT content_hash FROM publishes") == plan.content_hash
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(plan_hash, "legacy_content_hash", _never)
            assert make_plan(wh, cfg, "newsletter").unchanged
        wh.execute("UPDATE contacts SET first_name = 'Zed' WHERE contact_id = 'b'")
        changed = make_plan(wh, cfg, "newsletter")  # same members, other content
        assert not changed.unchanged and changed.added == changed.removed == []
        apply(wh, cfg, changed)
        assert wh.scalar("SELECT count(*) FROM publishes WHERE plan_hash LIKE 'v2:%'") == 2


def test_old_hash_is_not_recomputed_when_members_differ(project_dir,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root: Path = project_dir()
    seed_warehouse(root, ROWS)
    project = load_project(root)
    cfg = load_audience_config(project)
    with Warehouse(project.warehouse_path) as wh:
        apply(wh, cfg, make_plan(wh, cfg, "newsletter"), run_id="r1")
        _as_legacy_publish(wh, cfg)
        wh.execute("UPDATE contacts SET consent_email = 'opted_out' WHERE contact_id = 'a'")
        monkeypatch.setattr(plan_hash, "legacy_content_hash", _never)
        plan = make_plan(wh, cfg, "newsletter")
        assert not plan.unchanged and plan.removed == ["a"]
