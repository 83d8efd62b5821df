"""The live loop without a screen: source -> tracker -> classifier -> fusion, timed per stage.

The view (window or headless writer) pulls ``Step``s from ``Pipeline.steps()``
and adds its own ``draw`` and ``output`` times to the same ``StageTimer``. The
tracker and the classifier are optional: when one cannot be built (not
installed yet, no model file) the loop runs without it and says so once in
``notices`` (and on stderr). The classifier runs behind ``AsyncClassifier`` so a
slow model never holds a camera frame back.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edge_juggler.capture.base import Source
from edge_juggler.errors import DeviceError, InputError
from edge_juggler.frames import Frame
from edge_juggler.fusion import FusionConfig, JugglingState, fuse
from edge_juggler.neural.types import ClassScores
from edge_juggler.tracking.types import TrackState

from .timing import StageTimer

AUTO = "auto"


class Notices:
    """One-line messages for the user: each printed once to stderr, all shown in the HUD."""

    def __init__(self, echo: bool = True, stream: Any = None) -> None:
        self.items: list[str] = []
        self.echo = echo
        self.stream = stream

    def add(self, message: str) -> None:
        line = " ".join(str(message).split())  # one line, always
        if line in self.items:
            return
        self.items.append(line)
        if self.echo:
            print(f"edge-juggler: {line}", file=self.stream or sys.stderr, flush=True)

    def __iter__(self) -> Iterator[str]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, eq=False)
class Step:
    """Everything known after one frame went through the pipeline."""

    frame: Frame
    track: TrackState | None
    scores: ClassScores | None
    state: JugglingState
    times_ms: dict[str, float] = field(default_factory=dict)
    new_scores: bool = False  # the classifier delivered fresh scores during this step
    roi: tuple[int, int, int, int] | None = None  # the box the classifier was given


class _SyncClassifier:
    """Adapts a synchronous ``push -> scores | None`` classifier to ``push``/``latest``."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._latest: ClassScores | None = None

    def push(self, frame: Frame, roi: tuple[int, int, int, int] | None = None) -> None:
        out = self.inner.push(frame, roi)
        if out is not None:
            self._latest = out

    def latest(self) -> ClassScores | None:
        return self._latest

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close:
            close()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if isinstance(exc, ImportError):
        text = text.split(" (")[0]  # drop the file path CPython appends
    return text if text else type(exc).__name__


def build_tracker(frame: Frame, source: Source | None) -> Any:
    """The classical tracker for this stream (lazy import: the demo runs without it)."""
    from edge_juggler.tracking import Tracker  # noqa: PLC0415 - optional stage

    intr = frame.intrinsics or (source.intrinsics if source is not None else None)
    return Tracker(intr, frame.modality)


class OffloadedClassifier:
    """Hands frames to a feeder thread that calls ``inner.push`` (an AsyncClassifier).

    AsyncClassifier runs inference on its own thread but crops and resizes the
    frame on the caller's (several ms for each frame the clip takes); here even
    that leaves the camera loop, which only appends to a short queue (oldest
    frame dropped when the feeder falls behind). ``prep_ms`` collects the
    feeder's per-push times for the latency table.
    """

    def __init__(self, inner: Any, queue_len: int = 3) -> None:
        import threading  # noqa: PLC0415

        self.inner = inner
        self.dropped = 0
        self.prep_ms: deque[float] = deque(maxlen=1000)
        self.error: BaseException | None = None
        self._queue: deque[tuple[Frame, Any]] = deque()
        self._queue_len = queue_len
        self._cond = threading.Condition()
        self._closed = False
        self._busy = False
        self._thread = threading.Thread(target=self._loop, name="classifier-feed", daemon=True)
        self._thread.start()

    def push(self, frame: Frame, roi: tuple[int, int, int, int] | None = None) -> None:
        if self.error is not None:
            err, self.error = self.error, None
            raise err
        with self._cond:
            if len(self._queue) >= self._queue_len:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append((frame, roi))
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                frame, roi = self._queue.popleft()
                self._busy = True
            t0 = time.perf_counter()
            try:
                self.inner.push(frame, roi)
            except Exception as exc:  # handed to the loop's thread on the next push
                self.error = exc
            self.prep_ms.append((time.perf_counter() - t0) * 1e3)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until every queued frame went to the classifier (tests, end of a file)."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        inner_wait = getattr(self.inner, "wait_idle", None)
        return bool(inner_wait(max(0.0, end - time.monotonic()))) if inner_wait else True

    def latest(self) -> ClassScores | None:
        return self.inner.latest()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5.0)
        close = getattr(self.inner, "close", None)
        if close:
            close()


