"""Learn the ball colours and the juggler's depth band from a recording; save a profile.

Reads the first seconds of SOURCE, learns ball colours from what moves
(small, fast, saturated blobs), finds the juggler's depth band when there is
depth, and writes a profile JSON into calibration/ (ball colour ranges, ball
size, depth band, camera). A PNG next to it shows what was found: the frame
with the detected balls circled and a swatch per learned colour. Override the
colours by hand with --hue (repeatable) when the learning picks the wrong ones;
use the profile with ``edge-juggler analyze SOURCE --calibration PROFILE``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

HELP = "learn ball colours and depth band from a recording; write a calibration profile"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("source", metavar="SOURCE", help="recording path, synthetic:N, webcam:0 ...")
    p.add_argument("--name", help="profile name (default: the source's file name)")
    p.add_argument("--out", help="profile path (default: calibration/<name>.json)")
    p.add_argument("--seconds", type=float, default=4.0, help="how much to look at (default 4)")
    p.add_argument(
        "--hue",
        action="append",
        metavar="LO-HI",
        help="ball hue range in OpenCV units 0-179 (e.g. 100-125 for blue); repeat per colour",
    )
    p.add_argument("--sat-min", type=int, default=100, help="minimum saturation with --hue")
    p.add_argument("--val-min", type=int, default=60, help="minimum value with --hue")


def _manual_ranges(specs: list[str], sat: int, val: int):
    from edge_juggler.errors import InputError
    from edge_juggler.tracking.color import ColorRange

    out = []
    for s in specs:
        m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", s)
        if not m or not (0 <= int(m.group(1)) <= 179 and 0 <= int(m.group(2)) <= 179):
            raise InputError(f"--hue {s!r}: expected LO-HI with hues in 0..179")
        out.append(ColorRange(int(m.group(1)), int(m.group(2)), sat, val))
    return out


def _default_name(source: str) -> str:
    base = Path(source.split("?")[0]).stem if ":" not in source.split("?")[0] else source
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", base).strip("_") or "profile"


def run(args: argparse.Namespace) -> int:
    import cv2
    import numpy as np

    from edge_juggler.capture.spec import open_source
    from edge_juggler.errors import InputError
    from edge_juggler.resources import calibration_dir
    from edge_juggler.tracking.color import ColorLearner, ColorModel, ColorSegmenter
    from edge_juggler.tracking.depth import DepthSegmenter

    if args.seconds <= 0:
        raise InputError(f"--seconds must be > 0, got {args.seconds}")
    manual = _manual_ranges(args.hue, args.sat_min, args.val_min) if args.hue else None
    learner = ColorLearner()
    depth_seg = None
    body = []
    last = None
    n = 0
    with open_source(args.source) as src:
        intr, fps, modality = src.intrinsics, src.fps, src.modality
        t0 = None
        for frame in src:
            t0 = frame.t_s if t0 is None else t0
            if frame.t_s - t0 > args.seconds:
                break
            n += 1
            if frame.color is not None:
                learner.add(frame.color, frame.t_s)
            if frame.depth is not None:
                if depth_seg is None:
                    depth_seg = DepthSegmenter(frame.intrinsics or intr)
                _, _, zb = depth_seg.process(frame.depth)
                if zb is not None:
                    body.append(zb)
            last = frame
    if n == 0 or last is None:
        raise InputError(f"{args.source}: no frames to calibrate from")
    if last.color is None and last.depth is None:
        raise InputError(f"{args.source}: ball tracks have nothing to calibrate")
    model = ColorModel(manual, None, "manual") if manual else learner.model()
    if manual and last.color is not None:
        model.ball_radius_px = None
    z = float(np.median(body)) if body else None
    cfg = depth_seg.cfg if depth_seg else None
    profile = {
        "schema": "edge_juggler.calibration/1",
        "source": args.source,
        "modality": modality,
        "color": model.to_dict() if last.color is not None else None,
        "body_depth_m": None if z is None else round(z, 3),
        "depth_band_m": None
        if z is None or cfg is None
        else [round(z - cfg.band_front_m, 3), round(z + cfg.band_back_m, 3)],
        "camera": {"fps": fps, "intrinsics": intr.to_dict() if intr else None},
    }
    name = args.name or _default_name(args.source)
    out = Path(args.out) if args.out else calibration_dir() / f"{name}.json"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(profile, indent=1) + "\n")
    except OSError as exc:
        raise InputError(f"{out}: cannot write profile ({exc.strerror or exc})") from None
    png = out.with_suffix(".png")
    _picture(last, model, png, cv2, np, ColorSegmenter)
    print(f"{args.source}: {n} frames looked at ({modality})")
    if last.color is not None:
        if model.ranges:
            for i, r in enumerate(model.ranges):
                print(
                    f"  ball colour {i + 1}: hue {r.h_lo}-{r.h_hi}, saturation >= {r.s_lo}, "
                    f"value >= {r.v_lo}"
                )
            if model.ball_radius_px:
                print(f"  ball radius about {model.ball_radius_px:.1f} px")
        else:
            print("  no ball colour found: throw a few balls, or give --hue LO-HI")
    if z is not None:
        print(f"  juggler at {z:.2f} m; balls searched {profile['depth_band_m']} m")
    print(f"  profile: {out}\n  picture: {png}")
    return 0


def _picture(frame, model, png, cv2, np, ColorSegmenter) -> None:
    """The last frame with found balls circled, and a swatch per learned colour."""
    if frame.color is not None:
        img = cv2.cvtColor(frame.color, cv2.COLOR_RGB2BGR).copy()
        for d in ColorSegmenter(model).process(frame.color):
            r = int(max(4, d.radius_px * 1.4))
            cv2.circle(img, (int(d.x), int(d.y)), r, (0, 255, 0), 2)
    else:
        d = frame.depth.astype(np.float32)
        v = np.clip((d - 500) / 3500 * 255, 0, 255).astype(np.uint8)
        img = cv2.applyColorMap(255 - v, cv2.COLORMAP_JET)
        img[frame.depth == 0] = 0
    h = img.shape[0]
    sw = max(20, h // 12)
    for i, r in enumerate(model.ranges):
        hue = (r.h_lo + ((r.h_hi - r.h_lo) % 180) // 2) % 180
        col = cv2.cvtColor(np.uint8([[[hue, 220, 220]]]), cv2.COLOR_HSV2BGR)[0, 0]
        cv2.rectangle(
            img,
            (4, 4 + i * (sw + 4)),
            (4 + sw, 4 + sw + i * (sw + 4)),
            tuple(int(c) for c in col),
            -1,
        )
    cv2.imwrite(str(png), img)
