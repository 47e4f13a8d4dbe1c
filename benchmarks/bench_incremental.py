"""Incremental runs, whole process: the hourly job a team schedules.

    .venv/bin/python benchmarks/bench_incremental.py --rows 1000000 --dir /tmp/incr-1m

A project with two sources, as a team runs contactops every hour: ``crm`` (a nightly CRM
export, snapshot, ``--rows`` records) and ``forms`` (web-form fills, append; each hour's file
holds ``--added`` new records). The records are one generated population (``--preset``,
hard by default) cut in order, so an hour's form fills include people the CRM already has.

Each step is its own ``contactops run pipelines/hourly.yaml`` process, measured whole (wall
from spawn to exit, peak RSS of the process tree, benchmarks/rss.py):

1. the first run (full: nothing to build on);
2. an unchanged rerun (target <= 2 s at 1M: no stage work, "nothing changed since run ...");
3. ``--hours`` hourly loads of ``--added`` rows each (target <= 5 s at 1M);
4. ``--full`` on the final state, then the agreement of the incremental warehouse with it:
   the record partition into contacts (pairwise precision/recall/F1 of incremental against
   full), contact ids and golden consent of the contacts both runs built alike, and the
   validation issues per rule.

``--dir`` keeps the data and the warehouses: a second call reuses the generated files, and
with ``--reuse-first`` the first run's warehouse (kept as ``first-wh.duckdb``), so each
trial of the hourly loads starts from the same state.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from rss import measure

CLI = str(Path(sys.executable).with_name("contactops"))
WAREHOUSE = "wh.duckdb"


def _prepare(folder: Path, rows: int, added: int, hours: int, seed: int, preset: str) -> Path:
    """The project folder: config/, pipelines/hourly.yaml, data/crm.csv, data/forms_<h>.csv."""
    import polars as pl

    from contactops.testing.writers import write_dataset

    project = folder / "project"
    if (project / "data" / f"forms_{hours}.csv").is_file():
        return project
    gen = folder / "generated"
    write_dataset(gen, rows + added * hours, seed=seed, preset=preset)
    frame = pl.read_csv(gen / "contacts.csv", infer_schema=False)
    (project / "data").mkdir(parents=True, exist_ok=True)
    (project / "config").mkdir(exist_ok=True)
    (project / "pipelines").mkdir(exist_ok=True)
    (project / "config" / "contactops.yaml").write_text("{}\n")
    frame[:rows].write_csv(project / "data" / "crm.csv")
    for hour in range(1, hours + 1):
        start = rows + (hour - 1) * added
        frame[start:start + added].write_csv(project / "data" / f"forms_{hour}.csv")
    suggested = subprocess.run([CLI, "infer", str(project / "data" / "crm.csv")], check=True,
                               capture_output=True, text=True).stdout
    block = "\n".join(line for line in suggested.splitlines()[1:]
                      if not line.startswith("#"))
    crm = block.replace(f"path: {project / 'data' / 'crm.csv'}", "path: data/crm.csv")
    forms = (crm.replace("name: crm", "name: forms", 1)
             .replace("kind: import", "kind: web_form\n  mode: append", 1)
             .replace("data/crm.csv", "data/forms.csv"))
    (project / "pipelines" / "hourly.yaml").write_text(
        f"name: hourly\nsources:\n{crm}\n{forms}\n", encoding="utf-8")
    return project


def _run(project: Path, warehouse: Path, label: str, *extra: str) -> dict[str, Any]:
    out = project.parent / f"{label}.json"
    with out.open("w") as stdout, (project.parent / f"{label}.err").open("w") as stderr:
        measured = measure([CLI, "run", "pipelines/hourly.yaml", "--warehouse",
                            str(warehouse), "--warn-only", "--json", *extra],
                           cwd=project, stdout=stdout, stderr=stderr)
    if measured.exit_code != 0:
        raise SystemExit(f"{label}: contactops run failed ({measured.exit_code}):\n"
                         f"{(project.parent / f'{label}.err').read_text()[-3000:]}")
    result = json.loads(out.read_text())
    stages = ", ".join(f"{s['stage']} {s['seconds']:.2f}" for s in result["stages"])
    print(f"{label:<22} {measured.wall:7.2f} s  {measured.peak_mb / 1024:5.2f} GiB  "
          f"{result['reason']}" + (f"  [{stages}]" if stages else ""))
    for stage in result["stages"]:
        for note in stage.get("notes", []):
            if "incremental" in note or "full" in note or "drift" in note:
                print(f"{'':<24}{stage['stage']}: {note}")
    return result


def _agreement(incremental: Path, full: Path) -> None:
    """Pairwise agreement of the record partition, ids, consent and issues."""
    import duckdb
    import polars as pl

    def read(path: Path, sql: str) -> pl.DataFrame:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.sql(sql).pl()
        finally:
            con.close()

    links = "SELECT record_id, contact_id FROM contact_links"
    a, b = read(incremental, links), read(full, links)
    both = a.join(b, on="record_id", suffix="_full")

    def pairs(frame: pl.DataFrame, by: str) -> int:
        sizes = frame.group_by(by).len()["len"]
        return int((sizes * (sizes - 1) // 2).sum())

    together_inc = pairs(both, "contact_id")
    together_full = pairs(both, "contact_id_full")
    agree = pairs(both, ["contact_id", "contact_id_full"])
    precision = agree / together_inc if together_inc else 1.0
    recall = agree / together_full if together_full else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 1.0
    print(f"partition, incremental vs full: {a.height:,} vs {b.height:,} records, "
          f"pairs {together_inc:,} vs {together_full:,}; P {precision:.5f} R {recall:.5f} "
          f"F1 {f1:.5f}")
    members = both.group_by("contact_id").agg(pl.col("record_id").sort())
    members_full = both.group_by("contact_id_full").agg(pl.col("record_id").sort())
    same = members.join(members_full, on="record_id")
    kept = int((same["contact_id"] == same["contact_id_full"]).sum())
    print(f"contacts with the same records: {same.height:,} of {members.height:,}; "
          f"same contact_id among them: {kept:,}")
    consent = ("SELECT contact_id, " + ", ".join(
        f"consent_{c}" for c in ("email", "sms", "phone"))
        + " FROM contacts")
    try:
        ca, cb = read(incremental, consent), read(full, consent)
    except duckdb.Error:
        ca = cb = None
    if ca is not None and cb is not None:
        joined = same.select("contact_id", "contact_id_full").join(ca, on="contact_id").join(
            cb.rename({"contact_id": "contact_id_full"}), on="contact_id_full",
            suffix="_full")
        differ = joined.filter(pl.any_horizontal(
            pl.col(c).ne_missing(pl.col(f"{c}_full")) for c in ca.columns[1:]))
        print(f"golden consent differs on {differ.height:,} of {joined.height:,} "
              "contacts built alike")
    issues = "SELECT rule, count(*) AS n FROM validation_issues GROUP BY rule"
    ia, ib = read(incremental, issues), read(full, issues)
    diff = ia.join(ib, on="rule", how="full", coalesce=True, suffix="_full").filter(
        pl.col("n").ne_missing(pl.col("n_full")))
    print(f"validation issue rows per rule differ on {diff.height} of "
          f"{max(ia.height, ib.height)} rules" + (f": {diff.to_dicts()}" if diff.height else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--added", type=int, default=1_000)
    parser.add_argument("--hours", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--preset", default="hard")
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--no-full", action="store_true", help="skip --full and the agreement")
    parser.add_argument("--reuse-first", action="store_true",
                        help="start from the first run's warehouse kept by an earlier call "
                             "(first-wh.duckdb in --dir), so trials start alike")
    args = parser.parse_args()
    project = _prepare(args.dir, args.rows, args.added, args.hours, args.seed, args.preset)
    warehouse = args.dir / WAREHOUSE
    for stale in args.dir.glob(WAREHOUSE + "*"):
        stale.unlink()
    forms = project / "data" / "forms.csv"
    shutil.copyfile(project / "data" / "forms_1.csv", forms)
    print(f"{args.rows:,} crm records + {args.added:,} form fills an hour, {args.preset} preset")
    kept = args.dir / ("first-" + WAREHOUSE)
    if args.reuse_first and kept.is_file():
        for path in args.dir.glob(kept.name + "*"):  # the warehouse and match's copy
            shutil.copyfile(path, args.dir / path.name.removeprefix("first-"))
        print(f"first run: reused {kept}")
    else:
        _run(project, warehouse, "first run")
        for path in args.dir.glob(WAREHOUSE + "*"):
            if path.is_file():
                shutil.copyfile(path, args.dir / ("first-" + path.name))
    _run(project, warehouse, "unchanged rerun")
    for hour in range(2, args.hours + 1):
        shutil.copyfile(project / "data" / f"forms_{hour}.csv", forms)
        _run(project, warehouse, f"hour {hour}: +{args.added:,} rows")
    if args.no_full:
        return
    full = args.dir / ("full-" + WAREHOUSE)
    for stale in args.dir.glob("full-" + WAREHOUSE + "*"):
        stale.unlink()
    shutil.copyfile(warehouse, full)
    _run(project, full, "--full on the same", "--full")
    _agreement(warehouse, full)


if __name__ == "__main__":
    main()
