"""Tracker speed per frame on one core: depth 640x576, colour 640x480, portrait phone video.

Usage: ``python benchmarks/bench_tracking.py [--frames N]``. Frames come from the
simulator (rendered first, not timed); timing covers ``Tracker.update`` (the
"track" stage: segmentation + association) and, separately, the segmenter
alone and the once-a-second event analysis. Targets (issue 4): <= 2 ms median
per 640x576 depth frame, <= 3 ms per 640x480 colour frame. Writes
``benchmarks/results/tracking.json``. The machine is shared and noisy: compare
numbers from one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _limit_threads() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    import cv2

    cv2.setNumThreads(1)


def _stats(ms: list[float]) -> dict:
    import numpy as np

    a = np.asarray(ms)
    return {
        "p50": round(float(np.percentile(a, 50)), 3),
        "p95": round(float(np.percentile(a, 95)), 3),
        "p99": round(float(np.percentile(a, 99)), 3),
        "n": int(a.size),
    }


def _frames(modality: str, profile: str, n: int, portrait: bool = False):
    import cv2

    from edge_juggler.sim.clips import render_clip

    frames, _ = render_clip("3", 1000, seconds=n / 30.0, profile=profile, modality=modality)
    if modality == "depth":
        frames = [replace(f, color=None) for f in frames]
    elif modality == "color":
        frames = [replace(f, depth=None) for f in frames]
    if portrait:  # a 1080x1920 phone video: rotate and upscale the webcam frames
        out = []
        for f in frames:
            img = cv2.resize(cv2.rotate(f.color, cv2.ROTATE_90_CLOCKWISE), (1080, 1920))
            out.append(replace(f, color=img, intrinsics=None))
        frames = out
    return frames


def _run(name: str, modality: str, frames) -> dict:
    from edge_juggler.tracking.color import ColorSegmenter
    from edge_juggler.tracking.depth import DepthSegmenter
    from edge_juggler.tracking.tracker import Tracker

    tr = Tracker(frames[0].intrinsics, modality)
    for f in frames:  # warm up: colour learning, body search
        tr.update(f)
    tr2 = Tracker(frames[0].intrinsics, modality)
    if modality == "color":
        tr2.color_seg = tr.color_seg  # measure steady state, not the learning window
    track_ms = []
    for f in frames:
        t0 = time.perf_counter()
        tr2.update(f)
        track_ms.append((time.perf_counter() - t0) * 1e3)
    seg_ms = []
    if modality == "depth":
        seg = DepthSegmenter(frames[0].intrinsics)
        for f in frames:
            t0 = time.perf_counter()
            seg.process(f.depth)
            seg_ms.append((time.perf_counter() - t0) * 1e3)
    else:
        seg = ColorSegmenter(tr.color_seg.model)
        for f in frames:
            t0 = time.perf_counter()
            seg.process(f.color)
            seg_ms.append((time.perf_counter() - t0) * 1e3)
    shape = frames[0].depth.shape if modality == "depth" else frames[0].color.shape[:2]
    return {
        "case": name,
        "frame": f"{shape[1]}x{shape[0]}",
        "track_ms": _stats(track_ms),
        "segment_ms": _stats(seg_ms),
        "analysis_ms": _stats(tr2.latency["analysis"]) if tr2.latency["analysis"] else None,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--out", default=str(HERE / "results" / "tracking.json"))
    args = ap.parse_args(argv)
    _limit_threads()
    cases = [
        ("depth azure_nfov", "depth", _frames("depth", "azure_nfov", args.frames)),
        ("colour webcam", "color", _frames("color", "webcam", args.frames)),
        ("colour phone portrait", "color", _frames("color", "webcam", args.frames, True)),
    ]
    rows = [_run(*c) for c in cases]
    targets = {"depth azure_nfov": 2.0, "colour webcam": 3.0}
    print(
        f"{'case':24} {'frame':>10} {'track p50':>10} {'p95':>7} {'p99':>7} {'seg p50':>8} target"
    )
    for r in rows:
        t = targets.get(r["case"])
        ok = "" if t is None else ("ok" if r["track_ms"]["p50"] <= t else "MISSED") + f" <= {t}"
        tm, sm = r["track_ms"], r["segment_ms"]
        print(
            f"{r['case']:24} {r['frame']:>10} {tm['p50']:>10.2f} {tm['p95']:>7.2f} "
            f"{tm['p99']:>7.2f} {sm['p50']:>8.2f} {ok}"
        )
    result = {"threads": 1, "frames": args.frames, "cases": rows, "targets_ms_p50": targets}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
