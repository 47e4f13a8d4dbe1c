"""The Great Expectations worker process: ``python -m contactops.validate.gx_worker``.

Started at the beginning of a run, it imports great_expectations at once (~15 s) while the
parent ingests, normalizes and dedupes; then it waits for one job line (JSON) on stdin,
runs one checkpoint per suite on the Parquet files the job names, builds Data Docs, writes
its results as JSON to the job's ``result_path`` and exits. End of stdin without a job (the
run stopped early) makes it exit quietly. Nothing here is imported by the parent.

GX runs on pandas frames: GX has no Polars support, and GX over DuckDB through SQLAlchemy
returned empty results. Suites, validation definitions and checkpoints are stored with
``add_or_update`` in a file context under ``<dir>/gx``; the pandas datasource is created
once and reused (replacing it by name would break saved checkpoints).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import Any

DATASOURCE = "contactops"


def _get_or_add(getter: Any, adder: Any, name: str) -> Any:
    try:
        return getter(name)
    except (KeyError, LookupError, ValueError):
        return adder(name)


def _suite(gx: Any, spec: dict[str, Any]) -> Any:
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    suite = gx.ExpectationSuite(name=spec["name"], meta=spec.get("meta") or {})
    for item in spec.get("expectations", []):
        suite.add_expectation_configuration(ExpectationConfiguration(
            type=item["type"], kwargs=item.get("kwargs", {}), meta=item.get("meta") or {}))
    return suite


def run_suite(gx: Any, context: Any, spec: dict[str, Any], parquet: str,
              data_docs: bool) -> dict[str, Any]:
    import pandas as pd
    from great_expectations.checkpoint import UpdateDataDocsAction

    started = time.perf_counter()
    table = spec["meta"]["contactops_table"]
    source = _get_or_add(context.data_sources.get, context.data_sources.add_pandas, DATASOURCE)
    asset = _get_or_add(source.get_asset, source.add_dataframe_asset, table)
    batch = _get_or_add(asset.get_batch_definition,
                        asset.add_batch_definition_whole_dataframe, "whole_table")
    suite = context.suites.add_or_update(_suite(gx, spec))
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=spec["name"], data=batch, suite=suite))
    actions = [UpdateDataDocsAction(name="update_data_docs")] if data_docs else []
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name=spec["name"], validation_definitions=[definition], actions=actions,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5}))
    frame = pd.read_parquet(parquet)
    outcome = checkpoint.run(batch_parameters={"dataframe": frame})
    results = []
    for run_result in outcome.run_results.values():
        for item in run_result.to_json_dict()["results"]:
            config, result = item["expectation_config"], item.get("result") or {}
            results.append({
                "type": config["type"], "kwargs": config.get("kwargs", {}),
                "meta": config.get("meta") or {}, "success": bool(item["success"]),
                "element_count": result.get("element_count"),
                "unexpected_count": result.get("unexpected_count"),
                "observed_value": result.get("observed_value"),
                "partial_unexpected_list": result.get("partial_unexpected_list", [])[:5],
                "exception": (item.get("exception_info") or {}).get("exception_message"),
            })
    return {"name": spec["name"], "table": table, "success": bool(outcome.success),
            "rows": len(frame), "seconds": round(time.perf_counter() - started, 3),
            "results": results}


def main() -> int:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    started = time.perf_counter()
    import great_expectations as gx

    import_seconds = time.perf_counter() - started
    line = sys.stdin.readline()
    if not line.strip():
        return 0  # the run ended before validation: nothing to do
    job = json.loads(line)
    waited = time.perf_counter() - started - import_seconds
    out: dict[str, Any] = {"import_seconds": round(import_seconds, 3),
                           "idle_seconds": round(waited, 3), "suites": [], "data_docs": None,
                           "error": None}
    try:
        context = gx.get_context(mode="file", project_root_dir=job["context_dir"])
        for item in job["suites"]:
            out["suites"].append(run_suite(gx, context, item["spec"], item["parquet"],
                                           job["data_docs"]))
        if job["data_docs"] and job["suites"]:
            urls = context.get_docs_sites_urls()
            out["data_docs"] = urls[0]["site_url"] if urls else None
    except Exception as exc:  # reported to the parent as data, with the traceback in the log
        traceback.print_exc()
        out["error"] = f"{type(exc).__name__}: {exc}"
    tmp = job["result_path"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(out, handle, default=str)
    os.replace(tmp, job["result_path"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
