"""Tables of the foundation (engine, pipeline) and of the sources stage, with their views.

All are created whenever a writable warehouse is opened (``created="open"``).
"""

from __future__ import annotations

from contactops.catalog.model import Column as C
from contactops.catalog.model import Table
from contactops.fields import ACTIVITY_FIELDS, CONTACT_FIELDS

#: The columns a landed record (a contact's or a reference row) starts with.
_RECORD_KEYS = (
    C("record_id", not_null=True, doc="16 hex chars, md5(source, source_record_key)"),
    C("load_id", not_null=True, doc="the load that brought this version"),
    C("load_seq", "BIGINT", not_null=True, doc="order of the load"),
    C("source", not_null=True, doc="the source's name"),
    C("source_kind", not_null=True,
      doc="manual, import, web_form, connected_system, campaign, workflow or agent"),
    C("source_record_key", not_null=True, doc="the key column's value (or a row hash)"),
    C("row_number", "BIGINT", doc="1-based data row in the source (header excluded)"),
)

META = Table("meta", "engine", "key/value setting of the warehouse, e.g. schema_version",
             key=("key",), public=False, primary_key=True,
             columns=(C("key", doc="setting"), C("value")))

RUNS = Table("runs", "pipeline", "`contactops run`", key=("run_id",), primary_key=True,
             added=("memory_limit_bytes", "memory_limit_origin", "fingerprint",
                    "fingerprint_parts", "inputs_fingerprint", "reason"), columns=(
    C("run_id"), C("pipeline"),
    C("status", doc="running | success | gate_failed | failed | interrupted"),
    C("exit_code", "INTEGER"),
    C("sample_rows", "BIGINT", doc="NULL for a full run"),
    C("started_at", "TIMESTAMP"), C("finished_at", "TIMESTAMP"),
    C("stages", "JSON", doc="[{stage, seconds, counts}]"),
    C("error"),
    C("memory_limit_bytes", "BIGINT",
      doc="the memory limit the run worked under (DuckDB got half); NULL before schema 5"),
    C("memory_limit_origin", doc="where that limit came from: --memory-limit, a pipeline "
      "file and line, config/contactops.yaml, the environment variable, or default"),
    C("fingerprint", doc="hash of what alters results: settings, vocabularies, normalize, "
      "dedupe and validate options, the model and suite files, the contactops version"),
    C("fingerprint_parts", "JSON", doc="that hash part by part, to say what changed"),
    C("inputs_fingerprint", doc="hash of the inputs state (current and undone loads, "
      "erasures, review decisions); NULL for a run that stopped before the last stage"),
    C("reason", doc="why the run did what it did: a full run's cause, 'incremental', or "
      "'nothing changed since run <id> (<time>)'")))

AUDIT_LOG = Table("audit_log", "pipeline", "undo, delete, publish and other audited actions",
                  key=("logged_at",), columns=(
                      C("logged_at", "TIMESTAMP", default="current_timestamp"),
                      C("run_id"), C("action"), C("target"), C("detail", "JSON")))

LOADS = Table("loads", "sources", "load of one source version", key=("load_id",),
              primary_key=True, columns=(
    C("load_id", doc="<source>-<seq>"), C("load_seq", "BIGINT"), C("run_id"), C("source"),
    C("source_type"), C("source_kind"),
    C("role", doc="contacts | activity | reference"),
    C("mode", doc="snapshot | append"),
    C("file", doc="file path, or table/query for databases"),
    C("content_hash"),
    C("details", "JSON", doc="encoding, delimiter, mapping used"),
    C("rows_read", "BIGINT"), C("rows_accepted", "BIGINT"), C("rows_rejected", "BIGINT"),
    C("status", doc="loaded | undone | blocked | retired"),
    C("loaded_at", "TIMESTAMP"), C("undone_at", "TIMESTAMP"), C("undo_reason")))

SOURCE_RECORDS = Table(
    "source_records", "sources", "accepted raw row of every load (all versions)",
    key=("record_id", "load_id"), by_record="record_id", by_load="load_id",
    # a warehouse made before a field existed gets its column (schema 4: street_number,
    # street_2, date_of_birth, external_id, external_id_kind)
    added=tuple(CONTACT_FIELDS),
    columns=(*_RECORD_KEYS, *(C(name, doc=doc) for name, doc in CONTACT_FIELDS.items()),
             C("extras", "JSON", doc="every unmapped raw column: nothing is dropped")))

