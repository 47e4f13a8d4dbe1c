"""The canonical contact and activity fields every source is mapped onto.

This module is the single vocabulary shared by config, sources, normalize and the later
stages. It imports nothing heavy.
"""

from __future__ import annotations

from enum import StrEnum


class SourceKind(StrEnum):
    """How a contact entered the workspace (the admin guide's six ways in)."""

    MANUAL = "manual"
    IMPORT = "import"
    WEB_FORM = "web_form"
    CONNECTED_SYSTEM = "connected_system"
    CAMPAIGN = "campaign"
    WORKFLOW = "workflow"
    AGENT = "agent"


class ContactType(StrEnum):
    CUSTOMER = "customer"
    PROSPECT = "prospect"
    INTERNAL = "internal"
    UNKNOWN = "unknown"


#: Canonical contact fields, in warehouse column order, with a one-line meaning.
CONTACT_FIELDS: dict[str, str] = {
    "full_name": "whole name as written, when first/last are not separate",
    "first_name": "given name",
    "last_name": "family name",
    "email": "email address",
    "phone": "phone number in any format",
    "company": "organization name",
    "job_title": "role or title",
    "industry": "industry of the organization",
    "street": "street address (street name, or number and name)",
    "street_number": "house number, when the source keeps it apart from the street",
    "street_2": "address line 2: unit, building or property name",
    "city": "city or town",
    "region": "state, province or county",
    "postal_code": "postal or ZIP code",
    "country": "country name or code",
    "date_of_birth": "date of birth (personal data: masked in reports)",
    "external_id": "an identifier another system gave the person: customer number, "
                   "membership or national id (masked in reports)",
    "external_id_kind": "what system or kind external_id belongs to (ids of different kinds "
                        "are never compared); default: the source and column name",
    "tags": "flexible labels, several separated by , ; or |",
    "lists": "stable audiences the contact belongs to, several separated by , ; or |",
    "lifecycle_stage": "subscriber, lead, mql, sql, opportunity, customer, evangelist, other",
    "contact_type": "customer, prospect, internal or unknown",
    "original_source": "where the contact first came from, as the source system says",
    "campaign": "campaign name or id",
    "utm_source": "utm_source of the visit",
    "utm_medium": "utm_medium of the visit",
    "utm_campaign": "utm_campaign of the visit",
    "consent_status": "consent as written (yes, opt-in, unsubscribed, ...)",
    "consent_channel": "channel the consent_status applies to (email, sms, phone)",
    "consent_timestamp": "when consent was given or withdrawn",
    "consent_lawful_basis": "lawful basis (consent, contract, legitimate_interest, ...)",
    "email_consent": "consent for email, when the source has a column per channel",
    "sms_consent": "consent for SMS, when the source has a column per channel",
    "phone_consent": "consent for phone calls, when the source has a column per channel",
    "notes": "free text notes",
    "created_at": "when the record was created in its source",
    "updated_at": "when the record was last updated in its source",
}

#: Canonical activity fields (campaign opens, clicks, form fills, workflow actions).
ACTIVITY_FIELDS: dict[str, str] = {
    "activity_type": "open, click, form_fill, workflow_action, ...",
    "occurred_at": "when the activity happened",
    "contact_key": "key of the contact in the source named by links_to",
    "email": "email of the contact the activity belongs to",
    "campaign": "campaign name or id",
    "channel": "email, sms, web, ...",
    "details": "free text or URL",
}

#: Fields whose several mapped raw columns are concatenated instead of refused.
MULTI_VALUED_FIELDS = frozenset({"tags", "lists", "notes"})

#: Channels a contact's consent is kept per (``consent_<channel>`` columns).
CONSENT_CHANNELS = ("email", "sms", "phone")
