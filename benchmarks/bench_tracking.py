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

``--learning`` times the first ``--learning-s`` seconds of a colour clip instead,
from the first frame, on a fresh tracker after a warm-up run, frames handed over
at 30 fps as a camera does (``--unpaced``: back to back, as when analysing a
file): colour learning and the re-learns after it (every 2.5 s up to 8 s), where
single frames are slow. It reports the frames after the first learn (which stays
synchronous): wall time per ``update()``, its tracking part without the live
analysis, the tracking thread's CPU time, the slowest frames, and the CPU time
of the whole process (a re-learn in a worker thread counts there, not on the
tracking thread). ``--against DIR`` runs that case alternately with this
checkout's code and with the ``edge_juggler`` under DIR (another worktree), each
in a subprocess, so old and new code are measured side by side in one run.

``--live`` times a depth clip handed over at 30 fps (``--live-s`` seconds; with
``--unpaced``, back to back): the wall time of every ``update()`` after the first
second, the once-a-second live analysis included, which is what the loop's
16 ms p99 budget is about; ``--against DIR`` compares as above.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
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


def _handed_over(frames, paced: bool):
    """The frames, each at its own timestamp as a camera delivers them (``paced``), or
    back to back as a file is read."""
    start = time.perf_counter()
    for f in frames:
        if paced:
            ahead = start + (f.t_s - frames[0].t_s) - time.perf_counter()
            if ahead > 0:
                time.sleep(ahead)
        yield f


def _learning_run(frames, paced: bool = True) -> dict:
    """Per-frame times of a fresh colour tracker from the first frame (learning included).

    ``paced``: frames are handed over at their timestamps, as a camera does (a
    worker thread then has the idle time between frames, as it has live); else
    back to back, as when analysing a file.
    """
    import numpy as np

    from edge_juggler.tracking.tracker import Tracker

    tr = Tracker(frames[0].intrinsics, "color")
    wall, cpu = [], []
    learned_at = None
    p_start = time.process_time()
    for i, f in enumerate(_handed_over(frames, paced)):
        c0 = time.thread_time_ns()
        t0 = time.perf_counter()
        tr.update(f)
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.thread_time_ns() - c0) / 1e6)
        if learned_at is None and tr.color_seg is not None:
            learned_at = i  # the first learn and its catch-up: synchronous by design
    tr.finish()
    proc_total = (time.process_time() - p_start) * 1e3
    after = slice((learned_at or 0) + 1, None)
    # the tracking part of update() (without the once-a-second live analysis)
    track = np.asarray(tr.latency["track"][after])
    w, c = np.asarray(wall[after]), np.asarray(cpu[after])

    def tail(a: np.ndarray) -> dict:
        return {
            "p50": round(float(np.percentile(a, 50)), 2),
            "p99": round(float(np.percentile(a, 99)), 2),
            "p99.9": round(float(np.percentile(a, 99.9)), 2),
            "max": round(float(a.max()), 2),
        }

    slow = np.argsort(w)[::-1][:4] + after.start
    return {
        "paced": paced,
        "learn_frame_ms": round(wall[learned_at], 1) if learned_at is not None else None,
        "after_learn_wall_ms": tail(w),
        "after_learn_thread_cpu_ms": tail(c),
        "after_learn_track_ms": tail(track),
        # (frame time s, wall ms, CPU ms of the tracking thread)
        "slowest": [[round(frames[k].t_s, 2), round(wall[k], 1), round(cpu[k], 1)] for k in slow],
        "process_cpu_total_ms": round(proc_total, 1),
        "frames": len(frames),
    }


def _learning_child(seconds: float, paced: bool) -> None:
    """One learning run with whatever ``edge_juggler`` is on the path; JSON on stdout."""
    _limit_threads()
    frames = _frames("color", "webcam", int(round(seconds * 30)))
    _learning_run(frames, paced=False)  # warm up: first calls (imports, caches) are slow
    print(json.dumps(_learning_run(frames, paced)))


def _alternate(
    case: str, seconds: float, repeat: int, against: str | None, paced: bool
) -> tuple[dict[str, str], dict[str, list[dict]]]:
    """A case ("learning", "live") on this checkout and ``against``, alternately, each run
    in a subprocess with that checkout's ``edge_juggler``: (trees, runs per tree)."""
    trees = {"this": str(HERE.parent)}
    if against:
        trees["against"] = str(Path(against).resolve())
    runs: dict[str, list[dict]] = {k: [] for k in trees}
    for _ in range(max(1, repeat)):
        for name, root in trees.items():
            env = dict(os.environ, PYTHONPATH=root)
            cmd = [sys.executable, __file__, f"--{case}-child", f"--{case}-s", str(seconds)]
            cmd += [] if paced else ["--unpaced"]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    return trees, runs


