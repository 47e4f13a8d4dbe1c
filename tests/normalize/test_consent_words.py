"""Consent words as CRM and email-platform exports write them, and the key they are read by."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.normalize.conftest import run

from contactops.config.consent import (
    CONSENT_STATUSES,
    DEFAULT_CONSENT_VOCABULARY,
    ConsentSettings,
    consent_key,
)
from contactops.config.project import ProjectSettings
from contactops.normalize.consent import normalize_consent, word_key

SPELLINGS = Path(__file__).parent / "data" / "consent_spellings.csv"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _fixture() -> list[dict[str, str]]:
    with SPELLINGS.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _consent(values: list[str | None], consent: ConsentSettings) -> pl.DataFrame:
    """normalize_consent on bare consent_status values (the email channel)."""
    n = len(values)
    raw = {"_raw_consent_status": values, "_raw_consent_channel": [None] * n,
           "_raw_email_consent": [None] * n, "_raw_sms_consent": [None] * n,
           "_raw_phone_consent": [None] * n, "_raw_consent_lawful_basis": [None] * n}
    lf = pl.LazyFrame(raw, schema={k: pl.String for k in raw})
    return normalize_consent(lf, consent).collect()


@pytest.fixture(scope="module")
def spellings() -> tuple[list[dict[str, str]], pl.DataFrame]:
    rows = _fixture()
    records, _ = run([{"email_consent": r["spelling"]} for r in rows])
    return rows, records


def test_fixture_is_broad() -> None:
    rows = _fixture()
    assert len(rows) >= 100
    assert len({r["spelling"] for r in rows}) == len(rows)
    assert {r["status"] for r in rows} == set(CONSENT_STATUSES)


def test_every_fixture_spelling_maps_to_its_status(spellings) -> None:
    rows, records = spellings
    got = records["consent_email"].to_list()
    wrong = [(r["spelling"], r["status"], g) for r, g in zip(rows, got, strict=True)
             if g != r["status"]]
    assert wrong == []
    # a known word is not an unknown word: no flag, nothing unmapped
    assert records["consent_unmapped"].list.len().sum() == 0
    assert not records["flags"].list.contains("consent_unknown_value").any()


def test_do_not_send_words_are_never_opted_in(spellings) -> None:
    rows, records = spellings
    stop = {"cleaned", "bounced", "hard_bounce", "complained", "spam report", "suppressed",
            "archived", "blocklisted", "deleted", "held", "stop", "unsubscribed",
            "transactional", "non-subscribed", "never_subscribed"}
    statuses = dict(zip((r["spelling"].lower() for r in rows),
                        records["consent_email"].to_list(), strict=True))
    assert {w: statuses[w] for w in stop if w in statuses} == {
        w: ("unknown" if w in {"transactional", "non-subscribed", "never_subscribed"}
            else "opted_out") for w in stop if w in statuses}
    assert len([w for w in stop if w in statuses]) >= 10


@pytest.mark.parametrize("word", ["maybe", "ja", "Active", "implicit", "temp_hold",
                                  "soft bounce", "SMSOptIn", "opt in/out", "1.0"])
def test_unknown_words_stay_unknown_with_the_flag(word: str) -> None:
    records, _ = run([{"email_consent": word}])
    row = records.row(0, named=True)
    assert row["consent_email"] == "unknown"
    assert row["consent_unmapped"] == [word]
    assert "consent_unknown_value" in row["flags"]


def test_team_words_get_the_same_tolerance_and_come_first() -> None:
    consent = ConsentSettings(vocabulary={"opted_in": ["Ja, bitte"], "unknown": ["OK"]})
    out = _consent(["JA,_BITTE", "ja, Bitte", "ok", "O.K.", "Unsubscribed", "opted-in"],
                   consent)
    # the team's "OK" overrides the built-in opted_in; the built-in words still apply
    assert out["consent_email"].to_list() == [
        "opted_in", "opted_in", "unknown", "unknown", "opted_out", "opted_in"]
    assert out["consent_unmapped"].to_list()[:3] == [[], [], []]


def test_without_builtin_words_only_status_names_and_team_words_map() -> None:
    consent = ConsentSettings(vocabulary={"opted_in": ["sí"]}, use_builtin=False)
    out = _consent(["SÍ", "subscribed", "Opted_Out"], consent)
    assert out["consent_email"].to_list() == ["opted_in", "unknown", "opted_out"]
    assert out["consent_unmapped"].to_list() == [[], ["subscribed"], []]


def test_a_word_under_two_statuses_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="'opt-in' under opted_out reads as 'Opt_In'"):
        ConsentSettings(vocabulary={"opted_in": ["Opt_In"], "opted_out": ["opt-in"]})
    with pytest.raises(ValueError, match="'Pending' under opted_in reads as 'pending' under"):
        ConsentSettings(vocabulary={"opted_in": ["Pending"]})


def test_the_builtin_vocabulary_has_no_clash() -> None:
    ConsentSettings(vocabulary=DEFAULT_CONSENT_VOCABULARY)  # validates like a team's
    assert ProjectSettings().consent.lookup()["opted out of all email"] == "opted_out"


_PARTS = {s: s.split("_") for s in CONSENT_STATUSES}


@st.composite
def respelled(draw: st.DrawFn) -> tuple[str, str]:
    status = draw(st.sampled_from(CONSENT_STATUSES))
    parts = []
    for part in _PARTS[status]:
        case = draw(st.sampled_from(["lower", "upper", "title", "random"]))
        if case == "random":
            flips = draw(st.lists(st.booleans(), min_size=len(part), max_size=len(part)))
            part = "".join(c.upper() if f else c for c, f in zip(part, flips, strict=True))
        else:
            part = getattr(part, case)()
        parts.append(part)
    out = parts[0]
    for part in parts[1:]:
        out += draw(st.sampled_from(["_", "-", " ", ".", "", "__", " - ", "\t"])) + part
    pad = st.sampled_from(["", " ", "  ", "_"])
    return status, draw(pad) + out + draw(pad)


@FAST
@given(st.lists(respelled(), min_size=1, max_size=8))
def test_status_names_respelled_map_to_themselves(cases: list[tuple[str, str]]) -> None:
    out = _consent([w for _, w in cases], ConsentSettings())
    assert out["consent_email"].to_list() == [s for s, _ in cases]
    assert out["consent_unmapped"].list.len().sum() == 0


@FAST
@given(st.lists(st.text(st.sampled_from("aBcOPTiné_-. \t1ÄßxY"), max_size=12),
                min_size=1, max_size=10))
def test_column_key_is_the_config_key(words: list[str]) -> None:
    """The vocabulary (Python) and the raw values (Polars) are keyed alike."""
    got = pl.DataFrame({"w": words}).select(word_key(pl.col("w")))["w"].to_list()
    assert got == [consent_key(w) or None for w in words]
