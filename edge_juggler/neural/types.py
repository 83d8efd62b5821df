"""What the classifier hands to fusion. Runtime-side: numpy only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class ClassScores:
    """Probabilities over the catalogue for the clip ending at ``frame_index``."""

    frame_index: int
    t_s: float
    probs: np.ndarray  # (27,) float32, sums to 1, order of catalogue.CLASSES
    label: str  # smoothed, thresholded label shown to the user
    confidence: float
    latency_ms: float = 0.0
