"""A killed load leaves the previous state intact; a second run waits or says who holds it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from contactops.config import load_pipeline
from contactops.engine import Warehouse
from contactops.errors import WarehouseBusy
from contactops.pipeline import run_pipeline

PIPELINE = """\
name: t
sources:
  - name: crm
    type: csv
    kind: connected_system
    path: data/crm.csv
    key: id
    mapping: {name: full_name}
"""


def _wait_for(path: Path, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"helper process ended early:\n{out}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("helper process never reached its marker")
        time.sleep(0.05)


def _spawn(code: str, cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_kill_9_in_the_middle_of_a_load_keeps_the_previous_state(
        make_project: Callable[..., Path], tmp_path: Path) -> None:
    pipeline = make_project(PIPELINE, {"data/crm.csv": "id,name\n1,Ann Lee\n2,Bob Ray\n"})
    project = load_pipeline(pipeline)
    run_pipeline(project, until="ingest")
    (tmp_path / "data" / "crm.csv").write_text("id,name\n1,Ann Lee-Smith\n2,Bob Ray\n3,Cy\n")
    marker = tmp_path / "in-transaction"
    proc = _spawn(f"""
        import time
        from contextlib import contextmanager
        from contactops.config import load_pipeline
        from contactops.engine.warehouse import Warehouse
        from contactops.pipeline import run_pipeline

        original = Warehouse.registered

        @contextmanager
        def paused(self, name, frame):
            with original(self, name, frame) as registered:
                yield registered
            if name == "_landing":          # rows inserted, transaction not committed yet
                open({str(marker)!r}, "w").write("x")
                time.sleep(120)

        Warehouse.registered = paused
        run_pipeline(load_pipeline({str(pipeline)!r}), until="ingest")
    """, tmp_path)
    _wait_for(marker, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with Warehouse(project.warehouse_path) as wh:
        assert wh.scalar("SELECT count(*) FROM loads") == 1
        assert wh.fetchall("SELECT full_name FROM current_source_records ORDER BY 1") == \
            [("Ann Lee",), ("Bob Ray",)]
    result = run_pipeline(project, until="ingest")     # the next run completes the load
    assert result.loads[0].rows_accepted == 3
    with Warehouse(project.warehouse_path) as wh:
        statuses = [r[0] for r in wh.fetchall("SELECT status FROM runs ORDER BY started_at")]
        assert statuses == ["success", "interrupted", "success"]
        assert wh.scalar("SELECT count(*) FROM current_source_records") == 3


@pytest.mark.slow
def test_second_run_waits_for_the_lock_or_says_who_holds_it(
        make_project: Callable[..., Path], tmp_path: Path) -> None:
    pipeline = make_project(PIPELINE, {"data/crm.csv": "id,name\n1,Ann\n"},
                            settings="warehouse: wh/t.duckdb\nlock_timeout_seconds: 0.3\n")
    project = load_pipeline(pipeline)
    marker = tmp_path / "holding"
    holder = _spawn(f"""
        import time
        from contactops.engine import Warehouse
        with Warehouse({str(project.warehouse_path)!r}):
            open({str(marker)!r}, "w").write("x")
            time.sleep(4)
    """, tmp_path)
    _wait_for(marker, holder)
    with pytest.raises(WarehouseBusy) as info:
        run_pipeline(project, until="ingest")
    assert f"in use by another contactops run (process {holder.pid})" in str(info.value)
    assert info.value.exit_code == 3
    patient = load_pipeline(pipeline).settings.model_copy(update={"lock_timeout_seconds": 60})
    waited = run_pipeline(type(project)(project.root, patient, project.pipeline,
                                        project.pipeline_file), until="ingest")
    assert waited.status == "success"
    assert holder.wait(timeout=30) == 0
