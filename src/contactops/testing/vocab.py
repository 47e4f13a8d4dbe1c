"""Word lists the contact generator draws from.

Everything here is fictional or reserved: company domains use the ``.example`` TLD, US
numbers are 555-01xx, UK numbers are Ofcom drama ranges and German numbers are the
Bundesnetzagentur film and TV ranges. Every string is encodable as cp1252.
"""

from __future__ import annotations

#: Given names with the nicknames a person may use instead (Robert -> Bob).
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Bobby"), "Elizabeth": ("Liz", "Beth", "Eliza"),
    "William": ("Bill", "Will", "Billy"), "Margaret": ("Maggie", "Peggy"),
    "James": ("Jim", "Jimmy"), "Katherine": ("Kate", "Kathy", "Katie"),
    "Michael": ("Mike", "Mikey"), "Jennifer": ("Jen", "Jenny"),
    "Richard": ("Rick", "Dick", "Rich"), "Patricia": ("Pat", "Patty", "Tricia"),
    "Thomas": ("Tom", "Tommy"), "Susan": ("Sue", "Susie"), "Joseph": ("Joe", "Joey"),
    "Rebecca": ("Becky", "Becca"), "Charles": ("Charlie", "Chuck"),
    "Christina": ("Chris", "Tina"), "Daniel": ("Dan", "Danny"), "Deborah": ("Debbie", "Deb"),
    "Matthew": ("Matt",), "Jessica": ("Jess", "Jessie"), "Anthony": ("Tony",),
    "Victoria": ("Vicky", "Tori"), "Andrew": ("Andy", "Drew"), "Alexandra": ("Alex", "Sasha"),
    "Nicholas": ("Nick", "Nicky"), "Samantha": ("Sam", "Sammy"), "Edward": ("Ed", "Ted"),
    "Abigail": ("Abby",), "Benjamin": ("Ben", "Benny"), "Theodore": ("Theo", "Ted"),
    "Stephen": ("Steve",), "Kimberly": ("Kim",), "Timothy": ("Tim",), "Pamela": ("Pam",),
    "Gregory": ("Greg",), "Frederick": ("Fred", "Freddie"), "Zachary": ("Zach",),
    "Olivia": ("Liv",), "Emma": (), "Sophia": ("Sophie",), "Noah": (), "Liam": (),
    "Ava": (), "Mia": (), "Lucas": ("Luke",), "Chloe": (), "Oliver": ("Ollie",),
    "Zoë": ("Zoe",), "José": ("Pepe",), "Björn": (), "Renée": (), "François": (),
    "Jürgen": (), "Siobhán": (), "Priya": (), "Wei": (), "Aisha": (), "Mateo": (),
    "Hannah": (), "Lukas": (), "Greta": (), "Niamh": (), "Omar": (), "Yuki": (),
}

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
    "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris",
    "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson",
    "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Müller",
    "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Koch", "Richter", "Wolf", "Schröder", "Neumann", "Zimmermann", "Krüger",
    "Evans", "Hughes", "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook",
    "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell", "Kelly", "Howard",
    "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks", "Bennett", "Gray", "James",
    "O'Brien", "O'Connor", "McDonald", "MacLeod", "Van der Berg", "De la Cruz", "Núñez",
    "Dubois", "Lefèvre", "Patel", "Shah", "Chen", "Wang", "Kim", "Park", "Tanaka", "Sato",
    "Ivanova", "Kowalski", "Novak", "Horváth", "Andersson", "Nilsson", "Larsen", "Jensen",
)

#: Company stem -> the .example domain its people use.
COMPANIES: tuple[tuple[str, str], ...] = (
    ("Acme", "acme.example"), ("Globex", "globex.example"), ("Initech", "initech.example"),
    ("Umbrella", "umbrella.example"), ("Hooli", "hooli.example"),
    ("Stark Industries", "stark.example"), ("Wayne Enterprises", "wayne.example"),
    ("Wonka Foods", "wonka.example"), ("Soylent", "soylent.example"),
    ("Cyberdyne Systems", "cyberdyne.example"), ("Tyrell", "tyrell.example"),
    ("Vandelay Industries", "vandelay.example"), ("Pied Piper", "piedpiper.example"),
    ("Dunder Mifflin", "dundermifflin.example"), ("Aperture Science", "aperture.example"),
    ("Massive Dynamic", "massivedynamic.example"), ("Oscorp", "oscorp.example"),
    ("Gringotts", "gringotts.example"), ("Nakatomi Trading", "nakatomi.example"),
    ("Blue Sun", "bluesun.example"), ("Monarch Solutions", "monarch.example"),
    ("Bluth Company", "bluth.example"), ("Prestige Worldwide", "prestige.example"),
    ("Sterling Cooper", "sterlingcooper.example"), ("Los Pollos Hermanos", "pollos.example"),
    ("Krusty Krab", "krustykrab.example"), ("Rekall", "rekall.example"),
    ("Virtucon", "virtucon.example"), ("Oceanic Air", "oceanic.example"),
    ("Weyland-Yutani", "weyland.example"), ("Schmidt & Söhne", "schmidt-soehne.example"),
    ("Müller Maschinenbau", "mueller-mb.example"), ("Nordlicht Logistik", "nordlicht.example"),
    ("Thames Analytics", "thames.example"), ("Pennine Software", "pennine.example"),
)

