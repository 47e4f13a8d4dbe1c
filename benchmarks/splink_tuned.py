"""A tuned Splink 5 baseline, set up the way Splink's documentation recommends for people.

    .venv/bin/python benchmarks/splink_tuned.py contacts.csv --truth t.csv
    .venv/bin/python benchmarks/splink_tuned.py contacts.csv --truth t.csv --which splink_untuned

What "tuned" means here (after Splink's "historical people" and FEBRL examples):

* inputs standardized first (Splink expects cleaned columns): lower-cased names, a full name
  split into first and last, email lower-cased without +tags (and Gmail dots; role
  mailboxes such as info@ dropped, they identify no person), phone as its
  last 9 digits without extension, dates of birth parsed to ISO from the common layouts,
  postcodes without spaces, company names without legal suffixes;
* comparisons: ForenameSurnameComparison (Jaro-Winkler levels, swapped names, term-frequency
  adjusted on the full name), exact email and exact phone with term frequencies (so a
  switchboard shared by hundreds weighs little), DateOfBirthComparison, exact postcode with
  term frequencies (city when there is no postcode), Jaro-Winkler street and company; each
  only when the data has that column;
* six blocking rules: email, phone, first+last name, email user name, swapped names, last
  name + date of birth (or + postcode without dates of birth);
* ``estimate_probability_two_random_records_match`` from deterministic rules (recall 0.7),
  ``estimate_u_using_random_sampling`` (5M pairs, seeded), EM on two blocking passes
  (first+last name, then email), ``predict`` at 0.5 and clusters at 0.95.

Run alone it measures one baseline in its own process, so the peak RSS it reports is that
baseline's process alone; ``benchmarks/run.py`` runs it this way beside the untuned one.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import pairwise_scores, splink_untuned

#: Raw headers of the generator's single layout (and FEBRL's) -> the columns used here.
HEADERS: dict[str, str] = {
    "Record ID": "record_key", "First Name": "first_name", "Last Name": "last_name",
    "Full Name": "full_name", "E-mail": "email", "Mobile": "phone", "City": "city",
    "Zip Code": "postal_code", "Street": "street", "Date of Birth": "birth_date",
    "Organisation": "company",
}
DOB_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y", "%d.%m.%Y", "%d/%m/%Y")
LEGAL = r"\b(inc|incorporated|llc|l\.l\.c|ltd|limited|gmbh|corp|corporation|co)\b\.?"
#: Role mailboxes name a team, not a person: cleaned away like any non-identifying value.
ROLE = r"^(info|sales|support|admin|office|hello|contact|team|noreply|no-reply|marketing)$"
CLUSTER_AT = 0.95


def load_contacts(csv: Path) -> pl.DataFrame:
    """The columns this baseline reads from a generator ``contacts.csv`` (all text)."""
    raw = pl.read_csv(csv, infer_schema=False)
    return raw.select(pl.col(h).alias(c) for h, c in HEADERS.items() if h in raw.columns)


def _clean(column: str) -> pl.Expr:
    text = (pl.col(column).str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}'\- ]", " ")
            .str.replace_all(r"\s+", " ").str.strip_chars())
    return pl.when(text == "").then(None).otherwise(text).alias(column)


def prepare(raw: pl.DataFrame) -> pl.DataFrame:
    """Standardized columns, as Splink's documentation asks of its input."""
    frame = raw.with_columns(
        pl.lit(None, dtype=pl.Utf8).alias(c) for c in HEADERS.values() if c not in raw.columns)
    full = pl.col("full_name").str.strip_chars()
    comma = full.str.contains(",")
    split_first = pl.when(comma).then(full.str.split(",").list.last()).otherwise(
        full.str.split(" ").list.first())
    split_last = pl.when(comma).then(full.str.split(",").list.first()).otherwise(
        full.str.split(" ").list.slice(1).list.join(" "))
    frame = frame.with_columns(first_name=pl.coalesce("first_name", split_first),
                               last_name=pl.coalesce("last_name", split_last))
    email = pl.col("email").str.strip_chars().str.to_lowercase()
    local = email.str.split("@").list.first().str.replace(r"\+.*$", "")
    domain = email.str.split("@").list.last()
    local = pl.when(domain == "gmail.com").then(local.str.replace_all(".", "", literal=True)
                                                ).otherwise(local)
    digits = pl.col("phone").str.replace(r"(?i)\s*(x|ext\.?)\s*\d+\s*$", "").str.replace_all(
        r"\D", "")
    dob = pl.coalesce(*(pl.col("birth_date").str.strip_chars().str.strptime(
        pl.Date, f, strict=False) for f in DOB_FORMATS))
    frame = frame.with_columns(
        _clean("first_name"), _clean("last_name"), _clean("city"), _clean("street"),
        email=pl.when(email.str.contains("@") & ~local.str.contains(ROLE))
        .then(pl.concat_str(local, pl.lit("@"), domain)),
        email_user=pl.when(email.str.contains("@") & ~local.str.contains(ROLE)).then(local),
        phone=pl.when(digits.str.len_chars() >= 7).then(digits.str.slice(-9)),
        birth_date=dob.dt.strftime("%Y-%m-%d"),
        postal_code=pl.col("postal_code").str.to_uppercase().str.replace_all(r"\s", ""),
        company=pl.col("company").str.to_lowercase().str.replace_all(LEGAL, " ")
        .str.replace_all(r"[^\p{L}\p{N} ]", " ").str.replace_all(r"\s+", " ").str.strip_chars(),
    )
    return frame.with_columns(
        unique_id=pl.col("record_key"),
        name_concat=pl.concat_str("first_name", pl.lit(" "), "last_name"),
    ).select("unique_id", "record_key", "first_name", "last_name", "name_concat", "email",
             "email_user", "phone", "birth_date", "postal_code", "city", "street", "company")


