"""Pipelines of generated data for tests of incremental runs: a CRM snapshot source and an
append source of web forms, both CSV files with the generator's spreadsheet headers."""

from __future__ import annotations

SOURCE = """\
  - name: {name}
    type: csv
    kind: {kind}
    path: data/{name}.csv
    key: Record ID
    auto_map: true
    mode: {mode}
"""


def crm_and_forms(*, dedupe: str = "", settings: str = "",
                  validate: str = "validate: {enabled: false}\n") -> str:
    """Pipeline YAML named ``incr``: ``data/crm.csv`` (a snapshot) and ``data/forms.csv``
    (appended). ``dedupe``, ``settings`` and ``validate`` (default: validation off): YAML
    lines of those blocks (``"dedupe: {enabled: false}\\n"``)."""
    sources = (SOURCE.format(name="crm", kind="connected_system", mode="snapshot")
               + SOURCE.format(name="forms", kind="web_form", mode="append"))
    return f"name: incr\n{validate}{dedupe}{settings}sources:\n{sources}"
