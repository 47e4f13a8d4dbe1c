"""Tables of the normalize, dedupe, validate and audiences stages.

``normalize`` and most ``dedupe`` tables are written whole from frames (``created="frame"``):
their columns are what the stage's frames hold, declared here so the catalog test catches
drift. The rest are created by their stage on first use (``created="stage"``).
"""

from __future__ import annotations

from contactops.catalog.audit import (
    NORMALIZATION_AUDIT,
    NORMALIZATION_ENRICHMENTS,
    changes_view,
)
from contactops.catalog.foundation import SOURCE_RECORDS
from contactops.catalog.model import Column as C
from contactops.catalog.model import Table
from contactops.fields import CONSENT_CHANNELS

_S = "VARCHAR[]"
_FLAG = "BOOLEAN"

NORMALIZED_RECORDS = Table(
    "normalized_records", "normalize", "current record after normalization",
    key=("record_id",), by_record="record_id", created="frame", columns=(
        C("record_id"), C("source"), C("source_kind"),
        C("first_name"), C("last_name"), C("full_name"), C("name_prefix"), C("name_suffix"),
        C("first_name_key"), C("last_name_key"),
        C("email"), C("email_key"), C("email_valid", _FLAG), C("email_domain"),
        C("email_is_role", _FLAG), C("email_is_disposable", _FLAG), C("email_typo_suggestion"),
        C("phone"), C("phone_e164"), C("phone_extension"), C("phone_valid", _FLAG),
        C("phone_region"),
        C("company"), C("company_key"), C("company_domain_hint"), C("job_title"), C("industry"),
        C("street"), C("street_2"), C("city"), C("region"), C("postal_code"), C("country"),
        C("date_of_birth", "DATE"), C("external_id"), C("external_id_kind"),
        C("external_id_key", doc="kind:ID, the value dedupe compares exactly"),
        C("tags", _S), C("lists", _S), C("unknown_tags", _S), C("unknown_lists", _S),
        C("lifecycle_stage"), C("lifecycle_unmapped"), C("contact_type"),
        C("contact_type_derived", _FLAG),
        *(C(f"consent_{channel}") for channel in CONSENT_CHANNELS),
        C("consent_timestamp", "TIMESTAMP"), C("consent_lawful_basis"),
        C("consent_unmapped", _S), C("created_at", "TIMESTAMP"), C("updated_at", "TIMESTAMP"),
        *(C(f"{name}_{problem}", _FLAG)
          for name in ("created_at", "updated_at", "consent_timestamp")
          for problem in ("future", "impossible", "unparsed")),
        C("original_source"), C("campaign"), C("utm_source"), C("utm_medium"),
        C("utm_campaign"), C("notes"), C("flags", _S),
        C("<field>_enriched_from",
          doc="reference source that filled <field> (one per enrichment rule field)")))

NORMALIZED_VERSIONS = Table(
    "normalized_versions", "normalize",
    "which load's version of each current record normalized_records holds (incremental "
    "normalize compares it with current_source_records)", public=False,
    key=("record_id",), by_record="record_id", created="frame",
    columns=(C("record_id"), C("load_id")))

NORMALIZATION_CHANGES = changes_view(NORMALIZED_RECORDS, SOURCE_RECORDS)

#: ``meta`` key present while ``normalized_records`` holds rows out of ``record_id`` order:
#: an incremental normalize appends its records, a full one writes every record in order.
#: A reader whose result depends on row order (the full dedupe's tie-breaks) sorts then.
NORMALIZED_UNORDERED = "normalized_records_unordered"

CONTACTS = Table(
    "contacts", "dedupe", "person or organization (golden record)",
    key=("contact_id",), by_contact="contact_id", created="frame", columns=(
        C("contact_id"), C("record_count", "UINTEGER"), C("sources", _S), C("record_ids", _S),
        C("first_name"), C("last_name"), C("full_name"), C("email"), C("email_key"),
        C("phone"), C("phone_e164"), C("company"), C("company_key"), C("job_title"),
        C("industry"), C("street"), C("city"), C("region"), C("postal_code"), C("country"),
        C("lifecycle_stage"), C("original_source"), C("street_2"), C("date_of_birth", "DATE"),
        C("external_id"), C("external_id_kind"), C("external_id_key"),
        C("tags", _S), C("lists", _S), C("contact_types", _S), C("contact_type"),
        C("contact_type_conflict", _FLAG),
        *(C(f"consent_{channel}{suffix}", doc=doc.format(channel))
          for channel in CONSENT_CHANNELS
          for suffix, doc in (("", "{} consent: opted_in, opted_out, pending or unknown"),
                              ("_record", "record whose statement decided {} consent"),
                              ("_reason", "why that record decided it")))))

