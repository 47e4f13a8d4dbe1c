"""Recall without false merges (issue 19): each comparison, blocking key and veto added for
it, as literal pairs that only it finds or keeps apart, and its pure helpers."""

from __future__ import annotations

import polars as pl
import pytest

from contactops.config.dedupe import BlockingRule, DedupeSettings
from contactops.dedupe.blocking import candidate_pairs, key_expr, prepare
from contactops.dedupe.compare import compare
from contactops.dedupe.defaults import follow_data
from contactops.dedupe.latin import latin
from contactops.dedupe.streets import house, street_form

from .conftest import normalize_rows, same_contact

# (case, record a, record b, same contact?)
PAIRS = [
    ("one name in Cyrillic and in Latin letters, one email",
     {"first_name": "Наталья", "last_name": "Волкова", "email": "n.volkova@orbitex.io"},
     {"first_name": "Natalya", "last_name": "Volkova", "email": "n.volkova@orbitex.io"}, True),
    ("one name in Greek and in Latin letters, one phone and company",
     {"first_name": "Γιώργος", "last_name": "Παπαδόπουλος", "phone": "+44 20 7946 0321",
      "company": "Kestrel Labs"},
     {"first_name": "Giorgos", "last_name": "Papadopoulos", "phone": "+442079460321",
      "company": "Kestrel Labs"}, True),
    ("colleagues: the company's mailbox pattern puts their initials at the end",
     {"first_name": "Penelope", "last_name": "Abernathy", "email": "penelopea@quillon.io",
      "company": "Quillon"},
     {"first_name": "Penelope", "last_name": "Morrison", "email": "penelopem@quillon.io",
      "company": "Quillon"}, False),
    ("a typo in the middle of a mailbox is still one person",
     {"first_name": "Penelope", "last_name": "Abernathy", "email": "penelope.abernathy@quillon.io",
      "company": "Quillon"},
     {"first_name": "Penelope", "last_name": "Abernathy", "email": "penelope.abernaty@quillon.io",
      "company": "Quillon"}, True),
    ("a first name in Arabic script and in Latin letters, one phone",
     {"first_name": "محمد", "last_name": "Haddad", "phone": "+44 20 7946 0733"},
     {"first_name": "Mohamed", "last_name": "Haddad", "phone": "+442079460733"}, True),
    ("a Polish formal name and its diminutive, one phone",
     {"first_name": "Katarzyna", "last_name": "Nowak", "phone": "+44 20 7946 0744"},
     {"first_name": "Kasia", "last_name": "Nowak", "phone": "+442079460744"}, True),
    ("a nickname misspelt (Mlly for Molly for Mary), one phone and company",
     {"first_name": "Mary", "last_name": "Perez", "phone": "+44 20 7946 0766",
      "company": "Kestrel Labs"},
     {"first_name": "Mlly", "last_name": "Perez", "phone": "+442079460766",
      "company": "Kestrel Labs"}, True),
    ("a surname in Chinese characters and another romanisation of it, one mailbox",
     {"first_name": "Noah", "last_name": "李", "email": "noah.lee@quillon.io"},
     {"first_name": "Noah", "last_name": "Lee", "email": "noah.lee@quillon.io"}, True),
    ("both names garbled (swapped, a nickname misspelt) under a mailbox holding a name of each",
     {"first_name": "Murpy", "last_name": "Gerald", "email": "gerald_murphy@quillon.io"},
     {"first_name": "Erry", "last_name": "Murphy", "email": "gerald_murphy@quillon.io"}, True),
    ("another person's names under one mailbox that holds only the first record's name",
     {"first_name": "Gerald", "last_name": "Murphy", "email": "gerald_murphy@quillon.io"},
     {"first_name": "Priya", "last_name": "Raman", "email": "gerald_murphy@quillon.io"}, False),
    ("a second employer and a surname typo under one own mobile number",
     {"first_name": "Guadalupe", "last_name": "Campbell", "phone": "+49 30 26562447",
      "company": "Sigma Bank"},
     {"first_name": "Guadalupe", "last_name": "Campblel", "phone": "+493026562447",
      "company": "Pennine Software"}, True),
    ("two first names of one family at one landline stay two people",
     {"first_name": "Katarzyna", "last_name": "Nowak", "phone": "+44 20 7946 0755"},
     {"first_name": "Agnieszka", "last_name": "Nowak", "phone": "+442079460755"}, False),
    ("one name's mailbox at two domains and nothing else: namesakes have that too",
     {"first_name": "Isabella", "last_name": "Allen", "email": "isabella_allen@quillon.io"},
     {"first_name": "Isabella", "last_name": "Allen", "email": "isabellaallen789@gmail.com"},
     False),
]


