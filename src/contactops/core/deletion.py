"""What relies on a contact, and taking contacts out: ``impact``, ``delete``, ``restore``,
``erase`` (GDPR)."""

from __future__ import annotations

from typing import Any

from contactops.core.audiences import AudienceFlows, new_run_id


class DeletionFlows(AudienceFlows):
    """``ctx.impact()``, ``delete()``, ``restore()``, ``erase()``."""

    def impact(self, name: str, kind: str | None = None) -> Any:
        """Every workflow, campaign and audience that relies on a contact, list, tag or
        audience (``kind`` guessed when None)."""
        from contactops.audiences.references import impact

        with self.open_warehouse(read_only=True) as wh:
            return impact(wh, self.audience_config(wh), name, kind)

    def delete(self, contact_ids: list[str] | None = None, *,
               list_name: str | None = None, where: str | None = None, force: bool = False,
               reason: str = "") -> Any:
        """Soft-delete contacts (restorable), named or selected by a list or a condition;
        refuses referenced ones unless ``force`` with a ``reason``."""
        from contactops.audiences import deletion

        with self.open_warehouse() as wh:
            cfg = self.audience_config(wh)
            ids = deletion.select_contacts(wh, contact_ids=contact_ids, list_name=list_name,
                                           where=where)
            return deletion.delete(wh, cfg, ids, reason=reason, force=force,
                                   run_id=new_run_id())

    def restore(self, deletion_id: str | None = None, *,
                contact_ids: list[str] | None = None, reason: str = "") -> Any:
        """Undo a soft deletion, by deletion id or by contact ids."""
        from contactops.audiences import deletion

        with self.open_warehouse() as wh:
            self.audience_config(wh)  # a broken audiences.yaml stops here, as for delete
            return deletion.restore(wh, deletion_id=deletion_id, contact_ids=contact_ids,
                                    reason=reason, run_id=new_run_id())

    def erase(self, contact_ids: list[str], *, reason: str) -> Any:
        """GDPR erasure: remove the people's personal data for good, keep salted hashes as
        suppressions."""
        from contactops.audiences import deletion

        with self.open_warehouse() as wh:
            return deletion.erase(wh, self.audience_config(wh), contact_ids, reason=reason,
                                  run_id=new_run_id())
