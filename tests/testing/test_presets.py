"""The generator's presets: classic stays as it was, hard adds the people that make matching
hard, and the truth stays exact (one entity per true person, families apart)."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from contactops.testing import PRESETS, make_contacts, vocab, write_dataset
from contactops.testing.vocab_world import MARKETING_CONSENT_WORDS


@pytest.fixture(scope="module")
def hard():
    return make_contacts(8000, seed=5, preset="hard")


@pytest.fixture(scope="module")
def both(hard):
    return pl.concat([hard.records, hard.truth.drop("record_key")], how="horizontal")


def test_classic_is_the_default_and_presets_are_deterministic_by_seed():
    assert make_contacts(400, seed=3).records.equals(
        make_contacts(400, seed=3, preset="classic").records)
    a, b = make_contacts(400, seed=3, preset="hard"), make_contacts(400, seed=3, preset="hard")
    assert a.records.equals(b.records) and a.truth.equals(b.truth)
    assert not a.records.equals(make_contacts(400, seed=4, preset="hard").records)
    assert a.preset == "hard" and "preset=hard" in repr(a)
    assert set(PRESETS) == {"classic", "hard"}


def test_unknown_preset_names_the_closest_one():
    with pytest.raises(ValueError, match="did you mean 'hard'"):
        make_contacts(10, preset="hrad")


def test_explicit_knobs_override_the_preset():
    gen = make_contacts(2000, seed=1, preset="hard", offline_rate=0.0, invalid_rate=0.0)
    assert gen.knobs.offline_rate == 0.0 and gen.knobs.name_pool == "world"
    no_channel = gen.records.filter(pl.col("email").is_null() & pl.col("phone").is_null())
    assert no_channel.height == 0


def test_truth_is_exact_a_true_email_belongs_to_one_person(both):
    role = f"^({'|'.join(vocab.ROLE_MAILBOXES)})@"  # shared mailboxes are shared on purpose
    owners = (both.filter(pl.col("true_email").is_not_null()
                          & ~pl.col("true_email").str.contains(role))
              .group_by("true_email").agg(pl.col("entity_id").n_unique()))
    assert owners.height > 3000 and owners["entity_id"].max() == 1
    assert both["record_key"].n_unique() == both.height


def test_family_members_share_surname_and_home_but_are_different_people(both):
    people = both.unique("entity_id").filter(
        pl.col("household_id").is_duplicated())
    assert people.height > 50
    per_house = people.group_by("household_id").agg(
        pl.col("entity_id").n_unique().alias("people"),
        pl.col("true_last_name").n_unique().alias("surnames"),
        (pl.col("true_street").n_unique() == 1).alias("one_home"),
        pl.col("true_first_name").n_unique().alias("first_names"))
    assert (per_house["people"] >= 2).all() and (per_house["surnames"] == 1).all()
    assert (per_house["first_names"] == per_house["people"]).all()
    assert per_house["one_home"].mean() > 0.4
    landlines = people.filter(pl.col("true_phone_e164").is_not_null()).group_by(
        "true_phone_e164").agg(pl.col("entity_id").n_unique())
    assert (landlines["entity_id"] >= 2).sum() > 5  # a landline shared by a household


def test_two_job_people_are_one_entity_with_two_work_emails(both):
    work = both.filter(pl.col("true_company").is_not_null()
                       & ~pl.col("true_email").str.contains("@(gmail|yahoo|hotmail|outlook)"))
    two = work.group_by("entity_id").agg(
        pl.col("true_company").n_unique().alias("companies"),
        pl.col("true_email").str.split("@").list.last().n_unique().alias("domains"))
    two = two.filter((pl.col("companies") == 2) & (pl.col("domains") == 2))
    assert two.height > 10


def test_namesakes_work_together(both):
    people = both.unique("entity_id")
    groups = people.group_by("true_first_name", "true_last_name", "true_company").agg(
        pl.col("entity_id").n_unique().alias("n"))
    assert groups.filter(pl.col("n") >= 3).height >= 1


def test_non_latin_names_and_their_transliterations(both):
    first = both["true_first_name"]
    for script in (r"\p{Han}", r"\p{Cyrillic}", r"\p{Arabic}", r"\p{Greek}",
                   r"\p{Devanagari}"):
        assert first.str.contains(script).any(), script
    dmitry = both.filter(pl.col("true_first_name") == "Дмитрий")["first_name"].drop_nulls()
    assert dmitry.str.contains("(?i)dmitr").any() and dmitry.str.contains("Дмитрий").any()
    imported = both.filter((pl.col("source") == "import") & pl.col("first_name").is_not_null())
    assert not imported["first_name"].str.contains(r"\p{Cyrillic}|\p{Han}|\p{Arabic}").any()


def test_offline_people_have_name_and_address_only(both):
    offline = both.filter(pl.col("email").is_null() & pl.col("phone").is_null()
                          & (pl.col("defects") == ""))
    assert offline.height > 100
    assert set(offline["source"].unique()) <= {"crm", "import", "manual"}
    assert offline["street"].is_not_null().mean() > 0.9
    assert offline["birth_date"].is_not_null().any()


def test_streets_are_abbreviated_and_the_truth_keeps_the_full_form(both):
    streets = both.filter(pl.col("street").is_not_null())
    assert streets["street"].str.contains(r" St\.?$| St\.?,|Apt|#").any()
    assert not streets["true_street"].str.contains(r" St\.?$|Apt|#").any()
    assert streets["true_street"].str.contains("Street|straße").any()


def test_marketing_consent_words_keep_their_intended_status(both):
    crm = both.filter(pl.col("source") == "crm")
    for status, words in MARKETING_CONSENT_WORDS.items():
        said = crm.filter(pl.col("email_consent").is_in(list(words)))
        assert said.height > 0, status
        assert (said["true_consent_email"] == status).all(), status


def test_hard_single_layout_adds_street_and_birth_columns(tmp_path):
    write_dataset(tmp_path / "hard", 300, seed=2, preset="hard")
    write_dataset(tmp_path / "classic", 300, seed=2)
    hard = pl.read_csv(tmp_path / "hard" / "contacts.csv", infer_schema=False)
    classic = pl.read_csv(tmp_path / "classic" / "contacts.csv", infer_schema=False)
    assert hard.columns == [*classic.columns, "Street", "Date of Birth"]
    truth = pl.read_csv(tmp_path / "hard" / "truth.csv", infer_schema=False)
    assert {"true_street", "true_birth_date", "household_id"} <= set(truth.columns)


def test_cli_generate_preset(tmp_path):
    from contactops.cli.app import app

    runner = CliRunner()
    ok = runner.invoke(app, ["generate", "--rows", "200", "--preset", "hard",
                             "--out", str(tmp_path / "g")])
    assert ok.exit_code == 0, ok.output
    assert "preset hard" in ok.output
    assert "Street" in (tmp_path / "g" / "contacts.csv").read_text().splitlines()[0]
    bad = runner.invoke(app, ["generate", "--rows", "10", "--preset", "nope",
                              "--out", str(tmp_path / "b")])
    assert bad.exit_code == 2 and "--preset" in bad.output


def test_name_skew_makes_names_unevenly_common_like_real_ones():
    """name_skew: a few family names are much commoner than the rest (Zipf), so unrelated
    namesakes are frequent; at 0 every name of the pool is about equally common."""
    def top_share(gen) -> float:
        people = gen.truth.unique("entity_id")
        counts = people.group_by("true_last_name").len()["len"]
        return counts.max() / counts.mean()

    skewed = make_contacts(6000, seed=2, preset="hard", name_skew=0.5)
    flat = make_contacts(6000, seed=2, preset="hard")
    assert flat.knobs.name_skew == 0.0
    assert top_share(skewed) > 6
    assert top_share(flat) < 3
