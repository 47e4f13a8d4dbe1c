"""Pandera runs without importing pandas, numpy or Hypothesis, and finds the same failures.

Each case runs in a fresh interpreter: in this pytest process pandas may already be loaded
by other tests, and a loaded module is never hidden.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from contactops.validate.pandera_import import hidden_optional_imports

SCRIPT = textwrap.dedent("""
    import json, sys
    if sys.argv[1] == "preload":
        import pandas  # noqa: F401 - Pandera's usual import, with its pandas API
    import polars as pl
    from contactops.config.validate import ValidateSettings
    from contactops.validate.pandera_schemas import check_schema

    records = pl.DataFrame({
        "record_id": ["r1", "r1", "r3"], "source": ["crm", "crm", "Bad Source"],
        "source_kind": ["import", "import", "import"],
        "email": ["a@x.org", None, "c@x.org"], "email_key": ["a@x.org", None, "c@x"],
        "email_valid": [True, True, True], "email_is_role": [False, False, False],
        "email_is_disposable": [False, False, False],
        "phone": [None, None, "5"], "phone_e164": [None, None, "5"],
        "phone_valid": [None, None, True],
        "contact_type": ["customer", "alien", "customer"],
        **{f"consent_{c}": ["opted_in", "maybe", "unknown"] for c in ("email", "sms", "phone")},
        **{f: pl.Series([None, None, None], dtype=pl.Datetime("us"))
           for f in ("created_at", "updated_at", "consent_timestamp")},
        **{f: pl.Series([[], ["t"], None], dtype=pl.List(pl.String))
           for f in ("tags", "lists", "flags")},
    })
    contacts = pl.DataFrame({"contact_id": ["c1", "c1", None],
                             "email_key": ["a@x.org", "nope", None]})
    out = {}
    for table, frame in (("normalized_records", records), ("contacts", contacts)):
        result = check_schema(frame, table, ValidateSettings(), "run")
        out[table] = {"issues": sorted(map(json.dumps, result.issues.to_dicts())),
                      "summary": result.summary.drop("checked_at", strict=False).to_dicts()}
    out["loaded"] = sorted({"pandas", "numpy", "hypothesis"}
                           & {m.split(".")[0] for m in sys.modules})
    print(json.dumps(out, default=str))
""")


def _run(mode: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_pandera_without_pandas_finds_the_same_failures() -> None:
    lean, usual = _run("lean"), _run("preload")
    assert lean["loaded"] == []  # neither pandas, numpy nor Hypothesis was imported
    assert "pandas" in usual["loaded"]
    for table in ("normalized_records", "contacts"):
        assert lean[table] == usual[table]
    issues = [json.loads(i) for i in lean["normalized_records"]["issues"]]  # type: ignore[index]
    failed = {(i["field"], i["value"]) for i in issues}
    assert ("contact_type", "alien") in failed
    assert ("consent_email", "maybe") in failed
    assert ("record_id", "r1") in failed
    contacts = [json.loads(i) for i in lean["contacts"]["issues"]]  # type: ignore[index]
    assert {i["field"] for i in contacts} >= {"contact_id", "email_key"}


def test_hidden_module_looks_absent_only_inside_the_block(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from contactops.validate import pandera_import

    monkeypatch.delitem(sys.modules, "colorsys", raising=False)  # stands in for pandas
    monkeypatch.setattr(pandera_import, "OPTIONAL", ("colorsys",))
    with hidden_optional_imports(), pytest.raises(ModuleNotFoundError,
                                                  match="No module named 'colorsys'"):
        import colorsys  # noqa: F401
    import colorsys  # noqa: F401,F811 - importable again after the block

    assert "colorsys" in sys.modules


def test_loaded_module_is_never_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    from contactops.validate import pandera_import

    monkeypatch.delitem(sys.modules, "email.headerregistry", raising=False)
    monkeypatch.setattr(pandera_import, "OPTIONAL", ("email",))  # email is loaded
    with hidden_optional_imports():
        import email.headerregistry  # noqa: F401 - its package is loaded: never hidden