def _settings(frame: pl.DataFrame) -> tuple[Any, list[Any], list[Any]]:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    has = {c for c in frame.columns if frame[c].null_count() < frame.height}
    comparisons: list[Any] = [cl.ForenameSurnameComparison(
        "first_name", "last_name", forename_surname_concat_col_name="name_concat")]
    if "email" in has:
        # exact, as a key: EmailComparison's user-name levels link every john.smith@ of
        # another domain, and different John Smiths share that user name
        comparisons.append(cl.ExactMatch("email").configure(term_frequency_adjustments=True))
    if "phone" in has:
        comparisons.append(cl.ExactMatch("phone").configure(term_frequency_adjustments=True))
    if "birth_date" in has:
        comparisons.append(cl.DateOfBirthComparison("birth_date", input_is_string=True))
    place = "postal_code" if "postal_code" in has else "city"
    if place in has:
        comparisons.append(cl.ExactMatch(place).configure(term_frequency_adjustments=True))
    for column in ("street", "company"):
        if column in has:
            comparisons.append(cl.JaroWinklerAtThresholds(column, [0.92, 0.8]))
    swapped = "l.first_name = r.last_name and l.last_name = r.first_name"
    blocking: list[Any] = [block_on("first_name", "last_name"), swapped]
    blocking += [block_on(c) for c in ("email", "phone", "email_user") if c in has]
    blocking.append(block_on("last_name", "birth_date") if "birth_date" in has
                    else block_on("last_name", place))
    deterministic: list[Any] = [block_on(c) for c in ("email",) if c in has]
    deterministic += [block_on("first_name", "last_name", c) for c in ("birth_date", "phone")
                      if c in has]
    if not deterministic:
        deterministic = [block_on("first_name", "last_name", place)]
    settings = SettingsCreator(link_type="dedupe_only", comparisons=comparisons,
                               blocking_rules_to_generate_predictions=blocking)
    return settings, deterministic, [block_on("first_name", "last_name"),
                                     block_on("email" if "email" in has else place)]


def splink_tuned(raw: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    """Tuned Splink 5 on ``raw`` (record_key + the columns of :data:`HEADERS` it has);
    returns (record_key, cluster) and seconds, preparation included."""
    import logging

    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    started = time.perf_counter()
    frame = prepare(raw)
    settings, deterministic, em_rules = _settings(frame)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame.to_arrow(), table_name="contacts_tuned"), settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, CLUSTER_AT)
    out = pl.from_arrow(clusters.as_pyarrow_table())
    result = out.select(pl.col("unique_id").alias("record_key"),  # type: ignore[union-attr]
                        pl.col("cluster_id").alias("cluster"))
    return result, time.perf_counter() - started


def _peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM, which (unlike ru_maxrss) starts afresh at exec, so a
    parent's memory at fork time does not count."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(which: str, csv: Path, truth: pl.DataFrame) -> dict[str, Any]:
    """Run one baseline on ``csv`` and score it against ``truth`` (record_key, entity_id)."""
    raw = load_contacts(csv)
    if which == "splink_tuned":
        clusters, seconds = splink_tuned(raw)
    else:
        untuned = raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c) for c in
                                   ("first_name", "last_name", "email", "phone", "city",
                                    "company") if c not in raw.columns)
        clusters, seconds = splink_untuned(untuned)
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(_peak_rss_mb()),
            **pairwise_scores(clusters, truth)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", type=Path, help="a generator contacts.csv (single layout)")
    parser.add_argument("--truth", type=Path, required=True,
                        help="truth.csv with record_key and entity_id")
    parser.add_argument("--which", choices=("splink_tuned", "splink_untuned"),
                        default="splink_tuned")
    args = parser.parse_args(argv)
    for path in (args.csv, args.truth):
        if not path.exists():
            parser.error(f"{path}: file not found")
    truth = pl.read_csv(args.truth, infer_schema=False)
    figures = run_one(args.which, args.csv, truth)
    print(json.dumps({args.which: figures}))
    return figures


if __name__ == "__main__":
    main()
