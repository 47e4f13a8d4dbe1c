"""Larger word lists for the ``hard`` preset: names from many cultures and scripts, more
companies, street addresses and the consent words marketing tools write.

Names in Chinese, Cyrillic, Arabic, Greek and Devanagari script carry the Latin
transliterations people and systems use for them (Дмитрий -> Dmitry, Dmitriy, Dmitrii); the
first transliteration is the one an email address is made from. Company domains use the
``.example`` TLD.
"""

from __future__ import annotations

#: Latin-script given names beyond the classic list, with nicknames.
MORE_FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "John": ("Johnny", "Jack"), "Maria": ("Mari",), "David": ("Dave", "Davey"),
    "Mary": ("Molly", "Mae"), "Sarah": ("Sally",), "Christopher": ("Chris", "Kit"),
    "Jonathan": ("Jon", "Jonny"),
    "Nathaniel": ("Nate", "Nat"), "Alexander": ("Alex", "Xander"), "Dorothy": ("Dot", "Dottie"),
    "Eleanor": ("Ellie", "Nell"), "Isabella": ("Bella", "Izzy"), "Penelope": ("Penny",),
    "Harold": ("Harry", "Hal"), "Henry": ("Hank", "Harry"), "Lawrence": ("Larry",),
    "Ronald": ("Ron", "Ronnie"), "Donald": ("Don", "Donny"), "Gerald": ("Gerry",),
    "Raymond": ("Ray",), "Walter": ("Walt",), "Jacqueline": ("Jackie",), "Suzanne": ("Suzy",),
    "Catherine": ("Cathy", "Kate"), "Caroline": ("Carrie",), "Josephine": ("Josie", "Jo"),
    "Juan": ("Juanito",), "Francisco": ("Paco", "Pancho"), "Guadalupe": ("Lupe",),
    "Alejandro": ("Alejo", "Ale"), "Dolores": ("Lola",), "Manuel": ("Manolo",),
    "Giuseppe": ("Beppe", "Peppe"), "Giovanni": ("Gianni",), "Francesca": ("Cesca",),
    "Luca": (), "Giulia": (), "Marco": (), "Chiara": (), "Lorenzo": ("Enzo",),
    "Jean": (), "Marie": (), "Pierre": (), "Camille": (), "Amélie": (), "Hélène": (),
    "Antoine": ("Toine",), "Élodie": (), "Sébastien": ("Seb",), "Gaëlle": (),
    "Wolfgang": ("Wolf",), "Johannes": ("Hannes", "Jo"), "Friedrich": ("Fritz",),
    "Sabine": (), "Ursula": ("Uschi",), "Matthias": ("Matze",), "Stefanie": ("Steffi",),
    "Katarzyna": ("Kasia",), "Małgorzata": ("Gosia",), "Wojciech": ("Wojtek",),
    "Agnieszka": ("Aga",), "Piotr": (), "Søren": (), "Åsa": (), "Ingrid": (), "Lars": (),
    "Sigríður": ("Sigga",), "Seán": (), "Aoife": (), "Ciarán": (), "Pádraig": ("Paddy",),
    "Mehmet": (), "Ayşe": (), "Emre": (), "Zeynep": (), "Nguyễn": (), "Thảo": (),
    "Kwame": (), "Chinedu": ("Chi",), "Oluwaseun": ("Seun",), "Ngozi": (), "Thabo": (),
    "Hiroshi": (), "Haruto": (), "Sakura": (), "Ji-woo": ("Jiwoo",), "Min-jun": ("Minjun",),
    "Santiago": ("Santi",), "Valentina": ("Vale",), "Sebastián": ("Seba",), "Camila": ("Cami",),
    "Rafael": ("Rafa",), "Beatriz": ("Bia",), "João": (), "Gonçalo": (),
}