@pytest.mark.parametrize(("case", "a", "b", "same"), PAIRS, ids=[p[0] for p in PAIRS])
def test_pair(case: str, a: dict, b: dict, same: bool, background: pl.DataFrame) -> None:
    assert same_contact(background, a, b) is same, case


def test_a_mailbox_whose_owner_misspells_both_names_is_still_theirs() -> None:
    """Three spellings of one person: the mailbox is not a shared one (first and last three
    letters of the names are tokens), so it links them."""
    rows = [{"record_id": f"R{i}", "first_name": first, "last_name": last,
             "email": "rebecca_mensah@krustykrab.io"}
            for i, (first, last) in enumerate([("Rebecca", "Mensah"), ("Rebeca", "Menash"),
                                               ("Becac", "Ensah"), ("Rebecca", "Mensah")])]
    features = prepare(normalize_rows(rows), DedupeSettings())
    assert not features["email_key__shared"].any()
    strangers = [{"record_id": f"S{i}", "first_name": first, "last_name": last,
                  "email": "office@krustykrab.io"}
                 for i, (first, last) in enumerate([("Alice", "Ngata"), ("Bruno", "Ferreira"),
                                                    ("Chen", "Wei"), ("Dana", "Kowalski")])]
    features = prepare(normalize_rows(strangers), DedupeSettings())
    assert features["email_key__shared"].all()


@pytest.fixture(scope="module")
def mailing_list() -> pl.DataFrame:
    """2,000 generated people with street addresses (the hard preset), normalized."""
    from contactops.config.normalize import NormalizeSettings
    from contactops.config.project import ProjectSettings
    from contactops.fields import CONTACT_FIELDS
    from contactops.normalize import normalize
    from contactops.testing import make_contacts

    from .conftest import NOW

    gen = make_contacts(2000, seed=5, preset="hard")
    raw = gen.records.rename({"record_key": "record_id", "birth_date": "date_of_birth"})
    raw = raw.filter(pl.col("street").is_not_null()).with_columns(
        source_kind=pl.lit("import"),
        **{f: pl.lit(None, pl.String) for f in CONTACT_FIELDS if f not in raw.columns})
    out = normalize(raw.lazy(), ProjectSettings(), NormalizeSettings(), now=NOW)
    return out.records.collect()


def test_house_city_pass_finds_an_abbreviated_address(mailing_list: pl.DataFrame) -> None:
    """No email, no phone; the street is written two ways: only ``street:house`` blocks it."""
    a = {"first_name": "Kimberly", "last_name": "Volkova", "street": "167 Oak Blvd, Apt 20",
         "city": "Austin"}
    b = {"first_name": "Kimbrely", "last_name": "Volkova",
         "street": "167 Oak Boulevard, Apartment 20", "city": "Austin"}
    records = normalize_rows([{"record_id": "X-A", **a}, {"record_id": "X-B", **b}])
    options, _ = follow_data(DedupeSettings(), records)
    only = options.model_copy(update={"blocking": [
        r for r in options.blocking if r.name == "house_city"]})
    without = options.model_copy(update={"blocking": [
        r for r in options.blocking if r.name != "house_city"]})
    features = prepare(records, options)
    assert candidate_pairs(features, only).height == 1
    assert candidate_pairs(features, without).height == 0
    assert same_contact(mailing_list, a, b)


def test_neighbours_at_another_house_number_are_different_streets() -> None:
    records = normalize_rows([
        {"record_id": "A", "first_name": "Francisco", "last_name": "Schneider",
         "street": "Bahnhofallee 352", "city": "Berlin"},
        {"record_id": "B", "first_name": "Francois", "last_name": "Schneider",
         "street": "Bahnhofallee 57", "city": "Berlin"},
        {"record_id": "C", "first_name": "Francois", "last_name": "Schneider",
         "street": "Bahnhofallee 57", "city": "Berlin"},
        {"record_id": "D", "first_name": "Francois", "last_name": "Schneider",
         "street": "Bahnhofalle 57", "city": "Berlin"}])
    options, _ = follow_data(DedupeSettings(), records)
    street = next(f for f in options.fields if f.name == "street")
    features = prepare(records, options)
    pairs = pl.DataFrame({"l": [0, 1, 1], "r": [1, 2, 3]},
                         schema={"l": pl.UInt32, "r": pl.UInt32})
    levels = compare(pairs, features, [street])["g_street"].to_list()
    assert levels[0] == 0  # 352 and 57: another house
    assert levels[1] == 3  # exact
    assert levels[2] in (1, 2)  # a typo in the street name, the same number


