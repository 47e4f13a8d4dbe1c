"""Write generated contacts to disk the way real sources deliver them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Literal

import polars as pl

from contactops.testing import layouts, vocab
from contactops.testing.generator import GeneratedContacts, make_contacts

#: A note with a line break: manual.csv must quote it, and readers must keep it one field.
MULTILINE_NOTE = "Met at booth 12\nfollow up in Q3"
IMPORT_ENCODING = "cp1252"


def write_dataset(out_dir: str | Path, rows: int, seed: int = 0, *,
                  layout: Literal["single", "sources"] = "single", preset: str = "classic",
                  **knobs: Any) -> dict[str, Any]:
    """Generate ``rows`` records and write them, with ``truth.csv``, into ``out_dir``.

    Args:
        out_dir: folder to write into (created if missing; files are overwritten).
        rows: number of contact records.
        seed: random seed; equal arguments write identical files.
        layout: ``"single"`` writes one ``contacts.csv`` with spreadsheet-style headers;
            ``"sources"`` writes one file per source in its own format: ``crm.sqlite``
            (table ``contacts``), ``import.csv`` (cp1252, ``;``), ``import.xlsx``,
            ``web_form.ndjson`` (nested), ``manual.csv`` (ragged rows), ``campaign_contacts.csv``,
            ``campaign_activity.csv``, ``agent_actions.json`` (under ``actions``) and
            ``company_domains.csv`` (reference data: company and industry per domain).
        preset: generator preset, ``"classic"`` or ``"hard"`` (hard adds street and date
            of birth columns; see :mod:`contactops.testing.presets`).
        **knobs: generator knobs, see :class:`contactops.testing.Knobs`.

    Returns:
        ``{"layout", "out_dir", "seed", "records", "entities", "files": {name: {"path",
        "rows", "format", ...}}}``; layout "sources" adds ``"ragged_rows"`` (record keys of
        manual.csv rows written with a missing or an extra field).
    """
    if layout not in ("single", "sources"):
        raise ValueError(f"layout must be 'single' or 'sources', not {layout!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = make_contacts(rows, seed, preset, **knobs)
    files: dict[str, dict[str, Any]] = {}
    info: dict[str, Any] = {"layout": layout, "preset": preset, "out_dir": str(out),
                            "seed": seed,
                            "records": gen.records.height,
                            "entities": gen.truth["entity_id"].n_unique(), "files": files}
    if layout == "single":
        frame = _renamed(gen.records, layouts.SINGLE, "single")
        frame.write_csv(out / "contacts.csv")
        files["contacts.csv"] = _entry(out / "contacts.csv", frame.height, "csv")
    else:
        info["ragged_rows"] = _write_sources(gen, out, files)
    gen.truth.write_csv(out / "truth.csv")
    files["truth.csv"] = _entry(out / "truth.csv", gen.truth.height, "csv")
    return info


def _entry(path: Path, rows: int, fmt: str, **extra: Any) -> dict[str, Any]:
    return {"path": str(path), "rows": rows, "format": fmt, **extra}


def _renamed(records: pl.DataFrame, layout: dict[str, str], name: str = "") -> pl.DataFrame:
    """The layout's columns under their raw names, with the hard columns the records have."""
    extra = {raw: field for raw, field in layouts.HARD_EXTRA.get(name, {}).items()
             if field in records.columns}
    return records.select(pl.col(field).alias(raw) for raw, field in {**layout, **extra}.items())


def _of(gen: GeneratedContacts, source: str) -> pl.DataFrame:
    return gen.records.filter(pl.col("source") == source)