CONTACT_LINKS = Table(
    "contact_links", "dedupe", "record, with the contact it was merged into",
    key=("record_id",), by_record="record_id", by_contact="contact_id", created="frame",
    columns=(C("record_id"), C("contact_id"), C("link_type"), C("rule"),
             C("match_probability", "DOUBLE")))

CONTACT_PROVENANCE = Table(
    "contact_provenance", "dedupe", "contact field, with the record that supplied it",
    key=("contact_id", "field"), by_contact="contact_id", created="frame",
    columns=(C("contact_id"), C("field"), C("rule"), C("record_id"), C("source"), C("value")))

MATCH_REVIEWS = Table(
    "match_reviews", "dedupe", "pair of records the matcher was unsure about",
    key=("record_a", "record_b"), created="frame", columns=(
        C("run_id"), C("record_a"), C("record_b"), C("contact_a"), C("contact_b"),
        C("match_probability", "DOUBLE"), C("match_weight", "FLOAT"), C("reason"),
        C("block_rule"),
        C("g_<comparison>", "TINYINT", doc="comparison level of each configured comparison")))

MATCH_MODEL = Table(
    "match_model", "dedupe", "dedupe run's fitted model and diagnostics (one row)",
    public=False, created="frame",
    columns=(C("model_json"), C("cannot_match", doc="why no duplicates were looked for"),
             C("diagnostics_json", doc="blocking and threshold diagnostics (raw block keys)")))

MATCH_INDEX = Table(
    "match_index", "dedupe", "blocking key of a record, for matching a new record (match)",
    key=("key_hash", "rule", "record_id"), by_record="record_id", public=False,
    created="frame", columns=(
        C("key_hash", "UBIGINT", doc="64-bit hash of the pass's keys (dedupe/blocking.py); "
          "rows sorted by it, so a lookup reads few row groups"),
        C("rule", doc="blocking pass name, or shared:<column> for a value several people "
          "use (key_hash 0)"),
        C("record_id")))

DEDUPE_VERSIONS = Table(
    "dedupe_versions", "dedupe",
    "record the last dedupe run worked on: which version, into which contact (incremental "
    "dedupe compares it with normalized_versions)", public=False,
    # by contact, not by record: an undo must leave the rows of the records it takes away,
    # so the next dedupe knows which contacts lost them
    key=("record_id",), by_contact="contact_id", created="frame",
    columns=(C("record_id"), C("load_id"), C("contact_id"),
             C("row_hash", "UBIGINT", doc="hash of the record's compared values: a new "
               "version holding the same ones is no change"),
             C("shared_values", "UBIGINT[]", doc="hashes of the record's email and phone "
               "values: which records share one with a changed record")))

MATCH_DECISIONS = Table(
    "match_decisions", "dedupe", "reviewer's must-link / cannot-link decision",
    key=("record_a", "record_b", "decided_at"), created="stage",
    columns=(C("record_a", not_null=True), C("record_b", not_null=True),
             C("decision", not_null=True, doc="must_link | cannot_link"), C("note"),
             C("decided_at", "TIMESTAMP", default="current_timestamp")))

MERGE_EVENTS = Table(
    "merge_events", "dedupe", "merge, split or review action (lineage)",
    key=("event_id",), created="stage",
    columns=(C("event_id"), C("run_id"), C("event_type"), C("contact_id"),
             C("record_ids", _S), C("from_contact_ids", _S), C("rules", _S), C("detail"),
             C("created_at", "TIMESTAMP")))

_RESULT_HEAD = (C("run_id"), C("origin"), C("table_name"), C("rule"), C("severity"),
                C("source"))

VALIDATION_ISSUES = Table(
    "validation_issues", "validate", "data-quality issue found by the last validation",
    key=("run_id", "rule", "record_id"), by_record="record_id", by_contact="contact_id",
    created="stage",
    columns=(*_RESULT_HEAD, C("record_id"), C("contact_id"), C("field"),
             C("value", doc="the value, masked"), C("message")))

VALIDATION_SUMMARY = Table(
    "validation_summary", "validate", "rule checked in a run, with its counts",
    key=("run_id", "rule"), created="stage",
    columns=(*_RESULT_HEAD, C("checked", "BIGINT"), C("failed", "BIGINT"),
             C("rate", "DOUBLE"), C("max_rate", "DOUBLE"),
             C("status", doc="pass | warn | fail"), C("message")))

