"""Settings of the dedupe stage (the ``dedupe:`` block of a pipeline).

Example (YAML)::

    dedupe:
      id_columns: [crm_id]
      thresholds: {auto_merge: 0.99, review: 0.6}
      model_file: models/contacts_match.json
      source_priority: [crm, import, web_form]
      survivorship: {email: most_recent, company: most_frequent}
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from contactops.config.base import Frozen

#: How a field is compared.  ``name``/``string``: Jaro-Winkler levels; ``email``: exact,
#: fuzzy and shared-mailbox levels; ``phone``/``exact``: exact (phone with shared numbers);
#: ``id``: exact or one edit; ``digits``: exact digits-in-local-part of an email; ``dob``:
#: a date of birth, exact, day and month swapped, same year and month, or one digit apart;
#: ``street``: a street address, abbreviations spelt out, other house numbers "different".
FieldKind = Literal["name", "string", "email", "phone", "exact", "id", "date", "digits",
                    "dob", "street"]
SurvivorshipRule = Literal["source_priority", "most_recent", "most_complete", "most_frequent"]


class MatchField(Frozen):
    """One comparison of the probabilistic model."""

    name: str = Field(description="comparison name, shown in explanations")
    column: str | None = Field(None, description="normalized column compared; default: name")
    kind: FieldKind = "string"
    tf_adjust: bool = Field(
        False, description="term-frequency adjustment: agreeing on a common value counts less")
    levels: tuple[float, ...] = Field(
        (0.92, 0.80), description="Jaro-Winkler similarity thresholds, highest first")
    swap_with: str | None = Field(
        None, description="name field whose value may be swapped with this one (first/last)")
    key: bool = Field(
        False, description="an identifier: exact, non-shared agreement links records on its "
        "own (unless the names clash); different values make a conflict")

    @property
    def source_column(self) -> str:
        return self.column or self.name

    @field_validator("levels")
    @classmethod
    def _descending(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < v <= 1 for v in value) or list(value) != sorted(value, reverse=True):
            raise ValueError("levels are similarities in (0, 1], highest first")
        return value


class BlockingRule(Frozen):
    """Records are compared only when they agree on every key of at least one rule.

    A key is a column name, optionally with a transform: ``last_name_key:prefix3``,
    ``first_name_key:initial``, ``last_name_key:soundex`` (American Soundex code),
    ``date_of_birth:prefix4`` (the birth year).
    """

    name: str
    keys: tuple[str, ...] = Field(min_length=1)
    max_block_size: int | None = Field(
        None, ge=2, description="blocks larger than this are skipped; default: the global cap")


def _default_fields() -> list[MatchField]:
    return [
        MatchField(name="email", column="email_key", kind="email", key=True),
        MatchField(name="email_digits", column="email_digits", kind="digits", tf_adjust=True),
        MatchField(name="phone", column="phone_e164", kind="phone", key=True),
        MatchField(name="first_name", column="first_name_key", kind="name", tf_adjust=True,
                   swap_with="last_name"),
        MatchField(name="last_name", column="last_name_key", kind="name", tf_adjust=True),
        MatchField(name="company", column="company_key", kind="string", levels=(0.9,)),
        MatchField(name="city", column="city", kind="exact"),
    ]


def _default_blocking() -> list[BlockingRule]:
    return [
        BlockingRule(name="email", keys=("email_key",)),
        BlockingRule(name="phone", keys=("phone_e164",)),
        BlockingRule(name="email_digits_last", keys=("email_digits", "last_name_key:prefix2")),
        BlockingRule(name="name_email", keys=("first_name_key", "last_name_key", "email_key")),
        BlockingRule(name="last_phone", keys=("last_name_key", "phone_e164")),
        BlockingRule(name="first_phone", keys=("first_name_key", "phone_e164")),
        BlockingRule(name="name_company", keys=("first_name_key", "last_name_key",
                                                "company_key")),
        BlockingRule(name="name_pair_org", keys=("name_pair", "org")),
    ]


class Thresholds(Frozen):
    auto_merge: float = Field(
        0.99, gt=0, lt=1, description="match probability from which records merge")
    review: float = Field(
        0.50, gt=0, lt=1, description="match probability from which a pair goes to review")

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review > self.auto_merge:
            raise ValueError("review must not be above auto_merge")
        return self


#: Strong fields checked when ``contradictions.fields`` is not given (those the records have).
#: Not the first name: nickname and swap variants make it disagree within one person too often
#: (on the generator's data it flagged 1,744 true pairs for 26 strangers).
DEFAULT_STRONG_FIELDS = ("last_name", "phone", "company", "country")


class Contradictions(Frozen):
    """Strong evidence that stops a shared identifier from merging two records by itself.

    A pair linked through one identifier (the same email or phone, or a near-identical email)
    is merged automatically only when no strong field clearly disagrees; otherwise it goes to
    review with the fields that disagree. A field is a match field's name (compared as the
    model compares it) or a column of the records (compared exactly, e.g. ``country``).
    """

    fields: tuple[str, ...] | None = Field(
        None, description="strong fields; default: last_name, phone, company and country "
        "where the records have them; [] turns the check off")
    changeable: tuple[str, ...] = Field(
        ("last_name", "phone", "company", "country"),
        description="fields a person changes (marriage, a second number, a new job, a move): "
        "their disagreement is outweighed when two exact matches back the link (email, "
        "phone, full name)")
    typo_rarity: float = Field(
        0.1, gt=0, le=1, description="names one edit apart are a typo, not a contradiction, "
        "when the rarer spelling is at most this share of the commoner one's count")

    @model_validator(mode="after")
    def _changeable_are_strong(self) -> Contradictions:
        if self.fields is not None and "changeable" in self.model_fields_set:
            odd = [c for c in self.changeable if c not in self.fields]
            if odd:
                raise ValueError(f"changeable {odd} are not in fields {list(self.fields)}: "
                                 "add them to fields or drop them from changeable")
        return self


class ModelDrift(Frozen):
    """When an incremental run finds the saved match model drifted from the new records'
    pairs (:mod:`contactops.dedupe.drift`), it dedupes everything with the model estimated
    again."""

    threshold: float = Field(
        0.25, gt=0, description="largest population stability index (PSI) of a field's "
        "comparison levels, new pairs against those the model was fitted on, before a full "
        "dedupe")
    min_pairs: int = Field(
        1000, ge=1, description="new candidate pairs a field needs before its drift is "
        "judged (fewer say too little)")


class DedupeSettings(Frozen):
    enabled: bool = Field(True, description="run the dedupe stage")
    record_id: str = Field("record_id", description="column identifying a record")
    id_columns: tuple[str, ...] = Field(
        (), description="external id columns (crm id...): equal values always link")
    fields: list[MatchField] = Field(default_factory=_default_fields)
    blocking: list[BlockingRule] = Field(default_factory=_default_blocking)
    max_block_size: int = Field(
        30, ge=2, description="blocks with more records are skipped (they hold no signal)")
    shared_value_max_names: int = Field(
        2, ge=1, description="an email or phone used under more distinct names than this is "
        "shared (a role mailbox or switchboard): it cannot link records on its own")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    contradictions: Contradictions = Field(default_factory=Contradictions)
    model_file: str | None = Field(
        None, description="JSON file with m/u probabilities; trained and written when missing")
    retrain: bool = Field(False, description="estimate m/u again even if model_file exists")
    em_max_pairs: int = Field(2_000_000, ge=1000, description="candidate pairs sampled for EM")
    drift: ModelDrift = Field(
        default_factory=ModelDrift, description="when the saved model no longer fits new "
        "records: a full dedupe with the model estimated again")
    seed: int = 42
    source_priority: tuple[str, ...] = Field(
        (), description="sources in order of trust, for the source_priority rule")
    survivorship: dict[str, SurvivorshipRule] = Field(
        default_factory=dict, description="field -> rule; fields not named use default_rule")
    default_rule: SurvivorshipRule = "most_recent"

    @model_validator(mode="after")
    def _names(self) -> DedupeSettings:
        names = [f.name for f in self.fields]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"match field names must be unique; repeated: {dup}")
        for f in self.fields:
            if f.swap_with is not None and f.swap_with not in names:
                raise ValueError(f"field '{f.name}' swap_with '{f.swap_with}' is not a field")
        return self
