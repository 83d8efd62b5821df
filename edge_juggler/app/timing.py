"""Per-stage latency of the live loop: a rolling window for the HUD, everything for benchmarks."""

from __future__ import annotations

import time
from collections import deque
from contextlib import contextmanager

import numpy as np

#: stages of one loop iteration, in pipeline order; off the loop: "prep" (the
#: classifier's crop/resize on its feeder thread) and "model" (inference on its
#: thread); "loop" is the whole iteration
STAGES: tuple[str, ...] = ("source", "track", "classify", "fuse", "draw", "output")
EXTRA: tuple[str, ...] = ("prep", "model", "loop")

#: the design card's budget per stage in milliseconds (DESIGN.md, latency budget)
BUDGET_MS: dict[str, float] = {
    "track": 2.0,
    "classify": 5.0,
    "model": 5.0,
    "fuse": 0.5,
    "draw": 8.0,
    "loop": 16.0,
}


class StageTimer:
    """Collects milliseconds per stage; ``keep_all`` keeps every sample for percentiles."""

    def __init__(self, window: int = 300, keep_all: bool = False) -> None:
        self.window = window
        self.keep_all = keep_all
        self._recent: dict[str, deque[float]] = {}
        self._all: dict[str, list[float]] = {}

    def add(self, stage: str, ms: float) -> None:
        dq = self._recent.get(stage)
        if dq is None:
            dq = self._recent[stage] = deque(maxlen=self.window)
            self._all[stage] = []
        dq.append(ms)
        if self.keep_all:
            self._all[stage].append(ms)

    @contextmanager
    def measure(self, stage: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, (time.perf_counter() - t0) * 1e3)

    def last(self, stage: str) -> float | None:
        dq = self._recent.get(stage)
        return dq[-1] if dq else None

    def stages(self) -> list[str]:
        order = [s for s in STAGES + EXTRA if s in self._recent]
        return order + sorted(s for s in self._recent if s not in order)

    def percentiles(
        self, qs: tuple[float, ...] = (50, 95, 99), recent: bool = True
    ) -> dict[str, dict[str, float]]:
        """``{stage: {"p50": ms, ..., "n": count}}`` over the window (or all samples)."""
        out: dict[str, dict[str, float]] = {}
        for stage in self.stages():
            data = self._recent[stage] if recent or not self.keep_all else self._all[stage]
            if not data:
                continue
            arr = np.fromiter(data, dtype=np.float64, count=len(data))
            vals = np.percentile(arr, qs)
            row = {f"p{int(q)}": round(float(v), 3) for q, v in zip(qs, vals, strict=True)}
            row["mean"] = round(float(arr.mean()), 3)
            row["n"] = len(data)
            out[stage] = row
        return out
