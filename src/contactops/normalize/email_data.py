"""Reference data for email addresses: free-mail, disposable, role accounts, domain typos."""

from __future__ import annotations

from functools import lru_cache

#: Free-mail providers: their domain says nothing about the contact's company.
FREE_MAIL_DOMAINS = frozenset("""
gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.es yahoo.it yahoo.ca
yahoo.com.au yahoo.co.in yahoo.co.jp ymail.com rocketmail.com hotmail.com hotmail.co.uk
hotmail.fr hotmail.de hotmail.it hotmail.es outlook.com outlook.fr outlook.de live.com
live.co.uk live.fr live.de msn.com aol.com aim.com icloud.com me.com mac.com mail.com
gmx.com gmx.de gmx.net gmx.at gmx.ch web.de t-online.de freenet.de posteo.de mailbox.org
protonmail.com proton.me pm.me tutanota.com tuta.io zoho.com yandex.com yandex.ru mail.ru
inbox.ru list.ru bk.ru qq.com 163.com 126.com sina.com naver.com daum.net hanmail.net
orange.fr wanadoo.fr free.fr laposte.net sfr.fr neuf.fr libero.it virgilio.it tiscali.it
btinternet.com sky.com virginmedia.com ntlworld.com talktalk.net blueyonder.co.uk
comcast.net verizon.net att.net sbcglobal.net bellsouth.net cox.net charter.net
earthlink.net optonline.net shaw.ca rogers.com sympatico.ca telus.net bigpond.com
optusnet.com.au fastmail.com fastmail.fm hushmail.com rediffmail.com seznam.cz wp.pl o2.pl
onet.pl interia.pl bluewin.ch hey.com
""".split())

#: Throw-away inbox providers (a common subset; extend with extra_disposable_domains).
DISPOSABLE_DOMAINS = frozenset("""
mailinator.com mailinator.net guerrillamail.com guerrillamail.net guerrillamail.org
guerrillamailblock.com sharklasers.com grr.la 10minutemail.com 10minutemail.net
20minutemail.com temp-mail.org tempmail.com tempmail.net tempmailo.com tempr.email
throwawaymail.com trashmail.com trashmail.net trashmail.de yopmail.com yopmail.fr yopmail.net
getnada.com nada.email dispostable.com maildrop.cc mailnesia.com mintemail.com mohmal.com
fakeinbox.com fakemail.net emailondeck.com spamgourmet.com spambox.us spam4.me mytemp.email
mailcatch.com moakt.com burnermail.io inboxkitten.com discard.email getairmail.com
tempinbox.com jetable.org mail-temporaire.fr mailtemp.info tmpmail.org tmpmail.net
33mail.com anonaddy.me harakirimail.com mailpoof.com emailfake.com crazymailing.com
""".split())

#: Local parts that name a function, not a person.
ROLE_LOCALPARTS = frozenset("""
info sales support admin administrator contact hello office billing noreply no-reply
donotreply do-not-reply team help helpdesk service services marketing enquiries enquiry
inquiries inquiry accounts accounting finance hr jobs careers recruiting press media
webmaster postmaster hostmaster abuse security privacy legal compliance orders newsletter
mail email general reception feedback customerservice customercare it ops devops root
""".split())

#: Providers that ignore a +tag in the local part (so it is removed from the matching key).
PLUS_ADDRESSING_DOMAINS = frozenset("""
gmail.com googlemail.com outlook.com hotmail.com live.com icloud.com me.com mac.com
fastmail.com fastmail.fm protonmail.com proton.me pm.me
""".split())

#: Providers whose typos are worth catching (edit distance 1 is generated from these). Short
#: names (aol, msn, live, web.de) are left out: one edit away lie real company domains.
TOP_PROVIDERS = (
    "gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "icloud.com", "googlemail.com",
    "comcast.net", "protonmail.com", "yahoo.co.uk", "hotmail.co.uk", "wanadoo.fr",
    "btinternet.com",
)

#: Typos that are further than one edit from the right domain.
KNOWN_TYPOS: dict[str, str] = {
    "gmail.co": "gmail.com", "gmail.cm": "gmail.com", "gamil.com": "gmail.com",
    "gmal.com": "gmail.com", "gmial.com": "gmail.com", "gnail.com": "gmail.com",
    "gmai.com": "gmail.com", "gmail.con": "gmail.com", "gmail.om": "gmail.com",
    "gmaill.com": "gmail.com", "gmail.co.uk": "gmail.com", "gmail.comm": "gmail.com",
    "g-mail.com": "gmail.com", "gmailcom": "gmail.com", "gemail.com": "gmail.com",
    "yaho.com": "yahoo.com", "yahooo.com": "yahoo.com", "yahoo.co": "yahoo.com",
    "yhaoo.com": "yahoo.com", "yahoo.cm": "yahoo.com", "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com", "hotmai.com": "hotmail.com", "hotmail.co": "hotmail.com",
    "hotnail.com": "hotmail.com", "homtail.com": "hotmail.com", "hitmail.com": "hotmail.com",
    "outlok.com": "outlook.com", "outllok.com": "outlook.com", "outlook.co": "outlook.com",
    "iclod.com": "icloud.com", "icoud.com": "icloud.com", "icloud.co": "icloud.com",
    "aol.co": "aol.com", "aoll.com": "aol.com",
}

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789.-"


def _edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserts = {a + c + b for a, b in splits for c in _ALPHABET}
    return deletes | swaps | replaces | inserts


@lru_cache(maxsize=1)
def typo_table() -> dict[str, str]:
    """Misspelled domain -> suggested domain; real domains are never treated as typos."""
    real = FREE_MAIL_DOMAINS | DISPOSABLE_DOMAINS
    table: dict[str, str] = {}
    for provider in TOP_PROVIDERS:
        for variant in sorted(_edits1(provider)):
            if variant not in real and variant != provider and "." in variant.strip("."):
                table.setdefault(variant, provider)
    table.update(KNOWN_TYPOS)
    return table
