"""Comparison levels of candidate pairs, computed column-wise.

Each match field becomes one ``int8`` column of levels: ``-1`` when either side is empty
(the field then contributes nothing), ``0`` for disagreement and higher codes for better
agreement. String similarity runs element-wise in C++ through ``rapidfuzz.process.cpdist``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from contactops.config.dedupe import MatchField
from contactops.dedupe.encode import Encoded, Vocabulary, pair_scores

#: Email levels (see :func:`level_names`): one person's name at another domain (a
#: personal and a work address), a mailbox several people use, an address a typo apart.
EMAIL_OTHER_DOMAIN = 1
EMAIL_SHARED = 2
EMAIL_NEAR = 3


def own_identifier(field: MatchField) -> int:
    """The lowest level of an email or phone that is the pair's own identifier agreeing
    (an address a typo apart counts; a shared mailbox or switchboard, or one name at two
    domains, does not)."""
    return EMAIL_NEAR if field.kind == "email" else 2


def level_names(field: MatchField) -> list[str]:
    """Human names of a field's level codes, index = code."""
    if field.kind in ("name", "string", "street"):
        return ["different", *[f"similar >= {t}" for t in reversed(field.levels)], "exact"]
    if field.kind == "email":
        return ["different", "same name, other domain", "shared mailbox", "similar (typo)",
                "exact"]
    if field.kind == "phone":
        return ["different", "shared number", "exact"]
    if field.kind == "dob":
        return ["different", "one digit apart", "same year and month",
                "day and month swapped", "exact"]
    if field.kind in ("id", "date"):
        return ["different", "two edits", "one edit", "exact"]
    return ["different", "exact"]


