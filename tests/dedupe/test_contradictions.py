"""A shared identifier against contradicting evidence: literal pairs and their outcome.

merge: one contact. review: two contacts and the pair in the review queue with the reason.
"""

from __future__ import annotations

import polars as pl
import pytest

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe import dedupe
from contactops.dedupe.contradictions import same_name, same_string
from contactops.dedupe.explain import explain_pair
from contactops.dedupe.model import MatchModel
from contactops.errors import UsageError

from .conftest import normalize_rows

# (case, record a, record b, outcome, review reason)
PAIRS = [
    ("strangers on one address: other last name, phone and company",
     {"first_name": "Thomas", "last_name": "Valencia", "email": "thomas61@outlook.com",
      "phone": "+1 415 555 0101", "company": "Acme Corp"},
     {"first_name": "Tom", "last_name": "Burke", "email": "thomas61@outlook.com",
      "phone": "+1 212 555 0177", "company": "Globex"},
     "review", "conflict: last_name, phone, company"),
    ("near-identical addresses in two countries",
     {"first_name": "Marc", "last_name": "Anderson", "email": "marc.anderson52@example.com",
      "country": "United States"},
     {"first_name": "Mark", "last_name": "Anderson", "email": "mark.anderson52@example.com",
      "country": "United Kingdom"},
     "review", "conflict: country"),
    ("one person at a work and a personal address, same name and phone",
     {"first_name": "Robert", "last_name": "Zielinski", "email": "r.zielinski@acme.io",
      "phone": "+1 415 555 0142", "company": "Acme"},
     {"first_name": "Robert", "last_name": "Zielinski", "email": "robzielinski@gmail.com",
      "phone": "(415) 555-0142"},
     "merge", None),
    ("nickname with the same email and phone",
     {"first_name": "Robert", "last_name": "Smith", "email": "rsmith.k9@initech.io",
      "phone": "+1 312 555 0190"},
     {"first_name": "Bob", "last_name": "Smith", "email": "rsmith.k9@initech.io",
      "phone": "+1 312 555 0190"},
     "merge", None),
    ("Gmail dot variants, same name",
     {"first_name": "John", "last_name": "Smith", "email": "j.smith@gmail.com"},
     {"first_name": "John", "last_name": "Smith", "email": "jsmith@gmail.com"},
     "merge", None),
    ("a missing field is not a contradiction",
     {"first_name": "Ingrid", "last_name": "Solberg", "email": "ingrid.solberg@fjord.io",
      "phone": "+47 912 34 567", "company": "Fjord Labs", "country": "Norway"},
     {"first_name": "Ingrid", "email": "ingrid.solberg@fjord.io"},
     "merge", None),
    # decided: two identifiers of her own plus her first name outweigh a new last name
    ("married name, same email, phone and first name",
     {"first_name": "Jane", "last_name": "Miller", "email": "jane.m1987@outlook.com",
      "phone": "+1 617 555 0123"},
     {"first_name": "Jane", "last_name": "Davis", "email": "jane.m1987@outlook.com",
      "phone": "+1 617 555 0123"},
     "merge", None),
    ("another last name on the email alone",
     {"first_name": "Jane", "last_name": "Miller", "email": "jane.m1987@outlook.com"},
     {"first_name": "Jane", "last_name": "Davis", "email": "jane.m1987@outlook.com"},
     "review", "conflict: last_name"),
    ("double-barrelled last name",
     {"first_name": "Marguerite", "last_name": "Vasquez", "email": "mvl@hooli.io"},
     {"first_name": "Marguerite", "last_name": "Vasquez-Lind", "email": "mvl@hooli.io"},
     "merge", None),
    ("transposed letters in a common short last name",
     {"first_name": "Wei", "last_name": "Kim", "email": "wei.k.3301@stark.io"},
     {"first_name": "Wei", "last_name": "Kmi", "email": "wei.k.3301@stark.io"},
     "merge", None),
    ("one edit apart and neither spelling rarer: two names",
     {"first_name": "Wei", "last_name": "Li", "email": "wl.8812@stark.io"},
     {"first_name": "Wei", "last_name": "Lu", "email": "wl.8812@stark.io"},
     "review", "conflict: last_name"),
    ("same email and full name, a second phone number",
     {"first_name": "Priya", "last_name": "Raman", "email": "priya.raman@umbrella.io",
      "phone": "+1 206 555 0111"},
     {"first_name": "Priya", "last_name": "Raman", "email": "priya.raman@umbrella.io",
      "phone": "+1 206 555 0199"},
     "merge", None),
    ("same email and full name, moved abroad",
     {"first_name": "Priya", "last_name": "Raman", "email": "priya.raman@umbrella.io",
      "country": "US"},
     {"first_name": "Priya", "last_name": "Raman", "email": "priya.raman@umbrella.io",
      "country": "Germany"},
     "merge", None),
    ("one phone, one name, another company",
     {"first_name": "Oskar", "last_name": "Lindqvist", "phone": "+46 70 123 45 67",
      "company": "Volvo"},
     {"first_name": "Oskar", "last_name": "Lindqvist", "phone": "+46 70 123 45 67",
      "company": "Spotify"},
     "merge", None),
]