@pytest.mark.parametrize(("value", "expected"), [
    ("Наталья", "natalya"), ("Γεωργίου", "georgiou"), ("Dell'Acqua", "dellacqua"),
    ("李", "li"), ("Björn", "bjorn"), ("---", None), (None, None)])
def test_latin(value: str | None, expected: str | None) -> None:
    assert latin(pl.Series([value], dtype=pl.String)).to_list() == [expected]


@pytest.mark.parametrize(("a", "b", "same"), [
    ("167 Oak Blvd., Apt 20", "167 Oak Boulevard, Apartment 20", True),
    ("Flat 25, 331 London Lane", "331 London Ln #25", True),
    ("Schillerstr. 5", "Schillerstraße 5", True),
    ("12 Main St", "12 Main Street", True),
    ("12 Main St", "21 Main St", False),
    ("12 Main St", "12 Mill St", False)])
def test_street_form(a: str, b: str, same: bool) -> None:
    forms = street_form(pl.Series([a, b])).to_list()
    assert (forms[0] == forms[1]) is same, forms
    keys = house(pl.Series([a, b])).to_list()
    assert (keys[0] == keys[1]) is same, keys


def test_latin_soundex_and_house_keys() -> None:
    frame = pl.DataFrame({"last_name_key": ["волкова", "volkova", None],
                          "street": ["167 Oak Blvd", "167 Oak Boulevard", "Oak Lane"]})
    out = frame.select(s=key_expr("last_name_key:soundex", frame.columns),
                       h=key_expr("street:house", frame.columns),
                       n=key_expr("last_name_key:latin", frame.columns))
    assert out["s"].to_list() == ["V421", "V421", None]
    assert out["h"].to_list() == ["167 oak", "167 oak", None]  # no number, no key
    assert out["n"].to_list() == ["volkova", "volkova", None]
    with pytest.raises(KeyError):
        key_expr("street:nonsense", frame.columns)
    BlockingRule(name="ok", keys=("street:house",))  # a declared pipeline may use them


def _pair_levels(rows: list[dict]) -> dict:
    """The blocking pass that found records 0 and 1 and their comparison levels."""
    options, _ = follow_data(DedupeSettings(), normalize_rows(rows))
    features = prepare(normalize_rows(rows), options)
    pairs = candidate_pairs(features, options)
    gammas = compare(pairs, features, options.fields).filter(
        (pl.col("l") == 0) & (pl.col("r") == 1))
    return gammas.row(0, named=True) if gammas.height else {}


def test_personal_and_work_mailbox_are_compared_as_one_name_at_two_domains() -> None:
    from contactops.dedupe.compare import EMAIL_OTHER_DOMAIN

    rows = [{"record_id": "A", "first_name": "Isabella", "last_name": "Allen",
             "email": "isabella_allen@quillon.io"},
            {"record_id": "B", "first_name": "Isabella", "last_name": "Allen",
             "email": "isabellaallen789@gmail.com"},
            {"record_id": "C", "first_name": "Jim", "last_name": "Smith",
             "email": "jsmith@quillon.io"},
            {"record_id": "D", "first_name": "Jo", "last_name": "Smith",
             "email": "jsmith1@gmail.com"},
            {"record_id": "E", "first_name": "Isabella", "last_name": "Allen",
             "email": "isabella_allen@gmail.com"}]
    options = DedupeSettings()
    features = prepare(normalize_rows(rows), options)
    pairs = pl.DataFrame({"l": [0, 2, 0], "r": [1, 3, 4]},
                         schema={"l": pl.UInt32, "r": pl.UInt32})
    levels = compare(pairs, features, options.fields)["g_email"].to_list()
    # a personal and a work address of one name; jsmith names nobody across domains; one
    # local part at two providers is one name at two domains, not a typo
    assert levels == [EMAIL_OTHER_DOMAIN, 0, EMAIL_OTHER_DOMAIN]


