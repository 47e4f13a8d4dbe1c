"""Tell what kind of SQL failure an engine error is, without importing duckdb elsewhere.

Stages that run SQL written by users (audience filters) turn the kinds named here into
clear configuration errors instead of a runtime crash.
"""

from __future__ import annotations

import duckdb

#: kind -> what it means for SQL a user wrote
KINDS = {
    "binder": "does not fit the columns' types",
    "conversion": "fails on the data: a value cannot be converted",
    "invalid_input": "fails on the data: invalid input",
    "out_of_range": "fails on the data: a value is out of range",
    "parser": "does not parse",
}


def sql_error_kind(exc: BaseException) -> str | None:
    """``binder``, ``conversion``, ``invalid_input``, ``out_of_range``, ``parser`` or None."""
    if isinstance(exc, duckdb.BinderException):
        return "binder"
    if isinstance(exc, duckdb.ConversionException):
        return "conversion"
    if isinstance(exc, duckdb.OutOfRangeException):
        return "out_of_range"
    if isinstance(exc, duckdb.InvalidInputException):
        return "invalid_input"
    if isinstance(exc, duckdb.ParserException):
        return "parser"
    return None
