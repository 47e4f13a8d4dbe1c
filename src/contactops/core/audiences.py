"""Audience flows: list, plan, then publish (apply) — ``contactops plan/publish/audiences``
and ``wb.audiences``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contactops.catalog import T
from contactops.core.project import OpenedProject

if TYPE_CHECKING:
    from contactops.audiences.definitions import AudienceConfig
    from contactops.engine.relation import Relation
    from contactops.engine.warehouse import Warehouse


def new_run_id() -> str:
    from contactops.pipeline.runner import new_run_id as make

    return make()


class AudienceFlows(OpenedProject):
    """``ctx.audiences()``, ``plan()``, ``apply()``, ``publish()``."""

    def audience_config(self, wh: Warehouse) -> AudienceConfig:
        """config/audiences.yaml (and references), checked against the real contacts."""
        from contactops.audiences import load_audience_config

        columns = wh.columns(T.contacts.name) if wh.table_exists(T.contacts.name) else None
        return load_audience_config(self.project, columns)

    def audience_names(self) -> list[str]:
        with self.open_warehouse(read_only=True) as wh:
            return list(self.audience_config(wh).file.audiences)

    def audiences(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Every audience (channel, purpose, active, targets, last publish and its size),
        and the notes of any interrupted publish repaired on the way."""
        from contactops.audiences import manifest, tables

        with self.open_warehouse() as wh:
            cfg = self.audience_config(wh)
            tables.ensure_tables(wh)
            notes = list(manifest.repair(wh, cfg))
            rows = []
            for name, aud in cfg.file.audiences.items():
                last = tables.last_publish(wh, name)
                rows.append({"audience": name, "channel": aud.channel, "purpose": aud.purpose,
                             "active": aud.active, "targets": list(aud.targets),
                             "last_publish": last["publish_id"] if last else None,
                             "members": last["members"] if last else None})
        return rows, notes

    def plan(self, audience: str, *, test: bool = False,
             target: str | None = None) -> Any:
        """What publishing ``audience`` would do (a Plan): members, +added/-removed,
        exclusions by reason, blockers."""
        from contactops.audiences.plan import make_plan

        with self.open_warehouse() as wh:
            return make_plan(wh, self.audience_config(wh), audience, test=test,
                             target=target)

    def apply(self, plan: Any, *, run_id: str | None = None) -> Any:
        """Publish a plan; refuses (GateFailed) while any blocker stands."""
        from contactops.audiences.publish import apply

        with self.open_warehouse() as wh:
            return apply(wh, self.audience_config(wh), plan, run_id=run_id)

    def publish(self, audience: str, *, test: bool = False,
                target: str | None = None,
                on_plan: Callable[[Any], None] | None = None) -> Any:
        """Plan ``audience`` and apply the plan in one go (one lock); ``on_plan`` sees the
        plan before it is applied. Returns the PublishResult."""
        from contactops.audiences.plan import make_plan
        from contactops.audiences.publish import apply

        with self.open_warehouse() as wh:
            cfg = self.audience_config(wh)
            planned = make_plan(wh, cfg, audience, test=test, target=target)
            if on_plan is not None:
                on_plan(planned)
            return apply(wh, cfg, planned, run_id=new_run_id())

    def publishes(self) -> Relation:
        return self.sql(f"SELECT * FROM {T.publishes} ORDER BY published_at DESC")
