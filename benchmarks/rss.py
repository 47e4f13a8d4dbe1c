"""Peak resident memory of this process, per stage, sampled from /proc by a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_STATUS = Path("/proc/self/status")


def rss_mb() -> float:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakRss:
    """``with PeakRss() as p: ...`` then ``p.peak_mb``; samples every 20 ms."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(self.interval)

    def reset(self) -> None:
        self.peak = rss_mb()

    @property
    def peak_mb(self) -> int:
        return round(max(self.peak, rss_mb()))

    def __enter__(self) -> PeakRss:
        self.peak = rss_mb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class StageMeter:
    """A pipeline Progress that records each stage's peak RSS (and can time extra steps)."""

    def __init__(self) -> None:
        self.peaks: dict[str, int] = {}
        self._sampler = PeakRss()
        self._sampler.__enter__()

    def stage(self, name: str, total: int | None = None) -> None:
        self._sampler.reset()

    def advance(self, label: str = "") -> None:
        return None

    def done(self, result: Any) -> None:
        self.peaks[result.stage] = self._sampler.peak_mb
        self._sampler.reset()

    @contextmanager
    def measure(self, name: str) -> Iterator[_Step]:
        step = _Step(name)
        self._sampler.reset()
        started = time.perf_counter()
        yield step
        step.seconds = round(time.perf_counter() - started, 3)
        step.peak = self._sampler.peak_mb


class _Step:
    def __init__(self, name: str) -> None:
        self.name, self.seconds, self.peak = name, 0.0, 0

    def figures(self) -> dict[str, Any]:
        return {"stage": self.name, "seconds": self.seconds, "peak_rss_mb": self.peak,
                "rows_per_s": None}