#: Industry of each company of :data:`COMPANIES`, for the demo's reference table (the
#: generator itself writes no industry: enrichment fills it).
INDUSTRIES: tuple[str, ...] = (
    "Manufacturing", "Energy", "Software", "Pharmaceuticals", "Software", "Aerospace",
    "Conglomerate", "Food & Beverage", "Food & Beverage", "Robotics", "Biotechnology",
    "Import & Export", "Software", "Paper & Office Supplies", "Research", "Research",
    "Chemicals", "Banking", "Trading", "Logistics", "Consulting", "Real Estate", "Marine",
    "Advertising", "Restaurants", "Restaurants", "Travel", "Manufacturing", "Airlines",
    "Aerospace", "Manufacturing", "Machinery", "Logistics", "Analytics", "Software",
)

#: Suffix spellings; ``{}`` is the stem (sometimes upper-cased by the generator).
COMPANY_FORMS: tuple[str, ...] = (
    "{}", "{} Inc", "{}, Inc.", "{} Inc.", "{} Incorporated", "{} LLC", "{} L.L.C.", "{} Ltd",
    "{} Limited", "{} GmbH", "{} Corp.", "{} Corporation", "{} Co.",
)

JOB_TITLES: tuple[str, ...] = (
    "Marketing Manager", "VP Sales", "Head of Growth", "CTO", "Chief Executive Officer",
    "Data Engineer", "Account Executive", "Office Manager", "Product Manager", "Founder",
    "Software Engineer", "Procurement Lead", "HR Business Partner", "CFO", "Analyst",
    "Customer Success Manager", "Director of Operations", "Geschäftsführer", "Intern", "",
)

FREE_DOMAINS: tuple[str, ...] = ("gmail.com", "yahoo.com", "hotmail.com", "outlook.com")
#: Per free domain, the misspellings a hurried typist makes.
DOMAIN_TYPOS: dict[str, tuple[str, ...]] = {
    "gmail.com": ("gmial.com", "gmai.com", "gmail.con", "gnail.com"),
    "yahoo.com": ("yahooo.com", "yaho.com", "yahoo.co"),
    "hotmail.com": ("hotmial.com", "hotmal.com", "hotmail.co"),
    "outlook.com": ("outlok.com", "outllook.com"),
}
DISPOSABLE_DOMAINS: tuple[str, ...] = (
    "mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com",
    "trashmail.com", "sharklasers.com",
)
ROLE_MAILBOXES: tuple[str, ...] = ("info", "sales", "support", "admin", "office", "hello")
INTERNAL_DOMAIN = "example-corp.com"

#: ISO2 -> ways people write the country.
COUNTRY_SPELLINGS: dict[str, tuple[str, ...]] = {
    "US": ("USA", "U.S.", "United States", "US", "us", "United States of America", "U.S.A."),
    "GB": ("United Kingdom", "UK", "England", "GB", "U.K.", "Great Britain", "united kingdom"),
    "DE": ("Deutschland", "Germany", "DE", "germany", "GERMANY", "Federal Republic of Germany"),
}

#: ISO2 -> (city, region, postal code, phone area code, exchange, subscriber prefix).
#: Numbers are ``+{cc} {area} {exchange} {prefix}{nn..}`` with reserved fictional ranges.
PLACES: dict[str, tuple[tuple[str, str, str, str, str, str], ...]] = {
    "US": (
        ("San Francisco", "CA", "94105", "415", "555", "01"),
        ("New York", "NY", "10001", "212", "555", "01"),
        ("Austin", "TX", "78701", "512", "555", "01"),
        ("Chicago", "IL", "60601", "312", "555", "01"),
        ("Seattle", "WA", "98101", "206", "555", "01"),
        ("Boston", "MA", "02108", "617", "555", "01"),
        ("Denver", "CO", "80202", "303", "555", "01"),
        ("Atlanta", "GA", "30303", "404", "555", "01"),
        ("Portland", "OR", "97204", "503", "555", "01"),
        ("Miami", "FL", "33131", "305", "555", "01"),
    ),
    "GB": (
        ("London", "Greater London", "EC1A 1BB", "20", "7946", "0"),
        ("Manchester", "Greater Manchester", "M1 1AE", "161", "496", "0"),
        ("Birmingham", "West Midlands", "B1 1AA", "121", "496", "0"),
        ("Leeds", "West Yorkshire", "LS1 1UR", "113", "496", "0"),
        ("Bristol", "Bristol", "BS1 4DJ", "117", "496", "0"),
        ("Glasgow", "Scotland", "G1 1XQ", "141", "496", "0"),
    ),
    "DE": (
        ("Berlin", "Berlin", "10115", "30", "23125", ""),
        ("Hamburg", "Hamburg", "20095", "40", "66969", ""),
        ("Frankfurt am Main", "Hessen", "60311", "69", "90009", ""),
        ("München", "Bayern", "80331", "89", "99998", ""),
    ),
}
COUNTRY_CODES: dict[str, str] = {"US": "1", "GB": "44", "DE": "49"}