def _jw(vocab: Vocabulary, a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    from rapidfuzz.distance import JaroWinkler

    return pair_scores(vocab, a, b, mask, JaroWinkler.normalized_similarity, np.float32, 0.0)


def _latin(vocab: Vocabulary) -> Vocabulary:
    """The vocabulary's values in Latin letters (:mod:`contactops.dedupe.latin`), same
    codes; computed once per vocabulary. A value without letters keeps its own form."""
    if "latin" not in vocab.derived:
        from contactops.dedupe.latin import latin

        values = latin(vocab.values).fill_null(vocab.values.cast(pl.String))
        vocab.derived["latin"] = values.to_numpy()
    return Vocabulary(values=pl.Series(vocab.derived["latin"], dtype=pl.String),
                      codes=vocab.codes)


def _street_forms(vocab: Vocabulary) -> Vocabulary:
    """The vocabulary's streets in their comparable form (:mod:`contactops.dedupe.streets`),
    same codes; hashes of the forms and of the house numbers in ``derived``."""
    if "street_form" not in vocab.derived:
        from contactops.dedupe.streets import numbers, street_form

        forms = street_form(vocab.values).fill_null(vocab.values.cast(pl.String))
        vocab.derived["street_text"] = forms.to_numpy()
        vocab.derived["street_form"] = np.append(forms.hash(seed=0).to_numpy().view(np.int64),
                                                 -1)
        nums = numbers(vocab.values)
        hashed = nums.hash(seed=0).to_numpy().view(np.int64).copy()
        hashed[nums.is_null().to_numpy()] = -1
        vocab.derived["street_numbers"] = np.append(hashed, -1)
    return Vocabulary(values=pl.Series(vocab.derived["street_text"], dtype=pl.String),
                      codes=vocab.codes)


#: Scripts that leave short vowels unwritten (Arabic, Hebrew; Indic names often typed
#: without their vowel signs): محمد reads ``mhmd``, रहल ``rhl``.
_VOWELLESS = r"[\u0590-\u06FF\u0750-\u077F\u0900-\u0DFF]"


def _skeletons(vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Per name value (by code): the hash of its consonant skeleton in Latin letters
    (vowels, ``w`` and ``y`` dropped, doubled letters once, a final ``h`` dropped: محمد,
    Mohamed and Muhammad are ``mhmd``; -1 under two letters) and whether the value is
    written in a script without vowels."""
    if "skeleton" not in vocab.derived:
        from contactops.dedupe.latin import latin

        values = vocab.values.cast(pl.String)
        skel = latin(values).str.replace_all(r"[aeiouwy]", "")
        for letter in "bcdfghjklmnpqrstvxz":
            skel = skel.str.replace_all(f"{letter}{letter}+", letter)
        skel = skel.str.replace(r"(.)h$", "$1")
        skel = pl.select(pl.when(pl.lit(skel).str.len_chars() >= 2).then(pl.lit(skel))
                         ).to_series()
        hashed = skel.hash(seed=0).to_numpy().view(np.int64).copy()
        hashed[skel.is_null().to_numpy()] = -1
        vocab.derived["skeleton"] = np.append(hashed, -1)
        vocab.derived["vowelless"] = np.append(
            values.str.contains(_VOWELLESS).fill_null(False).to_numpy(), False)
    return vocab.derived["skeleton"], vocab.derived["vowelless"]


def _nicknames(vocab: Vocabulary, a: np.ndarray, b: np.ndarray, mask: np.ndarray
               ) -> np.ndarray:
    """Whether one given name is a nickname of the other (``nicknames`` package: Larry for
    Lawrence, Bob for Robert; :mod:`contactops.dedupe.hypocorisms`: Kasia for Katarzyna,
    Paco for Francisco), or a nickname misspelt (Mlly for Mary), per pair where ``mask``;
    each distinct pair looked up once."""
    from nicknames import NickNamer

    from contactops.dedupe.encode import distinct_pairs

    out = np.zeros(len(a), dtype=bool)
    if not mask.any():
        return out
    sel = np.flatnonzero(mask)
    ua, ub, inverse = distinct_pairs(a[sel], b[sel])
    from contactops.dedupe.hypocorisms import Forms

    if "forms" not in _NAMER:  # not setdefault: that builds the tables every call
        _NAMER["forms"] = Forms(NickNamer().nickname_lookup)
    related = _NAMER["forms"].related(vocab.values.gather(ua), vocab.values.gather(ub))
    out[sel] = related[inverse]
    return out


#: The nicknames package's table with :mod:`contactops.dedupe.hypocorisms`' as
#: :class:`~contactops.dedupe.hypocorisms.Forms`, built once per process.
_NAMER: dict[str, Any] = {}


def _local_ends(vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Per email value (by code), hashes of its local part's first and last character."""
    if "local_first" not in vocab.derived:
        local = vocab.values.cast(pl.String).str.split("@").list.first()
        for name, part in (("local_first", local.str.slice(0, 1)),
                           ("local_last", local.str.slice(-1))):
            vocab.derived[name] = np.append(part.hash(seed=0).to_numpy().view(np.int64), -1)
    return vocab.derived["local_first"], vocab.derived["local_last"]


def _lev(vocab: Vocabulary, a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    from rapidfuzz.distance import Levenshtein

    return pair_scores(vocab, a, b, mask, Levenshtein.distance, np.int32, 99)


def _date_parts(vocab: Vocabulary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of each ``YYYY-MM-DD`` value (``-1`` when not a date, and for
    the null code), computed once per vocabulary."""
    if "year" not in vocab.derived:
        parts = vocab.values.cast(pl.String).str.extract_groups(
            r"^(\d{4})-(\d{2})-(\d{2})").struct.unnest()
        for name, column in zip(("year", "month", "day"), parts.columns, strict=True):
            values = parts[column].cast(pl.Int32, strict=False).fill_null(-1).to_numpy()
            vocab.derived[name] = np.append(values, -1)
    return vocab.derived["year"], vocab.derived["month"], vocab.derived["day"]


def field_levels(field: MatchField, enc: Encoded, left: np.ndarray, right: np.ndarray,
                 right_column: str | None = None) -> np.ndarray:
    """Level codes of one field for pairs (left, right).

    ``right_column``: compare the left record's field with this column of the right record
    (same vocabulary; used for swapped first/last names).
    """
    col = field.source_column
    vocab = enc.vocab(col)
    a = enc.codes(col)[left]
    b = vocab.codes[right_column or col][right]
    present = (a != vocab.null) & (b != vocab.null)
    equal = present & (a == b)
    out = np.where(present, 0, -1).astype(np.int8)
    differ = present & ~equal
    if field.kind in ("name", "string"):
        # names are compared in Latin letters: Наталья and Natalya are one name
        sim = _jw(_latin(vocab) if field.kind == "name" else vocab, a, b, differ)
        n = len(field.levels)
        for i, t in enumerate(reversed(field.levels)):  # lowest first, higher overwrite
            out[differ & (sim >= t)] = i + 1
        if field.kind == "name" and field.swap_with is not None:
            # a given name and its nickname (Lawrence, Larry) agree at the lowest level
            low = differ & (out == 0)
            out[low & _nicknames(_latin(vocab), a, b, low)] = 1
        if field.kind == "name":
            # a name written in a script without vowels and its spelling in Latin letters
            # (محمد / Mohamed, कमर / Kumar) agree at the lowest level
            skel, vowelless = _skeletons(vocab)
            low = differ & (out == 0) & (vowelless[a] | vowelless[b])
            out[low & (skel[a] != -1) & (skel[a] == skel[b])] = 1
        out[equal] = n + 1
    elif field.kind == "street":
        forms = _street_forms(vocab)
        same_form = differ & (vocab.derived["street_form"][a] == vocab.derived["street_form"][b])
        num_a, num_b = vocab.derived["street_numbers"][a], vocab.derived["street_numbers"][b]
        # another house (or flat) number is another home however alike the street names
        other_house = differ & ~same_form & (num_a != -1) & (num_b != -1) & (num_a != num_b)
        fuzzy = differ & ~same_form & ~other_house
        sim = _jw(forms, a, b, fuzzy)
        n = len(field.levels)
        for i, t in enumerate(reversed(field.levels)):
            out[fuzzy & (sim >= t)] = i + 1
        out[equal | same_form] = n + 1
    elif field.kind == "email":
        flags = enc.shared.get(col)
        shared = (flags[left] | flags[right]) if flags is not None else np.zeros(len(a), bool)
        d = vocab.derived
        same_local = d["local"][a] == d["local"][b]
        same_domain = d["domain"][a] == d["domain"][b]
        # name.surname@ vs name_surname@ at one company: two mailboxes, not a typo
        other_style = same_domain & ~same_local & (d["stripped"][a] == d["stripped"][b])
        cand = differ & ~shared & ~other_style
        # only a shared local part or domain can make a typo: skip the edit distance else
        cand &= same_local | (same_domain & (d["local_len"][a] >= 6))
        dist = _lev(vocab, a, b, cand)
        ends = _local_ends(vocab)
        # jsmith@ and bsmith@, annam@ and annak@, anna@ and annak@ at one company:
        # colleagues whose mailboxes follow the company's pattern, not a typo (they differ
        # at the start or the end, where the pattern puts an initial)
        pattern = same_domain & ((ends[0][a] != ends[0][b]) | (ends[1][a] != ends[1][b]))
        near = cand & ((same_local & (dist <= 2))
                       | (same_domain & (dist <= 1) & (d["local_len"][a] >= 6) & ~pattern))
        out[near] = EMAIL_NEAR
        # isabella_allen@work and isabellaallen789@gmail: one person's two mailboxes
        name_a, name_b = d["name"][a], d["name"][b]
        other_domain = (differ & ~near & ~shared & (name_a != -1) & (name_a == name_b)
                        & ~same_domain)
        out[other_domain] = EMAIL_OTHER_DOMAIN
        out[equal] = np.where(shared[equal], EMAIL_SHARED, len(level_names(field)) - 1)
    elif field.kind == "phone":
        flags = enc.shared.get(col)
        shared = (flags[left] | flags[right]) if flags is not None else np.zeros(len(a), bool)
        out[equal] = np.where(shared[equal], 1, 2)
    elif field.kind == "dob":
        year, month, day = _date_parts(vocab)
        same_year = differ & (year[a] == year[b])
        same_month = same_year & (month[a] == month[b])
        swapped = same_year & (month[a] == day[b]) & (day[a] == month[b])
        dist = _lev(vocab, a, b, differ & ~same_month & ~swapped)
        out[differ & (dist <= 1)] = 1
        out[same_month] = 2
        out[swapped] = 3
        out[equal] = 4
    elif field.kind in ("id", "date"):
        dist = _lev(vocab, a, b, differ)
        out[differ & (dist <= 2)] = 1
        out[differ & (dist <= 1)] = 2
        out[equal] = 3
    else:
        out[equal] = 1
    return out


def compare(pairs: pl.DataFrame, features: pl.DataFrame, fields: list[MatchField],
            encoded: Encoded | None = None) -> pl.DataFrame:
    """``pairs`` with one ``g_<field>`` level column per match field.

    A first/last name pair written the other way round (``swap_with``) is compared crossed
    when that agrees better (both names must agree at some level).
    """
    enc = encoded or Encoded(features, fields)
    left = pairs["l"].to_numpy().astype(np.int64)
    right = pairs["r"].to_numpy().astype(np.int64)
    levels = {f.name: field_levels(f, enc, left, right) for f in fields}
    by_name = {f.name: f for f in fields}
    for f in fields:
        if f.swap_with is None or f.swap_with not in levels:
            continue
        other = by_name[f.swap_with]
        # first/last written the other way round: compare a's first with b's last and back
        f_x = field_levels(f, enc, left, right, right_column=other.source_column)
        o_x = field_levels(other, enc, left, right, right_column=f.source_column)
        direct = levels[f.name].astype(np.int16) + levels[other.name]
        cross = f_x.astype(np.int16) + o_x
        use = (cross > direct) & (f_x > 0) & (o_x > 0)
        levels[f.name] = np.where(use, f_x, levels[f.name]).astype(np.int8)
        levels[other.name] = np.where(use, o_x, levels[other.name]).astype(np.int8)
    return pairs.with_columns(
        pl.Series(f"g_{name}", values, dtype=pl.Int8) for name, values in levels.items())


def tf_values(features: pl.DataFrame, fields: list[MatchField],
              encoded: Encoded | None = None) -> dict[str, np.ndarray]:
    """Relative frequency of each value (by code) of the term-frequency-adjusted fields."""
    enc = encoded or Encoded(features, fields)
    return {f.name: enc.vocab(f.source_column).frequencies(f.source_column)
            for f in fields if f.tf_adjust}
