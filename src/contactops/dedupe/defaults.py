"""Match fields and blocking rules that follow the data a run actually has.

A pipeline that does not declare ``dedupe.fields`` or ``dedupe.blocking`` gets the defaults
of :mod:`contactops.config.dedupe` (emails, phones, names, company, city) *plus*, for each
identifying or address field filled on more than :data:`MIN_FILL` of the records, its
comparison and the blocking passes that use it: external ids exactly, names with the postal
code or street, a phonetic surname with the birth year, street with city, first initial and
surname with the date of birth. A name-and-address list (donors, events, direct mail, paper
forms, FEBRL) is so searched for duplicates instead of yielding no candidate pairs.

When no blocking pass has every column it needs, the run cannot look for duplicates; the
result says so (:data:`CANNOT_MATCH`) rather than reporting "0 merged" as if the data were
clean.
"""

from __future__ import annotations

import polars as pl

from contactops.config.dedupe import BlockingRule, DedupeSettings, MatchField

#: Share of records a field must fill to be compared and blocked on.
MIN_FILL = 0.01

CANNOT_MATCH = "could not look for duplicates: no email, phone, id or name+address fields"

#: Comparisons added when their column is filled. The postal code blocks but is not weighed:
#: it repeats the street's and the city's evidence (counting it again merged namesakes of
#: one town on the generator's data).
EXTRA_FIELDS: tuple[MatchField, ...] = (
    MatchField(name="external_id", column="external_id_key", kind="id", key=True),
    MatchField(name="date_of_birth", column="date_of_birth", kind="dob"),
    MatchField(name="street", column="street", kind="street", tf_adjust=True),
)

#: Blocking passes added when every column they use is filled (each capped by block size).
EXTRA_BLOCKING: tuple[BlockingRule, ...] = (
    BlockingRule(name="external_id", keys=("external_id_key",)),
    BlockingRule(name="name_postcode", keys=("first_name_key:initial", "last_name_key",
                                             "postal_code"), max_block_size=10),
    BlockingRule(name="last_street", keys=("last_name_key", "street")),
    BlockingRule(name="first_street", keys=("first_name_key", "street")),
    BlockingRule(name="soundex_birth_year", keys=("last_name_key:soundex",
                                                  "date_of_birth:prefix4")),
    BlockingRule(name="initial_last_dob", keys=("first_name_key:initial", "last_name_key",
                                                "date_of_birth")),
    BlockingRule(name="dob_postcode", keys=("date_of_birth", "postal_code")),
    BlockingRule(name="dob_city", keys=("date_of_birth", "city")),
    BlockingRule(name="first_dob", keys=("first_name_key", "date_of_birth")),
    BlockingRule(name="street_city", keys=("street", "city")),
    # one building however its street is abbreviated (Blvd, Boulevard; Apt, Apartment): on
    # generated data (100k, hard) 672 true pairs only this pass found, no false one
    BlockingRule(name="house_city", keys=("street:house", "city")),
)

#: Blocking columns made by :func:`contactops.dedupe.blocking.prepare` from other columns,
#: and the column whose fill decides whether the key can find pairs.
_DERIVED = {"email_local": "email_key", "email_digits": "email_key",
            "name_pair": "last_name_key", "org": "company_key"}

#: Columns the extra fields and passes read (dedupe reads them when present); the
#: employer key also reads the company's own mail domain.
EXTRA_COLUMNS = frozenset(
    {f.source_column for f in EXTRA_FIELDS}
    | {k.split(":")[0] for r in EXTRA_BLOCKING for k in r.keys}
    | {"company_domain_hint"})


def fill_shares(records: pl.DataFrame) -> dict[str, float]:
    """Share of non-null values per column."""
    if records.height == 0:
        return dict.fromkeys(records.columns, 0.0)
    row = records.select(pl.all().is_not_null().mean()).row(0, named=True)
    return {c: float(v or 0.0) for c, v in row.items()}


#: Identifiers are compared and blocked on however few records have them: exact blocks
#: cost nothing and one shared id says more than any address.
_ANY_FILL = frozenset({"external_id_key"})


def _filled(column: str, shares: dict[str, float]) -> bool:
    base = column.split(":")[0]
    base = _DERIVED.get(base, base)
    return shares.get(base, 0.0) > (0.0 if base in _ANY_FILL else MIN_FILL)


def usable_rules(rules: list[BlockingRule], shares: dict[str, float]) -> list[BlockingRule]:
    """The passes whose every key column is filled on enough records."""
    return [r for r in rules if all(_filled(k, shares) for k in r.keys)]


def follow_data(options: DedupeSettings, records: pl.DataFrame,
                shares: dict[str, float] | None = None) -> tuple[DedupeSettings, str | None]:
    """``options`` with the fields and passes the records can use, and why no duplicates
    can be looked for (``None`` when some pass can find candidates).

    Declared ``fields`` / ``blocking`` are kept as written; only defaults are extended.
    ``shares``: the fill shares of more records than these (an incremental run: the
    warehouse's), else measured on ``records``.
    """
    shares = fill_shares(records) if shares is None else shares
    update: dict[str, object] = {}
    if "fields" not in options.model_fields_set:
        names = {f.name for f in options.fields}
        extra = [f for f in EXTRA_FIELDS
                 if f.name not in names and _filled(f.source_column, shares)]
        if extra:
            update["fields"] = [*options.fields, *extra]
    if "blocking" not in options.model_fields_set:
        names = {r.name for r in options.blocking}
        extra_rules = [r for r in usable_rules(list(EXTRA_BLOCKING), shares)
                       if r.name not in names]
        if extra_rules:
            update["blocking"] = [*options.blocking, *extra_rules]
    adapted = options.model_copy(update=update) if update else options
    ids = [c for c in adapted.id_columns if _filled(c, shares)]
    if ids or usable_rules(adapted.blocking, shares):
        return adapted, None
    filled = ", ".join(f"{c} {shares[c]:.0%}" for c in _SHOWN
                       if shares.get(c, 0.0) > MIN_FILL) or "none of them"
    return adapted, (f"{CANNOT_MATCH} (filled: {filled}); map an email, phone, id or "
                     "street/postal code column, or declare dedupe.blocking")


def share_columns(options: DedupeSettings) -> set[str]:
    """The columns whose fill shares :func:`follow_data` reads for ``options`` (an
    incremental run counts only these over the warehouse)."""
    keys = [k.split(":")[0] for r in (*options.blocking, *EXTRA_BLOCKING) for k in r.keys]
    return ({f.source_column for f in EXTRA_FIELDS} | set(options.id_columns) | set(_SHOWN)
            | {_DERIVED.get(k, k) for k in keys})


#: Columns named in the could-not-match message (what the records do have).
_SHOWN = ("email_key", "phone_e164", "external_id_key", "first_name_key", "last_name_key",
          "company_key", "street", "postal_code", "city", "date_of_birth")
