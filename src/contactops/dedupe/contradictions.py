"""Contradicting evidence: one shared identifier does not merge two different people.

A pair is *linked by an identifier* when an identifier (a ``key: true`` field such as email or
phone) agrees exactly and is not shared, or an email is near-identical (a typo apart). That is
one piece of evidence. When a strong field clearly disagrees, the pair is not merged
automatically but goes to review, naming the fields (``conflict: last_name, phone``).

Clear disagreement, per field (both records must have the field; a missing value never
contradicts):

* names: the comparison says "different" (below the lowest similarity level) and neither
  is an initial of the other, part of the other (a double or married name: Miller and
  Miller-Davis) or a typo of it (one edit apart, the rarer spelling at most ``typo_rarity``
  as frequent as the commoner one: a misspelling is rarer than the name it misspells);
* companies and other strings: "different" and neither contains the other;
* phones and emails: different numbers or addresses, neither of them shared (a switchboard
  is nobody's own number);
* other match fields: "different"; a plain column (``country``): unequal values.

A *changeable* field (last name, phone, company, country: people marry, keep two numbers,
change jobs and move) is outweighed when two exact matches back the pair: each identifier
agreeing exactly counts one, the date of birth one, the full name (every name field exact
or a typo apart) one; or when the evidence besides identifiers and names (date of birth,
street) would merge the pair by itself. So the same email and phone under a new last name
merge; the same email under another person's name, number and employer does not.

:func:`veto` applies this to every identifier-linked pair of a run (external ids and user
decisions are never second-guessed): a contradicted pair loses its automatic link, is kept
apart in clustering and goes to review with the contradiction as its reason.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import polars as pl

from contactops.config.dedupe import DEFAULT_STRONG_FIELDS, DedupeSettings, MatchField
from contactops.dedupe import mailbox
from contactops.dedupe.compare import EMAIL_NEAR, level_names, own_identifier
from contactops.dedupe.encode import Encoded
from contactops.errors import UsageError


@dataclass(frozen=True)
class StrongField:
    """One strong field: a match field, or a plain column compared exactly."""

    name: str
    column: str
    field: MatchField | None


def strong_fields(options: DedupeSettings, columns: list[str]) -> list[StrongField]:
    """The strong fields the records have (explicitly configured ones must exist)."""
    configured = options.contradictions.fields
    by_name = {f.name: f for f in options.fields}
    out = []
    for name in DEFAULT_STRONG_FIELDS if configured is None else configured:
        f = by_name.get(name)
        column = f.source_column if f is not None else name
        if column in columns:
            out.append(StrongField(name, column, f))
        elif configured is not None:
            known = sorted({*by_name, *columns})
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise UsageError(
                f"dedupe.contradictions.fields: '{name}' is neither a match field with data "
                f"nor a column of the normalized records; {hint}use one of {known}")
    return out


def identifier_linked(g: dict[str, np.ndarray], fields: list[MatchField]) -> np.ndarray:
    """Pairs an identifier links: exact non-shared agreement, or a near-identical email."""
    n = len(next(iter(g.values()))) if g else 0
    linked = np.zeros(n, dtype=bool)
    for f in fields:
        if not f.key or f.name not in g:
            continue
        linked |= g[f.name] == len(level_names(f)) - 1
        if f.kind == "email":
            linked |= g[f.name] == EMAIL_NEAR
    return linked


def phone_only(g: dict[str, np.ndarray], fields: list[MatchField]) -> np.ndarray:
    """Pairs linked by a phone number and no other identifier (no email, even a typo apart,
    no id): a household's landline is everyone's at home."""
    n = len(next(iter(g.values()))) if g else 0
    phone = np.zeros(n, dtype=bool)
    other = np.zeros(n, dtype=bool)
    for f in fields:
        if not f.key or f.name not in g:
            continue
        agree = g[f.name] == len(level_names(f)) - 1
        if f.kind == "phone":
            phone |= agree
        else:
            other |= agree | ((g[f.name] == EMAIL_NEAR) if f.kind == "email" else False)
    return phone & ~other


def backing(g: dict[str, np.ndarray], fields: list[MatchField]) -> np.ndarray:
    """Exact matches behind each pair: one per identifier, one for the date of birth, one
    for the full name (a typo in it allowed: Campbell and Campblel are one surname)."""
    n = len(next(iter(g.values()))) if g else 0
    count = np.zeros(n, dtype=np.int8)
    for f in fields:  # an identifier, or the date of birth, agreeing exactly
        if (f.key or f.kind == "dob") and f.name in g:
            count += g[f.name] == len(level_names(f)) - 1
    names = [f for f in fields if f.kind == "name" and f.name in g]
    if names:  # a typo (the highest similarity level) is still the name
        count += np.logical_and.reduce([g[f.name] >= len(level_names(f)) - 2 for f in names])
    return count


def corroborated(scored: pl.DataFrame, options: DedupeSettings) -> np.ndarray:
    """Pairs that evidence other than identifiers and names would merge on its own: the
    partial weights of the other fields (date of birth, street, postal code, company) reach
    the auto-merge threshold, as for the same national id, birthday and street under a
    misspelt last name. Names and an email's digits are left out: they are what a
    stranger with a similar name or address shares."""
    weight = np.zeros(scored.height)
    for f in options.fields:
        if f.key or f.kind in ("name", "digits") or f"w_{f.name}" not in scored.columns:
            continue
        weight += scored[f"w_{f.name}"].fill_null(0.0).to_numpy().astype(np.float64)
    auto = options.thresholds.auto_merge
    return weight >= np.log2(auto / (1 - auto))


def same_name(a: str, b: str, share_a: float, share_b: float, rarity: float) -> bool:
    """Two clearly different-looking names that are still one name (initial, part, typo,
    or one of them in another script: 李 and Lee, Οικονόμου and Economou, सिंह typed
    without its vowel signs and Singh follow transliteration conventions no comparison
    of Latin forms can decide between; their Latin forms begin alike)."""
    if other_script(a) != other_script(b):
        from contactops.dedupe.latin import latin_one

        la, lb = latin_one(a), latin_one(b)
        return bool(la and lb and la[0] == lb[0])
    short, long_ = sorted((a, b), key=len)
    if len(short) == 1:
        return long_.startswith(short)
    if len(short) >= 3 and (long_.startswith(short) or long_.endswith(short)):
        return True
    from rapidfuzz.distance import OSA

    if OSA.distance(a, b) <= 1:  # one edit, a transposition included (Cox, Cxo)
        low, high = sorted((share_a, share_b))
        return low <= rarity * high
    return False


def other_script(name: str) -> bool:
    """Whether a name has a letter outside the Latin script (accents are Latin)."""
    import unicodedata

    return any(c.isalpha() and not unicodedata.name(c, "LATIN").startswith("LATIN")
               for c in name)


def same_string(a: str, b: str) -> bool:
    """One value contains the other (Hooli and Hooli Labs, a word of a longer name)."""
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and (long_.startswith(short) or long_.endswith(short)):
        return True
    words = set(short.split())
    return bool(words) and words <= set(long_.split())


def _exceptions(differ: np.ndarray, f: MatchField, enc: Encoded, left: np.ndarray,
                right: np.ndarray, rarity: float, partner: str | None) -> np.ndarray:
    """Clear up ``differ`` where a name or string is one value written another way.

    ``partner``: the column a name may be swapped with (first/last): a last name written
    as the other record's first name is a swap, not another person's name.
    """
    rows = np.flatnonzero(differ)
    if not len(rows):
        return differ
    col = f.source_column
    vocab = enc.vocab(col)
    a, b = enc.codes(col)[left[rows]], enc.codes(col)[right[rows]]
    if partner is not None and partner in vocab.codes:  # one vocabulary: codes comparable
        pa, pb = vocab.codes[partner][left[rows]], vocab.codes[partner][right[rows]]
        swapped = ((a == pb) | (pa == b)) & (a != vocab.null) & (b != vocab.null)
        differ = differ.copy()
        differ[rows[swapped]] = False
        rows, a, b = rows[~swapped], a[~swapped], b[~swapped]
    shares = vocab.frequencies(col) if f.kind == "name" else None
    pairs = pl.DataFrame({"a": a, "b": b}).unique()
    keep = {}
    for ca, cb, va, vb in zip(pairs["a"], pairs["b"], vocab.strings(pairs["a"].to_numpy()),
                              vocab.strings(pairs["b"].to_numpy()), strict=True):
        if shares is not None:
            keep[(ca, cb)] = same_name(va, vb, shares[ca], shares[cb], rarity)
        else:
            keep[(ca, cb)] = same_string(va, vb)
    same = np.fromiter((keep[(x, y)] for x, y in zip(a.tolist(), b.tolist(), strict=True)),
                       dtype=bool, count=len(rows))
    out = differ.copy()
    out[rows[same]] = False
    return out


def _differs(s: StrongField, g: dict[str, np.ndarray], features: pl.DataFrame,
             enc: Encoded, left: np.ndarray, right: np.ndarray, rarity: float,
             partners: dict[str, str]) -> np.ndarray:
    f = s.field
    if f is None:
        values = features[s.column].cast(pl.String)
        a, b = values.gather(left), values.gather(right)
        return (a.is_not_null() & b.is_not_null() & (a != b)).fill_null(False).to_numpy()
    differ = g[f.name] == 0
    if f.kind in ("name", "string"):
        return _exceptions(differ, f, enc, left, right, rarity, partners.get(f.name))
    if f.kind in ("phone", "email"):
        flags = enc.shared.get(f.source_column)
        if flags is not None:
            differ &= ~(flags[left] | flags[right])
    return differ


def contradictions(scored: pl.DataFrame, features: pl.DataFrame, options: DedupeSettings,
                   encoded: Encoded, rows: np.ndarray | None = None) -> pl.Series:
    """Per scored pair, the strong fields contradicting its identifier link, or null.

    Args:
        scored: pairs ``l, r`` with their ``g_<field>`` levels.
        features: prepared records.
        options: the dedupe settings (fields and ``contradictions``).
        encoded: the records' encoded columns.
        rows: consider only these pairs (a boolean mask); default every pair.
    """
    n = scored.height
    none = pl.repeat(None, n, dtype=pl.String, eager=True).alias("conflict")
    strong = strong_fields(options, features.columns)
    if not strong or n == 0:
        return none
    g = {f.name: scored[f"g_{f.name}"].fill_null(-1).to_numpy() for f in options.fields
         if f"g_{f.name}" in scored.columns}
    linked = identifier_linked(g, options.fields)
    if rows is not None:
        linked &= rows
    sel = np.flatnonzero(linked)
    if not len(sel):
        return none
    g = {name: levels[sel] for name, levels in g.items()}
    left = scored["l"].to_numpy()[sel].astype(np.int64)
    right = scored["r"].to_numpy()[sel].astype(np.int64)
    exact = backing(g, options.fields) >= 2
    backed = exact | corroborated(scored, options)[sel]
    rule = options.contradictions
    by_name = {f.name: f for f in options.fields}
    partners = swap_partners(options)
    hits = {}
    named = (scored[mailbox.COLUMN].fill_null(False).to_numpy()[sel]
             if mailbox.COLUMN in scored.columns
             else np.zeros(len(sel), dtype=bool))
    for s in strong:
        differ = _differs(s, g, features, encoded, left, right, rule.typo_rarity, partners)
        if s.field is not None and s.field.kind == "name":
            differ &= ~named  # garbled names under a mailbox named after both records
        if s.name in rule.changeable:
            differ &= ~backed
        hits[s.name] = differ
    first = by_name.get(_HOUSEHOLD_NAME)
    if first is not None and first.name not in hits and first.name in g:
        # a shared landline links a family: another first name (not a nickname, initial,
        # typo or swap of it) is another person unless a second exact match backs the link
        # (a family shares its street and city too: they corroborate nothing here)
        s = StrongField(first.name, first.source_column, first)
        differ = _differs(s, g, features, encoded, left, right, rule.typo_rarity, partners)
        hits[first.name] = differ & phone_only(g, options.fields) & ~exact
    any_hit = np.logical_or.reduce(list(hits.values()))
    rows_hit = np.flatnonzero(any_hit)  # few: the reasons are joined in Python
    reasons = [", ".join(name for name, hit in hits.items() if hit[i]) for i in rows_hit]
    return none.scatter(sel[rows_hit], pl.Series(reasons, dtype=pl.String))


#: The name that tells members of a household apart when only a phone links them.
_HOUSEHOLD_NAME = "first_name"

#: Match fields that tell two people apart when only the model links them (``dob``-kind
#: fields count too): the first name tells a family apart, the last name two colleagues or
#: neighbours of one first name (a married name comes with an identifier that agrees).
_PERSONAL = ("first_name", "last_name")


def _relatives(scored: pl.DataFrame, options: DedupeSettings) -> pl.Expr:
    """The fields that keep a pair merged by the model alone apart, or null: its birth
    dates clearly differ (not a digit apart, not the same month, not day and month
    swapped) or its first or last names do (after nicknames, initials, typos and swaps). A
    father and son, or two members of a household, share a last name and an address however
    well the rest agrees (unless they share an employer too: then another first name is one
    person's name written another way, Helen for Eleanor); two colleagues share a first
    name, an employer and a switchboard.
    An identifier that agrees, even a typo apart, outweighs this (a shared identifier that
    links the pair is weighed by :func:`contradictions` instead)."""
    personal = [f.name for f in options.fields if (f.kind == "dob" or f.name in _PERSONAL)
                and f"g_{f.name}" in scored.columns]
    if not personal or "link_type" not in scored.columns:
        return pl.lit(None, pl.String)
    by_model = (pl.col("link_type") == "probability") & pl.col("key_rule").is_null()
    # an identifier that agrees, or an email a typo apart, still speaks for one person; a
    # shared mailbox or switchboard (level 1 of email and phone) does not
    ids = [pl.col(f"g_{f.name}") >= (own_identifier(f) if f.kind in ("email", "phone") else 1)
           for f in options.fields if f.key and f"g_{f.name}" in scored.columns]
    if ids:
        by_model = by_model & ~pl.any_horizontal(ids)
    births = [f for f in options.fields if f.kind == "dob" and f"g_{f.name}" in scored.columns]
    # one birthday (to the month) at one address under one surname: a first name written
    # two ways, not two people of one household
    born_alike = (pl.any_horizontal(pl.col(f"g_{f.name}") >= 2 for f in births) if births
                  else pl.lit(False))
    # one street, one employer and the other name: a household seldom works at one company
    # and colleagues at one office seldom share a surname, so a first name written two ways
    # there is one person
    home = [f for f in options.fields if f.kind == "street" and f"g_{f.name}" in scored.columns]
    work = [f for f in options.fields if f.name == "company" and f"g_{f.name}" in scored.columns]
    one_place = pl.lit(False)
    if home and work and "g_last_name" in scored.columns:
        one_place = (
            pl.any_horizontal(pl.col(f"g_{f.name}") == len(level_names(f)) - 1 for f in home)
            & pl.any_horizontal(pl.col(f"g_{f.name}") == len(level_names(f)) - 1 for f in work)
            & (pl.col("g_last_name") > 0))

    def differs(name: str) -> pl.Expr:  # a name's initial, part or typo is no clash
        if name in _PERSONAL and f"_{name}_differs" in scored.columns:
            return pl.col(f"_{name}_differs")
        return pl.col(f"g_{name}") == 0

    def excused(name: str) -> pl.Expr:
        if name == _HOUSEHOLD_NAME:
            return born_alike | one_place
        return born_alike if name in _PERSONAL else pl.lit(False)

    names = [pl.when(differs(name) & ~excused(name)).then(pl.lit(name)) for name in personal]
    weak = _weak_evidence(scored, options)
    if weak is not None:
        names.append(pl.when(weak).then(pl.lit(WEAK)))
    reason = pl.concat_str(names, separator=", ", ignore_nulls=True).replace("", None)
    return pl.when(by_model).then(reason)


#: Below this match probability a link of names and places alone is not merged (above,
#: rare names make namesakes unlikely: the term-frequency weights say so).
_WEAK_PROBABILITY = 0.9999

#: Conflict reason of a model link that only names and shared places back.
WEAK = "only names, employer and place agree"


def _weak_evidence(scored: pl.DataFrame, options: DedupeSettings) -> pl.Expr | None:
    """Pairs whose agreement is only what namesakes share: names, an employer, a city, a
    switchboard or a role mailbox, without an email or phone of their own, an id, a birth
    date or a street address agreeing. Two John Smiths at one company in one city are as
    likely two people as one; the model, which takes the fields as independent, cannot
    tell (on generated data with namesakes, 121 of 201 such links were two people)."""
    hard = []
    for f in options.fields:
        g = f"g_{f.name}"
        if g not in scored.columns:
            continue
        if f.kind in ("email", "phone"):
            hard.append(pl.col(g) >= own_identifier(f))  # not a shared mailbox or switchboard
        elif f.kind in ("id", "date", "dob", "street", "digits"):
            hard.append(pl.col(g) >= 1)
    if not hard:
        return None
    return ~pl.any_horizontal(hard) & (pl.col("match_probability") < _WEAK_PROBABILITY)


def _names_differ(scored: pl.DataFrame, features: pl.DataFrame, options: DedupeSettings,
                  encoded: Encoded) -> pl.DataFrame:
    """``scored`` with ``_<name>_differs`` per personal name field: the model-linked pairs
    whose names clearly differ (the comparison says "different" and neither is an initial,
    a part, a typo or the swapped other name of the other), for :func:`_relatives`."""
    if "link_type" not in scored.columns:
        return scored
    by_name = {f.name: f for f in options.fields}
    partners = swap_partners(options)
    by_model = scored.select((pl.col("link_type") == "probability")
                             & pl.col("key_rule").is_null()).to_series().fill_null(False)
    left = scored["l"].to_numpy().astype(np.int64)
    right = scored["r"].to_numpy().astype(np.int64)
    out = []
    for name in _PERSONAL:
        f = by_name.get(name)
        if f is None or f"g_{name}" not in scored.columns:
            continue
        differ = (scored[f"g_{name}"].fill_null(-1).to_numpy() == 0) & by_model.to_numpy()
        differ = _exceptions(differ, f, encoded, left, right,
                             options.contradictions.typo_rarity, partners.get(name))
        out.append(pl.Series(f"_{name}_differs", differ))
    return scored.with_columns(out) if out else scored


def veto(scored: pl.DataFrame, features: pl.DataFrame, options: DedupeSettings,
         encoded: Encoded) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Identifier links that strong evidence contradicts: not merged, kept apart, reviewed.

    Every identifier-linked pair is checked, not only automatic links: a contradicted pair
    below the auto-merge threshold must not be chained together through a third record
    either (the same email with no last name). External ids and user decisions are not
    second-guessed.

    Returns:
        ``scored`` with a ``conflict`` column (null when none) and the contradicted pairs
        lost their automatic link; the contradicted pairs ``l, r`` (to keep apart). A pair
        held back only for weak evidence (:data:`WEAK`: names and places alone) is not kept
        apart: nothing says it is two people, so a user's must-link or a strong link
        through a third record may still join it.
    """
    rule = pl.col("key_rule").fill_null("")
    trusted = (pl.col("link_type") == "decision") | rule.str.starts_with("id:")
    check = scored.select(~trusted.fill_null(False)).to_series().to_numpy()
    conflict = contradictions(scored, features, options, encoded, check)
    scored = scored.with_columns(conflict=conflict)
    scored = _names_differ(scored, features, options, encoded)
    scored = scored.with_columns(
        conflict=pl.coalesce("conflict", _relatives(scored, options))).with_columns(
        link_type=pl.when(pl.col("conflict").is_null()).then("link_type"))
    scored = scored.drop([c for c in scored.columns
                          if c.endswith("_differs") or c == mailbox.COLUMN])
    apart = scored.filter(pl.col("conflict").is_not_null() & (pl.col("conflict") != WEAK))
    return scored, apart.select("l", "r")


def swap_partners(options: DedupeSettings) -> dict[str, str]:
    """Name field -> the source column of the field it may be swapped with (both ways)."""
    by_name = {f.name: f for f in options.fields}
    partners = {}
    for f in options.fields:
        if f.swap_with in by_name:
            partners[f.name] = by_name[f.swap_with].source_column
            partners[f.swap_with] = f.source_column
    return partners
