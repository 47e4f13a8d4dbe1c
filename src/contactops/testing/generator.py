"""The seeded contact generator: messy multi-source records with known true people.

Everything is drawn column-wise with numpy and written with polars expressions, so a million
records take seconds. The same ``rows``, ``seed`` and knobs always give identical frames.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

from contactops.fields import SourceKind
from contactops.testing import mess
from contactops.testing.defects import DEFECTS, inject_defects
from contactops.testing.draw import Draw, by_choice, lit, take
from contactops.testing.entities import make_entities
from contactops.testing.pools import POOL_NAMES, pools
from contactops.testing.presets import preset_knobs
from contactops.testing.records import make_records

if TYPE_CHECKING:
    import polars as pl

#: Generator source name -> how those contacts entered the workspace.
SOURCE_KINDS: dict[str, SourceKind] = {
    "crm": SourceKind.CONNECTED_SYSTEM, "import": SourceKind.IMPORT,
    "web_form": SourceKind.WEB_FORM, "manual": SourceKind.MANUAL,
    "campaign": SourceKind.CAMPAIGN, "workflow": SourceKind.AGENT,
}
#: Record key prefix per source; keys are ``PREFIX-000001`` numbered within the source.
KEY_PREFIX = {"crm": "CRM", "import": "IMP", "web_form": "WEB", "manual": "MAN",
              "campaign": "CMP", "workflow": "AGT"}

_COMMON = ("email", "created_at")
#: Canonical fields each source fills; the others are null for its records.
SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "crm": (*_COMMON, "first_name", "last_name", "phone", "company", "job_title", "city",
            "region", "postal_code", "country", "tags", "lists", "lifecycle_stage",
            "contact_type", "original_source", "email_consent", "sms_consent", "updated_at"),
    "import": (*_COMMON, "first_name", "last_name", "phone", "company", "job_title", "city",
               "region", "postal_code", "country", "tags", "lists", "consent_status",
               "consent_timestamp", "notes"),
    "web_form": (*_COMMON, "first_name", "last_name", "phone", "company", "country",
                 "email_consent", "sms_consent", "consent_timestamp", "utm_source",
                 "utm_medium", "utm_campaign"),
    "manual": (*_COMMON, "full_name", "phone", "company", "job_title", "city", "country",
               "contact_type", "tags", "lists", "notes"),
    "campaign": (*_COMMON, "first_name", "last_name", "campaign", "utm_source", "utm_medium",
                 "utm_campaign", "consent_status", "consent_timestamp", "lists"),
    "workflow": (*_COMMON, "full_name", "phone", "company", "lifecycle_stage", "tags",
                 "consent_status", "consent_channel", "notes", "updated_at"),
}
#: Columns of :attr:`GeneratedContacts.records`, in order.
RECORD_COLUMNS: tuple[str, ...] = (
    "record_key", "source", "full_name", "first_name", "last_name", "email", "phone", "company",
    "job_title", "city", "region", "postal_code", "country", "tags", "lists", "lifecycle_stage",
    "contact_type", "original_source", "campaign", "utm_source", "utm_medium", "utm_campaign",
    "consent_status", "consent_channel", "consent_timestamp", "email_consent", "sms_consent",
    "notes", "created_at", "updated_at",
)
TRUTH_COLUMNS: tuple[str, ...] = (
    "record_key", "entity_id", "true_first_name", "true_last_name", "true_email",
    "true_phone_e164", "true_country", "true_consent_email", "true_contact_type",
    "true_company", "true_lifecycle_stage", "true_tags", "true_lists", "defects",
)
#: Columns the hard knobs add (when any of them is above 0): records get ``street`` and
#: ``birth_date`` (null for people without), the truth gets ``true_street``,
#: ``true_birth_date`` and ``household_id`` (the entity_id of the household's first person).
EXTRA_SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "street": ("crm", "import", "manual"), "birth_date": ("crm", "import")}
#: Sources that can hold a person with neither email nor phone (they have an address).
OFFLINE_SOURCES: tuple[str, ...] = ("crm", "import", "manual")


@dataclass(frozen=True)
class Knobs:
    """How messy the generated data is. Rates are probabilities in [0, 1].

    Attributes:
        duplicate_rate: share of true people (entities) that appear in 2 or more records.
        max_records_per_entity: the most records one entity gets (at least 2).
        source_weights: relative share of records per source (crm, import, web_form,
            manual, campaign, workflow).
        country_weights: relative share of entities per country (US, GB, DE).
        invalid_rate: share of records given one injected defect (see ``defect_weights``).
        defect_weights: relative weight of each defect code among injected records; a
            defect a record cannot have (impossible_phone in a source without phones,
            email_typo on a non-free-mail address) is never drawn for it.
        internal_rate: share of entities who work at the internal domain example-corp.com.
        shared_mailbox_rate: share of company people whose email is their company's role
            mailbox (info@...), shared by several people; their records carry ``role_email``.
        shared_phone_rate: share of company people reachable only on the company switchboard.
        phone_rate: share of entities with a phone number of their own.
        missing_rate: chance an optional value (phone, last name, email when a phone is
            there) is left out; a record never loses its last channel or whole name by chance.
        case_rate: chance a record's names are written in lower or upper case.
        whitespace_rate: chance of stray or doubled spaces around names.
        typo_rate: chance one name has a dropped or swapped character.
        nickname_rate: chance the first name is written as a nickname (Robert -> Bob).
        swap_name_rate: chance first and last name are swapped.
        email_mess_rate: chance the email gets odd case, spaces, Gmail dots or a +tag.
        consent_drift_rate: chance a record states a consent other than the entity's usual.
        activities_per_crm_record: mean campaign activity rows per CRM record.
        orphan_activity_rate: share of activity rows whose contact key matches no CRM record.
        phone_sources: sources that have a phone column.
        name_pool: ``"classic"`` (60 given names, 120 family names, 35 companies) or
            ``"world"`` (names from many cultures, Chinese, Cyrillic, Arabic, Greek and
            Devanagari names with transliterations, 1,235 companies).
        translit_rate: chance a name in another script is written in Latin letters (the
            import source always does).
        family_rate: share of people who join the household of the person before them
            (same country): same surname; most also share the street address and landline.
        namesake_rate: share of company people given a very common name (John Smith) at one
            of a few companies, so several namesakes work together.
        two_job_rate: share of company people with a second employer: half their records
            name that company and its work address; they also get a personal address.
        offline_rate: share of people with neither email nor phone; their records (from
            sources with addresses) carry name, street and maybe a date of birth.
        address_rate: share of people with a street address (records write ``street``, in
            abbreviated forms: St/Street, Apt/#).
        birth_date_rate: share of people with a known date of birth (``birth_date``).
        typo_both_rate: chance a record misspells both the first and the last name.
        name_skew: Zipf exponent of name popularity: 0 draws every given and family name
            of the pool equally often; above 0 a few names are much commoner than the rest,
            as in real populations, so unrelated namesakes (two Maria Garcias) are frequent
            (at 0.5 the world pool's commonest family name is one person in 32, the ten
            commonest one in six).
    """

    duplicate_rate: float = 0.35
    max_records_per_entity: int = 5
    source_weights: dict[str, float] = field(default_factory=lambda: {
        "crm": 0.32, "import": 0.22, "web_form": 0.15, "manual": 0.08, "campaign": 0.13,
        "workflow": 0.10})
    country_weights: dict[str, float] = field(
        default_factory=lambda: {"US": 0.7, "GB": 0.15, "DE": 0.15})
    invalid_rate: float = 0.05
    defect_weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(DEFECTS, 1.0))
    internal_rate: float = 0.02
    shared_mailbox_rate: float = 0.02
    shared_phone_rate: float = 0.04
    phone_rate: float = 0.8
    missing_rate: float = 0.08
    case_rate: float = 0.15
    whitespace_rate: float = 0.1
    typo_rate: float = 0.04
    nickname_rate: float = 0.2
    swap_name_rate: float = 0.03
    email_mess_rate: float = 0.3
    consent_drift_rate: float = 0.15
    activities_per_crm_record: float = 1.5
    orphan_activity_rate: float = 0.02
    phone_sources: tuple[str, ...] = ("crm", "import", "web_form", "manual", "workflow")
    name_pool: str = "classic"
    translit_rate: float = 0.0
    family_rate: float = 0.0
    namesake_rate: float = 0.0
    two_job_rate: float = 0.0
    offline_rate: float = 0.0
    address_rate: float = 0.0
    birth_date_rate: float = 0.0
    typo_both_rate: float = 0.0
    name_skew: float = 0.0

    def __post_init__(self) -> None:
        if self.name_pool not in POOL_NAMES:
            raise ValueError(f"name_pool must be one of {list(POOL_NAMES)}, "
                             f"not {self.name_pool!r}")
        if not 0 <= self.duplicate_rate <= 1 or not 0 <= self.invalid_rate <= 1:
            raise ValueError("duplicate_rate and invalid_rate must be between 0 and 1")
        if self.max_records_per_entity < 2:
            raise ValueError("max_records_per_entity must be at least 2")
        unknown = set(self.source_weights) - set(SOURCE_KINDS)
        if unknown:
            raise ValueError(f"unknown sources in source_weights: {sorted(unknown)}; "
                             f"use {sorted(SOURCE_KINDS)}")

    @classmethod
    def of(cls, **knobs: object) -> Knobs:
        """Build knobs, naming the closest knob when one is misspelled."""
        names = [f.name for f in fields(cls)]
        for key in knobs:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else f"; knobs are {names}"
                raise TypeError(f"unknown generator knob '{key}'{hint}")
        return cls(**knobs)  # type: ignore[arg-type]


@dataclass
class GeneratedContacts:
    """Generated records, the truth about them and campaign activity on the CRM records.

    Attributes:
        records: one row per record, every column Utf8 (see :data:`RECORD_COLUMNS`).
        truth: one row per record: entity_id, clean true values and the injected defects
            (see :data:`TRUTH_COLUMNS`). ``true_email`` is lower case and, for gmail.com,
            without dots or +tags; injected defects do not change it.
        activities: campaign activity rows (open, click, form_fill) keyed by CRM record_key.
        knobs: the knobs used.
    """

    records: pl.DataFrame
    truth: pl.DataFrame
    activities: pl.DataFrame
    knobs: Knobs
    seed: int
    preset: str = "classic"

    def __repr__(self) -> str:
        entities = self.truth["entity_id"].n_unique()
        return (f"GeneratedContacts({self.records.height} records of {entities} entities, "
                f"preset={self.preset}, seed={self.seed}; .records, .truth, .activities)")


def make_contacts(rows: int, seed: int = 0, preset: str = "classic",
                  **knobs: object) -> GeneratedContacts:
    """Generate ``rows`` messy contact records from several sources, with their truth.

    Args:
        rows: number of records (not entities).
        seed: random seed; equal arguments give identical frames.
        preset: ``"classic"`` or ``"hard"`` (see :mod:`contactops.testing.presets`).
        **knobs: fields of :class:`Knobs`, e.g. ``duplicate_rate=0.4, invalid_rate=0.1``;
            they override the preset's.

    Returns:
        GeneratedContacts with ``.records``, ``.truth`` and ``.activities``.
    """
    import polars as pl

    from contactops.testing.activity import make_activities

    if rows < 0:
        raise ValueError("rows must be 0 or more")
    k = Knobs.of(**preset_knobs(preset, **knobs))
    pool = pools(k.name_pool)
    draw, extra = Draw(seed), Draw([seed, 1])
    sizes = _entity_sizes(rows, k, draw)
    entity_of = draw.rng.permutation(np.repeat(np.arange(len(sizes)), sizes))
    ent = make_entities(len(sizes), k, draw, pool, extra)
    names = list(SOURCE_KINDS)
    source = pl.Series("source", names, dtype=pl.Utf8).gather(
        draw.weighted([k.source_weights.get(s, 0.0) for s in names], rows))
    if "offline" in ent.columns:
        offline = ent["offline"].to_numpy()[entity_of]
        moved = extra.choice(OFFLINE_SOURCES, rows)
        source = pl.select(pl.when(lit(offline)).then(pl.lit(moved)).otherwise(pl.lit(source))
                           .alias("source")).to_series()
    r = make_records(ent, entity_of, source, k, draw, pool, extra)
    r = inject_defects(r, k, draw)
    r = r.with_columns(
        record_key=pl.concat_str(
            pl.col("source").replace_strict(KEY_PREFIX), pl.lit("-"),
            (pl.int_range(pl.len()).over("source") + 1).cast(pl.Utf8).str.zfill(6)),
    )
    r = r.with_columns(
        by_choice(r, r[f"{c}_fmt"].to_numpy(), mess.date_exprs(pl.col(f"{c}_epoch")), name)
        for c, name in (("created", "created_at"), ("updated", "updated_at"),
                        ("consent", "consent_timestamp")))
    has_consent_email = (pl.col("source").is_in(["crm", "web_form", "import", "campaign"]))
    truth = r.select(
        "record_key", "entity_id", true_first_name="first", true_last_name="last",
        true_email="t_email", true_phone_e164="phone_e164", true_country="t_country",
        true_consent_email=pl.when(has_consent_email).then("t_consent_status")
        .when(pl.col("source") == "workflow").then("t_consent_by_channel")
        .otherwise(pl.lit("unknown")),
        true_contact_type="t_contact_type",
        true_company=_company_stems(r["company_idx"].to_numpy(), pool.stems),
        true_lifecycle_stage="lifecycle", true_tags="t_tags", true_lists="t_lists",
        defects="t_defects",
    )
    extra_columns = [c for c in EXTRA_SOURCE_FIELDS if c in r.columns]
    truth = truth.with_columns(r[f"t_{c}"].alias(f"true_{c}") for c in extra_columns)
    if "household" in r.columns:
        truth = truth.with_columns(household_id=r["household"])
    fields_of = {**{c: [s for s, f in SOURCE_FIELDS.items() if c in f]
                    for c in RECORD_COLUMNS}, **EXTRA_SOURCE_FIELDS}
    masked = [pl.when(pl.col("source").is_in(fields_of[c])).then(pl.col(c).cast(pl.Utf8))
              .alias(c) for c in (*RECORD_COLUMNS, *extra_columns)
              if c not in ("record_key", "source")]
    records = r.select("record_key", "source", *masked)
    activities = make_activities(records, k, draw)
    return GeneratedContacts(records=records, truth=truth, activities=activities, knobs=k,
                             seed=seed, preset=preset)


def _company_stems(idx: np.ndarray, stems: tuple[str, ...]) -> pl.Series:
    """The clean company name per record: null for people without one."""
    return take(stems, np.where(idx == -2, len(stems) - 1, idx))


def _entity_sizes(rows: int, k: Knobs, draw: Draw) -> np.ndarray:
    """Records per entity: 1, or 2.. ``max_records_per_entity`` for duplicated entities."""
    extra = np.minimum(draw.rng.geometric(0.55, rows), k.max_records_per_entity - 1)
    sizes = np.where(draw.flag(k.duplicate_rate, rows), 1 + extra, 1)
    cum = np.cumsum(sizes)
    n = int(np.searchsorted(cum, rows)) + 1 if rows else 0
    sizes = sizes[:n].copy()
    if n:
        sizes[-1] -= cum[n - 1] - rows
    return sizes
