"""Per-stage latency of the whole live loop: source, track, classify, fuse, draw (and output).

Runs the demo's pipeline headless on a source (default ``synthetic:3``) as fast
as it goes, after a warm-up, and reports p50/p95/p99 per stage in milliseconds
against the design card's budget (tracking 2, classifier 5, fusion 0.5,
drawing 8, whole loop p99 16). ``classify`` is what the loop pays to hand a
frame to the AsyncClassifier; ``model`` is the inference on its own thread.

    python benchmarks/bench_pipeline.py [--source synthetic:3] [--frames 300]

Writes ``benchmarks/results/pipeline.json``. The machine is shared and noisy:
compare numbers from one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "pipeline.json"


def _size(text: str) -> tuple[int, int]:
    w, h = (int(v) for v in text.lower().split("x"))
    return w, h


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--source", default="synthetic:3", help="SOURCE spec (synthetic:3)")
    p.add_argument("--frames", type=int, default=300, help="measured frames (300)")
    p.add_argument("--warmup", type=int, default=20, help="frames run before measuring (20)")
    p.add_argument("--size", type=_size, default=(1024, 576), help="HUD size WxH (1024x576)")
    p.add_argument("--view", choices=("auto", "depth", "color"), default="auto")
    p.add_argument("--no-tracker", action="store_true")
    p.add_argument("--no-classifier", action="store_true")
    p.add_argument(
        "--sync-classifier",
        action="store_true",
        help="run the classifier inline (StreamingClassifier) instead of AsyncClassifier",
    )
    p.add_argument("--video", action="store_true", help="also encode MP4 (the 'output' stage)")
    p.add_argument("--threads", type=int, default=1, help="classifier threads (1)")
    p.add_argument("--out", type=Path, default=RESULTS, help="results JSON path")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"  # Ctrl-C stays KeyboardInterrupt
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame
    from tqdm import tqdm

    from edge_juggler.app.headless import HeadlessWriter
    from edge_juggler.app.hud import Hud
    from edge_juggler.app.pipeline import AUTO, Notices, Pipeline, build_classifier
    from edge_juggler.app.runner import _view_for
    from edge_juggler.app.timing import BUDGET_MS, STAGES, StageTimer
    from edge_juggler.capture.spec import open_source

    pygame.display.init()
    pygame.font.init()
    from edge_juggler.app.runner import GIL_SWITCH_S

    old_switch = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_S)  # as the demo does
    notices = Notices(echo=True)
    classifier: object = None if args.no_classifier else AUTO
    if args.sync_classifier and not args.no_classifier:
        try:
            from edge_juggler.neural.runtime import StreamingClassifier

            classifier = StreamingClassifier(threads=args.threads)
        except Exception as exc:  # report and go on without it, as the demo does
            notices.add(f"classifier unavailable ({exc})")
            classifier = None
    source = open_source(args.source)
    pipe = Pipeline(
        source,
        tracker=None if args.no_tracker else AUTO,
        classifier=classifier,
        notices=notices,
        classifier_factory=lambda: build_classifier(threads=args.threads),
    )
    hud = Hud(source_name=args.source)
    surface = pygame.Surface(args.size)
    writer = None
    tmp_dir = None
    if args.video:
        import tempfile

        tmp_dir = tempfile.TemporaryDirectory()
        writer = HeadlessWriter(Path(tmp_dir.name), args.size, source.fps or 30.0, echo=None)
    view = None
    total = args.warmup + args.frames
    measured = 0
    wall0 = None
    try:
        for i, step in enumerate(
            tqdm(pipe.steps(max_frames=total), total=total, desc="pipeline", leave=False)
        ):
            if i == args.warmup:  # forget warm-up (model compile, first allocations)
                pipe.timer = StageTimer(window=10**6, keep_all=True)
                wall0 = time.perf_counter()
            timer = pipe.timer
            hud.observe(step)
            view = view or _view_for(step.frame, args.view)
            t0 = time.perf_counter()
            hud.render(surface, step, view=view, timer=timer, notices=notices)
            t1 = time.perf_counter()
            if writer is not None:
                writer.write(surface, step, timer)
                timer.add("output", (time.perf_counter() - t1) * 1e3)
            t2 = time.perf_counter()
            timer.add("draw", (t1 - t0) * 1e3)
            if i >= args.warmup:
                timer.add("loop", sum(step.times_ms.values()) + (t2 - t0) * 1e3)
                measured += 1
    finally:
        wall = time.perf_counter() - wall0 if wall0 is not None else 0.0
        if writer is not None:
            writer.close()
        if tmp_dir is not None:
            tmp_dir.cleanup()
        pipe.close()
        source.close()
        pygame.quit()
        sys.setswitchinterval(old_switch)
    stats = pipe.timer.percentiles((50, 95, 99), recent=False) if measured else {}
    result = {
        "benchmark": "pipeline",
        "source": args.source,
        "frames": measured,
        "hud_size": list(args.size),
        "classifier": "off"
        if pipe.classifier is None and args.no_classifier
        else ("sync" if args.sync_classifier else "async"),
        "tracker": pipe.tracker_enabled,
        "classifier_ran": "model" in stats,
        "notices": list(notices),
        "wall_fps": round(measured / wall, 2) if wall > 0 else None,
        "latency_ms": stats,
        "budget_ms": BUDGET_MS,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }
    print(
        f"\npipeline latency on {args.source}, {measured} frames, HUD {args.size[0]}x{args.size[1]}"
    )
    print(f"{'stage':<10}{'p50':>8}{'p95':>8}{'p99':>8}{'mean':>8}{'n':>7}{'budget':>8}")
    for stage in [*STAGES, "prep", "model", "loop"]:
        row = stats.get(stage)
        if row is None:
            continue
        budget = BUDGET_MS.get(stage)
        print(
            f"{stage:<10}{row['p50']:8.2f}{row['p95']:8.2f}{row['p99']:8.2f}{row['mean']:8.2f}"
            f"{row['n']:7d}{budget if budget is not None else '':>8}"
        )
    if result["wall_fps"]:
        print(f"throughput {result['wall_fps']} frames/s (wall clock, unpaced)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
