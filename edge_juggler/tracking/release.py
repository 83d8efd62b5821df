"""Where each throw left the hand, from the depth segmenter's hands.

Apex heights are measured above the release point. From the ball's track alone
that point is guessed from the arcs' ends (``analysis.hands_level``), but arcs are
found only 10-15 cm above the hand (the ball is lost among the hands while it
leaves), and where they are lost depends on the camera and the pattern: heights
came out 0.15 m low or 0.05 m high (0.042 m median error on 16 depth clips). A
depth camera sees the hands themselves: the throwing hand rises with the ball
and lets go at the top of that rise, under the arc followed back in time. This
module reads that point from the tracker's hands log (0.012 m median error); it
trusts the hands only when most arcs have one there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the analysis may import this module: no import cycle at run time
    from edge_juggler.tracking.analysis import Scale
    from edge_juggler.tracking.flights import Flight
    from edge_juggler.tracking.types import Hand

#: how long before the arc's first seen sample the release may have happened
#: (arcs are found 0.1-0.2 s after it, high throws already 0.5-1 m up)
WINDOW_S = 0.4
#: the throwing hand lies at most this far below the arc followed back in time
MAX_BELOW_M = 0.3
#: and at most this far to the side of it
MAX_SIDE_M = 0.15
#: the released ball's centre above the depth hand's point (the ball rests on the
#: palm; measured +0.020 m median on 16 depth tuning clips, spread 0.003-0.014 m)
BALL_ABOVE_HAND_M = 0.02
#: share of arcs with a hand under them needed to trust the hands
MIN_SHARE = 0.6
#: and the releases' median deviation from their median at most this (true
#: releases: 0.01-0.03 m; hands taken from a knee or the head: far more)
MAX_SPREAD_M = 0.05
#: a single release further than this from the median is a stray (not used)
MAX_STRAY_M = 0.12
#: the releases lie at most this far under the arcs' ends (``hands_level``: arcs
#: are found 0.1-0.3 m above the hands; a knee lies 0.5 m and more below them)
MAX_UNDER_ENDS_M = 0.35


def release_rows(
    flights: Sequence[Flight],
    hands_log: Sequence[tuple[float, tuple[Hand, ...]]],
    scale: Scale,
) -> list[float | None] | None:
    """Image row of each flight's release (None where no hand was seen under it).

    The release is the top of the throwing hand's rise under the arc (see
    ``_release_row``), raised by where a held ball's centre sits. Rows are image
    rows, like the arcs' own. None for the whole recording when fewer than
    ``MIN_SHARE`` of the arcs have such a hand (no depth hands, or hands that
    cannot be right: a leg or the head is nowhere near the arcs).
    """
    if not flights or not hands_log:
        return None
    times = np.array([t for t, _ in hands_log])
    rows: list[float | None] = []
    tried = found = 0
    for f in flights:
        row = None
        px_per_m = _px_per_m(scale, f.z_m)
        if not f.dropped and px_per_m is not None:
            tried += 1
            row = _release_row(f, hands_log, times, px_per_m)
            found += row is not None
        rows.append(row)
    if tried == 0 or found < MIN_SHARE * tried:
        return None
    # a juggler lets go at about one height; wrong hands (a knee, the head, an
    # elbow) scatter: trust the rows only when they agree, and drop the strays
    ys = np.array([r for r in rows if r is not None])
    ppm = float(np.median([p for f in flights if (p := _px_per_m(scale, f.z_m)) is not None]))
    mid = float(np.median(ys))
    if np.median(np.abs(ys - mid)) > MAX_SPREAD_M * ppm:
        return None
    # and the arcs are found a little above the releases, never far: a knee under
    # the hands is as steady as a hand, but 0.5 m and more below the arcs' ends
    from edge_juggler.tracking.analysis import hands_level  # (analysis imports us)

    level = hands_level(list(flights))
    if level is not None and not -0.1 * ppm <= mid - level <= MAX_UNDER_ENDS_M * ppm:
        return None
    return [r if r is not None and abs(r - mid) <= MAX_STRAY_M * ppm else None for r in rows]


def _px_per_m(scale: Scale, z_m: float | None) -> float | None:
    """Pixels per metre at the flight's depth (or from image gravity)."""
    if z_m is not None and scale.fy:
        return scale.fy / z_m
    return scale.px_per_m


def _release_row(
    f: Flight,
    hands_log: Sequence[tuple[float, tuple[Hand, ...]]],
    times: np.ndarray,
    px_per_m: float,
) -> float | None:
    """The highest point of the hand under the arc, followed back in time.

    The arc is first seen 0.1-0.2 s after the release (a high throw already
    0.5-1 m up), so each hand sample is compared with where the fitted arc was
    at that moment: the throwing hand is under it (it has let go) and close to
    it; before the release the extrapolated arc dives below the hand and no
    sample counts. The hand lets go at the top of its throwing rise.
    """
    g = f.accel_px
    if g <= 0:
        return None
    vx = (f.catch_xy[0] - f.throw_xy[0]) / max(f.t_catch - f.t_throw, 1e-3)
    ax, ay = f.apex_xy
    below, side = MAX_BELOW_M * px_per_m, MAX_SIDE_M * px_per_m
    i0 = int(np.searchsorted(times, f.t_throw - WINDOW_S))
    i1 = int(np.searchsorted(times, f.t_throw, side="right"))
    best = None
    for t, hands in hands_log[i0:i1]:
        xb = ax + vx * (t - f.t_apex)
        yb = ay + 0.5 * g * (t - f.t_apex) ** 2
        for h in hands:
            if 0.0 <= h.y_px - yb <= below and abs(h.x_px - xb) <= side:
                best = h.y_px if best is None else min(best, h.y_px)
    return None if best is None else best - BALL_ABOVE_HAND_M * px_per_m
