"""Classifier latency: shipped FP32 vs INT8 OpenVINO IR, same run, interleaved rounds.

Usage: ``python benchmarks/bench_neural.py [--rounds 5] [--iters 200] [--threads 2]``.
Prints a table and writes ``benchmarks/results/neural.json``. The machine is shared
and noisy: compare the two precisions only within one run (rounds alternate
between them so both see the same load). Also times the per-frame preprocessing
(frame -> network input) for a full-resolution Azure Kinect NFOV RGB-D frame.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _time_infer(model, x: np.ndarray, iters: int) -> list[float]:
    for _ in range(10):
        model.infer(x)
    out = []
    for _ in range(iters):
        t0 = time.perf_counter()
        model.infer(x)
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--models", type=Path, default=None)
    args = ap.parse_args(argv)

    from edge_juggler.frames import Frame
    from edge_juggler.neural.preprocess import frame_to_input
    from edge_juggler.neural.runtime import ClassifierModel

    models = {}
    compile_s = {}
    for prec in ("fp32", "int8"):
        t0 = time.perf_counter()
        models[prec] = ClassifierModel(args.models, prec, threads=args.threads)
        compile_s[prec] = time.perf_counter() - t0
    m = models["int8"]
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.5, size=(1, m.frames, m.channels, m.size, m.size)).astype(np.float32)
    samples: dict[str, list[float]] = {"fp32": [], "int8": []}
    round_medians: dict[str, list[float]] = {"fp32": [], "int8": []}
    for _ in range(args.rounds):
        for prec in ("fp32", "int8"):
            t = _time_infer(models[prec], x, args.iters)
            samples[prec] += t
            round_medians[prec].append(float(np.median(t)))
    res: dict = {
        "machine": {"processor": platform.processor() or platform.machine()},
        "threads": args.threads,
        "input_shape": list(x.shape),
        "rounds": args.rounds,
        "iters_per_round": args.iters,
    }
    for prec in ("fp32", "int8"):
        v = np.array(samples[prec])
        xml = models[prec].dir / f"jugglenet_{prec}.xml"
        res[prec] = {
            "median_ms": round(float(np.median(v)), 3),
            "p95_ms": round(float(np.percentile(v, 95)), 3),
            "p99_ms": round(float(np.percentile(v, 99)), 3),
            "round_medians_ms": [round(r, 3) for r in round_medians[prec]],
            "size_bytes": xml.stat().st_size + xml.with_suffix(".bin").stat().st_size,
            "load_compile_s": round(compile_s[prec], 3),
        }
    res["int8_speedup"] = round(res["fp32"]["median_ms"] / res["int8"]["median_ms"], 3)
    res["int8_faster_every_round"] = all(
        a < b for a, b in zip(round_medians["int8"], round_medians["fp32"], strict=True)
    )
    frame = Frame(
        0,
        0,
        color=rng.integers(0, 255, (576, 640, 3), dtype=np.uint8),
        depth=rng.integers(500, 4000, (576, 640)).astype(np.uint16),
    )
    pre = []
    for roi in (None, (200, 100, 440, 420)):
        ts = []
        for _ in range(50):
            t0 = time.perf_counter()
            frame_to_input(frame, m.size, roi)
            ts.append((time.perf_counter() - t0) * 1e3)
        pre.append(float(np.median(ts)))
    res["preprocess_ms_640x576_rgbd"] = {"full_frame": round(pre[0], 3), "roi": round(pre[1], 3)}

    print(f"classifier latency, {args.threads} threads, {args.rounds}x{args.iters} inferences")
    print(f"{'':6} {'median':>8} {'p95':>8} {'p99':>8} {'size':>9}")
    for prec in ("fp32", "int8"):
        r = res[prec]
        print(
            f"{prec:6} {r['median_ms']:7.3f}ms {r['p95_ms']:7.3f}ms {r['p99_ms']:7.3f}ms "
            f"{r['size_bytes'] / 1e6:7.2f}MB"
        )
    print(
        f"INT8 speed-up x{res['int8_speedup']:.2f} (faster in every round: "
        f"{res['int8_faster_every_round']}); preprocessing per frame "
        f"{pre[0]:.2f} ms full frame, {pre[1]:.2f} ms roi"
    )
    out = HERE / "results" / "neural.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    return res


if __name__ == "__main__":
    main()
