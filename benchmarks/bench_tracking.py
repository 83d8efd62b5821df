"""Tracker speed per frame on one core: depth 640x576, colour 640x480, portrait phone video.

Usage: ``python benchmarks/bench_tracking.py [--frames N]``. Frames come from the
simulator (rendered first, not timed); timing covers ``Tracker.update`` (the
"track" stage: segmentation + association) and, separately, the segmenter
alone and the once-a-second event analysis; the tracking loop runs ``--repeat``
times and the least disturbed run (lowest CPU median) is reported. Targets (issue 4): <= 2 ms median
per 640x576 depth frame, <= 3 ms per 640x480 colour frame, on one core. Each
frame is timed twice: wall clock, and the CPU time of this thread (what one core
spends on it; on a machine shared with other jobs the wall clock also counts
the time other processes held the core). The target check uses the CPU time;
both are written to ``benchmarks/results/tracking.json``. The machine is shared
and noisy: compare numbers from one run only.
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


def _run(name: str, modality: str, frames, repeat: int = 3) -> dict:
    from edge_juggler.tracking.color import ColorSegmenter
    from edge_juggler.tracking.depth import DepthSegmenter
    from edge_juggler.tracking.tracker import Tracker

    tr = Tracker(frames[0].intrinsics, modality)
    for f in frames:  # warm up: colour learning, body search
        tr.update(f)
    # the same frames several times on fresh trackers: the run least disturbed by
    # other processes (lowest CPU median) is the headline, every run is kept
    runs = []
    for _ in range(max(1, repeat)):
        tr2 = Tracker(frames[0].intrinsics, modality)
        if modality == "color":
            tr2.color_seg = tr.color_seg  # measure steady state, not the learning window
        wall, cpu = [], []
        for f in frames:
            c0 = time.thread_time_ns()
            t0 = time.perf_counter()
            tr2.update(f)
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.thread_time_ns() - c0) / 1e6)
        runs.append((float(sorted(cpu)[len(cpu) // 2]), wall, cpu, tr2))
    runs.sort(key=lambda r: r[0])
    _, track_ms, track_cpu, tr2 = runs[0]
    seg_ms, seg_cpu = [], []
    if modality == "depth":
        seg = DepthSegmenter(frames[0].intrinsics)
        run = [lambda f=f: seg.process(f.depth) for f in frames]
    else:
        seg = ColorSegmenter(tr.color_seg.model)
        run = [lambda f=f: seg.process(f.color) for f in frames]
    for step in run:
        c0 = time.thread_time_ns()
        t0 = time.perf_counter()
        step()
        seg_ms.append((time.perf_counter() - t0) * 1e3)
        seg_cpu.append((time.thread_time_ns() - c0) / 1e6)
    shape = frames[0].depth.shape if modality == "depth" else frames[0].color.shape[:2]
    return {
        "case": name,
        "frame": f"{shape[1]}x{shape[0]}",
        "track_ms": _stats(track_ms),
        "track_cpu_ms": _stats(track_cpu),
        "track_cpu_p50_each_run": [round(r[0], 3) for r in runs],
        "segment_ms": _stats(seg_ms),
        "segment_cpu_ms": _stats(seg_cpu),
        "analysis_ms": _stats(tr2.latency["analysis"]) if tr2.latency["analysis"] else None,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per case (best kept)")
    ap.add_argument("--out", default=str(HERE / "results" / "tracking.json"))
    args = ap.parse_args(argv)
    _limit_threads()
    cases = [
        ("depth azure_nfov", "depth", _frames("depth", "azure_nfov", args.frames)),
        ("colour webcam", "color", _frames("color", "webcam", args.frames)),
        ("colour phone portrait", "color", _frames("color", "webcam", args.frames, True)),
    ]
    rows = [_run(*c, repeat=args.repeat) for c in cases]
    targets = {"depth azure_nfov": 2.0, "colour webcam": 3.0}
    print(
        f"{'case':24} {'frame':>10} {'track cpu p50':>13} {'p95':>6} {'wall p50':>9} "
        f"{'p95':>6} {'seg cpu p50':>11} target (cpu p50)"
    )
    for r in rows:
        t = targets.get(r["case"])
        tc, tw, sc = r["track_cpu_ms"], r["track_ms"], r["segment_cpu_ms"]
        ok = "" if t is None else ("ok" if tc["p50"] <= t else "MISSED") + f" <= {t}"
        print(
            f"{r['case']:24} {r['frame']:>10} {tc['p50']:>13.2f} {tc['p95']:>6.2f} "
            f"{tw['p50']:>9.2f} {tw['p95']:>6.2f} {sc['p50']:>11.2f} {ok}"
        )
    result = {
        "threads": 1,
        "frames": args.frames,
        "repeat": args.repeat,
        "cases": rows,
        "targets_ms_p50": targets,
        "target_measure": "track_cpu_ms (CPU time of the tracking thread per frame)",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
