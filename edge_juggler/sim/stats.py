"""Pattern statistics from 3-D ball trajectories: throw rate and apex height above the hands.

One estimator for both the real mocap (unlabelled markers, Qualisys TSV) and the
simulator, so the comparison is like for like: link points into tracks by
nearest neighbour, find each flight's apex, and walk away from the apex while
the track still follows a free-fall parabola; where it stops following it, the
ball is in a hand (release or catch height).
"""

from __future__ import annotations

import numpy as np

from edge_juggler.capture.mocap import read_qtm_tsv

__all__ = ["flight_stats", "link_tracks", "read_qtm_tsv"]

G = 9.81


def link_tracks(t: np.ndarray, pts: np.ndarray, max_step_m: float = 0.06) -> list[np.ndarray]:
    """Greedy nearest-neighbour linking of unlabelled points -> list of (k, 4) [t, x, y, z]."""
    active: list[list[tuple[float, np.ndarray]]] = []
    done: list[list[tuple[float, np.ndarray]]] = []
    for i in range(len(t)):
        cur = pts[i][~np.isnan(pts[i, :, 0])]
        used = np.zeros(len(cur), bool)
        still = []
        for tr in active:
            last_t, last_p = tr[-1]
            if t[i] - last_t > 0.05 or not len(cur):
                done.append(tr)
                continue
            d = np.linalg.norm(cur - last_p, axis=1)
            d[used] = np.inf
            j = int(np.argmin(d))
            if d[j] < max_step_m:
                used[j] = True
                tr.append((t[i], cur[j]))
                still.append(tr)
            else:
                still.append(tr)
        for j in np.flatnonzero(~used):
            still.append([(t[i], cur[j])])
        active = still
    done += active
    return [np.array([[a, *p] for a, p in tr]) for tr in done if len(tr) >= 10]


def flight_stats(
    tracks: list[np.ndarray], up_axis: int = 2, min_rise_m: float = 0.15, tol_m: float = 0.02
) -> dict:
    """Apexes of free flights in tracks -> throws/s and apex height above the hands."""
    apexes: list[tuple[float, float, float]] = []  # (t, apex height, height above hands)
    t_min, t_max = np.inf, -np.inf
    for tr in tracks:
        t, z = tr[:, 0], tr[:, 1 + up_axis]
        t_min, t_max = min(t_min, t[0]), max(t_max, t[-1])
        if len(t) < 5:
            continue
        for k in range(1, len(z) - 1):
            if not (z[k] >= z[k - 1] and z[k] > z[k + 1]):
                continue
            # least-squares parabola through the top of the arc (gravity fitted too:
            # real arcs carry drag and marker noise)
            top = np.flatnonzero(np.abs(t - t[k]) < 0.12)
            if len(top) < 5:
                continue
            c2, c1, c0 = np.polyfit(t[top] - t[k], z[top], 2)
            if not -1.3 * G < 2 * c2 < -0.7 * G:
                continue  # not a free flight

            def model(tt: np.ndarray, c=(c2, c1, c0), t0: float = t[k]) -> np.ndarray:
                return np.polyval(c, tt - t0)

            inside = np.abs(z - model(t)) < tol_m
            lo = hi = k
            while lo > 0 and inside[lo - 1]:
                lo -= 1
            while hi < len(z) - 1 and inside[hi + 1]:
                hi += 1
            apex = float(c0 - c1 * c1 / (4 * c2))
            release, catch = float(model(t[lo])), float(model(t[hi]))
            if apex - release < min_rise_m or apex - catch < min_rise_m:
                continue
            if lo == 0 or hi == len(z) - 1:
                continue  # flight cut by the start or end of the track
            apexes.append((float(t[k]), apex, apex - 0.5 * (release + catch)))
    if not apexes:
        return {"throws": 0, "throws_per_second": 0.0, "apex_above_hands_m": None}
    apexes.sort()
    # one apex per throw: a ball seen twice (a broken-up track) must not count double
    unique = [apexes[0]]
    for a in apexes[1:]:
        if a[0] - unique[-1][0] > 0.05:
            unique.append(a)
    apexes = unique
    ts = np.array([a[0] for a in apexes])
    duration = float(t_max - t_min)
    # rate from the median apex spacing: robust to the odd arc that was not accepted
    rate = float(1.0 / np.median(np.diff(ts))) if len(ts) > 2 else 0.0
    return {
        "throws": len(apexes),
        "duration_s": duration,
        "throws_per_second": rate,
        "apex_m": float(np.median([a[1] for a in apexes])),
        "apex_above_hands_m": float(np.median([a[2] for a in apexes])),
    }
