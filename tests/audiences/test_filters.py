"""Filters: literal tables of accepted and refused WHERE fragments."""

from __future__ import annotations

import pytest

from contactops.audiences.filters import FilterError, compile_filter

COLUMNS = ["contact_id", "email", "tags", "lists", "country", "company", "created_at",
           "contact_type", "lifecycle_stage"]


@pytest.mark.parametrize("text", [
    "country = 'DE'",
    "list_contains(tags, 'vip') AND lower(email) LIKE '%@example.org'",
    "country IN ('US', 'GB') OR contact_type <> 'internal'",
    "coalesce(company, '') <> '' AND len(tags) > 1",
    "created_at > current_date - INTERVAL 30 DAY",
    "cast(created_at AS DATE) >= DATE '2024-01-01'",
    "list_has_any(lists, ['a', 'b']) AND NOT email IS NULL",
    "regexp_matches(email, '^[a-z]+@')",
])
def test_accepted(text: str) -> None:
    sql = compile_filter(text, COLUMNS)
    assert "--" not in sql and "/*" not in sql


@pytest.mark.parametrize(("text", "literal"), [
    ("company LIKE '%--%'", "'%--%'"),
    ("company = '/* not a comment */'", "'/* not a comment */'"),
])
def test_comment_markers_inside_strings_are_text(text: str, literal: str) -> None:
    assert literal in compile_filter(text, COLUMNS)


@pytest.mark.parametrize(("text", "comment"), [
    # YAML folds a multi-line filter into one line: the rest would become the comment
    ("country = 'DE' -- only Germany AND list_contains(tags, 'vip')",
     "-- only Germany AND list_contains(tags, 'vip')"),
    ("regexp_matches(email, '^[a-z]+@') -- trailing comment", "-- trailing comment"),
    ("/* note */ country = 'DE'", "/* note */"),
    ("country = 'DE' /* or */ OR country = 'US'", "/* or */"),
])
def test_comments_are_refused_not_swallowed(text: str, comment: str) -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(text, COLUMNS, audience="newsletter")
    message = str(caught.value)
    assert f"contains an SQL comment {comment!r}" in message
    assert "newsletter" in message and "Remove the comment" in message


@pytest.mark.parametrize(("text", "offending"), [
    ("email IN (SELECT email FROM source_records)", "subqueries and other tables"),
    ("EXISTS (SELECT 1 FROM contacts)", "subqueries and other tables"),
    ("read_csv('/etc/passwd') IS NOT NULL", "function 'read_csv'"),
    ("getenv('HOME') = 'x'", "function 'getenv'"),
    ("country = 'DE'; DROP TABLE contacts", "single condition"),
    ("salary > 10", "unknown column 'salary'"),
    ("c.email = 'x'", "names a table"),
    ("count(*) > 1", "function 'count'"),
    ("country = (", "does not parse"),
])
def test_refused_names_the_offending_part(text: str, offending: str) -> None:
    with pytest.raises(FilterError) as caught:
        compile_filter(text, COLUMNS, audience="newsletter")
    message = str(caught.value)
    assert offending in message
    assert "newsletter" in message
