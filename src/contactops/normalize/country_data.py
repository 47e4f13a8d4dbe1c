"""Reference data for places: country names and variants, US states, Canadian provinces.

All ISO 3166 countries come from the names the ``phonenumbers`` package ships (English plus
the main European languages, so Deutschland, Allemagne and España resolve); the variants
below add abbreviations and colloquial names.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Colloquial names, abbreviations and constituent countries -> ISO 3166 alpha-2.
COUNTRY_VARIANTS: dict[str, str] = {
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "us of a": "US", "america": "US",
    "united states": "US", "united states of america": "US", "the united states": "US",
    "estados unidos": "US", "etats-unis": "US", "vereinigte staaten": "US",
    "uk": "GB", "u.k.": "GB", "united kingdom": "GB", "great britain": "GB", "britain": "GB",
    "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
    "gbr": "GB", "the uk": "GB", "united kingdom of great britain and northern ireland": "GB",
    "deutschland": "DE", "germany": "DE", "brd": "DE", "frg": "DE", "allemagne": "DE",
    "france": "FR", "la france": "FR", "españa": "ES", "espana": "ES", "spain": "ES",
    "nederland": "NL", "holland": "NL", "the netherlands": "NL", "netherlands": "NL",
    "italia": "IT", "österreich": "AT", "oesterreich": "AT", "schweiz": "CH", "suisse": "CH",
    "svizzera": "CH", "switzerland": "CH", "belgië": "BE", "belgique": "BE", "belgien": "BE",
    "danmark": "DK", "sverige": "SE", "norge": "NO", "suomi": "FI", "polska": "PL",
    "ireland": "IE", "eire": "IE", "éire": "IE", "republic of ireland": "IE",
    "czech republic": "CZ", "czechia": "CZ", "russia": "RU", "russian federation": "RU",
    "south korea": "KR", "korea": "KR", "republic of korea": "KR", "north korea": "KP",
    "uae": "AE", "u.a.e.": "AE", "emirates": "AE", "prc": "CN", "mainland china": "CN",
    "hong kong": "HK", "taiwan": "TW", "vietnam": "VN", "viet nam": "VN", "iran": "IR",
    "syria": "SY", "laos": "LA", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ",
    "moldova": "MD", "macedonia": "MK", "north macedonia": "MK", "ivory coast": "CI",
    "cote d'ivoire": "CI", "côte d'ivoire": "CI", "brasil": "BR", "méxico": "MX",
    "mexico": "MX", "turkey": "TR", "türkiye": "TR", "turkiye": "TR", "nz": "NZ",
    "aotearoa": "NZ", "aus": "AU", "oz": "AU", "can": "CA", "deu": "DE", "fra": "FR",
    "esp": "ES", "ita": "IT", "nld": "NL", "che": "CH", "aut": "AT", "bel": "BE", "swe": "SE",
    "nor": "NO", "dnk": "DK", "fin": "FI", "pol": "PL", "prt": "PT", "irl": "IE", "jpn": "JP",
    "chn": "CN", "ind": "IN", "bra": "BR", "mex": "MX", "zaf": "ZA", "sgp": "SG", "isr": "IL",
    "rus": "RU", "kor": "KR", "nzl": "NZ", "arg": "AR", "chl": "CL", "col": "CO",
    "vatican": "VA", "holy see": "VA", "burma": "MM", "swaziland": "SZ", "eswatini": "SZ",
    "cape verde": "CV", "cabo verde": "CV", "east timor": "TL", "palestine": "PS",
    "kosovo": "XK", "micronesia": "FM", "the bahamas": "BS", "the gambia": "GM",
}

_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "da", "pl", "fi", "ca", "cs")
_LATIN = re.compile(r"^[\w\s.,'()&-]+$")


def country_key(value: str) -> str:
    """The lookup key of a country spelling: NFKC, lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", value).lower())


def _resolve(names: dict[str, str], lang: str) -> str | None:
    value = names.get(lang)
    seen = 0
    while value is not None and value.startswith("*") and seen < 5:
        value, seen = names.get(value[1:]), seen + 1
    return value


@lru_cache(maxsize=1)
def country_table() -> dict[str, str]:
    """country_key(spelling) -> ISO 3166 alpha-2, for codes, names and variants."""
    from contactops.normalize.country_names import COUNTRY_NAMES

    return COUNTRY_NAMES


def country_table_from_phonenumbers() -> dict[str, str]:
    """Rebuild the static table of country_names.py (slow: imports phonenumbers' locales)."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    table: dict[str, str] = {}
    for alias, code in COUNTRY_VARIANTS.items():
        table.setdefault(country_key(alias), code)
    for code in sorted(LOCALE_DATA):
        if len(code) == 2 and code.isalpha():
            table.setdefault(code.lower(), code)
    for lang in _LANGUAGES:
        for code, names in sorted(LOCALE_DATA.items()):
            name = _resolve(names, lang)
            if name and _LATIN.match(name):
                table.setdefault(country_key(name), code)
                # 'Korea, Republic of' style names: the part before the comma too.
                head = name.split(",")[0].split("(")[0]
                if head != name:
                    table.setdefault(country_key(head), code)
    table.pop("an", None)  # Netherlands Antilles no longer exists; 'an' is too ambiguous
    return table


US_STATES: dict[str, str] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV", "new hampshire": "NH",
    "new jersey": "NJ", "new mexico": "NM", "new york": "NY", "north carolina": "NC",
    "north dakota": "ND", "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "district of columbia": "DC",
    "washington dc": "DC", "washington d.c.": "DC", "puerto rico": "PR", "guam": "GU",
    "calif": "CA", "mass": "MA", "penn": "PA", "tex": "TX", "fla": "FL",
}

CA_PROVINCES: dict[str, str] = {
    "alberta": "AB", "british columbia": "BC", "manitoba": "MB", "new brunswick": "NB",
    "newfoundland and labrador": "NL", "newfoundland": "NL", "nova scotia": "NS",
    "ontario": "ON", "prince edward island": "PE", "quebec": "QC", "québec": "QC",
    "saskatchewan": "SK", "northwest territories": "NT", "nunavut": "NU", "yukon": "YT",
}
