"""Clip buffer: frames in at camera rate, clips out at the model's rate and stride.

Frames are picked by timestamp (never by count: phone videos have variable frame
rates) so the network always sees the frame spacing it was trained on, and a clip
is handed out every ``stride`` picked frames, as SenseKit did.
"""

from __future__ import annotations

from collections import deque

import numpy as np


class ClipBuffer:
    def __init__(self, frames: int, fps: float, stride: int = 4) -> None:
        if frames < 1 or fps <= 0 or stride < 1:
            raise ValueError("frames, fps and stride must be positive")
        self.frames, self.fps, self.stride = frames, fps, stride
        self.period = 1.0 / fps
        self._buf: deque[np.ndarray] = deque(maxlen=frames)
        self._next_due: float | None = None
        self._since_emit = 0

    def wants(self, t_s: float) -> bool:
        """Whether a frame at ``t_s`` will be kept (lets callers skip preprocessing)."""
        if self._next_due is None:
            return True
        # small tolerance: a 30 fps camera jitters a few ms around its nominal period
        return t_s >= self._next_due - 0.25 * self.period

    def push(self, t_s: float, x: np.ndarray) -> bool:
        """Add a preprocessed frame taken at ``t_s``; True when a new clip is ready."""
        if not self.wants(t_s):
            return False
        if self._next_due is None or t_s > self._next_due + 2 * self.period:
            # first frame, or a gap (dropped frames, seek): restart the schedule
            self._next_due = t_s + self.period
        else:
            self._next_due += self.period
        self._buf.append(x)
        self._since_emit += 1
        if len(self._buf) == self.frames and self._since_emit >= self.stride:
            self._since_emit = 0
            return True
        return False

    def clip(self) -> np.ndarray:
        """The current clip, (1, T, C, S, S) float32, oldest frame first."""
        return np.stack(self._buf)[None]

    def reset(self) -> None:
        self._buf.clear()
        self._next_due = None
        self._since_emit = 0

    def __len__(self) -> int:
        return len(self._buf)