#: Latin-script family names beyond the classic list.
MORE_LAST_NAMES: tuple[str, ...] = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
    "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel",
    "Fontaine", "Rousseau", "Gauthier", "Bauer", "Hofmann", "Schäfer", "Klein", "Schwarz",
    "Braun", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Nowak",
    "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Dąbrowski",
    "Johansson", "Karlsson", "Eriksson", "Olsen", "Hansen", "Pedersen", "Nielsen", "Virtanen",
    "Korhonen", "Murray", "Kennedy", "Ó Súilleabháin", "Ní Bhriain", "Byrne", "Walsh",
    "Doyle", "McCarthy", "Gallagher", "Fitzgerald", "MacDonald", "Yılmaz", "Kaya", "Demir",
    "Şahin", "Çelik", "Tran", "Pham", "Le", "Hoang", "Vu", "Okafor", "Adeyemi", "Mensah",
    "Nkosi", "Mwangi", "Suzuki", "Takahashi", "Watanabe", "Yamamoto", "Nakamura", "Lee-Smith",
    "Choi", "Jung", "Kang", "Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa",
    "Fernández", "González", "Díaz", "Muñoz", "Jiménez", "Ruiz", "Álvarez", "Romero",
    "Navarro", "Gutiérrez", "Van Dijk", "De Jong", "Jansen", "De Vries", "Van den Bosch",
    "Bakker", "Visser", "Smit", "Meijer", "Mulder", "D'Angelo", "Dell'Acqua", "St. John",
    "Abernathy", "Blackwood", "Carrington", "Davenport", "Ellsworth", "Fairbanks", "Hargreaves",
    "Kingsley", "Lockwood", "Montgomery", "Pemberton", "Radcliffe", "Sutherland", "Whitfield",
)

#: Given names in other scripts -> Latin transliterations (first one makes the email).
SCRIPT_FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "伟": ("Wei",), "芳": ("Fang",), "秀英": ("Xiuying", "Hsiu-ying"), "敏": ("Min",),
    "静": ("Jing", "Ching"), "强": ("Qiang", "Chiang"), "磊": ("Lei",), "洋": ("Yang",),
    "Дмитрий": ("Dmitry", "Dmitriy", "Dmitrii"), "Александр": ("Aleksandr", "Alexander"),
    "Сергей": ("Sergei", "Sergey"), "Наталья": ("Natalya", "Natalia", "Natalja"),
    "Ольга": ("Olga",), "Екатерина": ("Ekaterina", "Yekaterina", "Katerina"),
    "Юлия": ("Yulia", "Iuliia", "Julia"), "Андрей": ("Andrei", "Andrey"),
    "محمد": ("Mohammed", "Muhammad", "Mohamed"), "أحمد": ("Ahmed", "Ahmad"),
    "فاطمة": ("Fatima", "Fatimah"), "خالد": ("Khalid", "Khaled"),
    "يوسف": ("Yousef", "Youssef", "Yusuf"), "ليلى": ("Layla", "Leila", "Laila"),
    "Γιώργος": ("Giorgos", "Yiorgos", "Georgios"), "Δημήτρης": ("Dimitris", "Dimitrios"),
    "Ελένη": ("Eleni", "Helen"), "Νίκος": ("Nikos", "Nicholas"), "Σοφία": ("Sofia", "Sophia"),
    "प्रिया": ("Priya",), "राहुल": ("Rahul",), "अमित": ("Amit",), "सुनीता": ("Sunita",),
    "अनिल": ("Anil",), "दीपिका": ("Deepika", "Dipika"), "विकास": ("Vikas", "Vikash"),
}

#: Family names in other scripts -> Latin transliterations.
SCRIPT_LAST_NAMES: dict[str, tuple[str, ...]] = {
    "王": ("Wang",), "李": ("Li", "Lee"), "张": ("Zhang", "Chang", "Cheung"), "刘": ("Liu", "Lau"),
    "陈": ("Chen", "Chan"), "杨": ("Yang", "Yeung"), "黄": ("Huang", "Wong"),
    "赵": ("Zhao", "Chao"),
    "Иванов": ("Ivanov",), "Смирнова": ("Smirnova",), "Кузнецов": ("Kuznetsov", "Kuznetsoff"),
    "Попова": ("Popova",), "Соколов": ("Sokolov",), "Волкова": ("Volkova",),
    "Фёдоров": ("Fedorov", "Fyodorov", "Fiodorov"), "Морозов": ("Morozov",),
    "حداد": ("Haddad",), "خوري": ("Khoury", "Khouri", "Khuri"), "حسن": ("Hassan", "Hasan"),
    "المصري": ("Al-Masri", "Elmasry", "Al Masri"), "عبدالله": ("Abdullah", "Abdallah"),
    "Παπαδόπουλος": ("Papadopoulos",), "Οικονόμου": ("Oikonomou", "Economou"),
    "Γεωργίου": ("Georgiou",), "Παπαδάκης": ("Papadakis",), "Νικολάου": ("Nikolaou",),
    "शर्मा": ("Sharma",), "वर्मा": ("Verma",), "गुप्ता": ("Gupta",), "सिंह": ("Singh",),
    "कुमार": ("Kumar",), "पटेल": ("Patel",), "जोशी": ("Joshi",),
}

