"""Every warehouse table and view, by owning stage (columns are filled in per stage)."""

from __future__ import annotations

from types import SimpleNamespace

from contactops.catalog.model import Table

TABLES: tuple[Table, ...] = (
    # -- foundation (engine / pipeline) ----------------------------------------------------
    Table("meta", "engine", "key/value settings of the warehouse (schema version)",
          key=("key",), public=False),
    Table("runs", "pipeline", "`contactops run`", key=("run_id",)),
    Table("audit_log", "pipeline", "undo, delete, publish and other audited actions",
          key=("logged_at",)),
    # -- sources -------------------------------------------------------------------------
    Table("loads", "sources", "load of one source version", key=("load_id",)),
    Table("source_records", "sources", "accepted raw row of every load (all versions)",
          key=("record_id", "load_id"), by_record="record_id", by_load="load_id"),
    Table("activities", "sources",
          "accepted activity row (opens, clicks, form fills, workflow actions)",
          key=("activity_id", "load_id"), by_load="load_id"),
    Table("reference_records", "sources",
          "accepted row of a `role: reference` source (lookup data for enrichment)",
          key=("record_id", "load_id"), by_load="load_id"),
    Table("rejected_records", "sources", "raw record that could not be landed, with its reason",
          key=("load_id", "row_number"), by_load="load_id"),
    Table("current_loads", "sources", "load whose rows are current (latest snapshot, appends)",
          key=("load_id",), kind="view"),
    Table("current_source_records", "sources", "current version of each record",
          key=("record_id",), kind="view"),
    Table("current_activities", "sources", "current version of each activity",
          key=("activity_id",), kind="view"),
    Table("current_reference_records", "sources", "current version of each reference row",
          key=("record_id",), kind="view"),
    Table("activity_links", "sources", "activity with the contact record it belongs to",
          key=("activity_id",), kind="view"),
    # -- normalize -----------------------------------------------------------------------
    Table("normalized_records", "normalize", "current record after normalization",
          key=("record_id",), by_record="record_id"),
    Table("normalization_changes", "normalize",
          "field a normalizer or an enrichment rule changed, with the rule",
          key=("record_id", "field"), by_record="record_id"),
    # -- dedupe --------------------------------------------------------------------------
    Table("contacts", "dedupe", "person or organization (golden record)",
          key=("contact_id",), by_contact="contact_id"),
    Table("contact_links", "dedupe", "record, with the contact it was merged into",
          key=("record_id",), by_record="record_id", by_contact="contact_id"),
    Table("contact_provenance", "dedupe", "contact field, with the record that supplied it",
          key=("contact_id", "field"), by_contact="contact_id"),
    Table("match_reviews", "dedupe", "pair of records the matcher was unsure about",
          key=("record_a", "record_b")),
    Table("match_model", "dedupe", "dedupe run's fitted model and diagnostics", key=("run_id",),
          public=False),
    Table("match_decisions", "dedupe", "reviewer's must-link / cannot-link decision",
          key=("record_a", "record_b", "decided_at")),
    Table("merge_events", "dedupe", "merge, split or review action (lineage)",
          key=("event_id",)),
    # -- validate ------------------------------------------------------------------------
    Table("validation_issues", "validate", "data-quality issue found by the last validation",
          key=("run_id", "rule", "record_id")),
    Table("validation_summary", "validate", "rule checked in a run, with its counts",
          key=("run_id", "rule")),
    # -- audiences -----------------------------------------------------------------------
    Table("audiences", "audiences", "last published definition of each audience",
          key=("audience",)),
    Table("publishes", "audiences", "publish of an audience (manifest)", key=("publish_id",)),
    Table("audience_members", "audiences", "member of an audience in a publish",
          key=("audience", "contact_id", "publish_id"), by_contact="contact_id"),
    Table("suppressions", "audiences",
          "unsubscribe, bounce, do-not-contact or erased person (hashed)",
          key=("kind", "channel", "value")),
    Table("contact_deletions", "audiences", "soft deletion of a contact (restorable)",
          key=("deletion_id",), by_contact="contact_id"),
)

#: Tables by name as attributes: ``T.loads`` formats as ``loads`` in SQL text.
T = SimpleNamespace(**{table.name: table for table in TABLES})
