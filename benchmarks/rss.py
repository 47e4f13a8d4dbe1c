"""Wall time and peak resident memory of a whole process tree, sampled from outside.

``measure([...argv])`` starts a child process and, until it exits, samples every ~50 ms the
RSS of that process and of all its descendants (a Great Expectations worker, a DuckDB helper,
anything it spawns), with psutil. The tree's RSS is the sum over its processes, so pages two
processes share (a forked child's copy-on-write pages) count once per process: an upper bound,
and what the machine's OOM killer and a container's memory limit look at per process.
A sample costs ~2 ms of CPU (psutil lists the children by reading /proc), ~4 % of one core.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil

MB = 2**20


@dataclass(frozen=True)
class Sample:
    """One look at the tree: when (epoch seconds), its RSS and its root's, in MB."""

    at: float
    tree_mb: float
    root_mb: float
    processes: int


@dataclass(frozen=True)
class Measured:
    """A finished child process: exit code, epoch start/end, and its RSS timeline."""

    argv: tuple[str, ...]
    exit_code: int
    started: float
    ended: float
    samples: tuple[Sample, ...]

    @property
    def wall(self) -> float:
        return self.ended - self.started

    @property
    def peak_mb(self) -> int:
        """Peak RSS of the whole tree (0 when the process ended before the first sample)."""
        return round(max((s.tree_mb for s in self.samples), default=0.0))

    @property
    def root_peak_mb(self) -> int:
        """Peak RSS of the root process alone, without its descendants."""
        return round(max((s.root_mb for s in self.samples), default=0.0))

    def peak_between(self, start: float, end: float) -> int | None:
        """Peak tree RSS of the samples taken in ``[start, end)``. A window shorter than the
        sampling interval may hold none: then the larger of the two samples around it (the
        memory the window started and ended near), or None when there is no sample at all."""
        inside = [s.tree_mb for s in self.samples if start <= s.at < end]
        if inside:
            return round(max(inside))
        before = [s for s in self.samples if s.at < start]
        after = [s for s in self.samples if s.at >= end]
        around = ([before[-1].tree_mb] if before else []) + ([after[0].tree_mb] if after else [])
        return round(max(around)) if around else None


def tree_rss(root: psutil.Process) -> tuple[int, int, int]:
    """(bytes of the tree, bytes of the root, processes seen); a process that ends between
    being listed and being read simply does not count."""
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        processes = [root]
    total = own = 0
    for process in processes:
        try:
            rss = process.memory_info().rss
        except psutil.Error:
            continue
        total += rss
        if process.pid == root.pid:
            own = rss
    return total, own, len(processes)


def measure(argv: Sequence[str], *, cwd: Path | None = None,
            env: Mapping[str, str] | None = None, stdout: IO[Any] | None = None,
            stderr: IO[Any] | None = None, interval: float = 0.05) -> Measured:
    """Run ``argv`` to its end while sampling its process tree every ``interval`` seconds.

    The wall time runs from just before the spawn to the reaping of the process, i.e. what
    someone at a shell waits for (interpreter start-up and imports included)."""
    samples: list[Sample] = []
    started = time.time()
    process = subprocess.Popen(list(argv), cwd=cwd, env=dict(env) if env is not None else None,
                               stdout=stdout, stderr=stderr)
    try:
        root = psutil.Process(process.pid)
        while True:
            at = time.time()
            total, own, count = tree_rss(root)
            if total:  # an exited (zombie) root reads as nothing: not a sample
                samples.append(Sample(at, total / MB, own / MB, count))
            try:
                process.wait(timeout=interval)
                break
            except subprocess.TimeoutExpired:
                continue
    except psutil.NoSuchProcess:  # ended before it could be looked at
        process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    ended = time.time()
    return Measured(tuple(argv), process.returncode, started, ended, tuple(samples))
