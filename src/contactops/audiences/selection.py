"""Select an audience's candidates; a filter that fails in the engine is a config error.

:mod:`contactops.audiences.filters` decides what a filter may say; this module catches
what only the engine can tell, before anything is written:

* binding the selection against the real ``contacts`` schema (``LIMIT 0``) refuses type
  mismatches such as ``first_name > 3`` or ``list_contains(tags, 1)``;
* an error raised by the data while the selection runs (``tags = 'vip'`` on a list column,
  ``CAST(first_name AS INTEGER)`` meeting ``'Ann'``) becomes the same kind of error.

Both are a :class:`ConfigError` (exit 2) at the filter's ``file:line``, naming the audience,
the filter and the fix, instead of an unexpected runtime failure.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import polars as pl

from contactops.audiences.definitions import AudienceConfig, filter_location, selection_sql
from contactops.audiences.filters import compile_filter
from contactops.catalog import T
from contactops.engine.sqlerrors import KINDS, sql_error_kind
from contactops.errors import ConfigError, ConfigIssue, UsageError

if TYPE_CHECKING:
    from contactops.engine.warehouse import Warehouse


def candidates(wh: Warehouse, cfg: AudienceConfig, name: str, columns: list[str]
               ) -> pl.DataFrame:
    """The ``contacts`` rows audience ``name`` selects (before the consent gate)."""
    where = selection_sql(cfg.audience(name), columns, name)
    for sql in (f"SELECT * FROM {T.contacts} WHERE {where} LIMIT 0",
                f"SELECT * FROM {T.contacts} WHERE {where}"):
        try:
            frame = wh.pl(sql)
        except Exception as exc:
            kind = sql_error_kind(exc)
            if kind is None:
                raise
            raise _explain(wh, cfg, name, columns, kind, exc) from None
    return frame


def _explain(wh: Warehouse, cfg: AudienceConfig, name: str, columns: list[str], kind: str,
             exc: BaseException) -> Exception:
    audience = cfg.audience(name)
    detail = str(exc).strip().splitlines()[0]
    if audience.filter and _filter_fails(wh, compile_filter(audience.filter, columns,
                                                            audience=name)):
        file, line = filter_location(cfg, name)
        return ConfigError(ConfigIssue(
            file, line, f"audiences.{name}.filter",
            f"the filter of audience '{name}' {KINDS[kind]}: {detail}", audience.filter,
            fix_hint(wh, audience.filter, detail, name)))
    return UsageError(f"audience '{name}' cannot be selected from contacts ({KINDS[kind]}: "
                      f"{detail}); check that contacts has the columns and types dedupe "
                      "writes (lists and tags as lists of text)")


def _filter_fails(wh: Warehouse, filter_sql: str) -> bool:
    try:
        wh.fetchall(f"SELECT count(*) FROM {T.contacts} WHERE {filter_sql}")
    except Exception as exc:
        if sql_error_kind(exc) is None:
            raise
        return True
    return False


def fix_hint(wh: Warehouse, text: str, detail: str, name: str = "NAME") -> str:
    """How to fix a filter the engine refused with ``detail``."""
    schema = wh.pl(f"SELECT * FROM {T.contacts} LIMIT 0").schema
    lists = [c for c, t in schema.items() if isinstance(t, pl.List)
             and re.search(rf"\b{re.escape(c)}\b", text, re.IGNORECASE)]
    if lists and "[]" in detail:
        col = lists[0]
        return (f"'{col}' is a list: test membership with list_contains({col}, 'value') or "
                f"list_has_any({col}, ['a', 'b']) instead of comparing it with text")
    if "timestamp" in detail.lower() or "date" in detail.lower():
        return ("write dates as DATE '2024-01-31' or TIMESTAMP '2024-01-31 09:00', or use "
                "TRY_CAST(x AS DATE), which gives NULL for values that do not convert")
    if "Cannot compare" in detail or "No function matches" in detail:
        return ("compare like with like: cast explicitly, e.g. TRY_CAST(col AS INTEGER) or "
                "CAST(col AS VARCHAR)")
    if "convert" in detail.lower() or "cast" in detail.lower():
        return ("use TRY_CAST(col AS TYPE), which gives NULL for values that do not convert, "
                "instead of CAST")
    return f"fix the filter, then check it with 'contactops plan {name}' (writes nothing)"
