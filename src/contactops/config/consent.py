"""Consent settings: the statuses, the words that mean them, and how a word is compared.

A consent word is compared by its *key*: camel case split (``OptIn`` -> ``Opt In``), every
run of ``_``, ``-``, ``.`` and whitespace made one space, case folded, so ``OPTED_IN``,
``Opted-In`` and ``optedIn`` are one word. A key that still misses is tried once more with
its spaces removed (``opt in`` = ``optin``). The team's own words get the same tolerance.

The built-in words come from CRM and email-platform exports (Mailchimp, HubSpot, Salesforce,
Klaviyo, Brevo/Sendinblue, ActiveCampaign, Campaign Monitor, Constant Contact, SendGrid,
Marketo). Each was placed on the cautious side:

* anything that means "do not send" (unsubscribed, cleaned, bounced, complained, spam report,
  suppressed, blocklisted, archived, deleted, held) is ``opted_out``, so a merge keeps it
  unless a later *timestamped* opt-in exists;
* a status that is not marketing consent (transactional, non-subscribed, never subscribed,
  not specified, seen) is ``unknown``: never sent to by an outbound audience, yet not an
  opt-out that would block a real opt-in of the same person;
* words whose meaning depends on the platform (``active``, ``implicit``, ``temp hold``,
  ``soft bounce``) are left out on purpose: they stay ``unknown`` with the
  ``consent_unknown_value`` flag until the team lists them.
"""

from __future__ import annotations

import re
import unicodedata

from pydantic import Field, field_validator

from contactops.config.base import Frozen

#: The statuses, in the order audiences and reports show them.
CONSENT_STATUSES: tuple[str, ...] = ("opted_in", "opted_out", "pending", "unknown")

DEFAULT_CONSENT_VOCABULARY: dict[str, list[str]] = {
    "opted_in": [
        "yes", "y", "true", "t", "1", "subscribed", "subscribe", "opt-in", "opt in", "opted in",
        "opted-in", "optin", "granted", "consented", "agree", "agreed", "accepted", "confirmed",
        "double opt-in", "double opt-in confirmed", "ok",
        # platform exports
        "OptIn", "OptedIn", "opted in to email", "consent given", "consent granted",
        "confirmed opt-in", "opt-in confirmed", "single opt-in", "double opted in",
        "explicit", "express consent", "resubscribed",
    ],
    "opted_out": [
        "no", "n", "false", "f", "0", "unsubscribed", "unsubscribe", "opt-out", "opt out",
        "opted out", "opted-out", "optout", "declined", "denied", "withdrawn", "revoked",
        "do not contact", "dnc", "refused",
        # platform exports: a person's "no", and every "do not send" status
        "OptOut", "OptedOut", "Opted out of all email", "unsubscribed from all email",
        "opted out of email", "consent withdrawn", "consent revoked", "consent declined",
        "global unsubscribe", "unsubscribes", "stop", "stopped",
        "do not email", "do not mail", "do not text", "do not call", "no marketing",
        "cleaned", "bounced", "hard bounce", "hard bounced", "bounces",
        "complained", "complaint", "spam", "spam complaint", "spam report", "spam reports",
        "marked as spam", "abuse", "suppressed", "blocked", "blocklisted", "blacklisted",
        "email blacklisted", "archived", "deleted", "held", "marketing suspended",
    ],
    "pending": [
        "pending", "awaiting double opt-in", "awaiting confirmation", "unconfirmed",
        "pending confirmation", "double opt-in pending", "requested",
        "pending opt-in", "opt-in pending", "pending double opt-in", "confirmation pending",
        "awaiting opt-in", "waiting for confirmation", "not confirmed", "confirmation sent",
        "double opt-in sent",
    ],
    "unknown": [
        "", "unknown", "n/a", "na", "none", "null", "-", "?", "not set", "not asked",
        # not marketing consent: never sendable, yet no opt-out either
        "transactional", "transactional only", "non-subscribed", "never subscribed",
        "not subscribed", "not specified", "unspecified", "no status", "seen", "not seen",
        "unchanged", "undefined", "not opted in",
    ],
}

_CAMEL_LOWER = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_UPPER = re.compile(r"([A-Z])([A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s_.\-]+")


def consent_key(word: str) -> str:
    """The form a consent word is compared in: ``'Opted_IN'`` and ``'OptedIn'`` -> ``'opted in'``.

    :func:`contactops.normalize.consent.word_key` is the same function over a column.
    """
    text = unicodedata.normalize("NFKC", word)
    text = _CAMEL_UPPER.sub(r"\1 \2", _CAMEL_LOWER.sub(r"\1 \2", text))
    return _SEPARATORS.sub(" ", text).strip().lower()


def compact_key(key: str) -> str:
    """The key without spaces, tried when the spaced key misses (``opt in`` = ``optin``)."""
    return key.replace(" ", "")


class ConsentSettings(Frozen):
    vocabulary: dict[str, list[str]] = Field(
        default_factory=lambda: {k: list(v) for k, v in DEFAULT_CONSENT_VOCABULARY.items()},
        description="consent status -> words that mean it (case, separators and camel case "
                    "do not matter: OPTED_IN = Opted-In = OptedIn)",
    )
    use_builtin: bool = Field(
        True, description="also know the built-in words of CRM and email-platform exports; "
                          "the team's own words come first")
    default_channel: str = Field("email", description="channel a bare consent_status applies to")
    channels: tuple[str, ...] = ("email", "sms", "phone")

    @field_validator("vocabulary")
    @classmethod
    def _known_statuses(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = sorted(set(value) - set(CONSENT_STATUSES))
        if bad:
            raise ValueError(f"unknown consent status {bad}; use {sorted(CONSENT_STATUSES)}")
        clashes = _clashes(value)
        if clashes:
            raise ValueError("; ".join(clashes) + ": a word can mean one status only, keep it "
                             "under one of them")
        return value

    def lookup(self) -> dict[str, str]:
        """Key (and space-free key) -> status; the team's words, then the built-in ones.

        A status name always means itself. An earlier key wins over a later one, and every
        spaced key over every space-free key.
        """
        sources = [{s: [s] for s in CONSENT_STATUSES}, self.vocabulary]
        if self.use_builtin:
            sources.append(DEFAULT_CONSENT_VOCABULARY)
        spaced: dict[str, str] = {}
        for vocabulary in sources:
            for status, words in vocabulary.items():
                for word in words:
                    key = consent_key(word)
                    if key:
                        spaced.setdefault(key, status)
        out = dict(spaced)
        for key, status in spaced.items():
            out.setdefault(compact_key(key), status)
        return out


def _clashes(vocabulary: dict[str, list[str]]) -> list[str]:
    """Words of different statuses with one key, or that are another status's name."""
    seen: dict[str, tuple[str, str]] = {consent_key(s): (s, s) for s in CONSENT_STATUSES}
    seen |= {compact_key(k): v for k, v in list(seen.items())}
    out = []
    for status, words in vocabulary.items():
        for word in words:
            key = consent_key(word)
            for k in dict.fromkeys((key, compact_key(key))):
                if not k:
                    continue
                first = seen.setdefault(k, (status, word))
                if first[0] != status:
                    out.append(f"'{word}' under {status} reads as '{first[1]}' under {first[0]}")
                    break
    return out
