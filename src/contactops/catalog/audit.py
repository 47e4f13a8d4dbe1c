"""The normalize audit, stored compactly: per-record change bits, values derived on demand.

One row per changed value (record, field, rule, before, after) was 6.3M rows per 1M records
and the slowest write of a run. ``normalization_audit`` keeps one row per record that
changed: which fields changed (a bit per :data:`AUDIT_FIELDS` entry), which of them came out
empty, where a consent field's raw value came from, and the one rule that cannot be told
from the stored records (how the name was read). ``normalization_changes`` is a view giving
back the long rows: ``before`` from the raw version that was normalized (``source_records``
by record and load), ``after`` from ``normalized_records`` (as text, the way the normalizer
writes it), the rule from the constant of the field or from a column that decided it.
Values an enrichment rule filled live in ``normalization_enrichments`` (few, long form).
"""

from __future__ import annotations

from contactops.catalog.model import Column as C
from contactops.catalog.model import Table

#: Audited output field -> (raw source_records column, rule name or how it is decided).
#: The bit of a field in the masks is its position here; the normalizer
#: (``contactops.normalize.audit``) computes the changes in this order.
AUDIT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("first_name", "first_name", "@name"),
    ("last_name", "last_name", "@name"),
    ("full_name", "full_name", "@name"),
    ("email", "email", "email.trim_lower"),
    ("phone_e164", "phone", "@phone"),
    ("company", "company", "company.clean_case"),
    ("job_title", "job_title", "text.clean"),
    ("industry", "industry", "text.clean"),
    ("street", "street", "geo.clean_case"),
    ("city", "city", "geo.clean_case"),
    ("region", "region", "geo.region_code"),
    ("postal_code", "postal_code", "geo.postal_code"),
    ("country", "country", "@country"),
    ("tags", "tags", "taxonomy.tags"),
    ("lists", "lists", "taxonomy.lists"),
    ("lifecycle_stage", "lifecycle_stage", "taxonomy.lifecycle_alias"),
    ("contact_type", "contact_type", "@contact_type"),
    ("consent_email", "email_consent", "consent.vocabulary"),
    ("consent_sms", "sms_consent", "consent.vocabulary"),
    ("consent_phone", "phone_consent", "consent.vocabulary"),
    ("consent_lawful_basis", "consent_lawful_basis", "consent.lawful_basis"),
    ("consent_timestamp", "consent_timestamp", "dates.parse"),
    ("created_at", "created_at", "dates.parse"),
    ("updated_at", "updated_at", "dates.parse"),
    ("original_source", "original_source", "text.clean"),
    ("campaign", "campaign", "text.clean"),
    ("utm_source", "utm_source", "text.clean"),
    ("utm_medium", "utm_medium", "text.clean"),
    ("utm_campaign", "utm_campaign", "text.clean"),
    ("notes", "notes", "text.clean"),
)
#: Consent fields whose raw value may be the generic ``consent_status`` (bit i: the i-th).
CONSENT_FIELDS: tuple[str, ...] = ("consent_email", "consent_sms", "consent_phone")
_LISTS = ("tags", "lists")
_TIMESTAMPS = ("consent_timestamp", "created_at", "updated_at")
_LONG = (C("record_id"), C("source"), C("field"), C("rule"), C("before"), C("after"))

NORMALIZATION_AUDIT = Table(
    "normalization_audit", "normalize",
    "record the normalizer changed, with its change bits", public=False,
    key=("record_id",), by_record="record_id", created="frame", columns=(
        C("record_id"), C("load_id", doc="the load whose raw values were normalized"),
        C("changed", "UINTEGER", doc="bit i: AUDIT_FIELDS[i] changed"),
        C("cleared", "UINTEGER", doc="bit i: AUDIT_FIELDS[i] changed to null"),
        C("consent_from_status", "UTINYINT",
          doc="bit i: the raw value of CONSENT_FIELDS[i] was the generic consent_status"),
        C("name_rule", doc="how the name was read, when a name field changed")))

NORMALIZATION_ENRICHMENTS = Table(
    "normalization_enrichments", "normalize", "value an enrichment rule filled, with the rule",
    public=False, key=("record_id", "field"), by_record="record_id", created="frame",
    columns=_LONG)


