"""Name what happens in a recording: the classifier's class timeline.

Feeds every frame of SOURCE through the INT8 OpenVINO classifier (a clip every
few frames, smoothed so one noisy clip does not flip the label) and prints the
segments; --json writes every prediction with its top classes as well.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

HELP = "class timeline of a recording (INT8 OpenVINO classifier)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "source",
        nargs="?",
        default=None,
        help="SOURCE: a path or synthetic:CLASS, webcam:0, ... (default synthetic:3)",
    )
    p.add_argument("--json", type=Path, metavar="OUT", help="write the timeline as JSON")
    p.add_argument(
        "--models", type=Path, default=None, help="model folder (default: the shipped models/)"
    )
    p.add_argument("--precision", choices=("int8", "fp32"), default="int8")
    p.add_argument("--threads", type=int, default=2, help="inference threads (default 2)")
    p.add_argument("--stride", type=int, default=4, help="classify every N clip frames (default 4)")
    p.add_argument(
        "--max-seconds",
        type=float,
        default=None,
        help="stop after this much of the source (live sources)",
    )


def run(args: argparse.Namespace) -> int:
    from edge_juggler.capture.spec import open_source
    from edge_juggler.neural.runtime import StreamingClassifier
    from edge_juggler.neural.timeline import classify_frames

    clf = StreamingClassifier(args.models, args.precision, args.threads, stride=args.stride)

    with open_source(args.source) as src:

        def frames():
            t0 = None
            for f in src:
                t0 = f.t_s if t0 is None else t0
                if args.max_seconds is not None and f.t_s - t0 > args.max_seconds:
                    return
                yield f

        result = classify_frames(frames(), clf)
        result = {"source": src.name or str(args.source), **result}
    result["model"] = {"dir": str(clf.model.dir), "precision": args.precision}
    if not result["segments"]:
        print(
            f"{result['source']}: too short to classify "
            f"({result['frames']} frames; a clip needs {result['clip_s']:.1f} s)"
        )
    for seg in result["segments"]:
        print(
            f"{seg['start_s']:7.2f} - {seg['end_s']:7.2f} s  {seg['label']:<24} "
            f"{seg['mean_confidence']:.2f}"
        )
    lat = result["latency_ms"]
    if lat["p50"] is not None:
        print(
            f"{len(result['predictions'])} clips, inference p50 {lat['p50']:.2f} ms "
            f"p95 {lat['p95']:.2f} ms ({args.precision}, {args.threads} threads)"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0
