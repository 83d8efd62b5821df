"""Record a SOURCE to a TUM-layout folder plus meta.json (readable as a SOURCE again).

  edge-juggler record [SOURCE] OUT [--seconds S] [--frames N]
  edge-juggler record [SOURCE] DATASET --label CLASS --seconds 3 [--countdown 3]

Every frame is on disk once written, so even ``kill -9`` keeps all whole frames;
Ctrl-C stops after the current frame and keeps everything. With ``--label`` the
clip goes to DATASET/CLASS/clip_NNNN/ (training data for the classifier) after a
short countdown; CLASS must be one of the catalogue classes unless --any-label.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

HELP = "record a SOURCE to a TUM-layout folder + meta.json (or a labelled dataset clip)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    if type(parser) is argparse.ArgumentParser:
        parser.__class__ = _IntermixedParser
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.usage = (
        "%(prog)s [SOURCE] OUT [--seconds S] [--frames N] [--label CLASS [--any-label]] "
        "[--countdown S] [--no-fsync] [--quiet]"
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="[SOURCE] OUT",
        help="SOURCE as for every command (default synthetic:3), then the output folder "
        "(with --label: the dataset folder)",
    )
    parser.add_argument("--seconds", type=float, default=None, help="stop after S seconds")
    parser.add_argument("--frames", type=int, default=None, help="stop after N frames")
    parser.add_argument(
        "--label",
        default=None,
        metavar="CLASS",
        help="dataset mode: add a clip under OUT/CLASS/clip_NNNN/",
    )
    parser.add_argument(
        "--any-label", action="store_true", help="allow a label outside the class catalogue"
    )
    parser.add_argument(
        "--countdown",
        type=int,
        default=None,
        metavar="S",
        help="seconds of countdown before recording (default 3 with --label, else 0)",
    )
    parser.add_argument(
        "--no-fsync",
        action="store_true",
        help="skip fsync per frame (faster; frames survive a kill but not a power cut)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def _next_clip_dir(dataset: Path, label: str) -> Path:
    folder = dataset / label
    taken = [
        int(m.group(1))
        for p in (folder.iterdir() if folder.is_dir() else [])
        if (m := re.fullmatch(r"clip_(\d+)", p.name))
    ]
    return folder / f"clip_{max(taken, default=0) + 1:04d}"


class _StopFlag:
    """First Ctrl-C asks the loop to stop after the current frame; a second one aborts."""

    def __init__(self) -> None:
        self.stop = False
        self._old: Any = None

    def __enter__(self) -> _StopFlag:
        try:
            self._old = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread
            self._old = None
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.stop:
            raise KeyboardInterrupt
        self.stop = True

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


class _IntermixedParser(argparse.ArgumentParser):
    """Lets OUT come after options (``record SOURCE --label X --seconds 3 DATASET/``)."""

    _busy = False

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if self._busy:
            return super().parse_known_args(args, namespace)
        self._busy = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._busy = False


def run(args: argparse.Namespace) -> int:
    from edge_juggler.capture import open_source
    from edge_juggler.capture.base import warnings_to_stderr
    from edge_juggler.capture.recorder import RecordingWriter
    from edge_juggler.errors import DeviceError, InputError

    warnings_to_stderr()
    if len(args.paths) > 2:
        raise InputError(f"record takes [SOURCE] OUT, got {len(args.paths)} paths")
    spec = args.paths[0] if len(args.paths) == 2 else None
    out = Path(args.paths[-1])
    if args.seconds is not None and args.seconds <= 0:
        raise InputError(f"--seconds must be > 0, got {args.seconds}")
    if args.frames is not None and args.frames <= 0:
        raise InputError(f"--frames must be > 0, got {args.frames}")
    extra: dict[str, Any] = {}
    if args.label is not None:
        from edge_juggler.catalogue import CLASSES

        if args.label not in CLASSES and not args.any_label:
            raise InputError(
                f"--label {args.label!r}: not a catalogue class (see models/labels.json, "
                "e.g. 3b_cascade_good); pass --any-label to use it anyway"
            )
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", args.label):
            raise InputError(f"--label {args.label!r}: use letters, digits, '_', '-' or '.'")
        if args.seconds is None and args.frames is None:
            raise InputError("--label needs --seconds or --frames (a clip has a length)")
        out = _next_clip_dir(out, args.label)
        extra["label"] = args.label
    countdown = args.countdown if args.countdown is not None else (3 if args.label else 0)

    with open_source(spec) as src:
        if src.modality == "tracks":
            raise InputError(f"{src.name}: a track file has no images to record")
        desc = src.describe()
        extra.update({"source": src.name, "modality": src.modality})
        for key in ("depth_range_m", "depth_mask"):
            if desc.get(key) is not None:
                extra[key] = desc[key]
        for s in range(countdown, 0, -1):
            print(f"recording in {s}...", file=sys.stderr, flush=True)
            time.sleep(1.0)
        if countdown:
            print("go!", file=sys.stderr, flush=True)
        writer = RecordingWriter(
            out,
            intrinsics=src.intrinsics,
            fps=src.fps,
            device=str(desc.get("device") or desc.get("kind")),
            color_intrinsics=src.color_intrinsics,
            extra_meta=extra,
            fsync=not args.no_fsync,
        )
        limits = [args.frames, src.frame_count]
        if args.seconds is not None and src.fps:
            limits.append(int(round(args.seconds * src.fps)))
        total = min((x for x in limits if x is not None), default=None)
        stopped_by = None
        error: InputError | None = None
        t0: int | None = None
        t_last = None
        from tqdm import tqdm

        with writer, _StopFlag() as flag:
            bar = tqdm(
                total=total, unit="frame", desc="record", disable=args.quiet or None, leave=False
            )
            try:
                for frame in src:
                    if t0 is None:
                        t0 = frame.timestamp_us
                    if (
                        args.seconds is not None
                        and (frame.timestamp_us - t0) >= args.seconds * 1e6 - 1
                    ):
                        break
                    writer.write(frame)
                    t_last = frame.timestamp_us
                    bar.update(1)
                    if args.frames is not None and writer.frames_written >= args.frames:
                        break
                    if flag.stop:
                        stopped_by = "Ctrl-C"
                        break
            except DeviceError as exc:
                error = exc  # keep what was recorded, then report
            except KeyboardInterrupt:
                stopped_by = "Ctrl-C (twice)"
            finally:
                bar.close()
    n = writer.frames_written
    span = (t_last - t0) * 1e-6 if (t0 is not None and t_last is not None) else 0.0
    msg = f"recorded {n} frame{'s' if n != 1 else ''} ({span:.2f} s of source time) to {out}"
    if stopped_by:
        msg += f"; stopped by {stopped_by}, everything recorded is kept"
    print(msg)
    if error is not None:
        raise InputError(f"{error}; the {n} frames before it are kept in {out}")
    if n == 0:
        raise InputError(f"{src.name}: no frames to record")
    return 0
