"""DDL of the public warehouse tables owned by the foundation.

Documented in ``docs/warehouse.md``. Every ``CREATE`` is idempotent so opening a warehouse
is safe at any time; stages that come later create their own tables the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contactops.fields import ACTIVITY_FIELDS, CONTACT_FIELDS

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse

SCHEMA_VERSION = 4


def _cols(fields: dict[str, str]) -> str:
    return ",\n  ".join(f"{name} VARCHAR" for name in fields)


#: The columns a landed record (a contact's or a reference row) starts with.
_RECORD_KEYS = """record_id VARCHAR NOT NULL,
  load_id VARCHAR NOT NULL,
  load_seq BIGINT NOT NULL,
  source VARCHAR NOT NULL,
  source_kind VARCHAR NOT NULL,
  source_record_key VARCHAR NOT NULL,
  row_number BIGINT"""

DDL = f"""
CREATE SEQUENCE IF NOT EXISTS load_seq START 1;
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY,
  pipeline VARCHAR,
  status VARCHAR,            -- running | success | gate_failed | failed
  exit_code INTEGER,
  sample_rows BIGINT,        -- NULL for a full run
  started_at TIMESTAMP,
  finished_at TIMESTAMP,
  stages JSON,               -- [{{stage, seconds, counts}}]
  error VARCHAR
);
CREATE TABLE IF NOT EXISTS loads (
  load_id VARCHAR PRIMARY KEY,
  load_seq BIGINT,
  run_id VARCHAR,
  source VARCHAR,
  source_type VARCHAR,
  source_kind VARCHAR,
  role VARCHAR,              -- contacts | activity | reference
  mode VARCHAR,              -- snapshot | append
  file VARCHAR,              -- file path, or table/query for databases
  content_hash VARCHAR,
  details JSON,              -- encoding, delimiter, mapping used
  rows_read BIGINT,
  rows_accepted BIGINT,
  rows_rejected BIGINT,
  status VARCHAR,            -- loaded | undone
  loaded_at TIMESTAMP,
  undone_at TIMESTAMP,
  undo_reason VARCHAR
);
CREATE TABLE IF NOT EXISTS source_records (
  {_RECORD_KEYS},
  {_cols(CONTACT_FIELDS)},
  extras JSON
  -- (record_id, load_id) is unique by construction; no index: an ART index on 1M
  -- fresh rows costs more than the rest of the insert
);
CREATE TABLE IF NOT EXISTS activities (
  activity_id VARCHAR NOT NULL,
  load_id VARCHAR NOT NULL,
  load_seq BIGINT NOT NULL,
  source VARCHAR NOT NULL,
  source_kind VARCHAR NOT NULL,
  links_to VARCHAR,
  row_number BIGINT,
  {_cols(ACTIVITY_FIELDS)},
  extras JSON
);
CREATE TABLE IF NOT EXISTS reference_records (
  {_RECORD_KEYS},
  extras JSON                -- every raw column of the row, by its own name
);
CREATE TABLE IF NOT EXISTS rejected_records (
  load_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  file VARCHAR,
  row_number BIGINT,         -- data row (header excluded), 1-based
  line_number BIGINT,        -- physical line in a text file, when known
  reason_code VARCHAR NOT NULL,
  field VARCHAR,
  message VARCHAR NOT NULL,
  raw VARCHAR
);
CREATE TABLE IF NOT EXISTS audit_log (
  logged_at TIMESTAMP DEFAULT current_timestamp,
  run_id VARCHAR,
  action VARCHAR,
  target VARCHAR,
  detail JSON
);
"""

VIEWS = """
CREATE OR REPLACE VIEW current_loads AS
SELECT l.* FROM loads l
WHERE l.status = 'loaded'
  AND (l.mode = 'append' OR l.load_seq = (
        SELECT max(l2.load_seq) FROM loads l2
        WHERE l2.source = l.source AND l2.status = 'loaded'));
CREATE OR REPLACE VIEW current_source_records AS
SELECT * EXCLUDE (_rn) FROM (
  SELECT s.*, row_number() OVER (PARTITION BY s.record_id ORDER BY s.load_seq DESC) AS _rn
  FROM source_records s WHERE s.load_id IN (SELECT load_id FROM current_loads)
) WHERE _rn = 1;
CREATE OR REPLACE VIEW current_activities AS
SELECT * EXCLUDE (_rn) FROM (
  SELECT a.*, row_number() OVER (PARTITION BY a.activity_id ORDER BY a.load_seq DESC) AS _rn
  FROM activities a WHERE a.load_id IN (SELECT load_id FROM current_loads)
) WHERE _rn = 1;
CREATE OR REPLACE VIEW current_reference_records AS
SELECT * EXCLUDE (_rn) FROM (
  SELECT r.*, row_number() OVER (PARTITION BY r.record_id ORDER BY r.load_seq DESC) AS _rn
  FROM reference_records r WHERE r.load_id IN (SELECT load_id FROM current_loads)
) WHERE _rn = 1;
-- Which contact record each activity belongs to: by key in the linked source, else by email.
CREATE OR REPLACE VIEW activity_links AS
SELECT a.activity_id, a.source AS activity_source,
       coalesce(k.record_id, e.record_id) AS record_id,
       CASE WHEN k.record_id IS NOT NULL THEN 'key'
            WHEN e.record_id IS NOT NULL THEN 'email' END AS linked_by
FROM current_activities a
LEFT JOIN current_source_records k
  ON k.source = a.links_to AND k.source_record_key = a.contact_key
LEFT JOIN (
  SELECT lower(trim(email)) AS email_key, min(record_id) AS record_id
  FROM current_source_records WHERE email IS NOT NULL GROUP BY 1
) e ON k.record_id IS NULL AND e.email_key = lower(trim(a.email));
"""


def create_schema(wh: Warehouse) -> None:
    version = None
    if wh.table_exists("meta"):
        version = wh.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
    if version == str(SCHEMA_VERSION):
        return
    with wh.transaction():
        wh._con.execute(DDL)
        # a warehouse made before a field existed gets its column (schema 4: street_number,
        # street_2, date_of_birth, external_id, external_id_kind)
        for name in CONTACT_FIELDS:
            wh._con.execute(f"ALTER TABLE source_records ADD COLUMN IF NOT EXISTS {name} VARCHAR")
        wh._con.execute(VIEWS)
        wh._con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                       [str(SCHEMA_VERSION)])
