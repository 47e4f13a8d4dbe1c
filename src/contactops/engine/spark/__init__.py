"""The Spark engine: the same warehouse tables as Parquet folders, the same stage SQL run by
Spark (``pyspark`` is the optional extra ``contactops[spark]``)."""

from __future__ import annotations

from contactops.engine.spark.warehouse import SparkWarehouse

__all__ = ["SparkWarehouse"]
