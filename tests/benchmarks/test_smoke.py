"""The benchmark harness keeps working: a 10k-row run of the default (hard) preset with every
baseline, tuned and untuned Splink included (no timing asserts), measured as whole processes."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


@pytest.mark.slow
def test_10k_smoke_run_writes_sane_results(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_run", HARNESS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    results = module.main(["--rows", "10000", "--out", str(tmp_path)])

    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved == json.loads(json.dumps(results, default=str))
    md = (tmp_path / "results.md").read_text()
    assert "| stage | seconds | peak RSS (tree) MB | rows/s |" in md
    (fig,) = saved
    assert fig["rows"] == 10_000 and fig["preset"] == "hard"
    stages = {s["stage"]: s for s in fig["stages"]}
    assert {"ingest", "normalize", "dedupe", "validate"} <= set(stages)
    for stage in stages.values():
        assert stage["seconds"] > 0 and stage["peak_rss_mb"] > 0
    # the run as a whole process: start-up, the stages and the finish add up to its wall
    assert list(stages)[0] == "startup" and list(stages)[-1] == "finish"
    run, report, publish = fig["processes"]
    assert run["command"].startswith("contactops run --source") and run["exit_code"] == 0
    assert abs(sum(s["seconds"] for s in fig["stages"]) - run["seconds"]) < 1
    assert run["peak_rss_mb"] >= max(s["peak_rss_mb"] for s in fig["stages"])
    assert report["process"] == "report" and publish["process"] == "publish"
    assert publish["members"] > 0 and report["peak_rss_mb"] > 0 and publish["seconds"] > 0
    assert abs(fig["end_to_end_s"] - sum(p["seconds"] for p in fig["processes"])) < 0.1
    assert 0.5 < fig["dedupe"]["precision"] <= 1 and 0.5 < fig["dedupe"]["recall"] <= 1
    baselines = fig["baselines"]
    assert baselines["scan_floor"]["rows"] == 10_000
    for name in ("exact_email_phone", "splink_untuned", "splink_tuned"):
        assert 0 < baselines[name]["f1"] <= 1, name
    for name in ("splink_untuned", "splink_tuned"):  # measured in their own processes
        assert 0 < baselines[name]["peak_rss_mb"] and baselines[name]["seconds"] > 0, name
    assert "| splink_tuned |" in md
    assert fig["ratio_to_scan_floor"] > 1