def _write_sources(gen: GeneratedContacts, out: Path, files: dict[str, Any]) -> list[str]:
    crm = _renamed(_of(gen, "crm"), layouts.CRM, "crm")
    _write_sqlite(crm, out / "crm.sqlite", "contacts")
    files["crm.sqlite"] = _entry(out / "crm.sqlite", crm.height, "sqlite", table="contacts")

    imports = _of(gen, "import").with_row_index("_i")
    batch2 = pl.col("_i") % 3 == 2
    first = _renamed(imports.filter(~batch2), layouts.IMPORT_CSV, "import_csv")
    text = first.write_csv(separator=";", line_terminator="\r\n")
    (out / "import.csv").write_bytes(text.encode(IMPORT_ENCODING, errors="replace"))
    files["import.csv"] = _entry(out / "import.csv", first.height, "csv",
                                 encoding=IMPORT_ENCODING, delimiter=";")
    second = _renamed(imports.filter(batch2), layouts.IMPORT_XLSX, "import_xlsx")
    _write_xlsx(second, out / "import.xlsx", "Contacts")
    files["import.xlsx"] = _entry(out / "import.xlsx", second.height, "excel", sheet="Contacts")

    web = _web_form(_of(gen, "web_form"))
    web.write_ndjson(out / "web_form.ndjson")
    files["web_form.ndjson"] = _entry(out / "web_form.ndjson", web.height, "ndjson")

    manual, ragged = _manual_csv(_of(gen, "manual"))
    (out / "manual.csv").write_text(manual, encoding="utf-8", newline="")
    files["manual.csv"] = _entry(out / "manual.csv", _of(gen, "manual").height, "csv",
                                 ragged_rows=ragged)

    campaign = _renamed(_of(gen, "campaign"), layouts.CAMPAIGN)
    campaign.write_csv(out / "campaign_contacts.csv")
    files["campaign_contacts.csv"] = _entry(out / "campaign_contacts.csv", campaign.height, "csv")
    activity = _renamed(gen.activities, layouts.ACTIVITY)
    activity.write_csv(out / "campaign_activity.csv")
    files["campaign_activity.csv"] = _entry(out / "campaign_activity.csv", activity.height, "csv",
                                            role="activity", links_to="crm.sqlite")

    # The CRM's accounts: company and industry per email domain, reference data for the
    # normalize stage's enrichment (the last companies are missing, as in real account lists).
    domains = pl.DataFrame(
        [(domain, stem, industry) for (stem, domain), industry
         in zip(vocab.COMPANIES, vocab.INDUSTRIES, strict=True)][:-5],
        schema=["Domain", "Company", "Industry"], orient="row")
    domains.write_csv(out / "company_domains.csv")
    files["company_domains.csv"] = _entry(out / "company_domains.csv", domains.height, "csv",
                                          role="reference")

    agent = _agent_actions(_of(gen, "workflow"))
    (out / "agent_actions.json").write_text(
        '{"agent": "crm-hygiene-bot", "version": 2, "actions": ' + agent.write_json() + "}\n",
        encoding="utf-8")
    files["agent_actions.json"] = _entry(out / "agent_actions.json", agent.height, "json",
                                         records_path="actions")
    return ragged


def _write_xlsx(frame: pl.DataFrame, path: Path, sheet: str) -> None:
    import datetime as dt

    import xlsxwriter

    book = xlsxwriter.Workbook(path)
    # a fixed creation time keeps the file byte-identical across runs
    book.set_properties({"created": dt.datetime(2024, 6, 1)})
    frame.write_excel(book, worksheet=sheet, autofit=False)
    book.close()


def _write_sqlite(frame: pl.DataFrame, path: Path, table: str) -> None:
    path.unlink(missing_ok=True)
    columns = ", ".join(f'"{c}" TEXT' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    with sqlite3.connect(path) as con:
        con.execute(f'CREATE TABLE "{table}" ({columns})')
        con.executemany(f'INSERT INTO "{table}" VALUES ({marks})', frame.iter_rows())
    con.close()


def _web_form(r: pl.DataFrame) -> pl.DataFrame:
    """Nested submissions: contact.name.first, consent.email, utm.source, ..."""
    return r.select(
        submission_id="record_key", submitted_at="created_at",
        form=pl.lit("Contact us"),
        contact=pl.struct(name=pl.struct(first="first_name", last="last_name"),
                          email="email", phone="phone", company="company", country="country"),
        consent=pl.struct(email="email_consent", sms="sms_consent",
                          timestamp="consent_timestamp"),
        utm=pl.struct(source="utm_source", medium="utm_medium", campaign="utm_campaign"),
    )


def _agent_actions(r: pl.DataFrame) -> pl.DataFrame:
    return r.select(
        action_id="record_key", agent=pl.lit("crm-hygiene-bot"), action=pl.lit("upsert_contact"),
        performed_at="created_at",
        contact=pl.struct(name="full_name", email="email", phone="phone", company="company",
                          stage="lifecycle_stage", tags="tags",
                          consent=pl.struct(status="consent_status", channel="consent_channel")),
        note="notes", updated_at="updated_at",
    )


def _manual_csv(r: pl.DataFrame) -> tuple[str, list[str]]:
    """manual.csv text: one row short of a field, one with an extra, one multi-line note.

    The damaged rows come before the multi-line one, so counting lines finds them.
    """
    frame = _renamed(r, layouts.MANUAL, "manual")
    if frame.height > 7:
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == 7).then(pl.lit(MULTILINE_NOTE))
            .otherwise(pl.col("Notes")).alias("Notes"))
    lines = frame.write_csv().split("\n")
    ragged: list[str] = []
    if frame.height > 7:
        short, long = 3, 5  # data rows; line 0 is the header
        lines[short] = lines[short].rsplit(",", 1)[0]
        lines[long] = lines[long] + ",EXTRA"
        ragged = [frame["Ref"][short - 1], frame["Ref"][long - 1]]
    return "\n".join(lines), ragged
