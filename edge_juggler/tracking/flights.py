"""Flights: the ballistic pieces of a ball track, found by fitting parabolas.

A ball in the air accelerates straight down at g; in the hand it does not
(the hand brakes it after a catch and pushes it up before a throw). So a
flight is a maximal run of samples that a parabola with the track set's common
vertical acceleration explains to within a few centimetres. Works on any
track with timestamps: pixels from colour, pixels plus depth, or MOT tracks
that include the held phases.

Image convention: y grows downwards, so gravity is a positive y acceleration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from edge_juggler.tracking.association import log_mode

G = 9.81  # m/s^2


@dataclass
class TrackSamples:
    """One ball's samples in time order (what association produced)."""

    id: int
    t: np.ndarray  # (N,) seconds
    xy: np.ndarray  # (N, 2) pixels
    frame: np.ndarray  # (N,) frame indices
    z: np.ndarray | None = None  # (N,) metres, nan where unknown

    def __len__(self) -> int:
        return len(self.t)


@dataclass
class Flight:
    """One throw-to-catch arc of one ball."""

    ball: int
    i0: int  # first sample index in the track (inclusive)
    i1: int  # last sample index (inclusive)
    t_throw: float
    t_catch: float
    t_apex: float
    throw_xy: tuple[float, float]
    catch_xy: tuple[float, float]
    apex_xy: tuple[float, float]
    accel_px: float  # fitted vertical acceleration, px/s^2
    rise_px: float  # apex above the throw point, pixels
    z_m: float | None = None  # median depth of the flight, metres
    frame_throw: int = 0
    frame_catch: int = 0
    frame_apex: int = 0
    dropped: bool = False
    open_end: bool = False  # the track ended while the ball was still flying
    throw_hand: str | None = None
    catch_hand: str | None = None
    height_m: float | None = None
    extra: dict = field(default_factory=dict)
    # throw/catch moments and x where the arc crosses the hands' level (set by analysis);
    # robust to arcs whose ends were lost among the hands
    t_beat: float | None = None
    t_land: float | None = None
    x_beat: float | None = None
    x_land: float | None = None

    @property
    def duration(self) -> float:
        return self.t_catch - self.t_throw


def _fit_fixed(t: np.ndarray, y: np.ndarray, acc: float) -> tuple[np.ndarray, float]:
    """Least squares y = acc/2 t^2 + b t + c; returns (coeffs b,c) and max |residual|."""
    r = y - 0.5 * acc * t * t
    a = np.stack([t, np.ones_like(t)], axis=1)
    coef, *_ = np.linalg.lstsq(a, r, rcond=None)
    res = r - a @ coef
    return coef, float(np.max(np.abs(res))) if len(res) else 0.0