def _outcome(records: pl.DataFrame, options: DedupeSettings, model: MatchModel
             ) -> tuple[bool, str | None]:
    result = dedupe(records, options, match_model=model)
    ids = dict(result.links.select("record_id", "contact_id").iter_rows())
    pair = result.reviews.filter(pl.col("record_a").is_in(["X-A", "X-B"])
                                 & pl.col("record_b").is_in(["X-A", "X-B"]))
    return ids["X-A"] == ids["X-B"], pair["reason"][0] if pair.height else None


def _records(background: pl.DataFrame, a: dict, b: dict) -> pl.DataFrame:
    extra = [{"record_id": "X-A", "source": "crm", **a},
             {"record_id": "X-B", "source": "import", **b}]
    return pl.concat([background, normalize_rows(extra)], how="diagonal_relaxed")


@pytest.mark.parametrize(("case", "a", "b", "outcome", "reason"), PAIRS,
                         ids=[p[0] for p in PAIRS])
def test_contradiction_pair(case: str, a: dict, b: dict, outcome: str, reason: str | None,
                            background: pl.DataFrame, trained: MatchModel) -> None:
    merged, why = _outcome(_records(background, a, b), DedupeSettings(), trained)
    assert merged is (outcome == "merge"), case
    if outcome == "review":
        assert why == reason, case


def test_near_identical_addresses_abroad_are_not_auto_merged() -> None:
    """Trained on a few records, the model would merge them: the country stops it."""
    _, a, b, _, _ = PAIRS[1]
    others = [{"record_id": f"O-{i}", **row} for i, row in enumerate(
        [PAIRS[0][1], PAIRS[0][2], {"first_name": "Ada", "last_name": "Byron",
                                    "email": "ada@example.org"}])]
    records = normalize_rows([{"record_id": "X-A", **a}, {"record_id": "X-B", **b}, *others])
    result = dedupe(records, DedupeSettings())
    ids = dict(result.links.select("record_id", "contact_id").iter_rows())
    assert ids["X-A"] != ids["X-B"]
    reasons = dict(zip(result.reviews["record_a"], result.reviews["reason"], strict=True))
    assert reasons["X-A"] == "conflict: country"
    unchecked = DedupeSettings.model_validate({"contradictions": {"fields": []}})
    ids = dict(dedupe(records, unchecked).links.select("record_id", "contact_id").iter_rows())
    assert ids["X-A"] == ids["X-B"]


def test_check_turned_off_merges_on_the_identifier(background: pl.DataFrame,
                                                   trained: MatchModel) -> None:
    _, a, b, _, _ = PAIRS[0]
    options = DedupeSettings.model_validate({"contradictions": {"fields": []}})
    merged, why = _outcome(_records(background, a, b), options, trained)
    assert merged and why is None


def test_first_name_can_be_made_a_strong_field(background: pl.DataFrame,
                                               trained: MatchModel) -> None:
    """A household address: not a default strong field (nicknames), but configurable."""
    a = {"first_name": "John", "last_name": "Okafor", "email": "okafor.home@gmail.com"}
    b = {"first_name": "Mary", "last_name": "Okafor", "email": "okafor.home@gmail.com"}
    records = _records(background, a, b)
    assert _outcome(records, DedupeSettings(), trained) == (True, None)
    options = DedupeSettings.model_validate(
        {"contradictions": {"fields": ["first_name", "last_name", "phone", "company"]}})
    assert _outcome(records, options, trained) == (False, "conflict: first_name")


def test_other_records_cannot_chain_a_contradicted_pair(background: pl.DataFrame,
                                                        trained: MatchModel) -> None:
    """A third record agreeing with both (no last name) must not join them behind review."""
    _, a, b, _, _ = PAIRS[0]
    bridge = {"record_id": "X-C", "first_name": "Thomas", "email": "thomas61@outlook.com"}
    records = pl.concat([_records(background, a, b), normalize_rows([bridge])],
                        how="diagonal_relaxed")
    result = dedupe(records, DedupeSettings(), match_model=trained)
    ids = dict(result.links.select("record_id", "contact_id").iter_rows())
    assert ids["X-A"] != ids["X-B"]
    assert ids["X-C"] in (ids["X-A"], ids["X-B"])
    ours = result.pairs.filter(pl.col("record_a").str.starts_with("X-")
                               & pl.col("conflict").is_not_null())
    assert sorted(ours.select("record_a", "record_b").row(0)) == ["X-A", "X-B"]
    assert ours.height == 1


