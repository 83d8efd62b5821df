"""Show what a SOURCE holds: streams, resolution, fps, frame count or duration,
intrinsics and depth range. File sources also decode their first frame, so a
corrupt file is reported here (exit code 2) rather than half-way through an analysis.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

HELP = "show streams, resolution, fps, frames, intrinsics and depth range of a SOURCE"

_MODE_WORDS = {
    "NFOV_UNBINNED": "NFOV unbinned",
    "NFOV_2X2BINNED": "NFOV 2x2 binned",
    "WFOV_UNBINNED": "WFOV unbinned",
    "WFOV_2X2BINNED": "WFOV 2x2 binned",
    "PASSIVE_IR": "passive IR",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        nargs="?",
        default=None,
        metavar="SOURCE",
        help="path (.mkv, video, TUM/record/image folder, MOT .txt) or synthetic:3, "
        "kinect:0, webcam:0 (default: synthetic:3)",
    )
    parser.add_argument("--json", action="store_true", help="print the description as JSON")
    parser.add_argument(
        "--no-probe",
        action="store_true",
        help="do not decode the first frame of a file source (faster on huge files)",
    )


def _fmt_intr(d: dict[str, Any] | None) -> str:
    if not d:
        return "unknown"
    return (
        f"fx={d['fx']:.3f} fy={d['fy']:.3f} cx={d['cx']:.3f} cy={d['cy']:.3f} "
        f"({d['width']}x{d['height']})"
    )


def probe_first_frame(src: Any) -> dict[str, Any] | None:
    """Decode the first frame of a finite source: a health check and depth statistics."""
    import numpy as np

    it = iter(src)
    try:
        frame = next(it, None)
    finally:
        close = getattr(it, "close", None)
        if close:
            close()
    if frame is None:
        return None
    out: dict[str, Any] = {"t_s": round(frame.t_s, 6), "modality": frame.modality}
    if frame.depth is not None:
        d = frame.depth
        nz = d[d > 0]
        out["depth_shape"] = list(d.shape)
        out["depth_zero_fraction"] = round(float((d == 0).mean()), 4)
        out["depth_median_mm"] = float(np.median(nz)) if nz.size else None
        out["depth_min_max_mm"] = [int(nz.min()), int(nz.max())] if nz.size else None
    if frame.color is not None:
        out["color_shape"] = list(frame.color.shape)
    if "tracks" in frame.extras:
        out["tracks"] = int(len(frame.extras["tracks"]))
    return out


def format_human(d: dict[str, Any]) -> str:
    """The description as aligned 'key  value' lines."""
    lines: list[tuple[str, str]] = [("source", str(d.get("source"))), ("kind", str(d.get("kind")))]
    lines.append(("modality", str(d.get("modality"))))
    streams = d.get("streams") or {}
    for name, s in streams.items():
        if name == "tracks":
            ids = s.get("ids", [])
            text = f"{len(ids)} ids {ids}, {s.get('detections')} detections"
            if s.get("width"):
                text += f", image {s['width']}x{s['height']}"
        else:
            text = f"{s.get('width')}x{s.get('height')}"
            if s.get("format"):
                text += f" {s['format']}"
            mode = s.get("mode")
            if mode:
                text += f", {_MODE_WORDS.get(mode, mode)}" + (
                    f" ({mode})" if mode in _MODE_WORDS else ""
                )
        lines.append((name, text))
    fps = d.get("fps")
    lines.append(("fps", f"{fps:g}" if isinstance(fps, (int, float)) else "unknown"))
    n = d.get("frames")
    unit = "capture" if d.get("kind") == "K4aMkvSource" else "frame"
    if n is None and d.get("frames_estimated"):
        count = f"about {d['frames_estimated']} {unit}s"
    elif n is None:
        count = "unknown (live)"
    else:
        count = f"{n} {unit}{'' if n == 1 else 's'}"
    dur = d.get("duration_s")
    if dur is not None:
        count += f", {dur:.3f} s"
    lines.append(("frames", count))
    intr_label = "depth intrinsics" if "depth" in streams else "intrinsics"
    intr = _fmt_intr(d.get("intrinsics"))
    if d.get("calibration") and d.get("intrinsics"):
        intr += f", from {d['calibration']}"
    lines.append((intr_label, intr))
    if d.get("color_intrinsics"):
        lines.append(("colour intrinsics", _fmt_intr(d["color_intrinsics"])))
    rng = d.get("depth_range_m")
    if rng:
        lines.append(("depth range", f"{rng[0]:.2f}-{rng[1]:.2f} m"))
    dev = d.get("device")
    if dev:
        serial = d.get("device_serial")
        lines.append(("device", f"{dev}" + (f", serial {serial}" if serial else "")))
    first = d.get("first_frame")
    if first:
        text = f"t={first['t_s']:.6f} s"
        if "depth_median_mm" in first:
            text += (
                f", depth median {first['depth_median_mm']:g} mm (non-zero), "
                f"{100 * first['depth_zero_fraction']:.1f} % zeros"
            )
        if "color_shape" in first:
            text += f", colour {'x'.join(map(str, first['color_shape']))}"
        if "tracks" in first:
            text += f", {first['tracks']} balls"
        lines.append(("first frame", text))
    skip = {
        "source",
        "kind",
        "modality",
        "streams",
        "fps",
        "frames",
        "frames_estimated",
        "duration_s",
        "intrinsics",
        "color_intrinsics",
        "calibration",
        "depth_range_m",
        "device",
        "device_serial",
        "first_frame",
        "distortion",
        "depth_mode",
        "color_mode",
    }
    for k, v in d.items():
        if k not in skip and v is not None:
            lines.append((k.replace("_", " "), str(v)))
    width = max(len(k) for k, _ in lines)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in lines)


def run(args: argparse.Namespace) -> int:
    from edge_juggler.capture import open_source
    from edge_juggler.capture.base import warnings_to_stderr

    warnings_to_stderr()
    with open_source(args.source) as src:
        desc = src.describe()
        if not args.no_probe and src.frame_count is not None:
            desc["first_frame"] = probe_first_frame(src)
    if args.json:
        print(json.dumps(desc, indent=2, default=str))
    else:
        print(format_human(desc))
    return 0
