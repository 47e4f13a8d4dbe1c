"""The Spark session a warehouse runs on: one per process, made from the engine settings.

``master`` is any Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``,
``k8s://...``) or a Spark Connect address (``sc://host:15002``). Options are passed as
given (``spark.*`` keys); contactops adds only defaults a user did not set: the session time
zone UTC and naive timestamps (DuckDB's ``TIMESTAMP``), few shuffle partitions on a local
master (Spark's 200 suit a cluster, not two cores), no web UI on a local master, Polars
threads per task as the task's cores (``map_batches`` functions), and the driver memory from
the run's memory limit. Spark's Python workers run the interpreter that
runs contactops (``PYSPARK_PYTHON``), so both sides have the same packages.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from contactops.errors import ContactopsError

_LOCK = threading.Lock()
_SESSION: dict[str, Any] = {}


def require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise ContactopsError(
            "the Spark engine needs pyspark, which is not installed: install the extra with "
            "`pip install 'contactops[spark]'` (or `uv pip install pyspark`), and a Java 17+ "
            "runtime; or use the default engine (engine: duckdb)") from None


def session(master: str | None = None, options: dict[str, str] | None = None,
            memory_limit: int | None = None) -> Any:
    """The process's Spark session, created on first use with these settings (``master``
    None: the one already running, else ``local[2]``)."""
    require_pyspark()
    with _LOCK:
        current = _SESSION.get("session")
        if current is not None:
            if master is not None and _SESSION["master"] != master:
                raise ContactopsError(
                    f"this process already runs Spark on {_SESSION['master']}; a warehouse "
                    f"asks for {master}. One process uses one Spark master")
            return current
        master = master or "local[2]"
        _SESSION["session"] = _build(master, dict(options or {}), memory_limit)
        _SESSION["master"] = master
        return _SESSION["session"]


def _build(master: str, options: dict[str, str], memory_limit: int | None) -> Any:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    local = master.startswith("local")
    defaults = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
        "spark.sql.ansi.enabled": "false",  # DuckDB's casts return NULL where ANSI raises
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        # contactops keeps no tables in Spark's own catalog: without this, every run
        # leaves an empty spark-warehouse/ folder in the working directory
        "spark.sql.warehouse.dir": str(Path(tempfile.gettempdir()) / "contactops-spark-catalog"),
        # a task has its spark.task.cpus cores (1 by default); Polars in a batch function
        # would start a thread per core of the machine in every concurrent task
        "spark.executorEnv.POLARS_MAX_THREADS": options.get("spark.task.cpus", "1"),
    }
    if not master.startswith("sc://"):  # the driver's logging: errors only
        config = Path(__file__).with_name("log4j2.properties")
        defaults["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile=file:{config}"
    if local:
        cores = _local_cores(master)
        defaults |= {"spark.sql.shuffle.partitions": str(max(2, 2 * cores)),
                     "spark.default.parallelism": str(max(2, 2 * cores)),
                     "spark.ui.enabled": "false",
                     "spark.ui.showConsoleProgress": "false"}
        if memory_limit:
            defaults["spark.driver.memory"] = f"{max(memory_limit // 2**20, 512)}m"
    builder = SparkSession.builder.appName("contactops")
    if "PYSPARK_GATEWAY_PORT" in os.environ:
        # started by spark-submit: its --master and --conf rule; only the settings results
        # depend on are set (those before the local-master defaults above)
        defaults = {k: v for k, v in defaults.items() if k.startswith("spark.sql.")
                    and "shuffle" not in k}
    elif master.startswith("sc://"):
        builder = builder.remote(master)
    else:
        builder = builder.master(master)
    for key, value in (defaults | options).items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # no Java, a master that does not answer
        raise ContactopsError(
            f"cannot start Spark on {master}: {str(exc).splitlines()[0]} — Spark needs a "
            "Java 17+ runtime (JAVA_HOME or java on PATH) and a reachable master") from None
    if not master.startswith("sc://"):
        spark.sparkContext.setLogLevel("OFF")
    # PySpark logs every failed query's context as JSON on stderr; contactops raises the
    # error with the statement instead
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return spark


def _local_cores(master: str) -> int:
    inside = master[master.find("[") + 1: master.find("]")] if "[" in master else "1"
    if inside in ("*", ""):
        return os.cpu_count() or 1
    try:
        return int(inside.split(",")[0])
    except ValueError:
        return 1
