"""Given names and their everyday short forms in languages the ``nicknames`` package leaves
out (it covers English: Bob for Robert, Peggy for Margaret).

A list merged from a CRM and a sign-up form holds ``Katarzyna`` and ``Kasia``, ``Francisco``
and ``Paco``, ``Alexandra`` and ``Sasha``: one person under her formal and her familiar name.
The table is written from the common usage of each language (Slavic diminutives, Spanish and
Portuguese hypocorisms, German, Dutch, Scandinavian and Icelandic short forms, Greek and
Italian ones); names are in the Latin, letters-only form the comparisons read
(:mod:`contactops.dedupe.latin`: ``Małgorzata`` is ``malgorzata``, ``José`` is ``jose``).
A short form that belongs to several formal names (Sasha: Alexander and Alexandra) is listed
under each.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import polars as pl

#: Formal name -> its short and familiar forms (space-separated).
_FORMS = {
    # Polish
    "katarzyna": "kasia kasha kaska",
    "malgorzata": "gosia malgosia gosha",
    "agnieszka": "aga agusia",
    "aleksandra": "ola olka",
    "anna": "ania anka",
    "barbara": "basia",
    "elzbieta": "ela elka",
    "joanna": "asia joasia",
    "magdalena": "magda madzia",
    "wojciech": "wojtek",
    "krzysztof": "krzys krzysiek",
    "tomasz": "tomek",
    "grzegorz": "grzesiek",
    "lukasz": "lukas",
    "stanislaw": "staszek stas",
    "jakub": "kuba",
    "malwina": "malwinka",
    # Russian, Ukrainian
    "alexander": "sasha sascha sashka shura",
    "alexandra": "sasha sascha shura",
    "aleksandr": "sasha shura",
    "aleksey": "alyosha lyosha",
    "alexei": "alyosha lyosha",
    "anastasia": "nastya nastia",
    "dmitry": "dima mitya",
    "dmitri": "dima mitya",
    "ekaterina": "katya katia",
    "yekaterina": "katya katia",
    "elena": "lena",
    "yelena": "lena",
    "ivan": "vanya",
    "mikhail": "misha",
    "natalia": "natasha",
    "natalya": "natasha",
    "nikolai": "kolya",
    "olga": "olya",
    "sergei": "seryozha",
    "sergey": "seryozha",
    "svetlana": "sveta",
    "tatiana": "tanya",
    "tatyana": "tanya",
    "vladimir": "volodya vova",
    "yulia": "yulya",
    "iuliia": "yulya",
    "yuliya": "yulya",
    "maria": "masha",
    "pavel": "pasha",
    "andrey": "andryusha",
    # Spanish, Portuguese
    "francisco": "paco pancho quico chico",
    "jose": "pepe pepito chema",
    "josefa": "pepa",
    "ignacio": "nacho",
    "guadalupe": "lupe",
    "dolores": "lola",
    "concepcion": "concha",
    "enrique": "quique",
    "jesus": "chucho chuy",
    "manuel": "manolo manu",
    "rafael": "rafa",
    "santiago": "santi",
    "alejandro": "alex ale",
    "alejandra": "ale",
    "antonio": "toni tono",
    "beatriz": "bia bea",
    "juan": "juanito",
    "fernando": "nando",
    "eduardo": "edu",
    "rosario": "charo",
    "mercedes": "merche",
    "joao": "joaozinho",
    "sebastian": "sebas",
    # German, Dutch
    "matthias": "matze",
    "johannes": "hannes jan",
    "johanna": "hanna hanneke",
    "wolfgang": "wolf",
    "friedrich": "fritz",
    "franziska": "franzi",
    "elisabeth": "lisa liesl",
    "margarethe": "grete gretchen",
    "katharina": "kathi",
    "benjamin": "ben benny",
    "alexandros": "alekos",
    "jacobus": "koos",
    "hendrik": "henk",
    "cornelis": "kees",
    "willem": "wim",
    "pieter": "piet",
    # Scandinavian, Icelandic
    "sigridur": "sigga",
    "gudrun": "gunna",
    "kristin": "stina",
    "kristina": "stina",
    # Italian
    "giuseppe": "peppe beppe pino",
    "giovanni": "gianni nanni",
    "francesco": "franco cecco",
    "salvatore": "toto",
    "vincenzo": "enzo",
    # Greek
    "georgios": "giorgos",
    "konstantinos": "kostas",
    "dimitrios": "dimitris mitsos",
    "panagiotis": "panos",
    "ioannis": "giannis",
    "nikolaos": "nikos",
    # French
    "antoine": "toine",
    "francois": "fanfan",
}

#: Every name -> the names it is a short or formal form of.
RELATED: dict[str, frozenset[str]] = {}


def _build() -> None:
    pairs: dict[str, set[str]] = {}
    for formal, forms in _FORMS.items():
        for form in forms.split():
            if form == formal:
                continue
            pairs.setdefault(formal, set()).add(form)
            pairs.setdefault(form, set()).add(formal)
    RELATED.update({name: frozenset(other) for name, other in pairs.items()})


_build()


def related(a: str, b: str) -> bool:
    """Whether one name is a listed short form of the other (Latin letters-only forms)."""
    return b in RELATED.get(a, ())


class Forms:
    """Listed name forms as tables, to decide whole columns of name pairs at once.

    A pair of given names is related when one is a listed form of the other (``forms``:
    name -> its short forms, the ``nicknames`` package's table, read both ways; and this
    module's :data:`RELATED`), or when one is one edit (a transposition included) from a
    listed form of the other: Mlly for Molly for Mary, Wjtek for Wojtek for Wojciech. A
    record can carry the familiar name and a typo at once; each is common on its own.
    Forms under three letters are left out of the edits (one edit from Al is almost any
    short name), and so is a name under three letters.
    """

    def __init__(self, forms: Mapping[str, Collection[str]]) -> None:
        import polars as pl

        nick = [(n, f) for n, fs in forms.items() for f in fs]
        mine = [(n, f) for n, fs in RELATED.items() for f in fs]
        direct = [*nick, *((f, n) for n, f in nick), *mine]
        self.direct = pl.DataFrame(direct, schema={"x": pl.String, "y": pl.String},
                                   orient="row").unique()
        #: name -> each form one edit from which a name is that form misspelt
        self.edits = pl.DataFrame([*nick, *mine], schema={"other": pl.String,
                                                           "form": pl.String}, orient="row"
                                  ).filter(pl.col("form").str.len_chars() >= 3).unique()

    def related(self, left: pl.Series, right: pl.Series) -> np.ndarray:
        """Per position, whether ``left`` and ``right`` are related (see the class)."""
        import polars as pl
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import cpdist

        pairs = pl.DataFrame({"x": left, "y": right}, schema={"x": pl.String, "y": pl.String}
                             ).with_row_index("i")
        found = [pairs.join(self.direct, on=["x", "y"], how="semi")["i"]]
        for name, other in (("x", "y"), ("y", "x")):
            near = (pairs.select("i", name=pl.col(name), other=pl.col(other))
                    .filter(pl.col("name").str.len_chars() >= 3)
                    .join(self.edits, on="other")
                    .filter(pl.col("form") != pl.col("name"),
                            (pl.col("form").str.len_chars().cast(pl.Int32)
                             - pl.col("name").str.len_chars().cast(pl.Int32)).abs() <= 1))
            if near.height:
                apart = cpdist(near["name"].to_list(), near["form"].to_list(),
                               scorer=OSA.distance, score_cutoff=1, workers=-1)
                found.append(near["i"].filter(pl.Series(apart <= 1)))
        out = np.zeros(pairs.height, dtype=bool)
        out[pl.concat(found).to_numpy()] = True
        return out