def build_classifier(models_dir: str | None = None, precision: str = "int8", threads: int = 1):
    """StreamingClassifier behind AsyncClassifier behind a feeder thread (lazy import:
    needs openvino and a model)."""
    from edge_juggler.neural.runtime import AsyncClassifier, StreamingClassifier  # noqa: PLC0415

    return OffloadedClassifier(
        AsyncClassifier(
            StreamingClassifier(models_dir=models_dir, precision=precision, threads=threads)
        )
    )


class Pipeline:
    """Pulls frames from a source and runs every stage on them, timing each.

    ``tracker`` / ``classifier``: ``"auto"`` builds the real one (and lives without
    it when that fails), ``None`` switches the stage off, anything else is used
    as given (a tracker needs ``update(frame)``, a classifier ``push`` and either
    ``latest()`` (async) or a ``push`` that returns scores (sync)).
    """

    def __init__(
        self,
        source: Source,
        *,
        tracker: Any = AUTO,
        classifier: Any = AUTO,
        timer: StageTimer | None = None,
        notices: Notices | None = None,
        realtime: bool = False,
        fusion_config: FusionConfig | None = None,
        classifier_factory: Callable[[], Any] | None = None,
        tracker_factory: Callable[[Frame, Source | None], Any] | None = None,
        use_roi: bool = True,
    ) -> None:
        self.source = source
        self.timer = timer or StageTimer()
        self.notices = notices if notices is not None else Notices()
        self.realtime = realtime
        self.fusion_config = fusion_config
        self._tracker_factory = tracker_factory or build_tracker
        self._tracker: Any = None
        self._tracker_mode = tracker if isinstance(tracker, str) or tracker is None else "given"
        if self._tracker_mode == "given":
            self._tracker = tracker
        elif tracker is None:
            self.notices.add("tracker off")
        self.classifier: Any = None
        if classifier == AUTO:
            try:
                self.classifier = (classifier_factory or build_classifier)()
            except (ImportError, InputError, OSError, RuntimeError) as exc:
                self.notices.add(f"classifier unavailable ({_short(exc)}); running without it")
        elif classifier is None:
            self.notices.add("classifier off")
        else:
            self.classifier = classifier
        if self.classifier is not None and not hasattr(self.classifier, "latest"):
            self.classifier = _SyncClassifier(self.classifier)
        #: crop the classifier's input around the juggler the tracker found (the model
        #: was trained on whole frames and on such boxes)
        self.use_roi = use_roi
        self.box = JugglerBox()
        self.state: JugglingState | None = None
        self.frames = 0
        self._scores_seen: ClassScores | None = None
        self._t0: float | None = None  # source time of the first frame
        self._wall0: float | None = None
        self._sync_t: float | None = None

    # ------------------------------------------------------------------ helpers
    @property
    def tracker(self) -> Any:
        return self._tracker

    @property
    def tracker_enabled(self) -> bool:
        return self._tracker is not None

    @property
    def classifier_enabled(self) -> bool:
        return self.classifier is not None

    def resync(self) -> None:
        """Restart real-time pacing from now (after a pause)."""
        self._wall0 = None

    def _ensure_tracker(self, frame: Frame) -> None:
        if self._tracker is not None or self._tracker_mode != AUTO:
            return
        self._tracker_mode = "tried"
        try:
            self._tracker = self._tracker_factory(frame, self.source)
        except (ImportError, InputError, ValueError, TypeError, RuntimeError) as exc:
            self.notices.add(f"tracker unavailable ({_short(exc)}); running without it")

    def _pace(self, frame: Frame) -> None:
        now = time.perf_counter()
        if self._wall0 is None:
            self._wall0, self._sync_t = now, frame.t_s
            return
        ahead = (frame.t_s - (self._sync_t or 0.0)) - (now - self._wall0)
        if ahead > 0.0005:
            time.sleep(min(ahead, 1.0))

    def _next_frame(self, it: Iterator[Frame]) -> Frame | None:
        try:
            return next(it)
        except StopIteration:
            return None
        except InputError:
            raise
        except Exception as exc:  # a driver error mid-stream: one line, no traceback
            if os.environ.get("EDGE_JUGGLER_DEBUG"):
                raise
            name = getattr(self.source, "name", "") or type(self.source).__name__
            raise DeviceError(
                f"{name}: source stopped delivering frames ({type(exc).__name__}: {_short(exc)})"
            ) from None

    # ------------------------------------------------------------------ the loop
    def process(self, frame: Frame, source_ms: float = 0.0) -> Step:
        """Run tracker, classifier and fusion on one frame."""
        timer = self.timer
        times = {"source": source_ms}
        track: TrackState | None = None
        self._ensure_tracker(frame)
        if self._tracker is not None:
            t0 = time.perf_counter()
            try:
                track = self._tracker.update(frame)
            except Exception as exc:
                if os.environ.get("EDGE_JUGGLER_DEBUG"):
                    raise
                self.notices.add(
                    f"tracker failed at frame {frame.index} ({type(exc).__name__}: "
                    f"{_short(exc)}); running without it"
                )
                self._tracker = None
            times["track"] = (time.perf_counter() - t0) * 1e3
        scores: ClassScores | None = None
        roi: tuple[int, int, int, int] | None = None
        new_scores = False
        if self.classifier is not None and (frame.color is not None or frame.depth is not None):
            t0 = time.perf_counter()
            try:
                roi = self.box.update(track, frame) if self.use_roi else None
                self.classifier.push(frame, roi)
                scores = self.classifier.latest()
            except Exception as exc:
                if os.environ.get("EDGE_JUGGLER_DEBUG"):
                    raise
                self.notices.add(
                    f"classifier failed at frame {frame.index} ({type(exc).__name__}: "
                    f"{_short(exc)}); running without it"
                )
                self._close_classifier()
            times["classify"] = (time.perf_counter() - t0) * 1e3
            prep = getattr(self.classifier, "prep_ms", None)
            while prep:  # feeder-thread times, moved into the timer on this thread
                timer.add("prep", prep.popleft())
            if scores is not None and scores is not self._scores_seen:
                self._scores_seen = scores
                new_scores = True
                if scores.latency_ms:
                    timer.add("model", float(scores.latency_ms))
        t0 = time.perf_counter()
        self.state = fuse(track, scores, previous=self.state, config=self.fusion_config)
        times["fuse"] = (time.perf_counter() - t0) * 1e3
        for k, v in times.items():
            timer.add(k, v)
        self.frames += 1
        return Step(frame, track, scores, self.state, times, new_scores, roi)

    def steps(
        self, *, max_frames: int | None = None, max_seconds: float | None = None
    ) -> Iterator[Step]:
        """Yield one ``Step`` per frame until the source ends or a limit is reached."""
        it = iter(self.source)
        n = 0
        while max_frames is None or n < max_frames:
            t0 = time.perf_counter()
            frame = self._next_frame(it)
            source_ms = (time.perf_counter() - t0) * 1e3
            if frame is None:
                return
            if self._t0 is None:
                self._t0 = frame.t_s
            if max_seconds is not None and frame.t_s - self._t0 >= max_seconds - 1e-6:
                return
            if self.realtime:
                self._pace(frame)
            n += 1
            yield self.process(frame, source_ms)

    def _close_classifier(self) -> None:
        clf, self.classifier = self.classifier, None
        if clf is not None and hasattr(clf, "close"):
            try:
                clf.close()
            except Exception:  # closing must never mask the real outcome
                pass

    def close(self) -> None:
        self._close_classifier()