VALIDATED_RECORDS = Table(
    "validated_records", "validate",
    "record as the last validation checked it (incremental validate re-checks a record "
    "only when its hash differs)", public=False, key=("record_id",), by_record="record_id",
    created="stage", columns=(
        C("record_id"), C("source"),
        C("row_hash", "UBIGINT", doc="hash of the normalized_records columns the checks read"),
        C("failed_mask", "BIGINT", doc="bit i set: the record fails the i-th record rule "
          "(rules as listed in meta validate_basis)"),
        C("checked_mask", "BIGINT", doc="bit j set: the j-th rule name applies to the record"),
        C("schema_checks", _S, doc="Pandera checks the record fails")))

VALIDATED_CONTACTS = Table(
    "validated_contacts", "validate",
    "contact as the last validation checked it (its Pandera checks)", public=False,
    key=("contact_id",), by_contact="contact_id", created="stage", columns=(
        C("contact_id"),
        C("row_hash", "UBIGINT", doc="hash of the contacts columns the checks read"),
        C("schema_checks", _S, doc="Pandera checks the contact fails")))

AUDIENCES = Table(
    "audiences", "audiences", "last published definition of each audience",
    key=("audience",), primary_key=True, created="stage",
    columns=(C("audience"), C("channel"), C("purpose"), C("active", "BOOLEAN"),
             C("definition", "JSON"), C("definition_hash"), C("updated_at", "TIMESTAMP")))

PUBLISHES = Table(
    "publishes", "audiences", "publish of an audience (manifest)", key=("publish_id",),
    primary_key=True, created="stage", added=("status", "definition"), columns=(
        C("publish_id"), C("audience", not_null=True), C("run_id"),
        C("mode", doc="production | test"), C("published_at", "TIMESTAMP"),
        C("published_by"), C("members", "BIGINT"), C("added", "BIGINT"),
        C("removed", "BIGINT"), C("excluded", "BIGINT"),
        C("exclusions", "JSON", doc="{reason: count}"),
        C("issues", "JSON", doc="{severity: count} of validation issues on members"),
        C("targets", "JSON", doc="[{name, type, location, rows}]"),
        C("content_hash", doc="sha256 of the exported rows"),
        C("plan_hash", doc="content + definition + targets: equal means no-op"),
        C("previous_publish_id"),
        C("status", default="'committed'",
          doc="staging | swapping | committed | rolled_back"),
        C("definition", "JSON", doc="the audience definition published")))

AUDIENCE_MEMBERS = Table(
    "audience_members", "audiences", "member of an audience in a publish",
    key=("audience", "contact_id", "publish_id"), created="stage",
    columns=(C("audience", not_null=True), C("contact_id", not_null=True),
             C("publish_id", not_null=True)))

SUPPRESSIONS = Table(
    "suppressions", "audiences", "unsubscribe, bounce, do-not-contact or erased person (hashed)",
    key=("kind", "channel", "value"), created="stage", columns=(
        C("kind", not_null=True, doc="unsubscribe | bounce | do_not_contact | erased"),
        C("channel", not_null=True, doc="email | sms | phone | all"),
        C("value", not_null=True,
          doc="lower-case email or E.164 phone, or its salted sha256"),
        C("hashed", "BOOLEAN", not_null=True),
        C("salt_id", doc="which salt hashed it (a hash of the salt, never the salt)"),
        C("source"), C("reason"), C("added_at", "TIMESTAMP", default="current_timestamp")))

CONTACT_DELETIONS = Table(
    "contact_deletions", "audiences", "soft deletion of a contact (restorable)",
    key=("deletion_id", "contact_id"), created="stage", columns=(
        C("deletion_id", not_null=True), C("contact_id", not_null=True),
        C("deleted_at", "TIMESTAMP", default="current_timestamp"), C("run_id"), C("reason"),
        C("forced", "BOOLEAN"), C("referenced_by", "JSON"),
        C("restored_at", "TIMESTAMP"), C("restore_reason")))

STAGE_TABLES: tuple[Table, ...] = (
    NORMALIZED_RECORDS, NORMALIZATION_AUDIT, NORMALIZATION_ENRICHMENTS, NORMALIZATION_CHANGES,
    NORMALIZED_VERSIONS,
    CONTACTS, CONTACT_LINKS, CONTACT_PROVENANCE,
    MATCH_REVIEWS, MATCH_MODEL, MATCH_INDEX, DEDUPE_VERSIONS, MATCH_DECISIONS, MERGE_EVENTS,
    VALIDATION_ISSUES, VALIDATION_SUMMARY, VALIDATED_RECORDS, VALIDATED_CONTACTS, AUDIENCES,
    PUBLISHES, AUDIENCE_MEMBERS, SUPPRESSIONS, CONTACT_DELETIONS,
)
