"""Simulate a juggler and write a TUM-layout recording plus groundtruth.json.

  edge-juggler simulate 531 --seconds 10 out/
  edge-juggler simulate "3b_cascade_drop?seed=4&profile=azure_wfov" --seconds 6 out/

SPEC is a siteswap (``3``, ``531``, ``(4,4)``), a catalogue class
(``3b_cascade_too_high``) or a full ``synthetic:...`` spec with ``?seed=``,
``profile=``, ``modality=``, ``scale=`` and scenario overrides. The recording is
readable as a SOURCE again (``edge-juggler info out/``); ``groundtruth.json``
holds the per-frame ball and hand positions and the events (never in the frames).
"""

from __future__ import annotations

import argparse

HELP = "simulate a juggler: write a TUM-layout recording + groundtruth.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="siteswap, catalogue class or synthetic:...")
    parser.add_argument("out", metavar="OUT", help="output folder (must be new or empty)")
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="length of the recording (default 10)"
    )
    parser.add_argument("--seed", type=int, default=None, help="scenario seed (default 0)")
    parser.add_argument("--profile", default=None, help="camera profile (default azure_nfov)")
    parser.add_argument(
        "--modality", choices=("rgbd", "depth", "color"), default=None, help="streams to write"
    )
    parser.add_argument("--no-fsync", action="store_true", help="faster, not power-cut safe")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from edge_juggler.capture.recorder import RecordingWriter
    from edge_juggler.errors import InputError
    from edge_juggler.sim.source import open_synthetic

    spec = args.spec[len("synthetic:") :] if args.spec.startswith("synthetic:") else args.spec
    if not args.seconds > 0:
        raise InputError(f"--seconds must be > 0, got {args.seconds}")
    extra = {"seconds": args.seconds}
    for key in ("seed", "profile", "modality"):
        if getattr(args, key) is not None:
            extra[key] = getattr(args, key)
    sep = "&" if "?" in spec else "?"
    spec = spec + sep + "&".join(f"{k}={v}" for k, v in extra.items())
    src = open_synthetic(spec)
    out = Path(args.out)
    truth_meta = {
        "synthetic": {
            "spec": src.name,
            "label": src.truth.label,
            "siteswap": src.truth.siteswap,
            "balls": src.truth.ball_count,
            "seed": src.seed,
            "groundtruth": "groundtruth.json",
        }
    }
    with RecordingWriter(
        out,
        intrinsics=src.intrinsics,
        fps=src.fps,
        device=src.name,
        extra_meta=truth_meta,
        fsync=not args.no_fsync,
    ) as writer:
        for frame in tqdm(src, total=src.frame_count, disable=args.quiet, unit="frame"):
            writer.write(frame)
    src.truth.write(out / "groundtruth.json")
    if not args.quiet:
        print(
            f"wrote {src.frame_count} frames of {src.name} to {out} "
            f"({src.truth.ball_count} balls, {len(src.truth.throws)} throws)"
        )
    return 0
