"""The class timeline of a recording: every clip's prediction, merged into segments.

Used by ``edge-juggler classify`` and available to ``analyze`` (runtime side:
openvino + numpy only).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from edge_juggler.frames import Frame
from edge_juggler.neural.runtime import StreamingClassifier

SCHEMA = "edge_juggler.classify/1"


def classify_frames(
    frames: Iterable[Frame], classifier: StreamingClassifier, top_k: int = 3
) -> dict:
    """Run every frame through ``classifier``; returns predictions, segments, latency."""
    labels = classifier.labels
    preds: list[dict] = []
    lat: list[float] = []
    n_frames = 0
    t_first = t_last = None
    for frame in frames:
        n_frames += 1
        t_first = frame.t_s if t_first is None else t_first
        t_last = frame.t_s
        scores = classifier.push(frame)
        if scores is None:
            continue
        lat.append(scores.latency_ms)
        raw = classifier.last_raw if classifier.last_raw is not None else scores.probs
        order = np.argsort(raw)[::-1][:top_k]
        preds.append(
            {
                "t_s": round(scores.t_s - (t_first or 0.0), 3),
                "frame": scores.frame_index,
                "label": scores.label,
                "confidence": round(scores.confidence, 4),
                "top": [[labels[i], round(float(raw[i]), 4)] for i in order],
            }
        )
    clip_s = classifier.model.frames / classifier.model.fps
    return {
        "schema": SCHEMA,
        "frames": n_frames,
        "duration_s": None if t_first is None else round((t_last or 0.0) - t_first, 3),
        "clip_s": clip_s,
        "predictions": preds,
        "segments": segments(preds, clip_s),
        "latency_ms": _stats(lat),
    }


def segments(preds: list[dict], clip_s: float) -> list[dict]:
    """Runs of the same smoothed label; a segment covers the clips that voted for it."""
    out: list[dict] = []
    for p in preds:
        start = max(0.0, p["t_s"] - clip_s)
        if out and out[-1]["label"] == p["label"]:
            seg = out[-1]
            seg["end_s"] = p["t_s"]
            seg["_conf"].append(p["confidence"])
        else:
            out.append(
                {
                    "label": p["label"],
                    "start_s": start,
                    "end_s": p["t_s"],
                    "_conf": [p["confidence"]],
                }
            )
    for seg in out:
        conf = seg.pop("_conf")
        seg["start_s"] = round(seg["start_s"], 3)
        seg["mean_confidence"] = round(float(np.mean(conf)), 4)
        seg["clips"] = len(conf)
    return out


def _stats(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    v = np.asarray(values)
    return {
        k: round(float(np.percentile(v, q)), 3) for k, q in (("p50", 50), ("p95", 95), ("p99", 99))
    }
