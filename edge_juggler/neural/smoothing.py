"""Smoothing and per-class thresholds, so one noisy prediction does not flip the label.

Probabilities are averaged with an exponential moving average; the shown label
changes only when another class has been on top for ``hold`` inferences in a row
and either its smoothed probability clears that class's threshold or the shown
label has itself fallen below its own (a stale label must not outlive its evidence:
a first, unsure guess would otherwise stay on screen for good).
"""

from __future__ import annotations

import numpy as np


class LabelSmoother:
    def __init__(
        self,
        labels: list[str],
        thresholds: dict[str, float] | None = None,
        alpha: float = 0.5,
        hold: int = 2,
        default_threshold: float = 0.4,
    ) -> None:
        self.labels = list(labels)
        thr = thresholds or {}
        self.thresholds = np.array([thr.get(c, default_threshold) for c in self.labels], np.float32)
        self.alpha, self.hold = alpha, hold
        self._ema: np.ndarray | None = None
        self._label: int | None = None
        self._candidate: int | None = None
        self._streak = 0

    def update(self, probs: np.ndarray) -> tuple[str, float, np.ndarray]:
        """Feed one prediction; returns (label, its smoothed probability, smoothed probs)."""
        p = np.asarray(probs, dtype=np.float32)
        self._ema = p.copy() if self._ema is None else self.alpha * p + (1 - self.alpha) * self._ema
        top = int(np.argmax(self._ema))
        if self._label is None:
            self._label = top
        elif top != self._label:
            self._streak = self._streak + 1 if top == self._candidate else 1
            self._candidate = top
            cur = self._label
            sure = self._ema[top] >= self.thresholds[top]
            stale = self._ema[cur] < self.thresholds[cur]
            if self._streak >= self.hold and (sure or stale):
                self._label, self._candidate, self._streak = top, None, 0
        else:
            self._candidate, self._streak = None, 0
        return self.labels[self._label], float(self._ema[self._label]), self._ema

    def reset(self) -> None:
        self._ema = None
        self._label = self._candidate = None
        self._streak = 0
