"""Pandera's Polars API without paying for pandas.

``import pandera.polars`` first runs ``pandera/__init__.py``, which imports numpy and pandas
(and through it ``pyarrow.compute``) for Pandera's pandas API; the first validation imports
pandas again to ask whether a frame is a pandas type, and Pandera's strategies import
Hypothesis (installed with the dev tools). Together that was most of a small run's validate
stage (~1 s warm, several seconds when the bytecode is not cached), although contactops
validates only Polars frames.

Pandera supports installs without them (``pandera[polars]`` alone, pandera GH #2387): when
``import numpy`` or ``import pandas`` raises ``No module named ...`` it skips its pandas API
and routes Polars frames to the same Polars backend. :func:`hidden_optional_imports` makes
exactly that happen while Pandera imports and registers its backends, for the modules this
process has not imported yet; a loaded module is never hidden, so a process that uses pandas
for something else gets Pandera's usual import. The checks, their names and failure cases are
the same either way (``tests/validate/test_pandera_import.py`` compares both).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

#: modules Pandera imports only for its pandas API and its data-synthesis strategies
#: (Polars imports numpy only on demand, for conversions the schemas never make)
OPTIONAL = ("pandas", "numpy", "hypothesis")


class _Hidden(importlib.abc.MetaPathFinder):
    """Answers an import of one of ``names`` as if the package were not installed."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named '{fullname}'", name=fullname)
        return None


@contextmanager
def hidden_optional_imports() -> Iterator[None]:
    """Within the block, :data:`OPTIONAL` modules not imported yet look absent."""
    names = frozenset(n for n in OPTIONAL if n not in sys.modules)
    if not names:
        yield
        return
    finder = _Hidden(names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)

