"""Test-only stand-ins: a source of drawn frames, a scripted tracker and classifier.

They let the app be tested without the simulator, the tracker or a trained
model: a ball (a disc in colour and a nearer patch in depth) flies on a parabola.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from edge_juggler import catalogue
from edge_juggler.capture.base import Source
from edge_juggler.errors import DeviceError
from edge_juggler.frames import Frame, Intrinsics
from edge_juggler.neural.types import ClassScores
from edge_juggler.tracking.types import Ball, Event, Hand, TrackState

W, H = 160, 120
FPS = 30.0
INTR = Intrinsics(fx=140.0, fy=140.0, cx=79.5, cy=59.5, width=W, height=H)


def ball_position(i: int, fps: float = FPS) -> tuple[float, float]:
    """Pixel position of the ball at frame ``i``: a 1-second parabolic hop, repeated."""
    t = (i / fps) % 1.0
    x = 30 + 100 * t
    y = 100 - 320 * t * (1 - t)
    return x, y


class ParabolaSource(Source):
    """Frames of one ball on a parabola; ``fail_after`` raises like an unplugged camera."""

    def __init__(
        self,
        n: int | None = 60,
        *,
        modality: str = "rgbd",
        fail_after: int | None = None,
        error: type[Exception] = DeviceError,
        name: str = "parabola:test",
    ) -> None:
        self.n = n
        self._modality = modality
        self.fail_after = fail_after
        self.error = error
        self.name = name
        self.closed = False

    @property
    def intrinsics(self) -> Intrinsics:
        return INTR

    @property
    def fps(self) -> float:
        return FPS

    @property
    def frame_count(self) -> int | None:
        return self.n

    @property
    def modality(self) -> str:
        return self._modality

    def __iter__(self) -> Iterator[Frame]:
        i = 0
        while self.n is None or i < self.n:
            if self.fail_after is not None and i >= self.fail_after:
                raise self.error(f"{self.name}: device disconnected")
            x, y = ball_position(i)
            color = depth = None
            if self._modality in ("rgbd", "color"):
                color = np.full((H, W, 3), (40, 60, 90), np.uint8)
                cv2.circle(color, (int(x), int(y)), 6, (255, 140, 0), -1)
            if self._modality in ("rgbd", "depth"):
                depth = np.full((H, W), 2500, np.uint16)
                depth[:, :20] = 0  # a strip with no readings
                cv2.circle(depth, (int(x), int(y)), 6, 1800, -1)
            yield Frame(
                index=i,
                timestamp_us=int(round(i * 1e6 / FPS)),
                color=color,
                depth=depth,
                intrinsics=INTR,
                source=self.name,
            )
            i += 1

    def close(self) -> None:
        self.closed = True


def open_parabola(rest: str) -> ParabolaSource:
    """``parabola:N`` -> N frames (the scheme tests register in capture.spec.SCHEMES)."""
    n, _, opt = rest.partition("?")
    fail = None
    if opt.startswith("fail="):
        fail = int(opt[5:])
    count = int(n) if n else None  # "parabola:" = endless
    return ParabolaSource(count, fail_after=fail, name=f"parabola:{rest}")


def track_state(
    i: int,
    *,
    ball_count: int | None = 3,
    metrics: dict | None = None,
    events: tuple[Event, ...] = (),
    fps: float = FPS,
) -> TrackState:
    """A hand-made tracker output for frame ``i`` (one flying ball, two hands)."""
    x, y = ball_position(i, fps)
    return TrackState(
        frame_index=i,
        t_s=i / fps,
        balls=(Ball(id=1, x_px=x, y_px=y, in_flight=True),),
        hands=(Hand("left", 30.0, 100.0), Hand("right", 130.0, 100.0)),
        events=events,
        ball_count=ball_count,
        metrics=dict(metrics or {}),
    )


def class_scores(label: str, p: float = 0.8, i: int = 0, t_s: float = 0.0) -> ClassScores:
    """Scores with ``p`` on ``label`` and the rest spread evenly."""
    n = catalogue.NUM_CLASSES
    probs = np.full(n, (1.0 - p) / (n - 1), np.float32)
    probs[catalogue.class_index(label)] = p
    return ClassScores(frame_index=i, t_s=t_s, probs=probs, label=label, confidence=p)


class ScriptedTracker:
    """Stands in for edge_juggler.tracking.Tracker: a fixed TrackState per frame."""

    def __init__(self, ball_count: int = 3, metrics: dict | None = None) -> None:
        self.ball_count = ball_count
        self.metrics = metrics or {"siteswap": "3", "period_cv": 0.05, "throws_per_second": 2.9}
        self.calls = 0

    def update(self, frame: Frame) -> TrackState:
        self.calls += 1
        throw = (Event(frame.t_s, "throw", 1),) if frame.index % 10 == 0 else ()
        return track_state(
            frame.index, ball_count=self.ball_count, metrics=self.metrics, events=throw
        )


class ScriptedAsyncClassifier:
    """Stands in for AsyncClassifier: scores for a fixed label every ``stride`` pushes."""

    def __init__(self, label: str = "3b_cascade_good", stride: int = 4) -> None:
        self.label = label
        self.stride = stride
        self.pushes = 0
        self._latest: ClassScores | None = None
        self.closed = False

    def push(self, frame: Frame, roi=None) -> None:
        self.pushes += 1
        if self.pushes % self.stride == 0:
            s = class_scores(self.label, 0.8, frame.index, frame.t_s)
            self._latest = ClassScores(
                s.frame_index, s.t_s, s.probs, s.label, s.confidence, latency_ms=3.0
            )

    def latest(self) -> ClassScores | None:
        return self._latest

    def close(self) -> None:
        self.closed = True