class JugglerBox:
    """The box the classifier should look at: hands and balls of the last clip, squared.

    Mirrors how the model was trained (neural/train/simtruth.clip_box): the points of
    the last ``window_s`` seconds (one clip), a square of side max(width, height,
    ``min_side`` x image height) around their middle, grown by ``scale``. The 2nd-98th
    percentiles keep one stray detection from blowing the box up. None (whole frame)
    until the tracker has seen a hand or a ball in the window.
    """

    def __init__(
        self,
        window_s: float = 1.6,
        min_side: float = 0.35,
        scale: float = 1.1,
        every_s: float = 0.1,
    ) -> None:
        self.window_s = window_s
        self.min_side = min_side
        self.scale = scale
        self.every_s = every_s  # the model samples at 10 fps: no need to recompute faster
        self._pts: deque[tuple[float, list[tuple[float, float]]]] = deque()
        self._box: tuple[int, int, int, int] | None = None
        self._box_t: float | None = None

    def reset(self) -> None:
        self._pts.clear()
        self._box = self._box_t = None

    def update(self, track: TrackState | None, frame: Frame) -> tuple[int, int, int, int] | None:
        if track is not None:
            hands = [(h.x_px, h.y_px, -1.0) for h in track.hands]
            # balls in flight only: a still "ball" is as often a shoe, a knee or the
            # floor's edge as a ball in a hand (and the hands are there already)
            fly = [(b.x_px, b.y_px, float(b.id)) for b in track.balls if b.in_flight]
            if hands or fly:
                self._pts.append((frame.t_s, hands + fly))
        while self._pts and frame.t_s - self._pts[0][0] > self.window_s:
            self._pts.popleft()
        if not self._pts:
            self._box = self._box_t = None
            return None
        if self._box_t is not None and 0.0 <= frame.t_s - self._box_t < self.every_s - 1e-9:
            return self._box
        self._box = self._compute(frame)
        self._box_t = frame.t_s
        return self._box

    def _compute(self, frame: Frame) -> tuple[int, int, int, int] | None:
        img = frame.depth if frame.depth is not None else frame.color
        if img is not None:
            h = img.shape[0]
        elif frame.intrinsics is not None:
            h = frame.intrinsics.height
        else:
            return None
        pts = np.array([p for _, ps in self._pts for p in ps], dtype=np.float64)
        pts = pts[np.isfinite(pts).all(axis=1)]
        is_hand = pts[:, 2] < 0
        if len(np.unique(pts[~is_hand, 2])) >= 2:
            # balls are caught where the hands are: with several balls flying, a "hand"
            # well below their flights (a hip or a knee found as the nearest part of a
            # blob) is not one
            floor = float(np.percentile(pts[~is_hand, 1], 95)) + 0.1 * h
            pts = pts[~is_hand | (pts[:, 1] <= floor)]
        xy = pts[:, :2]
        if not len(xy):
            return None
        xy.sort(axis=0)  # each column on its own: cheaper than np.percentile
        n = len(xy)
        lo, hi = (int(0.02 * (n - 1)), int(np.ceil(0.98 * (n - 1)))) if n >= 20 else (0, n - 1)
        (x0, y0), (x1, y1) = xy[lo], xy[hi]
        side = max(x1 - x0, y1 - y0, self.min_side * h) * self.scale
        cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
        half = 0.5 * side
        return (
            int(round(cx - half)),
            int(round(cy - half)),
            int(round(cx + half)),
            int(round(cy + half)),
        )