#: Name pairs so common that several people at one company share them.
COMMON_NAMES: tuple[tuple[str, str], ...] = (
    ("John", "Smith"), ("David", "Lee"), ("Maria", "Garcia"), ("Michael", "Brown"),
    ("James", "Johnson"), ("Mary", "Williams"),
)

#: Company stems are WORD + KIND ("North Analytics"), many of them near each other.
COMPANY_WORDS: tuple[str, ...] = (
    "North", "Blue", "Silver", "Bright", "Red", "Green", "Iron", "Stone", "River", "Summit",
    "Pacific", "Atlas", "Nova", "Apex", "Cedar", "Oak", "Pine", "Falcon", "Eagle", "Lion",
    "Harbor", "Crown", "Delta", "Sigma", "Orion", "Vertex", "Quantum", "Golden", "Crystal",
    "Maple", "Sun", "Moon", "Star", "Polar", "Coastal", "Urban", "Metro", "Prime", "Alpine",
    "Royal",
)
COMPANY_KINDS: tuple[str, ...] = (
    "Analytics", "Logistics", "Systems", "Labs", "Foods", "Partners", "Capital", "Health",
    "Energy", "Media", "Software", "Robotics", "Design", "Consulting", "Holdings", "Ventures",
    "Works", "Networks", "Motors", "Pharma", "Textiles", "Foundry", "Studios", "Security",
    "Dynamics", "Solutions", "Trading", "Bank", "Insurance", "Airlines",
)

#: Street names per country and the canonical street types with their abbreviations.
STREETS: dict[str, tuple[str, ...]] = {
    "US": ("Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lincoln", "Park", "Lake",
           "Hill", "Sunset", "Highland", "Jefferson", "Madison", "Franklin", "Spring",
           "Willow", "Ridge", "Forest", "Meadow"),
    "GB": ("High", "Church", "Mill", "Station", "Victoria", "King", "Queen", "Manor",
           "Kingsway", "Albert", "Green", "Grange", "Chapel", "York", "London"),
    "DE": ("Haupt", "Bahnhof", "Schul", "Garten", "Berg", "Linden", "Kirch", "Wald",
           "Dorf", "Birken", "Mühlen", "Goethe", "Schiller", "Ring", "Sonnen"),
}
STREET_TYPES: dict[str, tuple[str, ...]] = {
    "US": ("Street", "Avenue", "Road", "Drive", "Lane", "Boulevard", "Court", "Place"),
    "GB": ("Street", "Road", "Lane", "Avenue", "Close", "Gardens"),
    "DE": ("straße", "weg", "allee", "platz"),
}
#: Canonical word -> the abbreviations people write (plain, dotted).
ABBREVIATIONS: dict[str, tuple[str, str]] = {
    "Street": ("St", "St."), "Avenue": ("Ave", "Ave."), "Road": ("Rd", "Rd."),
    "Drive": ("Dr", "Dr."), "Lane": ("Ln", "Ln."), "Boulevard": ("Blvd", "Blvd."),
    "Court": ("Ct", "Ct."), "Place": ("Pl", "Pl."), "Close": ("Cl", "Cl."),
    "Gardens": ("Gdns", "Gdns."), "Apartment": ("Apt", "Apt."), "straße": ("str", "str."),
}

#: Consent status -> words Mailchimp- and HubSpot-style tools write for it.
MARKETING_CONSENT_WORDS: dict[str, tuple[str, ...]] = {
    "opted_in": ("subscribed", "SUBSCRIBED", "OptIn", "opted_in", "double_opt_in_confirmed"),
    "opted_out": ("unsubscribed", "UNSUBSCRIBED", "OptOut", "opted_out", "Unsubscribed"),
    "pending": ("double_opt_in_pending", "PENDING", "pending_confirmation"),
    "unknown": ("Not specified", "NOT_SPECIFIED", "transactional", "non_subscribed"),
}
