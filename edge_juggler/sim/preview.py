"""Side-by-side picture of a synthetic frame: colour-mapped depth next to colour.

``python -m edge_juggler.sim.preview "3?seed=1" docs/images/synthetic_frame.png --time 1.4``
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np

from edge_juggler.frames import Frame


def depth_to_rgb(depth: np.ndarray, lo_mm: int = 500, hi_mm: int = 4000) -> np.ndarray:
    """Turbo colour map of depth in mm; no reading (0) is black."""
    scaled = np.clip((depth.astype(np.float32) - lo_mm) * (255.0 / (hi_mm - lo_mm)), 0, 255)
    bgr = cv2.applyColorMap(scaled.astype(np.uint8), cv2.COLORMAP_TURBO)
    bgr[depth == 0] = 0
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def side_by_side(frame: Frame, caption: str = "") -> np.ndarray:
    """RGB image: depth (colour-mapped) | colour, with small captions."""
    panels = []
    if frame.depth is not None:
        panels.append(("depth (mm, turbo; black = no reading)", depth_to_rgb(frame.depth)))
    if frame.color is not None:
        panels.append(("colour (registered to depth)", frame.color))
    out = np.concatenate([p for _, p in panels], axis=1).copy()
    w = panels[0][1].shape[1]
    for i, (text, _) in enumerate(panels):
        cv2.putText(
            out,
            text,
            (i * w + 8, 20),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
    if caption:
        cv2.putText(
            out,
            caption,
            (8, out.shape[0] - 10),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.5,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    from edge_juggler.sim.source import open_synthetic

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", help="synthetic spec without the scheme, e.g. '3?seed=1'")
    ap.add_argument("out", help="PNG to write")
    ap.add_argument("--time", type=float, default=1.0, help="seconds into the scenario")
    args = ap.parse_args(argv)
    spec = args.spec + ("&" if "?" in args.spec else "?") + f"seconds={args.time + 0.1}"
    src = open_synthetic(spec)
    frame = None
    for frame in src:
        if frame.t_s >= args.time:
            break
    assert frame is not None
    caption = (
        f"synthetic:{args.spec}  t={frame.t_s:.2f} s  ({src.intrinsics.width}x"
        f"{src.intrinsics.height}, {src.profile.name})"
    )
    img = side_by_side(frame, caption)
    cv2.imwrite(args.out, cv2.cvtColor(img, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
