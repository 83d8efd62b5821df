"""Release rows from the depth hands: where each throw left the hand."""

from __future__ import annotations

import numpy as np
import pytest

from edge_juggler.tracking.analysis import Scale
from edge_juggler.tracking.flights import Flight
from edge_juggler.tracking.release import BALL_ABOVE_HAND_M, release_rows
from edge_juggler.tracking.types import Hand

FY = 500.0
Z = 2.5
PPM = FY / Z  # 200 px per metre at the juggler
G_PX = 9.81 * PPM
SCALE = Scale(G_PX, FY)


def _throw(t0: float, x0: float, y_release: float = 400.0) -> tuple[Flight, list]:
    """A 0.42 m throw released at (x0, y_release) at t0, first seen 0.1 s later, and
    the hands at 30 fps: the thrower rises 5 cm into the release and falls back,
    the other hand waits 0.5 m away."""
    vy = -np.sqrt(2 * G_PX * 0.42 * PPM)  # px/s, up
    vx = 60.0
    t_apex = t0 - vy / G_PX

    def ball(t: float) -> tuple[float, float]:
        return x0 + vx * (t - t0), y_release + vy * (t - t0) + 0.5 * G_PX * (t - t0) ** 2

    t_seen, t_lost = t0 + 0.1, 2 * t_apex - t0 - 0.1
    f = Flight(
        ball=1,
        i0=0,
        i1=20,
        t_throw=t_seen,
        t_catch=t_lost,
        t_apex=t_apex,
        throw_xy=ball(t_seen),
        catch_xy=ball(t_lost),
        apex_xy=ball(t_apex),
        accel_px=G_PX,
        rise_px=ball(t_seen)[1] - ball(t_apex)[1],
        z_m=Z,
    )
    log = []
    hand_y = y_release + BALL_ABOVE_HAND_M * PPM  # the hand's point under the ball
    for t in np.arange(t0 - 0.5, t0 + 0.3, 1 / 30):
        rise = 0.05 * PPM * max(0.0, 1.0 - abs(t - t0) / 0.25)
        thrower = Hand("right", x0 + vx * min(t - t0, 0.0), hand_y + 0.05 * PPM - rise)
        other = Hand("left", x0 + 0.5 * PPM, hand_y)
        log.append((float(t), (thrower, other)))
    return f, log


def test_release_row_is_the_top_of_the_throwing_hands_rise():
    f, log = _throw(1.0, 300.0)
    rows = release_rows([f], log, SCALE)
    assert rows is not None
    # within a centimetre (the hand is sampled at 30 fps around its top)
    assert rows[0] == pytest.approx(400.0, abs=0.01 * PPM)
    # the arc's first sample lies 0.23 m higher: the arc's own ends would be far off
    assert f.throw_xy[1] < 400.0 - 0.2 * PPM


def test_hands_nowhere_near_the_arcs_are_not_trusted():
    """Hands found on the legs or the head (wrong hands) give no release at all."""
    flights, logs = zip(*(_throw(1.0 + k, 300.0 + 10 * k) for k in range(5)), strict=True)
    legs = [(t, tuple(Hand(h.side, h.x_px, h.y_px + 0.6 * PPM) for h in hs)) for t, hs in logs[0]]
    assert release_rows(list(flights), legs, SCALE) is None
    assert release_rows(list(flights), [], SCALE) is None
    # with the right hands, every flight has its release (each one's own log here)
    for f, log in zip(flights, logs, strict=True):
        rows = release_rows([f], log, SCALE)
        assert rows is not None and rows[0] == pytest.approx(400.0, abs=0.01 * PPM)


def test_a_steady_knee_taken_for_the_hands_is_not_trusted():
    """A knee under the hands is as steady as a hand, and the arcs followed back in
    time pass over it; but arcs are found a little above the releases, not 0.6 m."""
    throws = [_throw(1.0 + k, 300.0) for k in range(6)]
    flights = [f for f, _ in throws]
    knee = [
        (t, (Hand("right", 300.0, 400.0 + 0.6 * PPM), h[1])) for f, log in throws for t, h in log
    ]
    knee.sort(key=lambda th: th[0])
    assert release_rows(flights, knee, SCALE) is None
    hands = sorted((th for _, log in throws for th in log), key=lambda th: th[0])
    rows = release_rows(flights, hands, SCALE)
    assert rows is not None and all(r == pytest.approx(400.0, abs=0.01 * PPM) for r in rows)


def test_release_on_a_rendered_juggler_is_within_3_cm():
    """Tracked depth frames: the release rows lie where the simulator let go of the
    balls (the arcs' own ends are 0.1-0.2 s and many centimetres later)."""
    from dataclasses import replace

    from edge_juggler.sim.clips import render_clip
    from edge_juggler.tracking.tracker import Tracker

    frames, truth = render_clip("3", 5, seconds=4.0, profile="azure_nfov", modality="depth")
    tr = Tracker(frames[0].intrinsics, "depth")
    for fr in frames:
        tr.update(replace(fr, color=None))
    tracks, scale = tr._scaled(tr.samples(), tr._gravity_prior())
    flights = tr._flights(tracks, scale, tr.t_last)
    rows = release_rows(flights, tr.hands_log, scale)
    assert rows is not None
    ft_t = np.array([ft.t_s for ft in truth.frames])
    errs = []
    for f, row in zip(flights, rows, strict=True):
        if row is None:
            continue
        # the true throw of this arc: its ball is where the arc was first seen
        k = int(np.argmin(np.abs(ft_t - f.t_throw)))
        throws = [
            e
            for e in truth.throws
            if f.t_throw - 0.5 < e["t_s"] <= f.t_throw
            and np.hypot(*(truth.frames[k].balls_px[e["ball"]] - f.throw_xy)) < 15
        ]
        if not throws:
            continue
        e = throws[-1]
        i = int(np.clip(np.searchsorted(ft_t, e["t_s"]), 1, len(ft_t) - 1))
        w = (e["t_s"] - ft_t[i - 1]) / (ft_t[i] - ft_t[i - 1])
        ys = [truth.frames[j].balls_px[e["ball"]][1] for j in (i - 1, i)]
        y_true = (1 - w) * ys[0] + w * ys[1]
        errs.append(abs(row - y_true) * f.z_m / scale.fy)
    assert len(errs) >= 0.7 * len(flights)
    assert np.median(errs) < 0.03
