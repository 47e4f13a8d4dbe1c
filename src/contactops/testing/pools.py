"""The word pools a preset draws people from: names, their variants, companies, consent words.

``classic`` is the original small pool (60 given names, 120 family names, 35 companies);
``world`` adds names from many cultures and five non-Latin scripts with their
transliterations, and some 1,200 more companies whose names resemble one another.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from contactops.testing import vocab, vocab_world


@dataclass(frozen=True)
class Pools:
    """Parallel tuples: index i of ``first``, ``first_latin``, ``nicknames`` and
    ``first_translit`` describe one given name (likewise for family names).

    Attributes:
        first: given names as the person writes them (any script).
        first_latin: the Latin form an email address is made from.
        nicknames: per given name, the nicknames used instead of it.
        first_translit: per given name in a non-Latin script, its Latin transliterations.
        last, last_latin, last_translit: the same for family names.
        companies: (stem, .example domain) per company.
        consent_words: per consent status (in ``vocab.CONSENT_STATUSES`` order), the words
            sources write for it.
    """

    first: tuple[str, ...]
    first_latin: tuple[str, ...]
    nicknames: tuple[tuple[str, ...], ...]
    first_translit: tuple[tuple[str, ...], ...]
    last: tuple[str, ...]
    last_latin: tuple[str, ...]
    last_translit: tuple[tuple[str, ...], ...]
    companies: tuple[tuple[str, str], ...]
    consent_words: tuple[tuple[str, ...], ...]

    @property
    def stems(self) -> tuple[str, ...]:
        """Company stems, then the internal company's (index -2 in the generator)."""
        return (*(s for s, _ in self.companies), "Example Corp")

    def first_index(self, name: str) -> int:
        return self.first.index(name)

    def last_index(self, name: str) -> int:
        return self.last.index(name)


POOL_NAMES: tuple[str, ...] = ("classic", "world")


@cache
def pools(name: str) -> Pools:
    """The pool called ``name`` (see :data:`POOL_NAMES`)."""
    if name not in POOL_NAMES:
        raise ValueError(f"unknown name pool {name!r}; use one of {list(POOL_NAMES)}")
    statuses = vocab.CONSENT_STATUSES
    first = dict(vocab.FIRST_NAMES)
    last = list(vocab.LAST_NAMES)
    if name == "classic":
        return Pools(
            first=tuple(first), first_latin=tuple(first), nicknames=tuple(first.values()),
            first_translit=tuple(() for _ in first), last=tuple(last), last_latin=tuple(last),
            last_translit=tuple(() for _ in last), companies=vocab.COMPANIES,
            consent_words=tuple(vocab.CONSENT_WORDS[s] for s in statuses))
    first.update(vocab_world.MORE_FIRST_NAMES)
    last += [n for n in vocab_world.MORE_LAST_NAMES if n not in last]
    script_first, script_last = vocab_world.SCRIPT_FIRST_NAMES, vocab_world.SCRIPT_LAST_NAMES
    companies = [*vocab.COMPANIES]
    for word in vocab_world.COMPANY_WORDS:
        for kind in vocab_world.COMPANY_KINDS:
            companies.append((f"{word} {kind}", f"{word}{kind}.example".lower()))
    return Pools(
        first=(*first, *script_first),
        first_latin=(*first, *(t[0] for t in script_first.values())),
        nicknames=(*first.values(), *(() for _ in script_first)),
        first_translit=(*(() for _ in first), *script_first.values()),
        last=(*last, *script_last),
        last_latin=(*last, *(t[0] for t in script_last.values())),
        last_translit=(*(() for _ in last), *script_last.values()),
        companies=tuple(companies),
        consent_words=tuple((*vocab.CONSENT_WORDS[s], *vocab_world.MARKETING_CONSENT_WORDS[s])
                            for s in statuses))
