"""What training reads off the simulator's ground truth: the juggler's box, key events.

Only training uses ground truth (never the runtime): the box stands in for the
tracker's box around hands and balls, and the key event (a drop, a flash) makes
sure a training window of an event class actually shows the event.
"""

from __future__ import annotations

import numpy as np


def clip_box(truth, frames, rng: np.random.Generator | None = None):
    """Box (x0, y0, x1, y1) around the hands and visible balls over the clip, jittered.

    None when nobody is in view (the runtime then uses the whole frame too).
    """
    pts = []
    for ft in truth.frames:
        if not ft.person:
            continue
        pts.append(np.asarray(ft.hands_px, dtype=np.float64).reshape(-1, 2))
        if len(ft.balls_px):
            vis = np.asarray(ft.ball_visible, dtype=bool)
            pts.append(np.asarray(ft.balls_px, dtype=np.float64).reshape(-1, 2)[vis])
    if not pts:
        return None
    p = np.concatenate(pts)
    p = p[np.all(np.isfinite(p), axis=1)]
    if not len(p):
        return None
    h, w = (frames[0].depth if frames[0].depth is not None else frames[0].color).shape[:2]
    x0, y0 = p.min(0)
    x1, y1 = p.max(0)
    # the hands-and-balls box is flat for low patterns: give it some body height
    side = max(x1 - x0, y1 - y0, 0.35 * h)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if rng is not None:
        side *= rng.uniform(0.9, 1.3)
        cx += rng.uniform(-0.08, 0.08) * side
        cy += rng.uniform(-0.08, 0.08) * side
    box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    return tuple(int(round(v)) for v in box)


def key_event_time(truth, label: str, event_of: dict[str, str]) -> float | None:
    """Time of the moment that defines an event class (None for the others)."""
    detail = label.split("_")[-1]
    kind = event_of.get(detail)
    if kind == "drop":
        drops = [e for e in truth.events if e["type"] == "drop"]
        if drops:
            e = drops[0]
            return float(e.get("missed_catch_t", e["t_s"])) + 0.2
    if kind == "flash":
        fives = [e for e in truth.events if e["type"] == "throw" and e.get("value") == 5]
        if fives:
            return float(fives[0]["t_s"]) + 0.5
    return None


def key_event_frame(truth, label: str, frames, event_of: dict[str, str]) -> int:
    """Index of the frame nearest the key event, or -1 (events use the truth's clock)."""
    t = key_event_time(truth, label, event_of)
    if t is None or not frames:
        return -1
    clock = truth.frames if truth.frames else frames
    ts = np.array([f.t_s for f in clock])
    return int(np.argmin(np.abs(ts - t)))


def object_maps(truth, frames, roi, grid: int) -> np.ndarray:
    """(F, 2, grid, grid) uint8: cells holding a visible ball centre (0) or a hand (1).

    Cells are laid over the square the network sees (the same region as
    ``frame_to_input``), so the maps line up with the input pixels.
    """
    from edge_juggler.neural.preprocess import square_region

    out = np.zeros((len(frames), 2, grid, grid), dtype=np.uint8)
    if not frames:
        return out
    h, w = (frames[0].depth if frames[0].depth is not None else frames[0].color).shape[:2]
    x0, y0, side = square_region(w, h, roi)

    def mark(k: int, ch: int, pts: np.ndarray) -> None:
        pts = pts[np.all(np.isfinite(pts), axis=1)]
        if not len(pts):
            return
        cells = np.floor((pts - (x0, y0)) / side * grid).astype(int)
        ok = np.all((cells >= 0) & (cells < grid), axis=1)
        out[k, ch, cells[ok, 1], cells[ok, 0]] = 1

    for k, ft in enumerate(truth.frames[: len(frames)]):
        if len(ft.balls_px):
            vis = np.asarray(ft.ball_visible, dtype=bool)
            mark(k, 0, np.asarray(ft.balls_px, dtype=np.float64).reshape(-1, 2)[vis])
        if ft.person:
            mark(k, 1, np.asarray(ft.hands_px, dtype=np.float64).reshape(-1, 2))
    return out
