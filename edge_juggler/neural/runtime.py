"""Classifier runtime: OpenVINO + numpy only (never torch or nncf; a test checks).

``ClassifierModel`` compiles the shipped IR once (with a model cache, the LATENCY
hint and a thread count that leaves the tracker its core) and maps clips to
probabilities. ``StreamingClassifier`` adds the clip buffer and smoothing;
``AsyncClassifier`` runs it on its own thread behind a one-slot queue that drops
the oldest clip, so a slow inference never holds up the camera loop.

A model folder holds ``jugglenet_<precision>.xml/.bin``, ``labels.json`` (class
names in output order) and ``model.json`` (input shape, clip rate, thresholds).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np

from edge_juggler.errors import InputError
from edge_juggler.frames import Frame
from edge_juggler.neural.clip_buffer import ClipBuffer
from edge_juggler.neural.preprocess import Roi, frame_to_input
from edge_juggler.neural.smoothing import LabelSmoother
from edge_juggler.neural.types import ClassScores

MODEL_STEM = "jugglenet"
PRECISIONS = ("int8", "fp32")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edge_juggler" / "ov"


def _read_json(path: Path):
    if not path.is_file():
        raise InputError(f"{path}: model file missing")
    try:
        return json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: corrupt JSON ({exc})") from None


def _one_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    text = next((ln for ln in lines if "Exception" not in ln and "Check" not in ln), "")
    return (text or (lines[0] if lines else type(exc).__name__))[:200]


class ClassifierModel:
    """A compiled classifier IR: ``infer(clip) -> probs``."""

    def __init__(
        self,
        models_dir: str | Path | None = None,
        precision: str = "int8",
        threads: int = 1,
        cache_dir: str | Path | None = None,
    ) -> None:
        import openvino as ov

        from edge_juggler.resources import models_dir as shipped

        if precision not in PRECISIONS:
            raise InputError(f"precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
        self.dir = Path(models_dir) if models_dir is not None else shipped()
        self.precision = precision
        labels = _read_json(self.dir / "labels.json")
        if not isinstance(labels, list) or not all(isinstance(c, str) for c in labels):
            raise InputError(f"{self.dir / 'labels.json'}: expected a list of class names")
        self.labels: list[str] = labels
        meta = _read_json(self.dir / "model.json")
        try:
            self.frames = int(meta["frames"])
            self.size = int(meta["size"])
            self.channels = int(meta["channels"])
            self.fps = float(meta["fps"])
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{self.dir / 'model.json'}: missing or bad key ({exc})") from None
        self.meta = meta
        self.thresholds: dict[str, float] = dict(meta.get("thresholds", {}))

        xml = self.dir / f"{MODEL_STEM}_{precision}.xml"
        bin_ = xml.with_suffix(".bin")
        for f in (xml, bin_):
            if not f.is_file():
                raise InputError(f"{f}: model file missing")
        core = ov.Core()
        try:
            model = core.read_model(str(xml), str(bin_))
        except Exception as exc:  # noqa: BLE001 - OpenVINO raises plain RuntimeError
            raise InputError(f"{xml}: corrupt OpenVINO IR ({_one_line(exc)})") from None
        shape = [d.get_length() if d.is_static else -1 for d in model.input(0).get_partial_shape()]
        want = [1, self.frames, self.channels, self.size, self.size]
        if shape[1:] != want[1:]:
            raise InputError(f"{xml}: input shape {shape} does not match model.json {want}")
        if model.output(0).get_partial_shape()[-1].get_length() != len(self.labels):
            raise InputError(f"{xml}: output size does not match {len(self.labels)} labels")
        config = {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": int(threads)}
        cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        try:
            cache.mkdir(parents=True, exist_ok=True)
            config["CACHE_DIR"] = str(cache)
        except OSError:
            pass  # read-only home: compile without a cache
        try:
            compiled = core.compile_model(model, "CPU", config)
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"{bin_}: cannot compile model ({_one_line(exc)})") from None
        self._request = compiled.create_infer_request()
        self._lock = threading.Lock()

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    def infer(self, clip: np.ndarray) -> np.ndarray:
        """(1, T, C, S, S) float32 clip -> (num_classes,) probabilities."""
        with self._lock:
            result = self._request.infer({0: np.ascontiguousarray(clip, dtype=np.float32)})
        return np.asarray(next(iter(result.values()))[0], dtype=np.float32)

    def preprocess(self, frame: Frame, roi: Roi | None = None) -> np.ndarray:
        return frame_to_input(frame, self.size, roi)


class StreamingClassifier:
    """Frames in, smoothed ``ClassScores`` out every ``stride`` clip frames (synchronous)."""

    def __init__(
        self,
        models_dir: str | Path | None = None,
        precision: str = "int8",
        threads: int = 1,
        stride: int = 4,
        smoothing: float = 0.5,
        hold: int = 2,
        model: ClassifierModel | None = None,
    ) -> None:
        self.model = model or ClassifierModel(models_dir, precision, threads)
        self.labels = self.model.labels
        self.buffer = ClipBuffer(self.model.frames, self.model.fps, stride)
        self.smoother = LabelSmoother(self.labels, self.model.thresholds, smoothing, hold)
        self.last_raw: np.ndarray | None = None

    def prepare(self, frame: Frame, roi: Roi | None = None) -> np.ndarray | None:
        """Buffer the frame; the clip to classify when one is due, else None."""
        t = frame.t_s
        if not self.buffer.wants(t):
            return None
        if self.buffer.push(t, self.model.preprocess(frame, roi)):
            return self.buffer.clip()
        return None

    def classify(self, clip: np.ndarray, frame_index: int, t_s: float) -> ClassScores:
        t0 = time.perf_counter()
        raw = self.model.infer(clip)
        ms = (time.perf_counter() - t0) * 1e3
        self.last_raw = raw
        label, conf, smooth = self.smoother.update(raw)
        return ClassScores(frame_index, t_s, smooth.copy(), label, conf, ms)

    def push(self, frame: Frame, roi: Roi | None = None) -> ClassScores | None:
        clip = self.prepare(frame, roi)
        if clip is None:
            return None
        return self.classify(clip, frame.index, frame.t_s)

    def reset(self) -> None:
        self.buffer.reset()
        self.smoother.reset()


class AsyncClassifier:
    """Inference on its own thread, fed by a one-slot queue that drops the oldest clip."""

    def __init__(self, classifier: StreamingClassifier) -> None:
        self.classifier = classifier
        self._cond = threading.Condition()
        self._slot: tuple[np.ndarray, int, float] | None = None
        self._latest: ClassScores | None = None
        self._closed = False
        self._busy = False
        self.dropped = 0
        self.done = 0
        self._thread = threading.Thread(target=self._loop, name="classifier", daemon=True)
        self._thread.start()

    def push(self, frame: Frame, roi: Roi | None = None) -> None:
        """Cheap on the caller's thread: preprocessing, and a clip handed over when due."""
        clip = self.classifier.prepare(frame, roi)
        if clip is None:
            return
        with self._cond:
            if self._slot is not None:
                self.dropped += 1  # the worker is behind: the newer clip wins
            self._slot = (clip, frame.index, frame.t_s)
            self._cond.notify()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._slot is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                clip, index, t_s = self._slot  # type: ignore[misc]
                self._slot = None
                self._busy = True
            scores = self.classifier.classify(clip, index, t_s)
            with self._cond:
                self._latest = scores
                self._busy = False
                self.done += 1
                self._cond.notify_all()

    def latest(self) -> ClassScores | None:
        with self._cond:
            return self._latest

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no clip is waiting or running (tests, end of a file); True if idle."""
        end = time.monotonic() + timeout
        with self._cond:
            while self._slot is not None or self._busy:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5.0)

    def __enter__(self) -> AsyncClassifier:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
