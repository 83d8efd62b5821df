"""Live demo: track, classify and fuse a source and show it (window, or headless files).

With no SOURCE the built-in synthetic juggler (synthetic:3) juggles; --camera
takes the first camera that answers (Azure Kinect, then webcam). Without a
display (no DISPLAY/WAYLAND_DISPLAY on Linux, or --headless) the same HUD is
written to OUT/demo.mp4, PNG snapshots and OUT/summary.txt, for 10 seconds
unless --seconds/--frames say otherwise. Keys in the window: q/Esc quit,
space pause, d toggles depth/colour.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from edge_juggler.errors import InputError

HELP = "live demo: tracker + classifier + fused coaching state (window or headless MP4)"


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected WIDTHxHEIGHT, e.g. 1024x576"
        ) from None
    return w, h


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        nargs="?",
        default=None,
        metavar="SOURCE",
        help="synthetic:3 (default), synthetic:531, kinect:0, webcam:0, a recording or video",
    )
    parser.add_argument(
        "--camera", action="store_true", help="use the first camera found (synthetic if none)"
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        default=None,
        help="no window: write MP4/PNG/summary to --out (automatic without a display)",
    )
    parser.add_argument(
        "--seconds", type=float, default=None, help="stop after S seconds of source time"
    )
    parser.add_argument("--frames", type=int, default=None, help="stop after N frames")
    parser.add_argument(
        "--out", type=Path, default=Path("out/demo"), help="headless output folder (out/demo)"
    )
    parser.add_argument("--no-video", action="store_true", help="headless: no MP4")
    parser.add_argument(
        "--png-every",
        type=float,
        default=5.0,
        metavar="S",
        help="headless: a PNG snapshot every S seconds, 0 for none (last.png is always written)",
    )
    parser.add_argument("--size", type=_size, default=(1024, 576), help="HUD size WxH (1024x576)")
    parser.add_argument(
        "--view",
        choices=("auto", "depth", "color"),
        default="auto",
        help="first view shown (auto: colour when the source has it, else depth)",
    )
    parser.add_argument("--no-tracker", action="store_true", help="run without the tracker")
    parser.add_argument("--no-classifier", action="store_true", help="run without the model")
    parser.add_argument("--models-dir", default=None, help="folder with the OpenVINO IR files")
    parser.add_argument("--precision", choices=("int8", "fp32"), default="int8")
    parser.add_argument(
        "--realtime",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="pace files and synthetic sources to their timestamps (default: in a window only)",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-second summary on stdout")


def run(args: argparse.Namespace) -> int:
    from edge_juggler.app.runner import DemoOptions, run_demo  # noqa: PLC0415

    if args.seconds is not None and args.seconds <= 0:
        raise InputError(f"--seconds {args.seconds}: must be positive")
    if args.frames is not None and args.frames <= 0:
        raise InputError(f"--frames {args.frames}: must be positive")
    if args.png_every < 0:
        raise InputError(f"--png-every {args.png_every}: must be >= 0")
    if args.camera and args.source:
        raise InputError(f"{args.source}: give either SOURCE or --camera, not both")
    opts = DemoOptions(
        source=args.source,
        camera=args.camera,
        headless=True if args.headless else None,
        seconds=args.seconds,
        frames=args.frames,
        out=args.out,
        video=not args.no_video,
        png_every_s=args.png_every,
        size=args.size,
        view=args.view,
        tracker=not args.no_tracker,
        classifier=not args.no_classifier,
        models_dir=args.models_dir,
        precision=args.precision,
        realtime=args.realtime,
        quiet=args.quiet,
    )
    return run_demo(opts)
