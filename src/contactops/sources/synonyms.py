"""Column-name synonyms for zero-config mapping ("E-mail" -> email, "Organisation" -> company).

Names are compared after folding: lower case, every run of non-alphanumerics removed, so
"E-mail Address", "email_address" and "EmailAddress" are the same name.
"""

from __future__ import annotations

import re

_FOLD = re.compile(r"[^0-9a-z]+")


def fold(name: str) -> str:
    return _FOLD.sub("", name.lower())


CONTACT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "full_name": ("name", "full name", "contact name", "contact", "display name", "person",
                  "customer name", "attendee", "fullname"),
    "first_name": ("first name", "given name", "forename", "first", "firstname", "fname",
                   "christian name", "vorname", "prenom", "prénom"),
    "last_name": ("last name", "surname", "family name", "last", "lastname", "lname",
                  "nachname", "nom"),
    "email": ("email", "e-mail", "email address", "e-mail address", "mail", "primary email",
              "work email", "email 1", "emailaddress", "contact email", "business email"),
    "phone": ("phone", "mobile", "mobile phone", "cell", "cell phone", "telephone", "tel",
              "phone number", "work phone", "primary phone", "mobile number", "telefon",
              "phone 1", "business phone", "contact number"),
    "company": ("company", "organisation", "organization", "company name", "account",
                "account name", "employer", "org", "business", "firm", "firma"),
    "job_title": ("job title", "title", "position", "role", "job", "designation"),
    "industry": ("industry", "sector", "vertical"),
    "street": ("street", "address", "street address", "address 1", "address line 1",
               "mailing street", "addr"),
    "street_number": ("street number", "house number", "street no", "house no",
                      "building number", "street num"),
    "street_2": ("address 2", "address line 2", "street 2", "address2", "mailing street 2",
                 "street line 2", "addr 2"),
    "city": ("city", "town", "locality", "mailing city", "ort", "ville", "suburb",
             "town city", "city town"),
    "region": ("region", "state", "province", "county", "state province", "mailing state",
               "state/province", "bundesland"),
    "postal_code": ("postal code", "zip", "zip code", "postcode", "post code", "zipcode",
                    "plz", "mailing zip", "mailing postal code"),
    "date_of_birth": ("dob", "date of birth", "birthdate", "birth date", "birthday", "born",
                      "d o b", "geburtsdatum"),
    "external_id": ("soc sec id", "ssn", "social security number", "national id",
                    "national insurance number", "customer no", "customer number",
                    "customer id", "member id", "member no", "membership number",
                    "membership id", "member number", "tax id", "passport number"),
    "external_id_kind": ("id kind", "id type", "external id kind", "identifier type"),
    "country": ("country", "country code", "nation", "land", "pays", "mailing country",
                "country/region"),
    "tags": ("tags", "tag", "labels", "label", "keywords", "interests"),
    "lists": ("lists", "list", "list membership", "lists membership", "segments", "audiences",
              "subscriptions"),
    "lifecycle_stage": ("lifecycle stage", "lifecycle", "stage", "lead status", "status"),
    "contact_type": ("contact type", "type", "record type", "relationship"),
    "original_source": ("original source", "lead source", "source", "how did you hear",
                        "acquisition source", "origin"),
    "campaign": ("campaign", "campaign name", "campaign id"),
    "utm_source": ("utm source", "utm_source"),
    "utm_medium": ("utm medium", "utm_medium"),
    "utm_campaign": ("utm campaign", "utm_campaign"),
    "consent_status": ("consent", "consent status", "opt in", "optin", "opt-in status",
                       "marketing consent", "subscribed", "subscription status",
                       "marketing opt in", "gdpr consent", "accepts marketing"),
    "consent_channel": ("consent channel", "channel"),
    "consent_timestamp": ("consent date", "consent timestamp", "opt in date", "consent at",
                          "consented at", "opt-in date", "subscribed at", "consent time"),
    "consent_lawful_basis": ("lawful basis", "legal basis", "gdpr basis", "basis"),
    "email_consent": ("email consent", "email opt in", "email optin", "email subscribed",
                      "email marketing", "newsletter opt in", "newsletter", "newsletter consent",
                      "email opt-in"),
    "sms_consent": ("sms consent", "sms opt in", "sms optin", "text opt in", "sms marketing"),
    "phone_consent": ("phone consent", "call consent", "phone opt in"),
    "notes": ("notes", "note", "comments", "comment", "remarks", "description"),
    "created_at": ("created at", "created", "create date", "created date", "date created",
                   "signup date", "sign up date", "registered", "added"),
    "updated_at": ("updated at", "updated", "last modified", "modified", "last updated",
                   "last modified date", "update date"),
}

ACTIVITY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "activity_type": ("activity type", "activity", "event", "event type", "action", "type"),
    "occurred_at": ("occurred at", "timestamp", "date", "time", "event time", "event date",
                    "happened at", "at"),
    "contact_key": ("contact key", "contact id", "contact", "crm id", "person id", "lead id"),
    "email": CONTACT_SYNONYMS["email"],
    "campaign": CONTACT_SYNONYMS["campaign"],
    "channel": ("channel", "medium"),
    "details": ("details", "url", "link", "detail", "subject", "description"),
}

#: Folded names that identify a record in its source: these become the key column.
KEY_NAMES = frozenset(fold(n) for n in (
    "id", "source_id", "record_id", "contact_id", "record id", "contact id", "external_id",
    "external id", "uuid", "guid", "crm id", "crm_id", "customer id", "customer_id", "lead id",
    "lead_id", "person id", "submission id", "submission_id", "row id", "key", "object id",
    "rec_id", "rec id",
))


def _index(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for canonical, names in table.items():
        out.setdefault(fold(canonical), canonical)
        for name in names:
            out.setdefault(fold(name), canonical)
    return out


CONTACT_INDEX = _index(CONTACT_SYNONYMS)
ACTIVITY_INDEX = _index(ACTIVITY_SYNONYMS)


def suggest_mapping(columns: list[str], role: str = "contacts",
                    taken: set[str] | None = None) -> tuple[dict[str, str], str | None]:
    """Map raw columns to canonical fields by name; returns (mapping, key column).

    The first column to claim a field wins, except for tags, lists and notes, which take
    several. A column that looks like an identifier becomes the key instead of a field.
    """
    index = CONTACT_INDEX if role == "contacts" else ACTIVITY_INDEX
    multi = {"tags", "lists", "notes"}
    claimed = set(taken or ())
    mapping: dict[str, str] = {}
    key: str | None = None
    for column in columns:
        folded = fold(column)
        if key is None and (folded in KEY_NAMES or folded.endswith("recordid")):
            if not (role == "activity" and index.get(folded) == "contact_key"):
                key = column
                continue
        target = index.get(folded)
        if target is None or (target in claimed and target not in multi):
            continue
        mapping[column] = target
        claimed.add(target)
    return mapping, key
