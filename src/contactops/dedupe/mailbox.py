"""A mailbox named after the person on both records: garbled names under one own address.

One person's records can misspell, swap and shorten both names at once (``Murpy Gerald``
and ``Erry Murphy``): every name comparison then says "different", and a shared address
alone is not trusted against two clashing names (someone else may have typed that address).
When the address's local part holds a name of *each* record (``gerald_murphy@…``: Gerald
on one, Murphy on the other), the address is that person's and so are both records; a
stranger whose record carries the address would not have their own name in it.

:func:`named_mailbox` flags such pairs: the email agrees exactly and is nobody else's (not a
role mailbox or one several people use), every name comparison says "different", and each
record has a name (Latin form, three letters or more) inside the local part's letters.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from contactops.config.dedupe import DedupeSettings
from contactops.dedupe.compare import level_names

#: Column of ``scored`` holding the flag while keys and vetoes are decided.
COLUMN = "_mailbox_named"
#: Shortest name looked for in a local part (``li`` is inside too many addresses).
_MIN_NAME = 3


def named_mailbox(scored: pl.DataFrame, features: pl.DataFrame,
                  options: DedupeSettings) -> np.ndarray:
    """Per scored pair: one own address, clashing names, each record's name in the address.
    """
    out = np.zeros(scored.height, dtype=bool)
    emails = [f for f in options.fields if f.kind == "email" and f.key
              and f"g_{f.name}" in scored.columns]
    names = [f for f in options.fields if f.kind == "name" and f"g_{f.name}" in scored.columns]
    if not emails or not names or scored.height == 0:
        return out
    own = pl.any_horizontal(pl.col(f"g_{f.name}") == len(level_names(f)) - 1 for f in emails)
    clash = pl.all_horizontal(pl.col(f"g_{f.name}") == 0 for f in names)
    rows = np.flatnonzero(scored.select((own & clash).fill_null(False)).to_series().to_numpy())
    if not len(rows):
        return out
    from contactops.dedupe.latin import latin

    email = emails[0].source_column
    cols = [f.source_column for f in names if f.source_column in features.columns]
    found = np.ones(len(rows), dtype=bool)
    for side in ("l", "r"):  # Latin forms of these few pairs' values only
        idx = scored[side].gather(rows).to_numpy().astype(np.int64)
        box = latin(features[email].gather(idx).cast(pl.String).str.split("@").list.first())
        hit = np.zeros(len(rows), dtype=bool)
        for c in cols:
            name = latin(features[c].gather(idx))
            long_ = (name.str.len_chars() >= _MIN_NAME).fill_null(False).to_numpy()
            inside = pl.select(pl.lit(box).str.contains(pl.lit(name), literal=True)
                               ).to_series().fill_null(False).to_numpy()
            hit |= long_ & inside
        found &= hit
    out[rows[found]] = True
    return out


def with_flag(scored: pl.DataFrame, features: pl.DataFrame,
              options: DedupeSettings) -> pl.DataFrame:
    """``scored`` with the :data:`COLUMN` flag, for :func:`contactops.dedupe.core.key_links`
    and the vetoes (which drop it)."""
    return scored.with_columns(pl.Series(COLUMN, named_mailbox(scored, features, options)))