def _after(field: str) -> str:
    """The normalized value as text, as the normalizer's audit wrote it."""
    col = f"n.{field}"
    if field in _LISTS:
        return f"NULLIF(array_to_string({col}, ','), '')"
    if field in _TIMESTAMPS:
        micros = f"EXTRACT(MICROSECOND FROM {col}) % 1000000"
        return (f"strftime({col}, '%Y-%m-%d') || 'T' || strftime({col}, '%H:%M:%S') || "
                f"CASE WHEN {micros} = 0 THEN '' "
                f"WHEN {micros} % 1000 = 0 THEN '.' || lpad(CAST({micros} // 1000 AS VARCHAR), "
                "3, '0') "
                f"ELSE '.' || lpad(CAST({micros} AS VARCHAR), 6, '0') END")
    return f"CAST({col} AS VARCHAR)"


def _before(field: str, raw: str) -> str:
    if field in CONSENT_FIELDS:
        bit = 1 << CONSENT_FIELDS.index(field)
        return (f"CASE WHEN a.consent_from_status & {bit} <> 0 THEN s.consent_status "
                f"ELSE s.{raw} END")
    return f"s.{raw}"


def _rule(field: str, rule: str, bit: int) -> str:
    if rule == "@name":
        return "a.name_rule"
    if rule == "@phone":
        return "CASE WHEN n.phone_valid THEN 'phone.e164' ELSE 'phone.invalid' END"
    if rule == "@country":
        return (f"CASE WHEN a.cleared & {1 << bit} <> 0 THEN 'geo.country_unknown' "
                "ELSE 'geo.country_iso2' END")
    if rule == "@contact_type":
        return ("CASE WHEN n.contact_type_derived THEN 'taxonomy.contact_type_rule' "
                "ELSE 'taxonomy.contact_type_word' END")
    return f"'{rule}'"


def _case(parts: list[str]) -> str:
    whens = "\n".join(f"    WHEN {bit} THEN {expr}" for bit, expr in enumerate(parts))
    return f"CASE f.bit\n{whens}\n  END"


def _fields() -> str:
    return ", ".join(f"({i}, '{f}')" for i, (f, _, _) in enumerate(AUDIT_FIELDS))


def rule_counts_sql(normalized: Table) -> str:
    """Changed values per field and rule (``field, rule, changes, records``), straight from
    the compact table: what ``normalization_changes`` grouped gives, without deriving the
    values (a (record, field) pair changes once, so records = changes)."""
    rules = [_rule(f, r, i) for i, (f, _, r) in enumerate(AUDIT_FIELDS)]
    return (
        "SELECT field, rule, count(*)::BIGINT AS changes, count(*)::BIGINT AS records FROM (\n"
        f"SELECT f.field, {_case(rules)} AS rule\n"
        f"FROM {NORMALIZATION_AUDIT} a\n"
        f"JOIN {normalized} n ON n.record_id = a.record_id\n"
        f"CROSS JOIN (VALUES {_fields()}) AS f(bit, field)\n"
        "WHERE (a.changed >> f.bit) & 1 = 1\n"
        f"UNION ALL SELECT field, rule FROM {NORMALIZATION_ENRICHMENTS}\n"
        ") GROUP BY field, rule ORDER BY changes DESC, field")


def changes_view(normalized: Table, raw: Table) -> Table:
    """``normalization_changes``: the long audit rows, from the compact tables, ``normalized``
    (normalized_records) and ``raw`` (source_records)."""
    rules = [_rule(f, r, i) for i, (f, _, r) in enumerate(AUDIT_FIELDS)]
    before = [_before(f, raw_col) for f, raw_col, _ in AUDIT_FIELDS]
    after = [_after(f) for f, _, _ in AUDIT_FIELDS]
    sql = (
        f"SELECT a.record_id, n.source, f.field,\n  {_case(rules)} AS rule,\n"
        f"  {_case(before)} AS before,\n"
        f"  CASE WHEN (a.cleared >> f.bit) & 1 = 1 THEN NULL ELSE {_case(after)} END AS after\n"
        f"FROM {NORMALIZATION_AUDIT} a\n"
        f"JOIN {normalized} n ON n.record_id = a.record_id\n"
        f"LEFT JOIN {raw} s ON s.record_id = a.record_id AND s.load_id = a.load_id\n"
        f"CROSS JOIN (VALUES {_fields()}) AS f(bit, field)\n"
        "WHERE (a.changed >> f.bit) & 1 = 1\n"
        "UNION ALL\n"
        f"SELECT record_id, source, field, rule, before, after FROM {NORMALIZATION_ENRICHMENTS}")
    return Table("normalization_changes", "normalize",
                 "field a normalizer or an enrichment rule changed, with the rule "
                 "(from normalization_audit; before/after derived from the records)",
                 key=("record_id", "field"), kind="view", created="frame", columns=_LONG,
                 sql=sql)


