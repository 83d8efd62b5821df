"""Analyse a recording: balls, hands, throws, catches, siteswap, rhythm, heights.

Runs the classical tracker over every frame of SOURCE (a depth/colour
recording, a video, ``synthetic:531``, or a MOT16 ball-track file), prints a
short summary and, with --json, writes the report (schema
edge_juggler.report/1: summary, events, tracks, per-stage latency). When the
neural classifier's model is installed, a class timeline and the pattern name
are added; without it the pattern is null. A synthetic source without
``?seconds=`` is analysed for 10 s; a live camera until Ctrl-C, and then what
was read is analysed. A camera that disconnects or a file cut short: the frames
before it are analysed and reported, then the error (exit 2).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the runtime imports stay lazy (a fast --help)
    from tqdm import tqdm

    from edge_juggler.capture.base import Source
    from edge_juggler.neural.runtime import StreamingClassifier
    from edge_juggler.tracking.tracker import Tracker

HELP = "analyse a recording: ball count, throws, siteswap, heights (JSON report)"
ENDLESS_S = 10.0  # what an endless synthetic source (no ?seconds=) is analysed for


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="SOURCE", help="recording path, synthetic:N, or MOT .txt")
    p.add_argument("--json", metavar="OUT", help="write the JSON report here")
    p.add_argument(
        "--calibration",
        metavar="PROFILE",
        help="a profile from 'edge-juggler calibrate' (ball colours); learned when omitted",
    )
    p.add_argument("--max-frames", type=int, default=None, help="stop after this many frames")
    p.add_argument(
        "--no-classify", action="store_true", help="skip the neural classifier even if present"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _classifier(enabled: bool):
    """The optional neural runtime; None (pattern null) when missing or not loadable."""
    if not enabled:
        return None
    from edge_juggler.errors import InputError

    try:
        from edge_juggler.neural.runtime import StreamingClassifier

        return StreamingClassifier()
    except (ImportError, InputError, OSError, RuntimeError):
        return None


def summary_lines(report: dict) -> list[str]:
    s = report["summary"]

    def fmt(v, unit="", nd=2):
        if v is None:
            return "unknown"
        return f"{v:.{nd}f}{unit}" if isinstance(v, float) else f"{v}{unit}"

    lines = [
        f"{report['source']}: {report['frames']} frames, {fmt(report['duration_s'], ' s', 1)}, "
        f"{report['modality']}",
        f"  balls {fmt(s['ball_count'])}   siteswap {fmt(s['siteswap'])}   "
        f"pattern {fmt(s.get('pattern'))}",
        f"  throws {fmt(s['throws'])}   catches {fmt(s['catches'])}   drops {fmt(s['drops'])}   "
        f"throws/s {fmt(s['throws_per_second'])}",
        f"  apex height {fmt(s['mean_apex_height_m'], ' m')}   rhythm CV {fmt(s['period_cv'])}   "
        f"hand separation {fmt(s.get('hand_separation_m'), ' m')}",
    ]
    lat = report["latency_ms"].get("track")
    if lat:
        lines.append(f"  tracking {lat['p50']:.2f} ms/frame (p50), p99 {lat['p99']:.2f} ms")
    return lines


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from edge_juggler.capture.spec import open_source
    from edge_juggler.errors import InputError
    from edge_juggler.report import build_report, percentiles, write_report
    from edge_juggler.tracking.tracker import Tracker, TrackerConfig, load_calibration

    cfg = TrackerConfig()
    if args.calibration:
        cm, _ = load_calibration(args.calibration)
        cfg.color_model = cm
    if args.max_frames is not None and args.max_frames < 1:
        raise InputError(f"--max-frames must be >= 1, got {args.max_frames}")
    with open_source(args.source) as src:
        modality = src.modality
        tracker = Tracker(src.intrinsics, modality, cfg)
        clf = _classifier(not args.no_classify and modality not in ("tracks", "points"))
        classify_ms: list[float] = []
        timeline: list[dict] = []
        total = src.frame_count
        limit = args.max_frames
        if limit is None and total is None and args.source.startswith("synthetic:"):
            # the simulated world runs for an hour (the live demo's): a file-like default
            limit = max(1, int(round(ENDLESS_S * (src.fps or 30.0))))
            print(
                f"{args.source}: endless synthetic source, analysing its first {ENDLESS_S:g} s "
                "(add ?seconds=N or --max-frames N for more)",
                file=sys.stderr,
            )
        if limit is not None:
            total = min(total or limit, limit)
        bar = tqdm(total=total, unit="frame", disable=args.quiet, file=sys.stderr, desc="analyze")
        seen = _DepthSeen()
        broke: InputError | None = None
        try:
            _read(src, tracker, clf, classify_ms, timeline, bar, limit, seen)
        except KeyboardInterrupt:  # a live camera runs until stopped: analyse what was read
            bar.write(f"stopped: analysing the {tracker.frames} frames read", file=sys.stderr)
        except InputError as exc:  # a camera that disconnects, a file cut short
            if tracker.frames == 0:
                raise
            broke = exc
        bar.close()
    n = tracker.frames  # every frame read went through the tracker
    if n == 0:
        raise InputError(f"{args.source}: no frames to analyse")
    if seen.frames and not seen.valid:
        # a covered or broken sensor, or a recording of nothing in range: 0 balls
        # would look like an answer
        raise InputError(
            f"{args.source}: the depth camera read nothing in any of {seen.frames} frames "
            "(every pixel 0 or not a number: sensor covered, too close, or a broken recording)"
        )
    analysis = tracker.finish()
    pattern = _pattern(timeline)
    lat = {k: percentiles(v) for k, v in tracker.latency.items()}
    lat["classify"] = percentiles(classify_ms)
    report = build_report(
        source=args.source,
        modality=modality,
        frames=n,
        duration_s=analysis.summary.get("duration_s"),
        summary=analysis.summary,
        events=analysis.events,
        tracks=analysis.tracks,
        latency_ms=lat,
        pattern=pattern,
        classes=timeline if clf is not None else None,
    )
    for line in summary_lines(report):
        print(line)
    if args.json:
        path = write_report(args.json, report)
        print(f"  report: {path}")
    if broke is not None:  # the frames before it are analysed and kept; still an error
        raise InputError(f"{broke} (analysed the {n} frames before it)")
    return 0


class _DepthSeen:
    """How many depth frames there were, and whether any read something."""

    def __init__(self) -> None:
        self.frames = 0
        self.valid = False

    def add(self, depth: np.ndarray | None) -> None:
        if depth is None:
            return
        self.frames += 1
        if not self.valid:  # one look per frame until something reads
            d = depth if depth.dtype.kind != "f" else np.nan_to_num(depth)
            self.valid = bool(np.any(d > 0))


def _read(
    src: Source,
    tracker: Tracker,
    clf: StreamingClassifier | None,
    classify_ms: list[float],
    timeline: list[dict],
    bar: tqdm,
    limit: int | None,
    seen: _DepthSeen,
) -> None:
    """Track (and classify) every frame of ``src`` up to ``limit``."""
    for frame in src:
        seen.add(frame.depth)
        tracker.update(frame)
        if clf is not None:
            t0 = time.perf_counter()
            scores = clf.push(frame)
            if scores is not None:
                classify_ms.append((time.perf_counter() - t0) * 1e3)
                timeline.append(
                    {
                        "t_s": round(scores.t_s, 3),
                        "label": scores.label,
                        "confidence": round(float(scores.confidence), 3),
                    }
                )
        bar.update(1)
        if limit is not None and tracker.frames >= limit:
            break


def _pattern(timeline: list[dict]) -> str | None:
    """The class shown longest (by number of confident predictions), or None."""
    if not timeline:
        return None
    from collections import Counter

    c = Counter(e["label"] for e in timeline if e["label"])
    return c.most_common(1)[0][0] if c else None
