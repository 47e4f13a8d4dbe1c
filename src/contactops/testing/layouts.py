"""How each source writes its columns: raw header -> canonical field, per file.

The writers use these to name columns, and the demo pipeline's ``mapping:`` blocks are these
same dictionaries, so data and pipeline cannot drift apart.
"""

from __future__ import annotations

#: layout "single": one contacts.csv with the headers a spreadsheet export would have.
SINGLE: dict[str, str] = {
    "Record ID": "record_key", "Source": "source", "Full Name": "full_name",
    "First Name": "first_name", "Last Name": "last_name", "E-mail": "email", "Mobile": "phone",
    "Organisation": "company", "Job Title": "job_title", "City": "city",
    "State/Province": "region", "Zip Code": "postal_code", "Country": "country", "Tags": "tags",
    "Lists": "lists", "Lifecycle Stage": "lifecycle_stage", "Contact Type": "contact_type",
    "Lead Source": "original_source", "Campaign": "campaign", "UTM Source": "utm_source",
    "UTM Medium": "utm_medium", "UTM Campaign": "utm_campaign", "Consent": "consent_status",
    "Consent Channel": "consent_channel", "Consent Date": "consent_timestamp",
    "Email Opt-In": "email_consent", "SMS Opt-In": "sms_consent", "Notes": "notes",
    "Created": "created_at", "Last Modified": "updated_at",
}

#: crm.sqlite, table contacts (a Salesforce-like connected system).
CRM: dict[str, str] = {
    "Id": "record_key", "FirstName": "first_name", "LastName": "last_name", "Email": "email",
    "Phone": "phone", "AccountName": "company", "Title": "job_title", "MailingCity": "city",
    "MailingState": "region", "MailingPostalCode": "postal_code", "MailingCountry": "country",
    "Tags__c": "tags", "Lists__c": "lists", "LifecycleStage": "lifecycle_stage",
    "Type": "contact_type", "LeadSource": "original_source", "EmailOptIn": "email_consent",
    "SMSOptIn": "sms_consent", "CreatedDate": "created_at", "LastModifiedDate": "updated_at",
}

#: import.csv (cp1252, ``;``): an export from a European desktop tool.
IMPORT_CSV: dict[str, str] = {
    "Import Ref": "record_key", "Given Name": "first_name", "Surname": "last_name",
    "Email Address": "email", "Telephone": "phone", "Société": "company",
    "Position": "job_title", "Town": "city", "County/State": "region", "Postcode": "postal_code",
    "Country": "country", "Labels": "tags", "Mailing Lists": "lists",
    "Marketing Consent": "consent_status", "Consent Date": "consent_timestamp",
    "Remarks": "notes", "Date Added": "created_at",
}

#: import.xlsx: the second import batch, from a spreadsheet template.
IMPORT_XLSX: dict[str, str] = {
    "Row ID": "record_key", "First": "first_name", "Last": "last_name", "Email": "email",
    "Phone Number": "phone", "Company": "company", "Title": "job_title", "City": "city",
    "State": "region", "ZIP": "postal_code", "Country": "country", "Tags": "tags",
    "Lists": "lists", "Opt-in": "consent_status", "Opt-in Date": "consent_timestamp",
    "Comments": "notes", "Added On": "created_at",
}

#: web_form.ndjson: dotted paths into each nested submission.
WEB_FORM: dict[str, str] = {
    "submission_id": "record_key", "submitted_at": "created_at",
    "contact.name.first": "first_name", "contact.name.last": "last_name",
    "contact.email": "email", "contact.phone": "phone", "contact.company": "company",
    "contact.country": "country", "consent.email": "email_consent", "consent.sms": "sms_consent",
    "consent.timestamp": "consent_timestamp", "utm.source": "utm_source",
    "utm.medium": "utm_medium", "utm.campaign": "utm_campaign",
}

#: manual.csv: typed in by hand, one name column, a few ragged rows.
MANUAL: dict[str, str] = {
    "Ref": "record_key", "Name": "full_name", "Email": "email", "Phone": "phone",
    "Company": "company", "Role": "job_title", "City": "city", "Country": "country",
    "Type": "contact_type", "Lists": "lists", "Tags": "tags", "Added": "created_at",
    "Notes": "notes",
}

#: campaign_contacts.csv: people a campaign tool collected.
CAMPAIGN: dict[str, str] = {
    "contact_id": "record_key", "email": "email", "first_name": "first_name",
    "last_name": "last_name", "campaign": "campaign", "utm_source": "utm_source",
    "utm_medium": "utm_medium", "utm_campaign": "utm_campaign", "subscribed": "consent_status",
    "subscribed_at": "consent_timestamp", "list": "lists", "created": "created_at",
}

#: campaign_activity.csv: opens, clicks and form fills keyed by CRM Id.
ACTIVITY: dict[str, str] = {
    "activity_id": "activity_key", "activity_type": "activity_type",
    "occurred_at": "occurred_at", "email": "email", "campaign": "campaign",
    "crm_contact_id": "contact_key", "channel": "channel", "url": "details",
}

#: agent_actions.json: upserts made by a workflow/agent, under ``actions``.
AGENT: dict[str, str] = {
    "action_id": "record_key", "performed_at": "created_at", "contact.name": "full_name",
    "contact.email": "email", "contact.phone": "phone", "contact.company": "company",
    "contact.stage": "lifecycle_stage", "contact.tags": "tags",
    "contact.consent.status": "consent_status", "contact.consent.channel": "consent_channel",
    "note": "notes", "updated_at": "updated_at",
}


def key_of(layout: dict[str, str]) -> str:
    """The raw column holding the record key."""
    return next(raw for raw, field in layout.items() if field in ("record_key", "activity_key"))


def mapping_of(layout: dict[str, str]) -> dict[str, str]:
    """The pipeline ``mapping:`` for a layout: every column except the key."""
    return {raw: field for raw, field in layout.items()
            if field not in ("record_key", "activity_key", "source")}


#: Columns the hard knobs add (street, date of birth), per layout above; written only when
#: the generated records have them, so classic files keep their exact headers.
HARD_EXTRA: dict[str, dict[str, str]] = {
    "single": {"Street": "street", "Date of Birth": "birth_date"},
    "crm": {"MailingStreet": "street", "Birthdate": "birth_date"},
    "import_csv": {"Address": "street", "Date of Birth": "birth_date"},
    "import_xlsx": {"Street": "street", "DOB": "birth_date"},
    "manual": {"Address": "street"},
}