def _learning_compare(seconds: float, repeat: int, against: str | None, paced: bool) -> dict:
    """The learning case on this checkout and ``against``, alternately, in subprocesses."""
    trees, runs = _alternate("learning", seconds, repeat, against, paced)
    print(f"after the first learn, {'paced at 30 fps' if paced else 'back to back'} (ms):")
    print(
        f"{'code':8} {'run':>3} {'learn':>6} {'wall p50':>8} {'p99':>6} {'max':>6} "
        f"{'track max':>9} {'thread cpu max':>14} {'proc cpu':>8}  "
        "slowest (t s, wall ms, thread cpu ms)"
    )
    for name, rs in runs.items():
        for k, r in enumerate(rs):
            w = r["after_learn_wall_ms"]
            print(
                f"{name:8} {k:>3} {r['learn_frame_ms']:>6.0f} {w['p50']:>8.2f} {w['p99']:>6.1f} "
                f"{w['max']:>6.1f} {r['after_learn_track_ms']['max']:>9.1f} "
                f"{r['after_learn_thread_cpu_ms']['max']:>14.1f} "
                f"{r['process_cpu_total_ms']:>8.0f}  {r['slowest'][:3]}"
            )
    return {"seconds": seconds, "paced": paced, "trees": trees, "runs": runs}


def _live_run(frames, paced: bool = True) -> dict:
    """Wall ms of each ``update()`` of a depth tracker, after its first second."""
    import numpy as np

    from edge_juggler.tracking.tracker import Tracker

    tr = Tracker(frames[0].intrinsics, "depth")
    wall = []
    for f in _handed_over(frames, paced):
        t0 = time.perf_counter()
        tr.update(f)
        wall.append((time.perf_counter() - t0) * 1e3)
    tr.finish()
    w = np.asarray(wall[30:])
    stats = {q: round(float(np.percentile(w, v)), 2) for q, v in (("p50", 50), ("p95", 95))}
    stats.update(p99=round(float(np.percentile(w, 99)), 1), max=round(float(w.max()), 1))
    return {
        "paced": paced,
        "wall_ms": stats,
        "frames_over_16ms": int((w > 16.0).sum()),
        "frames": int(w.size),
        "analysis_ms": _stats(tr.latency["analysis"]) if tr.latency["analysis"] else None,
    }


def _live_child(seconds: float, paced: bool) -> None:
    _limit_threads()
    frames = _frames("depth", "azure_nfov", int(round(seconds * 30)))
    _live_run(frames[:60], paced=False)  # warm up
    print(json.dumps(_live_run(frames, paced)))


def _live_compare(seconds: float, repeat: int, against: str | None, paced: bool) -> dict:
    """The live depth case on this checkout and ``against``, alternately, in subprocesses."""
    trees, runs = _alternate("live", seconds, repeat, against, paced)
    how = "paced at 30 fps" if paced else "back to back"
    print(f"depth update() wall ms after the first second, {how}:")
    print(
        f"{'code':8} {'run':>3} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} "
        f"{'>16 ms':>7} {'frames':>6}"
    )
    for name, rs in runs.items():
        for k, r in enumerate(rs):
            w = r["wall_ms"]
            print(
                f"{name:8} {k:>3} {w['p50']:>6.2f} {w['p95']:>6.2f} {w['p99']:>6.1f} "
                f"{w['max']:>6.1f} {r['frames_over_16ms']:>7} {r['frames']:>6}"
            )
    return {"seconds": seconds, "paced": paced, "trees": trees, "runs": runs}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=240)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per case (best kept)")
    ap.add_argument("--out", default=str(HERE / "results" / "tracking.json"))
    ap.add_argument(
        "--learning", action="store_true", help="time colour learning and re-learns only"
    )
    ap.add_argument("--learning-s", type=float, default=9.5, help="seconds of clip to learn on")
    ap.add_argument("--against", help="another checkout to compare with (--learning, --live)")
    ap.add_argument(
        "--unpaced",
        action="store_true",
        help="--learning, --live: frames back to back, not at 30 fps",
    )
    ap.add_argument(
        "--live", action="store_true", help="time a depth clip at 30 fps, live analysis included"
    )
    ap.add_argument("--live-s", type=float, default=15.0, help="seconds of depth clip (--live)")
    ap.add_argument("--learning-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--live-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.learning_child:
        _learning_child(args.learning_s, not args.unpaced)
        return {}
    if args.live_child:
        _live_child(args.live_s, not args.unpaced)
        return {}
    if args.live or args.learning or args.against:
        live = args.live
        compare = _live_compare if live else _learning_compare
        seconds = args.live_s if live else args.learning_s
        result = compare(seconds, args.repeat, args.against, not args.unpaced)
        out = Path(args.out)
        if out == HERE / "results" / "tracking.json":  # not the per-frame results
            out = HERE / "results" / ("tracking_live.json" if live else "tracking_learning.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1))
        return result
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