ACTIVITIES = Table(
    "activities", "sources", "accepted activity row (opens, clicks, form fills, workflow actions)",
    key=("activity_id", "load_id"), by_load="load_id",
    columns=(C("activity_id", not_null=True), C("load_id", not_null=True),
             C("load_seq", "BIGINT", not_null=True), C("source", not_null=True),
             C("source_kind", not_null=True),
             C("links_to", doc="the contacts source contact_key refers to"),
             C("row_number", "BIGINT"),
             *(C(name, doc=doc) for name, doc in ACTIVITY_FIELDS.items()),
             C("extras", "JSON")))

REFERENCE_RECORDS = Table(
    "reference_records", "sources",
    "accepted row of a `role: reference` source (lookup data for enrichment)",
    key=("record_id", "load_id"), by_load="load_id",
    columns=(*_RECORD_KEYS,
             C("extras", "JSON", doc="every raw column of the row, by its own name")))

REJECTED_RECORDS = Table(
    "rejected_records", "sources", "raw record that could not be landed, with its reason",
    key=("load_id", "row_number"), by_load="load_id",
    columns=(C("load_id", not_null=True), C("source", not_null=True), C("file"),
             C("row_number", "BIGINT", doc="data row (header excluded), 1-based"),
             C("line_number", "BIGINT", doc="physical line in a text file, when known"),
             C("reason_code", not_null=True), C("field"), C("message", not_null=True),
             C("raw", doc="raw text or a JSON object of the raw values")))


CURRENT_LOADS = Table(
    "current_loads", "sources", "load whose rows are current (latest snapshot, appends)",
    key=("load_id",), kind="view", columns=LOADS.columns,
    sql=f"SELECT l.* FROM {LOADS} l\n"
        "WHERE l.status = 'loaded'\n"
        "  AND (l.mode = 'append' OR l.load_seq = (\n"
        f"        SELECT max(l2.load_seq) FROM {LOADS} l2\n"
        "        WHERE l2.source = l.source AND l2.status = 'loaded'))")

def _current(name: str, base: Table, key: str, doc: str) -> Table:
    """The view of ``base``'s rows in current loads, newest version of each ``key``."""
    sql = (f"SELECT * EXCLUDE (_rn) FROM (\n"
           f"  SELECT b.*, row_number() OVER (PARTITION BY b.{key} ORDER BY b.load_seq DESC)"
           f" AS _rn\n"
           f"  FROM {base} b WHERE b.load_id IN (SELECT load_id FROM {CURRENT_LOADS})\n"
           f") WHERE _rn = 1")
    return Table(name, base.stage, doc, key=(key,), kind="view", columns=base.columns, sql=sql)


CURRENT_SOURCE_RECORDS = _current("current_source_records", SOURCE_RECORDS, "record_id",
                                  "current version of each record")
CURRENT_ACTIVITIES = _current("current_activities", ACTIVITIES, "activity_id",
                              "current version of each activity")
CURRENT_REFERENCE_RECORDS = _current("current_reference_records", REFERENCE_RECORDS,
                                     "record_id", "current version of each reference row")

# Which contact record each activity belongs to: by key in the linked source, else by email.
ACTIVITY_LINKS = Table(
    "activity_links", "sources", "activity with the contact record it belongs to",
    key=("activity_id",), kind="view",
    columns=(C("activity_id"), C("activity_source"), C("record_id"),
             C("linked_by", doc="key | email")),
    sql="SELECT a.activity_id, a.source AS activity_source,\n"
        "       coalesce(k.record_id, e.record_id) AS record_id,\n"
        "       CASE WHEN k.record_id IS NOT NULL THEN 'key'\n"
        "            WHEN e.record_id IS NOT NULL THEN 'email' END AS linked_by\n"
        f"FROM {CURRENT_ACTIVITIES} a\n"
        f"LEFT JOIN {CURRENT_SOURCE_RECORDS} k\n"
        "  ON k.source = a.links_to AND k.source_record_key = a.contact_key\n"
        "LEFT JOIN (\n"
        "  SELECT lower(trim(email)) AS email_key, min(record_id) AS record_id\n"
        f"  FROM {CURRENT_SOURCE_RECORDS} WHERE email IS NOT NULL GROUP BY 1\n"
        ") e ON k.record_id IS NULL AND e.email_key = lower(trim(a.email))")

FOUNDATION: tuple[Table, ...] = (
    META, RUNS, AUDIT_LOG, LOADS, SOURCE_RECORDS, ACTIVITIES, REFERENCE_RECORDS,
    REJECTED_RECORDS, CURRENT_LOADS, CURRENT_SOURCE_RECORDS, CURRENT_ACTIVITIES,
    CURRENT_REFERENCE_RECORDS, ACTIVITY_LINKS,
)
