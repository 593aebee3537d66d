"""Time and peak memory of one stage of a pipeline, as the process sees it.

:func:`measure` runs a function while a thread samples the process's
resident memory (``/proc/self/statm``) every few milliseconds, so the peak
counts numpy arrays, torch tensors and pandas frames alike; it reports the
peak above the memory held when the stage began.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """The process's resident memory now (bytes; 0 where unknown)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except OSError:
        return 0


@dataclass
class Stage:
    """What :func:`measure` saw: wall seconds, the resident memory when the
    stage began and the peak above it (bytes)."""

    name: str
    seconds: float
    start_bytes: int
    peak_bytes: int


def measure(name: str, fn: Callable[[], Any], interval: float = 0.005
            ) -> tuple[Any, Stage]:
    """Run ``fn()``; return its result and the :class:`Stage`."""
    start = rss_bytes()
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            done.wait(interval)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    tick = time.perf_counter()
    try:
        result = fn()
    finally:
        seconds = time.perf_counter() - tick
        done.set()
        watcher.join()
    peak[0] = max(peak[0], rss_bytes())
    return result, Stage(name, seconds, start, peak[0] - start)