def test_one_name_at_two_domains_weighs_nothing() -> None:
    from contactops.dedupe.compare import EMAIL_OTHER_DOMAIN
    from contactops.dedupe.model import MatchModel

    model = MatchModel(m={"email": [0.1, 0.3, 0.01, 0.09, 0.5]},
                       u={"email": [0.9, 0.001, 0.01, 0.001, 0.0001]}, prior=1e-4,
                       kinds={"email": "email"})
    w = model.weights("email")
    assert w[EMAIL_OTHER_DOMAIN] == 0.0 and w[0] < 0 < w[-1]


def test_swapped_names_at_one_employer_are_blocked_by_name_pair_and_org() -> None:
    rows = [{"record_id": "A", "first_name": "Karlsson", "last_name": "Matthew",
             "company": "Stark Industries"},
            {"record_id": "B", "first_name": "Matthew", "last_name": "Karlsson",
             "email": "mkarlsson@starkindustries.io"}]
    found = _pair_levels(rows)
    assert found["block_rule"] == "name_pair_org"
    assert found["g_first_name"] == found["g_last_name"] > 0  # compared crossed


@pytest.mark.parametrize(("a", "b", "agree"), [
    ("محمد", "Mohamed", True), ("محمد", "Muhammad", True), ("कमर", "Kumar", True),
    ("يوسف", "Yousef", True), ("محمد", "Ahmed", False),
    ("Mohamed", "Mhmd", False),  # both in Latin letters: a typo, not a script without vowels
])
def test_names_in_scripts_without_vowels_agree_with_their_latin_spelling(
        a: str, b: str, agree: bool) -> None:
    rows = [{"record_id": "A", "first_name": a, "last_name": "Haddad", "phone": "+442079460733"},
            {"record_id": "B", "first_name": b, "last_name": "Haddad", "phone": "+442079460733"}]
    assert (_pair_levels(rows)["g_first_name"] > 0) is agree


@pytest.mark.parametrize(("a", "b", "related"), [
    ("katarzyna", "kasia", True), ("kasia", "katarzyna", True), ("paco", "francisco", True),
    ("sasha", "alexandra", True), ("sasha", "alexander", True), ("kasia", "malgorzata", False),
    ("pepe", "jose", True), ("jose", "francisco", False),
])
def test_hypocorisms(a: str, b: str, related: bool) -> None:
    from contactops.dedupe.hypocorisms import related as hypocorism

    assert hypocorism(a, b) is related


@pytest.mark.parametrize(("a", "b", "related"), [
    ("mlly", "mary", True), ("mary", "mlly", True), ("wjtek", "wojciech", True),
    ("mea", "mary", True), ("bil", "william", True),
    ("mark", "mary", False),  # one edit from Mary itself is a typo's business, not a form's
    ("ab", "albert", False),  # under three letters: one edit from almost any short name
    ("anna", "mary", False),
])
def test_a_misspelt_short_form_is_the_formal_name(a: str, b: str, related: bool) -> None:
    import polars as pl
    from nicknames import NickNamer

    from contactops.dedupe.hypocorisms import Forms

    forms = Forms(NickNamer().nickname_lookup)
    # in a column of other pairs, as the comparison decides them
    left = pl.Series(["anna", a, "bob", "kasia"])
    right = pl.Series(["mary", b, "robert", "katarzyna"])
    assert forms.related(left, right).tolist() == [False, related, True, True]


@pytest.mark.parametrize(("a", "b", "same"), [
    ("李", "lee", True), ("सह", "singh", True), ("οικονόμου", "oikonomou", True),
    ("андрей", "emre", False),  # another script, and not even the same first letter
    ("lee", "park", False),
])
def test_a_name_in_another_script_is_no_clear_contradiction(a: str, b: str,
                                                            same: bool) -> None:
    from contactops.dedupe.contradictions import same_name

    assert same_name(a, b, 0.5, 0.5, 0.1) is same


@pytest.mark.parametrize(("company", "same"), [("Quillon", True), (None, False)])
def test_another_first_name_at_one_home_and_employer_is_one_person(
        company: str | None, same: bool, mailing_list: pl.DataFrame) -> None:
    """Helen for Eleanor (a form no table lists) under one surname, street and employer is
    one person; at one street and surname without the employer, a household of two."""
    a = {"first_name": "Eleanor", "last_name": "Abernathy", "street": "12 Quarry Lane",
         "city": "Leeds", "company": company}
    b = {"first_name": "Helen", "last_name": "Abernathy", "street": "12 Quarry Ln",
         "city": "Leeds", "company": company}
    assert same_contact(mailing_list, a, b) is same
