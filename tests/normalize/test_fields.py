"""Literal input -> expected output tables for every normalizer."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.normalize.conftest import one

from contactops.config.normalize import NormalizeSettings

NAMES = [
    ({"full_name": "Dr. John Smith Jr."}, ("John", "Smith", "Dr.", "Jr.")),
    ({"full_name": "Smith, John"}, ("John", "Smith", None, None)),
    ({"first_name": "SEAN", "last_name": "O'BRIEN"}, ("Sean", "O'Brien", None, None)),
    ({"first_name": "anna", "last_name": "VAN DER BERG"}, ("Anna", "van der Berg", None, None)),
    ({"full_name": "Maria de la Cruz"}, ("Maria", "de la Cruz", None, None)),
    ({"first_name": "bob", "last_name": "mcdonald"}, ("Bob", "McDonald", None, None)),
    ({"first_name": "ANGUS", "last_name": "MACLEOD"}, ("Angus", "MacLeod", None, None)),
    ({"first_name": "jim", "last_name": "MACK"}, ("Jim", "Mack", None, None)),
    ({"first_name": "Ｊｏｈｎ", "last_name": "  smith  "}, ("John", "Smith", None, None)),
    ({"first_name": "mary-jane", "last_name": "smith-jones"},
     ("Mary-Jane", "Smith-Jones", None, None)),
    ({"first_name": "DeShawn", "last_name": "DeVito"}, ("DeShawn", "DeVito", None, None)),
    ({"first_name": "Smith", "last_name": "John"}, ("John", "Smith", None, None)),
    ({"full_name": "Jane Doe, PhD"}, ("Jane", "Doe", None, "PhD")),
    ({"full_name": "Mrs Ann   Lee"}, ("Ann", "Lee", "Mrs.", None)),
]


@pytest.mark.parametrize(("raw", "expected"), NAMES)
def test_names(raw, expected):
    row = one(**raw)
    assert (row["first_name"], row["last_name"], row["name_prefix"], row["name_suffix"]) == expected


def test_swap_is_flagged_and_nickname_key_keeps_display():
    row = one(first_name="Smith", last_name="Bob")
    assert "name_swapped" in row["flags"]
    assert row["first_name"] == "Bob" and row["first_name_key"] == "robert"
    assert one(first_name="Priya", last_name="Thomas")["first_name"] == "Priya"


@pytest.mark.parametrize(("raw", "key"), [("Bob", "robert"), ("Liz", "elizabeth"),
                                          ("Bill", "william"), ("Mike", "michael"),
                                          ("Zebulon", "zebulon")])
def test_first_name_key(raw, key):
    assert one(first_name=raw)["first_name_key"] == key


EMAILS = [
    (" John.Smith+news@GoogleMail.com ", "john.smith+news@googlemail.com", "johnsmith@gmail.com",
     True, False, False, None),
    ("info@acme.com", "info@acme.com", "info@acme.com", True, True, False, None),
    ("x@mailinator.com", "x@mailinator.com", "x@mailinator.com", True, False, True, None),
    ("jane@gmial.com", "jane@gmial.com", "jane@gmial.com", True, False, False, "gmail.com"),
    ("bad@@x", "bad@@x", None, False, False, False, None),
    ("josé@exämple.de", "josé@exämple.de", "josé@exämple.de", True, False, False, None),
    ("a.b+c@outlook.com", "a.b+c@outlook.com", "a.b@outlook.com", True, False, False, None),
]


@pytest.mark.parametrize(("raw", "email", "key", "valid", "role", "disposable", "typo"), EMAILS)
def test_emails(raw, email, key, valid, role, disposable, typo):
    row = one(email=raw)
    assert (row["email"], row["email_key"], row["email_valid"], row["email_is_role"],
            row["email_is_disposable"], row["email_typo_suggestion"]) == (
        email, key, valid, role, disposable, typo)


def test_company_domain_hint_only_for_business_mail():
    assert one(email="a@acme.com")["company_domain_hint"] == "acme.com"
    assert one(email="a@gmail.com")["company_domain_hint"] is None


PHONES = [
    ("020 7946 0958", "UK", None, "+442079460958", None, True, "GB"),
    ("020 7946 0958", "United Kingdom", "US", "+442079460958", None, True, "GB"),
    ("(415) 555-2671 x123", "USA", None, "+14155552671", "123", True, "US"),
    ("415-555-2671 ext. 7", None, None, "+14155552671", "7", True, "US"),
    ("+44 (0)20 7946 0958", None, None, "+442079460958", None, True, "GB"),
    ("0151 12345678", "Deutschland", None, "+4915112345678", None, True, "DE"),
    ("030 123456", "Germany", None, "+4930123456", None, True, "DE"),
    ("06 12 34 56 78", "France", None, "+33612345678", None, True, "FR"),
    ("+33 1 42 68 53 00", None, None, "+33142685300", None, True, "FR"),
    ("0049 170 1234567", None, None, "+491701234567", None, True, "DE"),
    ("+81 3-1234-5678", None, None, "+81312345678", None, True, "JP"),
    ("12", None, None, None, None, False, "US"),
    ("555-0100", None, "GB", None, None, False, "GB"),
]


@pytest.mark.parametrize(("raw", "country", "region", "e164", "ext", "valid", "used"), PHONES)
def test_phones(raw, country, region, e164, ext, valid, used):
    row = one(options=NormalizeSettings(phone_region=region), phone=raw, country=country)
    assert (row["phone_e164"], row["phone_extension"], row["phone_valid"],
            row["phone_region"]) == (e164, ext, valid, used)
    if not valid:
        assert row["phone"] == raw and "phone_invalid" in row["flags"]


COMPANIES = [
    ("ACME INC.", "Acme Inc", "acme"), ("acme, inc", "Acme, Inc", "acme"),
    ("Acme Incorporated", "Acme Incorporated", "acme"), ("IBM", "IBM", "ibm"),
    ("BOSCH GMBH", "Bosch GmbH", "bosch"), ("Foo Pty Ltd", "Foo Pty Ltd", "foo"),
    ("bar l.l.c.", "Bar LLC", "bar"), ("The Widget Company", "The Widget Company", "widget"),
    ("Société Générale S.A.", "Société Générale S.A.", "société générale"),
    ("BANK OF AMERICA CORP", "Bank of America Corp", "bank of america"),
    ("Siemens B.V.", "Siemens B.V.", "siemens"), ("Company", "Company", "company"),
]


@pytest.mark.parametrize(("raw", "display", "key"), COMPANIES)
def test_companies(raw, display, key):
    row = one(company=raw)
    assert (row["company"], row["company_key"]) == (display, key)


GEO = [
    ({"country": "U.S.A.", "region": "california", "postal_code": "2134"}, ("US", "CA", "02134")),
    ({"country": "England", "postal_code": "sw1a1aa"}, ("GB", None, "SW1A 1AA")),
    ({"country": "Deutschland", "region": "Bayern", "postal_code": "80331"},
     ("DE", "Bayern", "80331")),
    ({"country": "Holland", "postal_code": "1012ab"}, ("NL", None, "1012 AB")),
    ({"country": "España"}, ("ES", None, None)), ({"country": "america"}, ("US", None, None)),
    ({"country": "Canada", "region": "Ontario", "postal_code": "k1a0b1"}, ("CA", "ON", "K1A 0B1")),
]


@pytest.mark.parametrize(("raw", "expected"), GEO)
def test_geo(raw, expected):
    row = one(**raw)
    assert (row["country"], row["region"], row["postal_code"]) == expected


def test_unknown_country_is_flagged_not_guessed():
    row = one(country="Narnia")
    assert row["country"] is None and "country_unknown" in row["flags"]


CONSENT = [
    ({"consent_status": "Opt-In"}, ("opted_in", "unknown", "unknown"), []),
    ({"consent_status": "yes", "consent_channel": "SMS"}, ("unknown", "opted_in", "unknown"), []),
    ({"consent_status": "unsubscribed", "consent_channel": "all"},
     ("opted_out", "opted_out", "opted_out"), []),
    ({"consent_status": "maybe"}, ("unknown", "unknown", "unknown"), ["maybe"]),
    ({"email_consent": "yes", "sms_consent": "ja"}, ("opted_in", "unknown", "unknown"), ["ja"]),
    ({"phone_consent": " PENDING "}, ("unknown", "unknown", "pending"), []),
]


@pytest.mark.parametrize(("raw", "statuses", "unmapped"), CONSENT)
def test_consent(raw, statuses, unmapped):
    row = one(**raw)
    assert (row["consent_email"], row["consent_sms"], row["consent_phone"]) == statuses
    assert row["consent_unmapped"] == unmapped
    assert ("consent_unknown_value" in row["flags"]) == bool(unmapped)


@pytest.mark.parametrize(("raw", "tags", "unknown"), [
    ("Webinar 2024, VIP", ["webinar-2024", "vip"], []),
    ("webinar2024;WEBINAR-2024 | vip", ["webinar-2024", "vip"], []),
    ("Trade Show", ["trade-show"], ["trade-show"]),
])
def test_tags(raw, tags, unknown):
    row = one(tags=raw)
    assert row["tags"] == tags and row["unknown_tags"] == unknown
    assert ("tag_unknown" in row["flags"]) == bool(unknown)


@pytest.mark.parametrize(("raw", "stage", "unmapped"), [
    ("Marketing Qualified Lead", "mql", None), ("closed won", "customer", None),
    ("CLIENT", "customer", None), ("prospecting", None, "prospecting"),
])
def test_lifecycle(raw, stage, unmapped):
    row = one(lifecycle_stage=raw)
    assert (row["lifecycle_stage"], row["lifecycle_unmapped"]) == (stage, unmapped)


def test_contact_type_rules():
    from contactops.config.project import ContactTypeRules, ProjectSettings

    settings = ProjectSettings(contact_types=ContactTypeRules(internal_domains=("acme.com",)))
    assert one(settings, email="a@acme.com")["contact_type"] == "internal"
    row = one(settings, lifecycle_stage="customer")
    assert (row["contact_type"], row["contact_type_derived"]) == ("customer", True)
    assert one(settings, lifecycle_stage="lead")["contact_type"] == "prospect"
    row = one(settings, contact_type="Client", lifecycle_stage="lead")
    assert (row["contact_type"], row["contact_type_derived"]) == ("customer", False)


DATES = [
    ("2024-03-05", datetime(2024, 3, 5), ()),
    ("2024-03-05T10:20:30+02:00", datetime(2024, 3, 5, 8, 20, 30), ()),
    ("03/04/2024", datetime(2024, 3, 4), ()), ("13/04/2024", datetime(2024, 4, 13), ()),
    ("05.03.2024", datetime(2024, 3, 5), ()), ("1709632800", datetime(2024, 3, 5, 10), ()),
    ("1709632800000", datetime(2024, 3, 5, 10), ()), ("March 5, 2024", datetime(2024, 3, 5), ()),
    ("2024-02-30", None, ("impossible",)), ("garbage", None, ("unparsed",)),
    ("2099-01-01", datetime(2099, 1, 1), ("future",)),
]


@pytest.mark.parametrize(("raw", "value", "flags"), DATES)
def test_dates(raw, value, flags):
    row = one(created_at=raw)
    assert row["created_at"] == value
    for flag in ("future", "impossible", "unparsed"):
        assert row[f"created_at_{flag}"] == (flag in flags)
        assert (f"date_{flag}" in row["flags"]) == (flag in flags)


def test_date_order_option_decides_ambiguous_dates():
    row = one(options=NormalizeSettings(date_order="dmy"), created_at="03/04/2024")
    assert row["created_at"] == datetime(2024, 4, 3)