def _fit_free(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    a = np.stack([t * t, t, np.ones_like(t)], axis=1)
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    res = y - a @ coef
    return coef, float(np.max(np.abs(res))) if len(res) else 0.0


def _line_resid(t: np.ndarray, x: np.ndarray) -> float:
    if len(t) < 3:
        return 0.0
    a = np.stack([t, np.ones_like(t)], axis=1)
    coef, *_ = np.linalg.lstsq(a, x, rcond=None)
    return float(np.max(np.abs(x - a @ coef)))


def apex_candidates(tr: TrackSamples, max_gap_s: float = 0.15) -> list[int]:
    """Samples that are higher (smaller y) than both neighbours (ties allowed on the right)."""
    t, y = tr.t, tr.xy[:, 1]
    if len(t) < 3:
        return []
    ym, y0, yp = y[:-2], y[1:-1], y[2:]
    ok = (y0 < ym) & (y0 <= yp)
    ok &= (t[1:-1] - t[:-2] <= max_gap_s) & (t[2:] - t[1:-1] <= max_gap_s)
    return (np.nonzero(ok)[0] + 1).tolist()


def _hidden_apexes(tr: TrackSamples, max_gap_s: float) -> list[int]:
    """Samples i where the ball rose into a gap and came down out of it.

    High throws leave the top of the picture (or pass behind the head), so the
    apex itself is never seen; the arc on both sides still is.
    """
    t, y = tr.t, tr.xy[:, 1]
    out = []
    for i in range(1, len(t) - 2):
        gap = t[i + 1] - t[i]
        if max_gap_s < gap <= 1.2 and y[i - 1] > y[i] and y[i + 2] > y[i + 1]:
            out.append(i)
    return out


def estimate_gravity_px(
    tracks: list[TrackSamples],
    prior: float | None = None,
    min_samples: int = 5,
    prior_factor: float = 3.0,
) -> float | None:
    """Vertical acceleration (px/s^2) of parabolas fitted around apexes.

    This is the image's gravity: it turns pixels into metres (g = 9.81 m/s^2)
    and anchors every later flight fit. Only arcs with real vertical travel
    count (sensor jitter on a still blob also has "apexes"); ``prior`` (from
    depth or the ball's size) bounds the answer to ``prior_factor`` (three for a
    size-based guess; depth measures the distance, so it bounds much tighter).
    """
    accs = []
    for tr in tracks:
        if len(tr) < min_samples:
            continue
        for i in apex_candidates(tr):
            t0 = tr.t[i]
            m = np.abs(tr.t - t0) <= 0.17
            if m.sum() < min_samples:
                continue
            tt = tr.t[m] - t0
            yy = tr.xy[m, 1]
            if tt.min() >= -0.05 or tt.max() <= 0.05:
                continue
            if yy.max() - yy.min() < 5.0:
                continue
            coef, res = _fit_free(tt, yy)
            acc = 2 * coef[0]
            if acc <= 0 or res > 0.25 * (yy.max() - yy.min()):
                continue
            if prior is not None and not (prior / prior_factor <= acc <= prior * prior_factor):
                continue
            accs.append(acc)
    if len(accs) < 2:
        return None
    return log_mode(accs, 0.2)  # the many real apexes agree with each other


class _Line:
    """Running least-squares line v = b s + c (pure floats: this runs per sample)."""

    __slots__ = ("n", "st", "stt", "sv", "stv")

    def __init__(self) -> None:
        self.n = 0
        self.st = self.stt = self.sv = self.stv = 0.0

    def add(self, s: float, v: float) -> None:
        self.n += 1
        self.st += s
        self.stt += s * s
        self.sv += v
        self.stv += s * v

    def coef(self) -> tuple[float, float]:
        det = self.n * self.stt - self.st * self.st
        if self.n < 2 or abs(det) < 1e-12:
            return 0.0, self.sv / max(self.n, 1)
        b = (self.n * self.stv - self.st * self.sv) / det
        return b, (self.sv - b * self.st) / self.n

    def predict(self, s: float) -> float:
        b, c = self.coef()
        return b * s + c


def _grow(
    tr: TrackSamples,
    i: int,
    acc: float,
    tol: float,
    max_gap_s: float,
    seed: tuple[int, int] | None = None,
) -> tuple[int, int, tuple[float, float], float] | None:
    """Grow a parabola from apex sample i, one sample at a time.

    A sample joins when the current fit predicts it to within ``tol`` (and its
    x within 1.5 tol of straight horizontal motion). The acceleration starts at
    the image gravity and is re-fitted (within -25 %/+33 %) once the arc is long
    enough: depth and lens make each arc's pixel gravity a little different.
    """
    t = tr.t.tolist()
    y = tr.xy[:, 1].tolist()
    x = tr.xy[:, 0].tolist()
    n = len(t)
    t0 = t[i]
    g0 = acc

    def build(lo: int, hi: int, a: float) -> _Line:
        ln = _Line()
        for k in range(lo, hi + 1):
            s_ = t[k] - t0
            ln.add(s_, y[k] - 0.5 * a * s_ * s_)
        return ln

    lo, hi = seed if seed is not None else (max(0, i - 1), min(n - 1, i + 1))
    ly = build(lo, hi, acc)
    lx = _Line()
    for k in range(lo, hi + 1):
        lx.add(t[k] - t0, x[k])
    b, c = ly.coef()
    for k in range(lo, hi + 1):
        s_ = t[k] - t0
        if abs(y[k] - 0.5 * acc * s_ * s_ - (b * s_ + c)) > tol:
            return None
    grow_lo = grow_hi = True
    added = 0
    while grow_lo or grow_hi:
        for side in (0, 1):
            if side == 0 and not grow_lo or side == 1 and not grow_hi:
                continue
            k = lo - 1 if side == 0 else hi + 1
            edge = lo if side == 0 else hi
            if k < 0 or k >= n or abs(t[k] - t[edge]) > max_gap_s:
                if side == 0:
                    grow_lo = False
                else:
                    grow_hi = False
                continue
            s_ = t[k] - t0
            r = y[k] - 0.5 * acc * s_ * s_
            if abs(r - ly.predict(s_)) <= tol and abs(x[k] - lx.predict(s_)) <= 1.5 * tol:
                ly.add(s_, r)
                lx.add(s_, x[k])
                if side == 0:
                    lo = k
                else:
                    hi = k
                added += 1
                if hi - lo + 1 >= 7 and added % 3 == 0:
                    ss = np.asarray(t[lo : hi + 1]) - t0
                    qa = float(np.polyfit(ss, np.asarray(y[lo : hi + 1]), 2)[0]) * 2
                    acc = min(max(qa, 0.75 * g0), 1.33 * g0)
                    ly = build(lo, hi, acc)
            elif side == 0:
                grow_lo = False
            else:
                grow_hi = False
    return lo, hi, ly.coef(), acc


def extract_flights(
    tr: TrackSamples,
    g_px: float,
    *,
    tol_m: float = 0.02,
    min_tol_px: float = 1.5,
    max_gap_s: float = 0.25,
    min_duration_s: float = 0.06,
    min_rise_m: float = 0.01,
    t_end: float | None = None,
) -> list[Flight]:
    """All flights of one track, given the image gravity ``g_px`` (px/s^2).

    ``t_end``: when the recording stopped; a track ending earlier ended in a hand.
    """
    if len(tr) < 3:
        return []
    px_per_m = g_px / G
    tol = max(min_tol_px, tol_m * px_per_m)
    flights: list[Flight] = []
    covered = np.zeros(len(tr), dtype=bool)
    cands = [(i, None) for i in sorted(apex_candidates(tr), key=lambda k: tr.xy[k, 1])]
    cands += [(i, (i - 1, i + 2)) for i in _hidden_apexes(tr, max_gap_s)]
    for i, seed in cands:
        if covered[i]:
            continue
        grown = _grow(tr, i, g_px, tol, max_gap_s, seed)
        if grown is None:
            continue
        lo, hi, coef, acc = grown
        if hi - lo + 1 < 3 or tr.t[hi] - tr.t[lo] < min_duration_s:
            continue
        if covered[lo : hi + 1].any():
            continue
        t0 = tr.t[i]
        b, c = coef
        # vertex of y = g/2 s^2 + b s + c (s = t - t0)
        s_apex = float(np.clip(-b / acc, tr.t[lo] - t0, tr.t[hi] - t0))
        y_apex = 0.5 * acc * s_apex**2 + b * s_apex + c
        xs = tr.xy[lo : hi + 1, 0]
        ts = tr.t[lo : hi + 1]
        xc = np.polyfit(ts - t0, xs, 1) if len(ts) >= 2 else np.array([0.0, xs[0]])
        x_apex = float(np.polyval(xc, s_apex))
        # release/landing happened between samples: extrapolate half a frame outwards
        dt0 = 0.5 * (tr.t[lo + 1] - tr.t[lo]) if hi > lo else 0.0
        s_rel = tr.t[lo] - t0 - dt0
        y_rel = 0.5 * acc * s_rel**2 + b * s_rel + c
        rise = float(y_rel - y_apex)
        if rise < min_rise_m * px_per_m and float(tr.xy[hi, 1] - y_apex) < min_rise_m * px_per_m:
            continue
        z_m = None
        if tr.z is not None:
            zz = tr.z[lo : hi + 1]
            zz = zz[np.isfinite(zz)]
            if len(zz):
                z_m = float(np.median(zz))
        covered[lo : hi + 1] = True
        f_apex = int(tr.frame[min(range(lo, hi + 1), key=lambda k: abs(tr.t[k] - t0 - s_apex))])
        flights.append(
            Flight(
                ball=tr.id,
                i0=lo,
                i1=hi,
                t_throw=float(tr.t[lo]),
                t_catch=float(tr.t[hi]),
                t_apex=float(t0 + s_apex),
                throw_xy=(float(tr.xy[lo, 0]), float(tr.xy[lo, 1])),
                catch_xy=(float(tr.xy[hi, 0]), float(tr.xy[hi, 1])),
                apex_xy=(x_apex, float(y_apex)),
                accel_px=acc,
                rise_px=rise,
                z_m=z_m,
                frame_throw=int(tr.frame[lo]),
                frame_catch=int(tr.frame[hi]),
                frame_apex=f_apex,
                # still in the air when the recording stopped (not a catch)
                open_end=hi == len(tr) - 1 and (t_end is None or tr.t[hi] >= t_end - 0.1),
            )
        )
    flights.sort(key=lambda f: f.t_throw)
    return flights