#: Consent status -> the words sources write for it.
CONSENT_WORDS: dict[str, tuple[str, ...]] = {
    "opted_in": ("yes", "Y", "TRUE", "1", "subscribed", "opt-in", "Opted In", "true", "Yes"),
    "opted_out": ("no", "N", "FALSE", "0", "unsubscribed", "opt-out", "Unsubscribed", "No"),
    "pending": ("pending", "awaiting double opt-in", "Pending", "unconfirmed"),
    "unknown": ("", "N/A", "unknown", "n/a", "-", "Unknown"),
}
CONSENT_STATUSES: tuple[str, ...] = ("opted_in", "opted_out", "pending", "unknown")

#: Canonical lifecycle stage -> spellings seen in sources.
LIFECYCLE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "subscriber": ("subscriber", "Subscriber", "Newsletter"),
    "lead": ("lead", "Lead", "New Lead", "LEAD"),
    "mql": ("MQL", "mql", "Marketing Qualified Lead", "marketingqualifiedlead"),
    "sql": ("SQL", "Sales Qualified Lead", "salesqualifiedlead"),
    "opportunity": ("Opportunity", "opp", "Deal"),
    "customer": ("Customer", "customer", "Client", "Closed Won"),
    "evangelist": ("Evangelist", "Advocate"),
    "other": ("Other", "Partner", "Vendor"),
}

#: Canonical contact type -> spellings seen in sources.
CONTACT_TYPE_SPELLINGS: dict[str, tuple[str, ...]] = {
    "customer": ("customer", "Customer", "CUSTOMER", "client"),
    "prospect": ("prospect", "Prospect", "lead"),
    "internal": ("internal", "Internal", "employee", "staff"),
    "unknown": ("", "unknown", "n/a"),
}

#: Canonical tag -> spellings (the config taxonomy lists each spelling as an alias).
TAG_SPELLINGS: dict[str, tuple[str, ...]] = {
    "webinar-2024": ("Webinar 2024", "webinar-2024", "Webinar2024", "WEBINAR 2024", "webinar_2024"),
    "trade-show": ("Trade Show", "tradeshow", "trade-show", "Tradeshow"),
    "newsletter": ("newsletter", "Newsletter", "news letter", "NL"),
    "vip": ("VIP", "vip", "V.I.P."),
    "partner": ("partner", "Partner", "partners"),
    "beta-tester": ("Beta Tester", "beta-tester", "beta", "BetaTester"),
    "event-lead": ("Event Lead", "event lead", "event-lead", "EventLead"),
    "churn-risk": ("churn risk", "Churn-Risk", "at risk", "churn_risk"),
}

#: Canonical list -> spellings.
LIST_SPELLINGS: dict[str, tuple[str, ...]] = {
    "monthly-newsletter": ("Monthly Newsletter", "monthly newsletter", "Newsletter (monthly)"),
    "product-updates": ("Product Updates", "product-updates", "Product updates"),
    "customers-emea": ("Customers EMEA", "EMEA Customers", "customers-emea"),
    "events-us": ("US Events", "Events US", "events-us"),
}

TAG_SEPARATORS: tuple[str, ...] = (", ", ";", "|", " ; ", ",")

CAMPAIGNS: tuple[str, ...] = (
    "Spring Launch 2024", "Webinar: Data Quality", "Black Friday 2024", "Q3 Nurture",
    "Trade Show Follow-up", "Product Update June",
)
UTM_SOURCES: tuple[str, ...] = ("google", "linkedin", "newsletter", "facebook", "partner")
UTM_MEDIUMS: tuple[str, ...] = ("cpc", "email", "social", "referral", "organic")
ORIGINAL_SOURCES: tuple[str, ...] = (
    "Web", "Trade Show", "Referral", "Partner", "Cold Call", "Purchased List",
)
NOTES: tuple[str, ...] = (
    "", "", "", "Met at booth", "Call back next quarter", "Prefers email",
    "Asked for pricing", "Referred by a customer", "Do not call before 10am",
)