def test_a_contradicted_pair_below_the_threshold_is_not_chained(background: pl.DataFrame,
                                                                trained: MatchModel) -> None:
    """Her own two records and a stranger given her address: the stranger stays apart.

    The stranger's pair with her full record scores below auto-merge (all names differ);
    her record without a last name would still have chained him in on the email alone.
    """
    email = "greta40398@umbrella.io"
    rows = [{"record_id": "X-A", "first_name": "Margarita", "last_name": "Hernandez",
             "email": email, "company": "Umbrella"},
            {"record_id": "X-B", "first_name": "Margarita", "email": email,
             "company": "Umbrella"},
            {"record_id": "X-C", "first_name": "Charles", "last_name": "King", "email": email}]
    records = pl.concat([background, normalize_rows(rows)], how="diagonal_relaxed")
    result = dedupe(records, DedupeSettings(), match_model=trained)
    ids = dict(result.links.select("record_id", "contact_id").iter_rows())
    assert ids["X-A"] == ids["X-B"] != ids["X-C"]
    reasons = {frozenset(p): why for *p, why in result.reviews.select(
        "record_a", "record_b", "reason").iter_rows()}
    assert reasons[frozenset({"X-A", "X-C"})] == "conflict: last_name"
    assert reasons[frozenset({"X-B", "X-C"})] == "conflict: would join different people"


def test_explain_names_the_contradicting_fields(background: pl.DataFrame,
                                                trained: MatchModel) -> None:
    _, a, b, _, _ = PAIRS[1]
    records = _records(background, a, b)
    e = explain_pair(records, "X-A", "X-B", DedupeSettings(), trained)
    assert e.filter("contradicts")["field"].to_list() == ["country"]
    country = e.filter(pl.col("field") == "country").row(0, named=True)
    assert (country["value_a"], country["value_b"], country["weight"]) == ("US", "GB", 0.0)
    _, a, b, _, _ = PAIRS[0]
    e = explain_pair(_records(background, a, b), "X-A", "X-B", DedupeSettings(), trained)
    assert e.filter("contradicts")["field"].to_list() == ["phone", "last_name", "company"]


def test_cli_review_and_explain_show_the_conflict(tmp_path, background: pl.DataFrame,
                                                  trained: MatchModel) -> None:
    from typer.testing import CliRunner

    from contactops.cli.dedupe import app
    from contactops.dedupe import stage
    from contactops.engine import Warehouse

    _, a, b, _, _ = PAIRS[0]
    records = _records(background.head(300), a, b)
    path = tmp_path / "wh.duckdb"
    with Warehouse(path) as wh:
        wh.replace_table("normalized_records", records)
        stage.ensure_tables(wh)
        stage.write(wh, dedupe(records, DedupeSettings(), match_model=trained))
    runner = CliRunner()
    res = runner.invoke(app, ["review", "--warehouse", str(path)], terminal_width=200)
    assert res.exit_code == 0, res.output
    assert "conflict: last_name, phone, company" in res.output
    res = runner.invoke(app, ["explain", "X-A", "X-B", "--warehouse", str(path)],
                        terminal_width=200)
    assert res.exit_code == 0, res.output
    assert "conflict: phone, last_name, company" in res.output


def test_unknown_strong_field_is_a_clear_error(background: pl.DataFrame,
                                               trained: MatchModel) -> None:
    options = DedupeSettings.model_validate({"contradictions": {"fields": ["contry"]}})
    with pytest.raises(UsageError, match=r"'contry'.*did you mean 'country'"):
        dedupe(background.head(50), options, match_model=trained)


def test_changeable_fields_must_be_strong_fields(tmp_path, monkeypatch) -> None:
    from contactops.config import load_pipeline
    from contactops.errors import ConfigError

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("Email\na@example.com\n")
    (tmp_path / "p.yaml").write_text(
        "name: demo\nsources:\n  - name: a\n    type: csv\n    kind: import\n"
        "    path: data/a.csv\ndedupe:\n  contradictions:\n    fields: [last_name, country]\n"
        "    changeable: [company]\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_pipeline("p.yaml")
    assert [str(i) for i in info.value.issues] == [
        "p.yaml:8: dedupe.contradictions: changeable ['company'] are not in fields "
        "['last_name', 'country']: add them to fields or drop them from changeable"]


# (a, b, share of a, share of b, one name?)
NAMES = [
    ("kim", "kmi", 26 / 4000, 1 / 4000, True),     # typo: far rarer than the name
    ("li", "lu", 1 / 4000, 1 / 4000, False),       # as common as each other: two names
    ("lee", "lea", 37 / 4000, 30 / 4000, False),
    ("miller", "millerdavis", 0.01, 0.001, True),  # a part of a double name
    ("j", "john", 0.001, 0.01, True),              # an initial
    ("j", "mary", 0.001, 0.01, False),
    ("valencia", "burke", 0.001, 0.001, False),
]


@pytest.mark.parametrize(("a", "b", "share_a", "share_b", "one"), NAMES)
def test_same_name(a: str, b: str, share_a: float, share_b: float, one: bool) -> None:
    assert same_name(a, b, share_a, share_b, 0.1) is one


@pytest.mark.parametrize(("a", "b", "one"), [
    ("hooli", "hooli labs", True), ("acme", "globex", False), ("labs", "hooli labs", True),
    ("ibm", "international business machines", False)])
def test_same_string(a: str, b: str, one: bool) -> None:
    assert same_string(a, b) is one
