"""Test helpers: ideal ball tracks of a siteswap, drawn depth/colour frames."""

from __future__ import annotations

import numpy as np

from edge_juggler.siteswap import parse
from edge_juggler.tracking.flights import TrackSamples

G_PX = 2000.0  # image gravity of the drawn tracks, px/s^2 (200 px per metre)


def siteswap_tracks(
    pattern: str,
    *,
    seconds: float = 12.0,
    fps: float = 30.0,
    bps: float = 3.0,
    dwell: float = 1.3,
    noise_px: float = 0.0,
    seed: int = 0,
) -> list[TrackSamples]:
    """Ball tracks (held phases included, like MOT annotations) of an async siteswap.

    Juggling Lab timing: a throw n flies (n - dwell) beats; 1s fly 0.5 beat,
    2s are held. Right hand at x=200 px (even beats), left at x=400 px.
    """
    ss = parse(pattern)
    rng = np.random.default_rng(seed)
    tau = 1.0 / bps
    n_beats = int(seconds / tau)
    # schedule: which ball is thrown on each beat (balls enter in landing order)
    landing: dict[int, int] = {}
    free = 0
    owner: list[int | None] = []
    for b in range(n_beats):
        v = ss.throws[b % ss.period]
        if v == 0:
            owner.append(None)
            continue
        if b in landing:
            ball = landing.pop(b)
        else:
            ball = free
            free += 1
        owner.append(ball)
        landing[b + v] = ball
    hand_x = {0: 200.0, 1: 400.0}
    hand_y = 400.0
    # per ball: list of (t0, t1, x0, x1, flying) segments
    segs: dict[int, list] = {}
    for b, ball in enumerate(owner):
        if ball is None:
            continue
        v = ss.throws[b % ss.period]
        t0 = b * tau
        x0 = hand_x[b % 2]
        x1 = hand_x[(b + v) % 2]
        if v == 2:
            segs.setdefault(ball, []).append((t0, (b + 2) * tau, x0, x0, False))
            continue
        ft = (0.5 if v == 1 else v - dwell) * tau
        segs.setdefault(ball, []).append((t0, t0 + ft, x0, x1, True))
        segs.setdefault(ball, []).append((t0 + ft, (b + v) * tau, x1, x1, False))
    out = []
    ts = np.arange(0, n_beats * tau, 1.0 / fps)
    for ball, sl in segs.items():
        pts = []
        for t in ts:
            for t0, t1, x0, x1, fly in sl:
                if t0 <= t < t1:
                    u = (t - t0) / (t1 - t0)
                    if fly:
                        d = t1 - t0
                        vy = -0.5 * G_PX * d
                        y = hand_y + vy * (t - t0) + 0.5 * G_PX * (t - t0) ** 2
                        x = x0 + (x1 - x0) * u
                    else:  # carried in the hand: a small scoop, no free fall
                        x = x1 + 25.0 * np.sin(np.pi * u) * (1 if x1 < 300 else -1)
                        y = hand_y + 30.0 * np.sin(np.pi * u)
                    pts.append((t, x, y))
                    break
        if len(pts) < 3:
            continue
        a = np.array(pts)
        xy = a[:, 1:] + rng.normal(0, noise_px, (len(a), 2)) if noise_px else a[:, 1:]
        out.append(TrackSamples(ball + 1, a[:, 0], xy, np.round(a[:, 0] * fps).astype(int)))
    return out


def assert_thread_ended(prefix: str) -> None:
    """No thread named ``prefix...`` outlives what started it (waits up to 10 s)."""
    import threading

    for th in threading.enumerate():
        if th.name.startswith(prefix):
            th.join(10.0)
            assert not th.is_alive(), f"a {prefix!r} worker outlived its tracker"
