"""Reference data for person names: honorifics, suffixes, particles, nicknames, surnames."""

from __future__ import annotations

from functools import lru_cache

#: Honorifics recognised before a name (lower case, without the trailing dot).
PREFIXES: dict[str, str] = {
    "dr": "Dr.", "doctor": "Dr.", "mr": "Mr.", "mister": "Mr.", "mrs": "Mrs.", "ms": "Ms.",
    "miss": "Miss", "mx": "Mx.", "prof": "Prof.", "professor": "Prof.", "sir": "Sir",
    "dame": "Dame", "rev": "Rev.", "fr": "Fr.", "herr": "Herr", "frau": "Frau", "mme": "Mme",
    "mlle": "Mlle", "m": "M.", "sr.a": "Sra.", "sra": "Sra.", "hon": "Hon.",
}

#: Generational and professional suffixes (lower case, dots removed) -> display form.
SUFFIXES: dict[str, str] = {
    "jr": "Jr.", "junior": "Jr.", "sr": "Sr.", "senior": "Sr.", "ii": "II", "iii": "III",
    "iv": "IV", "v": "V", "phd": "PhD", "md": "MD", "esq": "Esq.", "dds": "DDS", "cpa": "CPA",
    "mba": "MBA", "rn": "RN", "jd": "JD",
}

#: Surname particles that stay lower case inside a surname (van der Berg, de la Cruz).
PARTICLES = (
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "dos",
    "das", "do", "ten", "ter", "zu", "bin", "ibn", "al", "el", "y",
)

#: Mac- surnames where the inner capital is safe; 'Mack', 'Macy', 'Machado' are left alone.
MAC_NAMES = (
    "MacArthur", "MacAulay", "MacBride", "MacCallum", "MacDonald", "MacDougall", "MacDuff",
    "MacEwan", "MacFarlane", "MacGregor", "MacInnes", "MacIntosh", "MacIntyre", "MacIver",
    "MacKay", "MacKenzie", "MacKinnon", "MacLachlan", "MacLean", "MacLeod", "MacMillan",
    "MacNeil", "MacPherson", "MacQuarrie", "MacRae", "MacTavish", "MacAlister", "MacKintosh",
)

#: Common surnames (lower case) used, with the nickname list of given names, to detect a
#: swapped first/last name cheaply: 'Smith' in first_name and 'John' in last_name.
COMMON_SURNAMES = frozenset("""
smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez
gonzalez wilson anderson taylor moore jackson martin lee perez thompson white harris sanchez
clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill flores
green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans
turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers
gutierrez ortiz morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson
watson brooks chavez wood bennett gray mendoza ruiz hughes price alvarez castillo sanders
patel myers long ross foster jimenez powell jenkins perry russell sullivan bell coleman
butler henderson barnes fisher vasquez simmons romero jordan patterson alexander hamilton
graham reynolds griffin wallace west cole hayes bryant herrera gibson ellis tran medina
aguilar stevens murray ford castro marshall owens harrison fernandez mcdonald woods
washington kennedy wells vargas henry chen freeman webb tucker guzman burns crawford olson
simpson porter hunter gordon mendez silva shaw snyder mason dixon munoz hunt hicks holmes
palmer wagner black robertson boyd rose stone salazar fox warren mills meyer rice schmidt
garza daniels ferguson nichols stephens soto weaver ryan gardner payne grant dunn kelley
spencer hawkins arnold pierce hansen peters santos hart bradley knight elliott cunningham
duncan armstrong hudson carroll lane riley andrews ray berry perkins hoffman johnston
matthews pena richards willis carpenter lawrence sandoval obrien mueller muller schneider
fischer weber schulz becker schafer koch bauer richter klein wolf schroder neumann
schwarz zimmermann braun kruger hofmann hartmann lange schmitt werner krause lehmann
bernard dubois durand lefebvre leroy moreau simon laurent michel rousseau vincent fournier
morel girard andre mercier dupont lambert bonnet francois martinez rossi russo ferrari
esposito bianchi romano colombo ricci marino greco bruno gallo conti jansen devries bakker
visser smit meijer mulder bos vos dekker
""".split())


#: Popular given names, most popular first: they break ties when a nickname belongs to several
#: canonical names (mike: michael rather than miguel; bill: william rather than robert).
POPULAR_GIVEN_NAMES = tuple("""
james john robert michael william david richard joseph thomas charles christopher daniel
matthew anthony donald mark paul steven andrew kenneth joshua kevin brian george edward
ronald timothy jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
scott brandon benjamin samuel frank gregory raymond alexander patrick dennis jerry tyler
aaron jose henry adam douglas nathan peter zachary kyle walter harold jeremy ethan carl
keith roger gerald christian terry sean arthur austin noah lawrence jesse bryan jordan
albert dylan bruce gabriel alan juan logan wayne ralph roy eugene randy vincent russell
louis philip bradley mary patricia jennifer linda elizabeth barbara susan jessica sarah
karen nancy lisa margaret sandra ashley kimberly emily donna michelle dorothy carol amanda
melissa deborah stephanie rebecca sharon laura cynthia kathleen amy shirley angela helen
anna brenda pamela nicole emma samantha katherine christine debra rachel catherine
carolyn janet ruth maria heather diane virginia julie joyce victoria olivia kelly
christina lauren joan evelyn judith megan cheryl andrea hannah martha jacqueline frances
gloria ann teresa kathryn sara janice jean alice madison doris abigail julia judy grace
denise amber marilyn beverly danielle theresa sophia marie diana brittany natalie
isabella charlotte rose alexis kayla
""".split())


#: Where the popularity tie-break is wrong for English usage.
NICKNAME_OVERRIDES = {
    "bill": "william", "billy": "william", "will": "william", "willy": "william",
    "willie": "william", "liam": "william",
}


@lru_cache(maxsize=1)
def nickname_table() -> dict[str, str]:
    """Given name or nickname (lower) -> one canonical given name, built once.

    A nickname can belong to several canonical names (bert: albert, robert, herbert...). A
    popular name keeps itself; otherwise the most popular candidate wins, then the name itself
    when it has nicknames of its own, then the alphabetically first candidate.
    """
    from nicknames import NickNamer

    namer = NickNamer()
    nick_of = namer.nickname_lookup
    canon_of = namer.canonical_lookup
    rank = {name: i for i, name in enumerate(POPULAR_GIVEN_NAMES)}
    table: dict[str, str] = {}
    for name in set(nick_of) | set(canon_of):
        candidates = canon_of.get(name, set())
        popular = [c for c in candidates if c in rank]
        if name in rank:
            table[name] = name
        elif popular:
            table[name] = min(popular, key=rank.__getitem__)
        elif name in nick_of or not candidates:
            table[name] = name
        else:
            table[name] = min(candidates)
    table.update(NICKNAME_OVERRIDES)
    return table
