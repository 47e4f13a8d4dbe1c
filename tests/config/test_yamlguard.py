"""The YAML budget: bombs, cycles, depth and size are refused while composing, at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactops.config import yamlguard
from contactops.config.yamlfile import load_yaml, parse_yaml
from contactops.errors import ConfigError

BOMB = """\
name: x
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""


def issue(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, "p.yaml")
    assert len(info.value.issues) == 1
    return str(info.value.issues[0])


def test_billion_laughs_is_refused_at_the_alias_that_crosses_the_budget() -> None:
    text = issue(BOMB)
    # aliases in b, c, d add 90 + 819 + 7,380 values; the first *d in e (7,381) crosses 10,000
    assert text.startswith("p.yaml:6: e[0]: alias *d (anchor &d at line 5 stands for 7,381")
    assert "billion laughs" in text and "nothing was expanded" in text


def test_the_alias_budget_counts_expanded_values_not_alias_uses() -> None:
    few_big = "a: &a [" + ", ".join(["v"] * 6000) + "]\nb: *a\nc: *a\n"
    assert "alias *a" in issue(few_big)


def test_ordinary_anchor_reuse_is_kept() -> None:
    doc = parse_yaml("base: &base {type: csv, kind: import}\n"
                     "one: *base\ntwo: *base\n", "p.yaml")
    assert doc.data["two"] == {"type": "csv", "kind": "import"}


def test_an_alias_inside_its_own_anchor_is_a_cycle() -> None:
    assert issue("a: &s\n  - *s\n") == (
        "p.yaml:2: a[0]: alias *s refers to its own anchor &s (line 1), which would nest "
        "forever — remove *s or point it at a block outside &s")


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    depth = yamlguard.MAX_DEPTH + 1
    text = issue("a: " + "[" * depth + "]" * depth + "\n")
    assert f"nesting deeper than {yamlguard.MAX_DEPTH} levels" in text
    ok = yamlguard.MAX_DEPTH - 1   # the top-level mapping is one level
    value = parse_yaml("a: " + "[" * ok + "]" * ok + "\n", "p.yaml").data["a"]
    for _ in range(ok - 1):
        value = value[0]
    assert value == []
    nested_keys = "? " * (depth + 1) + "x\n"   # complex keys nest without a key path
    assert f"nesting deeper than {yamlguard.MAX_DEPTH} levels" in issue(nested_keys)


def test_too_many_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlguard, "MAX_NODES", 1000)  # mapping, key, list: a[997] is 1,001st
    assert issue("a: [" + ", ".join(["1"] * 1200) + "]\n") == (
        "p.yaml:1: a[997]: more than 1,000 values in one file — split the data into several "
        "files; configuration is far smaller")
    assert len(parse_yaml("a: [" + ", ".join(["1"] * 990) + "]\n", "p.yaml").data["a"]) == 990


def test_a_file_over_the_size_limit_is_refused_before_reading(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlguard, "MAX_BYTES", 1024)
    file = tmp_path / "big.yaml"
    file.write_text("a: " + "x" * 2000 + "\n")
    with pytest.raises(ConfigError, match=r"big.yaml: <root>: YAML file is 0.0 MiB, over"):
        load_yaml(file, display_name="big.yaml")


def test_tabs_and_bad_bytes_name_the_line_and_the_fix(tmp_path: Path) -> None:
    assert issue("a:\n\tb: 1\n") == (
        "p.yaml:2: <root>: invalid YAML: a tab character where YAML needs spaces — "
        "indent with spaces, not tabs")
    file = tmp_path / "latin.yaml"
    file.write_bytes(b"a: 1\nname: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_yaml(file, display_name="latin.yaml")
    assert str(info.value.issues[0]) == (
        "latin.yaml:2: <root>: not UTF-8 text (byte 0xe9 at column 10: invalid continuation "
        "byte) — save the file as UTF-8")
