"""The seeded contact generator: determinism, truth consistency and the files it writes."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import polars as pl
import pytest

from contactops.config import load_pipeline
from contactops.config.project import DEFAULT_CONSENT_VOCABULARY
from contactops.fields import ACTIVITY_FIELDS, CONTACT_FIELDS
from contactops.testing import (
    DEFECTS,
    RECORD_COLUMNS,
    SOURCE_FIELDS,
    TRUTH_COLUMNS,
    make_contacts,
    vocab,
    write_dataset,
)
from contactops.testing.demo import pipeline_spec, project_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen():
    return make_contacts(4000, seed=11, invalid_rate=0.1, duplicate_rate=0.4,
                         shared_mailbox_rate=0.0)


@pytest.fixture(scope="module")
def sources_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sources")
    return out, write_dataset(out, 600, seed=5, layout="sources")


def test_same_seed_same_frames_and_other_seed_differs():
    a, b, c = make_contacts(500, seed=3), make_contacts(500, seed=3), make_contacts(500, seed=4)
    assert a.records.equals(b.records) and a.truth.equals(b.truth)
    assert a.activities.equals(b.activities)
    assert not a.records.equals(c.records)


def test_shape_columns_and_types(gen):
    assert gen.records.height == 4000 and gen.truth.height == 4000
    assert tuple(gen.records.columns) == RECORD_COLUMNS
    assert tuple(gen.truth.columns) == TRUTH_COLUMNS
    assert all(dtype == pl.Utf8 for dtype in gen.records.schema.values())
    assert set(RECORD_COLUMNS) - {"record_key", "source"} <= set(CONTACT_FIELDS)


def test_every_record_has_unique_key_in_truth(gen):
    assert gen.records["record_key"].n_unique() == gen.records.height
    assert gen.records["record_key"].to_list() == gen.truth["record_key"].to_list()


def test_duplicate_rate_is_roughly_the_knob(gen):
    sizes = gen.truth.group_by("entity_id").len()["len"]
    share = (sizes >= 2).mean()
    assert 0.3 <= share <= 0.5, share
    assert sizes.max() <= 5


def test_defects_at_configured_rate_and_known_codes(gen):
    defects = gen.truth["defects"]
    rate = (defects != "").mean()
    assert 0.08 <= rate <= 0.12, rate
    seen = {code for value in defects.to_list() if value for code in value.split("|")}
    assert seen <= set(DEFECTS)
    assert len(seen) == len(DEFECTS)


def test_zero_rates_give_clean_records():
    clean = make_contacts(800, seed=2, invalid_rate=0.0, shared_mailbox_rate=0.0)
    assert (clean.truth["defects"] == "").all()
    has_channel = clean.records["email"].is_not_null() | clean.records["phone"].is_not_null()
    assert has_channel.all()


def _with_truth(gen, code):
    both = pl.concat([gen.records, gen.truth.drop("record_key")], how="horizontal")
    return both.filter(pl.col("defects").str.contains(code, literal=True))


def test_no_channel_rows_have_neither_email_nor_phone(gen):
    rows = _with_truth(gen, "no_channel")
    assert rows.height > 0
    assert rows["email"].is_null().all() and rows["phone"].is_null().all()
    others = _with_truth(gen, "").filter(pl.col("defects") == "")
    assert (others["email"].is_not_null() | others["phone"].is_not_null()).all()


def test_defect_rows_look_like_their_code(gen):
    names = _with_truth(gen, "no_name").select("first_name", "last_name", "full_name")
    assert names.height and all(
        (names[c].is_null() | (names[c] == "")).all() for c in names.columns)
    malformed = _with_truth(gen, "malformed_email")["email"]
    assert not malformed.str.contains(r"^[^@\s]+@[^@\s]+\.[a-z]+$").any()
    disposable = _with_truth(gen, "disposable_email")["email"]
    assert disposable.str.contains("|".join(vocab.DISPOSABLE_DOMAINS)).all()
    typos = {t for group in vocab.DOMAIN_TYPOS.values() for t in group}
    assert _with_truth(gen, "email_typo")["email"].str.split("@").list.last().is_in(
        list(typos)).all()
    future = _with_truth(gen, "future_date")["created_at"]
    assert future.str.contains("20[34][0-9]|^2[0-9]{9}$").all()


def test_truth_values_are_clean(gen):
    t = gen.truth
    assert t["true_email"].str.contains(r"^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$").all()
    gmail = t.filter(pl.col("true_email").str.ends_with("@gmail.com"))["true_email"]
    assert not gmail.str.contains(r"\.[^@]*@|\+").any()
    assert t["true_phone_e164"].drop_nulls().str.contains(r"^\+(1|44|49)\d{9,11}$").all()
    assert set(t["true_country"].unique()) == {"US", "GB", "DE"}
    assert set(t["true_consent_email"].unique()) <= set(vocab.CONSENT_STATUSES)


def test_consent_words_mean_their_true_status(gen):
    both = pl.concat([gen.records, gen.truth.drop("record_key")], how="horizontal")
    crm = both.filter(pl.col("source") == "crm")
    words = {w.lower(): s for s, ws in DEFAULT_CONSENT_VOCABULARY.items() for w in ws}
    meant = crm["email_consent"].str.to_lowercase().replace_strict(words, default="??")
    assert (meant == crm["true_consent_email"]).all()


def test_sources_fill_only_their_fields(gen):
    campaign = gen.records.filter(pl.col("source") == "campaign")
    assert campaign["phone"].is_null().all() and campaign["full_name"].is_null().all()
    manual = gen.records.filter(pl.col("source") == "manual")
    assert manual["first_name"].is_null().all() and manual["full_name"].is_not_null().any()
    assert set(gen.records["source"].unique()) == set(SOURCE_FIELDS)


def test_nicknames_and_messy_vocabularies_appear(gen):
    both = pl.concat([gen.records, gen.truth.drop("record_key")], how="horizontal")
    bob = both.filter((pl.col("true_first_name") == "Robert") & (pl.col("first_name") == "Bob"))
    assert bob.height > 0
    assert gen.records["country"].n_unique() > 10
    assert gen.records["phone"].str.contains(r" x\d+$").any()
    assert gen.records["phone"].str.starts_with("00").any()
    assert gen.records["email"].str.contains(r"\+[a-z0-9]+@gmail\.com").any()


def test_shared_role_mailboxes_span_several_people():
    g = make_contacts(3000, seed=9, shared_mailbox_rate=0.2, invalid_rate=0.0)
    role = g.truth.filter(pl.col("defects") == "role_email")
    people = role.group_by("true_email").agg(pl.col("entity_id").n_unique())
    assert people["entity_id"].max() >= 2


def test_activities_link_to_crm_keys(gen):
    crm_keys = set(gen.records.filter(pl.col("source") == "crm")["record_key"])
    linked = gen.activities["contact_key"].is_in(list(crm_keys))
    assert 0.9 <= linked.mean() < 1.0
    assert set(gen.activities["activity_type"].unique()) == {"open", "click", "form_fill"}


def test_unknown_knob_is_named():
    with pytest.raises(TypeError, match="did you mean 'invalid_rate'"):
        make_contacts(10, invalid_rat=0.1)


def test_single_layout_writes_contacts_and_truth(tmp_path):
    info = write_dataset(tmp_path, 200, seed=1)
    contacts = pl.read_csv(tmp_path / "contacts.csv", infer_schema=False)
    assert contacts.height == 200 == info["files"]["contacts.csv"]["rows"]
    assert {"First Name", "E-mail", "Mobile", "Organisation", "Record ID"} <= set(contacts.columns)
    assert pl.read_csv(tmp_path / "truth.csv", infer_schema=False).height == 200


def test_import_csv_is_cp1252_not_utf8(sources_dir):
    out, info = sources_dir
    raw = (out / "import.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert text.splitlines()[0].split(";")[5] == "Société"
    assert len(text.splitlines()) == info["files"]["import.csv"]["rows"] + 1


def test_ndjson_json_sqlite_and_excel_are_readable(sources_dir):
    out, info = sources_dir
    lines = (out / "web_form.ndjson").read_text().splitlines()
    first = json.loads(lines[0])
    assert "first" in first["contact"]["name"] and "email" in first["consent"]
    assert len(lines) == info["files"]["web_form.ndjson"]["rows"]
    doc = json.loads((out / "agent_actions.json").read_text())
    assert len(doc["actions"]) == info["files"]["agent_actions.json"]["rows"]
    with sqlite3.connect(out / "crm.sqlite") as con:
        (count,) = con.execute("SELECT count(*) FROM contacts").fetchone()
    con.close()
    assert count == info["files"]["crm.sqlite"]["rows"] > 0
    xlsx = pl.read_excel(out / "import.xlsx", sheet_name="Contacts")
    assert xlsx.height == info["files"]["import.xlsx"]["rows"]


def test_manual_csv_has_ragged_rows_and_multiline_note(sources_dir):
    out, info = sources_dir
    text = (out / "manual.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    width = lines[0].count(",")
    assert lines[3].count(",") == width - 1 and lines[5].count(",") == width + 1
    assert '"Met at booth 12\nfollow up in Q3"' in text
    assert info["ragged_rows"] == [lines[3].split(",")[0], lines[5].split(",")[0]]


def test_activity_file_keys_match_crm(sources_dir):
    out, _ = sources_dir
    act = pl.read_csv(out / "campaign_activity.csv", infer_schema=False)
    with sqlite3.connect(out / "crm.sqlite") as con:
        ids = {r[0] for r in con.execute("SELECT Id FROM contacts")}
    con.close()
    assert act["crm_contact_id"].is_in(list(ids)).mean() > 0.9


def test_demo_pipeline_loads_and_matches_the_generator():
    project = load_pipeline(ROOT / "pipelines" / "demo.yaml")
    assert [s.name for s in project.pipeline.sources] == [
        s["name"] for s in pipeline_spec()["sources"]]
    kinds = {s.kind.value for s in project.pipeline.sources}
    assert kinds >= {"manual", "import", "web_form", "connected_system", "campaign", "agent"}
    for source in project.pipeline.sources:
        fields = CONTACT_FIELDS if source.role == "contacts" else ACTIVITY_FIELDS
        assert set(source.mapping.values()) <= set(fields)
    assert "example-corp.com" in project.settings.contact_types.internal_domains


def test_demo_config_taxonomy_covers_every_generated_spelling():
    settings = load_pipeline(ROOT / "pipelines" / "demo.yaml").settings
    aliases = {a for spellings in settings.taxonomy.tags.values() for a in spellings}
    assert aliases >= {s for g in vocab.TAG_SPELLINGS.values() for s in g}
    assert settings.taxonomy.lists == project_spec()["taxonomy"]["lists"]
    words = {w for ws in settings.consent.vocabulary.values() for w in ws}
    assert {w.lower() for g in vocab.CONSENT_WORDS.values() for w in g} <= words
