"""Juggling coach: a ladder of lessons from one ball to a stable cascade and a first trick.

Runs the live pipeline (tracker + classifier + fusion) on SOURCE, shows the
current lesson's goal and live feedback (what is met, what is missing, a tip
when a mistake is seen), marks the lesson passed when its criteria hold, saves
the learner's progress and says what is next. Without SOURCE the synthetic
juggler shows the lesson (so it works without a camera); give kinect:0 or
webcam:0 to be coached yourself. Lessons: 1 one-ball toss, 2 two-ball
exchange, 3 first cascade throws, 4 stable cascade, 5 first trick.
Progress lives in $XDG_DATA_HOME/edge_juggler/progress.json
(~/.local/share/edge_juggler/progress.json) unless --progress says otherwise.
"""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "juggling lessons with live feedback and saved progress (coach --status: the ladder)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        nargs="?",
        default=None,
        metavar="SOURCE",
        help="kinect:0, webcam:0, a recording, or synthetic:... (default: the lesson's "
        "synthetic demo, e.g. synthetic:1b_toss_good?seed=1)",
    )
    parser.add_argument(
        "--lesson",
        type=int,
        default=None,
        metavar="N",
        help="lesson number 1-5 (default: the first one not passed yet)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        metavar="S",
        help="stop after S seconds of source time (headless synthetic default: 30)",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        default=None,
        help="no window: one feedback line per second on stdout (automatic without a display)",
    )
    parser.add_argument(
        "--progress",
        type=Path,
        default=None,
        metavar="PATH",
        help="progress file (default: $XDG_DATA_HOME/edge_juggler/progress.json)",
    )
    parser.add_argument(
        "--status", action="store_true", help="print the lesson ladder with your progress and exit"
    )
    parser.add_argument(
        "--keep-going", action="store_true", help="keep watching after the lesson is passed"
    )
    parser.add_argument("--no-tracker", action="store_true", help="run without the tracker")
    parser.add_argument("--no-classifier", action="store_true", help="run without the model")
    parser.add_argument("--models-dir", default=None, help="folder with the OpenVINO IR files")
    parser.add_argument("--precision", choices=("int8", "fp32"), default="int8")
    parser.add_argument("--quiet", action="store_true", help="no per-second feedback lines")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="headless: also write the HUD with the lesson strip as DIR/demo.mp4 + last.png",
    )


def run(args: argparse.Namespace) -> int:
    from edge_juggler.coach.progress import default_progress_path, load_progress  # noqa: PLC0415
    from edge_juggler.coach.session import CoachOptions, ladder_text, run_coach  # noqa: PLC0415
    from edge_juggler.errors import InputError  # noqa: PLC0415

    path = args.progress if args.progress is not None else default_progress_path()
    if args.status:
        if args.source or args.lesson is not None:
            raise InputError("--status: give no SOURCE or --lesson with it")
        print(f"progress: {path}")
        print(ladder_text(load_progress(path)))
        return 0
    if args.seconds is not None and not args.seconds > 0:
        raise InputError(f"--seconds {args.seconds}: must be positive")
    opts = CoachOptions(
        progress_path=path,
        lesson=args.lesson,
        source=args.source,
        seconds=args.seconds,
        headless=True if args.headless else None,
        tracker=not args.no_tracker,
        classifier=not args.no_classifier,
        models_dir=args.models_dir,
        precision=args.precision,
        keep_going=args.keep_going,
        quiet=args.quiet,
        out=args.out,
    )
    return run_coach(opts)
