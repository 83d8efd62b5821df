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

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import median_filter

from edge_juggler.tracking.association import BALL_RADIUS_M, log_mode

G = 9.81  # m/s^2
NOISE_TOL = 3.0  # an arc's tolerance: at least this many times its track's scatter
NOISE_RISE = 4.0  # and an arc grown with that tolerance rises this many tolerances
X_ACC_MAX = 0.15  # sideways acceleration an arc may fit, of gravity (a camera rolled ~9 deg)
METRIC_GAIN = 4  # samples an arc at the reference depth must add to replace the image's
# sideways speed (px/s) a ball's few samples on either side of a gap may be off by
SIDEWAYS_SLACK_PX_S = 15.0
HALVES_APEX_DT_S = 0.12  # the two halves of one flight put its apex this close in time


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


@dataclass(frozen=True)
class MetricArc:
    """An arc seen at one reference depth (``at_reference_depth``): its height in metres.

    Image rows are pixels at the ball's own depth, which changes along a high
    throw; rows at the reference depth are metres times ``px_per_m``.
    """

    apex_y: float  # apex row at the reference depth
    cy: float  # the camera's principal point row
    k_throw: float  # depth at the throw over the reference depth
    px_per_m: float  # pixels per metre at the reference depth

    def height_above(self, y_image: float) -> float:
        """Metres from an image row at the throw (the hands' level) up to the apex."""
        level = self.cy + (y_image - self.cy) * self.k_throw
        return (level - self.apex_y) / self.px_per_m


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
    # right after this arc the ball fell out of the picture's bottom: where it was last seen
    fell_out_y: float | None = None
    # ... or it fell on along this arc's parabola, in view: the lowest row seen so
    fell_to_y: float | None = None
    throw_hand: str | None = None
    catch_hand: str | None = None
    height_m: float | None = None
    metric: MetricArc | None = None  # the arc at one reference depth (depth cameras)
    release_y: float | None = None  # image row where the hand let go (depth hands)
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


def _line(s: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """Least-squares (slope, intercept) of v over s: ``np.polyfit(s, v, 1)`` without
    its overhead (flight finding fits thousands of short lines)."""
    sm = float(s.mean())
    sc = s - sm
    ss = float(np.dot(sc, sc))
    vm = float(v.mean())
    b = float(np.dot(sc, v)) / ss if ss > 0 else 0.0
    return b, vm - b * sm


def _accel(s: np.ndarray, v: np.ndarray) -> float:
    """Twice the leading coefficient of the least-squares parabola of v over s
    (``2 * np.polyfit(s, v, 2)[0]``, by the normal equations on centred s)."""
    sc = s - s.mean()
    s2 = sc * sc
    n = float(len(s))
    s2s, s3s, s4s = float(s2.sum()), float(np.dot(s2, sc)), float(np.dot(s2, s2))
    t0, t1, t2 = float(v.sum()), float(np.dot(sc, v)), float(np.dot(s2, v))
    det = n * (s4s * s2s - s3s * s3s) - s2s**3
    if abs(det) < 1e-18:
        return 0.0
    return 2.0 * (n * (t2 * s2s - s3s * t1) - s2s * s2s * t0) / det


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


def _trimmed_fit(
    t: np.ndarray, y: np.ndarray, tol: float, min_samples: int
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """A free parabola, dropping the worse-fitting end sample while it misfits.

    A window around an apex also catches the hand before the throw and after
    the catch (a close camera sees a high throw's flanks for a few frames
    only); those samples sit at the window's ends and bend the fit towards a
    weaker gravity. Returns (coeffs, max |residual|, kept t, kept y).
    """
    coef, res = _fit_free(t, y)
    while res > tol and len(t) > min_samples:
        r = y - (coef[0] * t * t + coef[1] * t + coef[2])
        cut = slice(1, None) if abs(r[0]) >= abs(r[-1]) else slice(None, -1)
        t, y = t[cut], y[cut]
        coef, res = _fit_free(t, y)
    return coef, res, t, y


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


def _one_ball_across(tr: TrackSamples, i: int, n: int = 3) -> bool:
    """Whether the ball coming down after the gap at sample ``i`` is the one that
    went up into it, by its sideways speed.

    A track may go on with the wrong ball: where throws leave the top of the
    picture, the ball thrown a beat earlier comes back first. Both follow the
    same path, so the heights fit one parabola (with a stronger gravity); but
    across the gap the ball then covers the sideways way of the whole hidden
    time in a shorter one, faster than it moved on either side (71 webcam s13:
    270 px/s across, 140 up and 220 down; the clip took 1.6 g). Moving in depth
    changes the sideways speed on the way, always between the two sides'.
    """
    t, x = tr.t, tr.xy[:, 0]
    if i + 1 < n or i + 1 + n > len(t):
        return True
    sides = (slice(i + 1 - n, i + 1), slice(i + 1, i + 1 + n))
    speeds = []
    for sl in sides:
        dt = float(t[sl][-1] - t[sl][0])
        if dt <= 0:
            return True
        speeds.append(abs(float(x[sl][-1] - x[sl][0])) / dt)
    across = abs(float(x[i + 1] - x[i])) / float(t[i + 1] - t[i])
    return across <= 1.1 * max(speeds) + SIDEWAYS_SLACK_PX_S


def estimate_gravity_px(
    tracks: list[TrackSamples],
    prior: float | None = None,
    min_samples: int = 5,
    prior_factor: float = 3.0,
) -> float | None:
    """Vertical acceleration (px/s^2) of parabolas fitted around apexes.

    This is the image's gravity: it turns pixels into metres (g = 9.81 m/s^2)
    and anchors every later flight fit. Only arcs with real vertical travel
    count, the tallest and cleanest lead: a hand's wiggle or a held ball
    carried up and down also curves, but only a free flight curves over a long
    way and fits a parabola to a pixel or so. Apexes out
    of sight (a gap at the top of a rising-then-falling track) count with the
    arc on both sides. ``prior`` (from depth or the ball's size) bounds the
    answer to ``prior_factor`` (three for a size-based guess; depth measures
    the distance, so it bounds much tighter).
    """
    accs, travels, fits = [], [], []
    for tr in tracks:
        if len(tr) < min_samples:
            continue
        windows = [(tr.t[i] - 0.17, tr.t[i] + 0.17, False) for i in apex_candidates(tr)]
        windows += [
            (tr.t[i] - 0.3, tr.t[i + 1] + 0.3, True)
            for i in _hidden_apexes(tr, 0.15)
            if _one_ball_across(tr, i)
        ]
        for w0, w1, hidden in windows:
            m = (tr.t >= w0) & (tr.t <= w1)
            if m.sum() < min_samples:
                continue
            t0 = 0.5 * (w0 + w1)
            tt = tr.t[m] - t0
            yy = tr.xy[m, 1]
            if tt.min() >= -0.05 or tt.max() <= 0.05:
                continue
            travel = float(yy.max() - yy.min())
            if travel < 5.0:
                continue
            if hidden:  # a wide window: its ends may be the hands
                coef, res, tt, yy = _trimmed_fit(tt, yy, max(0.03 * travel, 2.0), min_samples)
                if tt.min() >= -0.05 or tt.max() <= 0.05:
                    continue
                # only the hands come off: a fit that needs most of the travel gone
                # was no arc through the gap (a low pass hidden among the hands)
                kept = float(yy.max() - yy.min())
                if kept < 0.5 * travel:
                    continue
                travel = kept
            else:
                coef, res = _fit_free(tt, yy)
            acc = 2 * coef[0]
            if acc <= 0 or res > 0.25 * travel:
                continue
            if prior is not None and not (prior / prior_factor <= acc <= prior * prior_factor):
                continue
            accs.append(acc)
            travels.append(travel)
            fits.append(res / travel)
    if len(accs) < 2:
        return None
    # free flight is a near-perfect parabola; a hand carrying a ball only roughly
    fit = np.asarray(fits)
    good = fit <= max(0.05, 2.0 * float(np.percentile(fit, 25)))
    trav = np.asarray(travels)
    keep = good & (trav >= 0.3 * float(np.percentile(trav[good], 90)))
    if keep.sum() < 2:
        return None
    return log_mode(list(np.asarray(accs)[keep]), 0.2)  # the real apexes agree


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
    skip: bool = False,
    bend_x: bool = False,
) -> tuple[int, int, tuple[float, float], float] | None:
    """Grow a parabola from apex sample i, one sample at a time.

    A sample joins when the current fit predicts it to within ``tol`` (and its
    x within 1.5 tol of straight horizontal motion); with ``skip``, a sample
    that does not is passed over when the one after it does (scattered tracks).
    The acceleration starts at the image gravity and is re-fitted (within
    -25 %/+33 %) once the arc is long enough: depth and lens make each arc's
    pixel gravity a little different. With ``bend_x`` (samples at one reference
    depth, where perspective no longer bends x), x may accelerate too, within
    ``X_ACC_MAX`` of gravity: a camera rolled a little, or yawed while pitched,
    sees gravity pull sideways (71 wfov s3: a 7's x strayed 9 px from a line at
    its ends, which cut 0.2 s off each). Not in the picture itself: there a ball
    coming towards the camera bends x as well, and the bend let arcs start in
    the throwing hand (a real 633 then read 90551).
    """
    t = tr.t.tolist()
    y = tr.xy[:, 1].tolist()
    x = tr.xy[:, 0].tolist()
    n = len(t)
    t0 = t[i]
    g0 = acc

    def build(lo: int, hi: int, a: float, v: list[float]) -> _Line:
        """The line through samples lo..hi of ``v`` less an acceleration ``a``."""
        ln = _Line()
        for k in range(lo, hi + 1):
            s_ = t[k] - t0
            ln.add(s_, v[k] - 0.5 * a * s_ * s_)
        return ln

    lo, hi = seed if seed is not None else (max(0, i - 1), min(n - 1, i + 1))
    ly = build(lo, hi, acc, y)
    ax = 0.0
    lx = build(lo, hi, ax, x)
    b, c = ly.coef()
    for k in range(lo, hi + 1):
        s_ = t[k] - t0
        if abs(y[k] - 0.5 * acc * s_ * s_ - (b * s_ + c)) > tol:
            return None

    def on_arc(k: int) -> tuple[bool, float, float]:
        """Whether sample k lies on the current fit (and its s, y less gravity)."""
        s_ = t[k] - t0
        r = y[k] - 0.5 * acc * s_ * s_
        rx = x[k] - 0.5 * ax * s_ * s_
        return abs(r - ly.predict(s_)) <= tol and abs(rx - lx.predict(s_)) <= 1.5 * tol, s_, r

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
            fits, s_, r = on_arc(k)
            k2 = k - 1 if side == 0 else k + 1
            if not fits and skip and 0 <= k2 < n and abs(t[k2] - t[edge]) <= max_gap_s:
                fits, s_, r = on_arc(k2)
                k = k2 if fits else k
            if fits:
                ly.add(s_, r)
                lx.add(s_, x[k] - 0.5 * ax * s_ * s_)
                if side == 0:
                    lo = k
                else:
                    hi = k
                added += 1
                if hi - lo + 1 >= 7 and added % 3 == 0:
                    ss = np.asarray(t[lo : hi + 1]) - t0
                    qa = _accel(ss, np.asarray(y[lo : hi + 1]))
                    acc = min(max(qa, 0.75 * g0), 1.33 * g0)
                    ly = build(lo, hi, acc, y)
                    if bend_x:
                        qx = _accel(ss, np.asarray(x[lo : hi + 1]))
                        ax = min(max(qx, -X_ACC_MAX * g0), X_ACC_MAX * g0)
                        lx = build(lo, hi, ax, x)
            elif side == 0:
                grow_lo = False
            else:
                grow_hi = False
    return lo, hi, ly.coef(), acc


def local_noise_px(
    tr: TrackSamples, half_s: float = 0.3, at: list[int] | None = None
) -> np.ndarray:
    """Robust scatter (px) of a track's positions at samples ``at`` (default: every
    sample), from the samples within ``half_s`` of each.

    From third differences over consecutive frames, in x and y: they cancel
    constant gravity and constant speed (flight) and nearly cancel a hand's smooth
    motion, so what is left is detection noise (a difference of four samples has
    sqrt(20) times its spread). A ball the depth camera does not see is found by
    pieces of its rim, several pixels off its centre; arcs grown with a tolerance
    below that scatter break up. Local, because the same track is exact where the
    ball is seen whole (in a hand, in front of the body).
    """
    noise = _noise_of(tr, half_s)
    return np.array([noise(k) for k in (range(len(tr)) if at is None else at)], dtype=float)


def _noise_of(tr: TrackSamples, half_s: float = 0.3) -> Callable[[int], float]:
    """``local_noise_px`` at one sample, the track's differences taken once (stitching
    asks at many samples of one track)."""
    if len(tr) < 8:
        return lambda k: 0.0
    ok, e = _third_differences(tr)
    tc = 0.5 * (tr.t[1:-2] + tr.t[2:-1])

    def at(k: int) -> float:
        near = ok & (np.abs(tc - tr.t[k]) <= half_s)
        return 1.4826 * float(np.median(e[near])) / np.sqrt(20.0) if near.sum() >= 5 else 0.0

    return at


def _third_differences(tr: TrackSamples) -> tuple[np.ndarray, np.ndarray]:
    """(over four consecutive frames?, |third differences| in x and y), n - 3 rows."""
    d = np.diff(np.asarray(tr.frame))
    ok = (d[:-2] == 1) & (d[1:-1] == 1) & (d[2:] == 1)
    return ok, np.abs(np.diff(tr.xy, 3, axis=0))


def _track_noise(tr: TrackSamples) -> float:
    """``local_noise_px`` over the whole track, however short (0 without four
    samples in consecutive frames)."""
    if len(tr) < 4:
        return 0.0
    ok, e = _third_differences(tr)
    if not ok.any():
        return 0.0
    return 1.4826 * float(np.median(e[ok])) / np.sqrt(20.0)


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
    ref: tuple[TrackSamples, float, tuple[float, float]] | None = None,
) -> list[Flight]:
    """All flights of one track, given the image gravity ``g_px`` (px/s^2).

    ``t_end``: when the recording stopped; a track ending earlier ended in a hand.
    ``ref``: the same track at one reference depth (``at_reference_depth``), that
    depth and the principal point. A ball that flies towards or away from the
    camera draws no parabola in the picture, and its arc breaks off before its
    ends (a 7 close to a narrow depth camera moves 14 cm in depth); where the
    arc grown there from the same apex is 4 samples longer or more
    (``METRIC_GAIN``), it is taken (only where the picture found an arc).
    """
    if len(tr) < 3:
        return []
    px_per_m = g_px / G
    tol = max(min_tol_px, tol_m * px_per_m)
    flights: list[Flight] = []
    covered = np.zeros(len(tr), dtype=bool)
    cands = [(i, None) for i in sorted(apex_candidates(tr), key=lambda k: tr.xy[k, 1])]
    # a gap too long for an apex sample (apex_candidates) hides the apex
    cands += [(i, (i - 1, i + 2)) for i in _hidden_apexes(tr, min(0.15, max_gap_s))]
    for i, seed in cands:
        if covered[i]:
            continue
        rise = min_rise_m * px_per_m
        f = _arc(tr, i, seed, g_px, tol, max_gap_s, min_duration_s, rise, t_end)
        # (the scatter only where needed: it is the costly part on long tracks)
        noise = 0.0
        if f is None or f.i1 - f.i0 < 7:
            noise = NOISE_TOL * float(local_noise_px(tr, at=[i])[0])
        if noise > 1.5 * tol:
            # the plain tolerance broke the arc where the samples scatter well beyond
            # it: grow it with a tolerance of that scatter (seeded on +-3 samples: a
            # line through 3 scattered ones points anywhere), kept only if it rises
            # well above it and has the samples to show it (not a hand's wobble)
            lo, hi = seed if seed is not None else (i - 1, i + 1)
            wide = (max(0, lo - 2), min(len(tr) - 1, hi + 2))
            fn = _arc(tr, i, wide, g_px, noise, max_gap_s, min_duration_s, 0.0, t_end, True)
            if fn is not None and fn.rise_px >= NOISE_RISE * noise and fn.i1 - fn.i0 >= 7:
                f = fn
        if f is None or f.i1 - f.i0 < 10:
            # the picture's gravity varies across it (a wide lens shrinks the edges:
            # arcs in the middle fall up to a third faster than the high throws
            # that set g), and an arc grown at the wrong one breaks after a few
            # samples; a variant must be half as long again (a slightly longer one
            # at the wrong gravity took samples of the next flight: 40 s68 wfov)
            for k in (1.3, 1 / 1.3):
                fk = _arc(tr, i, seed, k * g_px, tol, max_gap_s, min_duration_s, rise, t_end)
                if (
                    fk is not None
                    and fk.i1 - fk.i0 >= 7
                    and (f is None or fk.i1 - fk.i0 >= 1.5 * (f.i1 - f.i0))
                ):
                    f = fk
        if ref is not None and f is not None:
            rtr = ref[0]
            fr = _arc(rtr, i, seed, g_px, tol, max_gap_s, min_duration_s, rise, t_end, bend_x=True)
            if fr is not None and fr.i1 - fr.i0 >= max(7, f.i1 - f.i0 + METRIC_GAIN):
                f = _in_picture(fr, tr, ref)
        if f is None or covered[f.i0 : f.i1 + 1].any():
            continue
        if seed is not None and not _halves_agree(tr, f, i):
            continue  # two balls' halves: left for stitch_hidden_apexes
        if seed is not None and _two_halves(f, i):
            f.extra["hidden_apex"] = True  # both halves seen, and they agree
        covered[f.i0 : f.i1 + 1] = True
        flights.append(f)
    flights.sort(key=lambda f: f.t_throw)
    return flights


def _in_picture(
    f: Flight, tr: TrackSamples, ref: tuple[TrackSamples, float, tuple[float, float]]
) -> Flight:
    """An arc grown at the reference depth, as a flight of the picture's track ``tr``.

    Its samples are the track's own (the same indices); only the apex and rise
    move back from the reference depth to the ball's depth there.
    """
    rtr, z_ref, centre = ref
    ka = max(float(rtr.z[int(np.argmin(np.abs(rtr.t - f.t_apex)))]) / z_ref, 1e-3)  # >1: farther
    f.throw_xy = (float(tr.xy[f.i0, 0]), float(tr.xy[f.i0, 1]))
    f.catch_xy = (float(tr.xy[f.i1, 0]), float(tr.xy[f.i1, 1]))
    f.rise_px = f.rise_px / ka
    f.apex_xy = _off_reference(f.apex_xy, ka, centre)
    f.extra["metric_arc"] = True
    return f


def _off_reference(
    xy: tuple[float, float], ka: float, centre: tuple[float, float]
) -> tuple[float, float]:
    """A point at the reference depth where the picture shows it: the ball there is
    ``ka`` times as far as the reference depth (``at_reference_depth`` undone)."""
    return (centre[0] + (xy[0] - centre[0]) / ka, centre[1] + (xy[1] - centre[1]) / ka)


SWAP_JUMP_M = 0.1  # a track that moves this far sideways in one frame changed balls


def _two_halves(f: Flight, i: int) -> bool:
    """Whether an arc across a gap after sample ``i`` has two samples or more each side."""
    return f.i0 + 1 <= i < f.i1 - 1


def _halves_agree(tr: TrackSamples, f: Flight, i: int) -> bool:
    """Whether an arc across a hidden apex (a gap after sample i) is one ball's.

    A track may go on with another ball where one left the top of the picture
    and another came down a few frames later (5 Kinect v1 s77: a ball's rise and
    the next ball's fall, 0.27 s apart, fitted one arc 80 px too low, and their
    own other halves went unpaired). Each half alone, at the arc's gravity,
    says when its apex was; one flight's halves agree (as in
    ``stitch_hidden_apexes``). A half of one sample always passes.
    """
    if not _two_halves(f, i):
        return True
    apex = []
    for lo, hi in ((f.i0, i), (i + 1, f.i1)):
        s_ = tr.t[lo : hi + 1] - tr.t[i]
        b = _line(s_, tr.xy[lo : hi + 1, 1] - 0.5 * f.accel_px * s_ * s_)[0]
        apex.append(-b / f.accel_px)
    return abs(apex[0] - apex[1]) <= HALVES_APEX_DT_S


def _arc(
    tr: TrackSamples,
    i: int,
    seed: tuple[int, int] | None,
    g_px: float,
    tol: float,
    max_gap_s: float,
    min_duration_s: float,
    min_rise_px: float,
    t_end: float | None,
    skip: bool = False,
    bend_x: bool = False,
) -> Flight | None:
    """The flight grown around apex sample i (or the hidden apex after it), if any."""
    grown = _grow(tr, i, g_px, tol, max_gap_s, seed, skip, bend_x)
    if grown is None:
        return None
    lo, hi, coef, acc = grown
    if hi - lo + 1 < 3 or tr.t[hi] - tr.t[lo] < min_duration_s:
        return None
    t0 = tr.t[i]
    b, c = coef
    # vertex of y = g/2 s^2 + b s + c (s = t - t0)
    s_apex = float(np.clip(-b / acc, tr.t[lo] - t0, tr.t[hi] - t0))
    y_apex = 0.5 * acc * s_apex**2 + b * s_apex + c
    xs = tr.xy[lo : hi + 1, 0]
    ts = tr.t[lo : hi + 1]
    xc = _line(ts - t0, xs) if len(ts) >= 2 else (0.0, float(xs[0]))
    x_apex = float(np.polyval(xc, s_apex))
    # release/landing happened between samples: extrapolate half a frame outwards
    dt0 = 0.5 * (tr.t[lo + 1] - tr.t[lo]) if hi > lo else 0.0
    s_rel = tr.t[lo] - t0 - dt0
    y_rel = 0.5 * acc * s_rel**2 + b * s_rel + c
    rise = float(y_rel - y_apex)
    if rise < min_rise_px and float(tr.xy[hi, 1] - y_apex) < min_rise_px:
        return None
    z_m = _median_z([(tr, lo, hi)])
    f_apex = int(tr.frame[min(range(lo, hi + 1), key=lambda k: abs(tr.t[k] - t0 - s_apex))])
    return Flight(
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


def _median_z(pieces: list[tuple[TrackSamples, int, int]]) -> float | None:
    """Median measured depth (metres) over samples lo..hi of each track; None without any."""
    zs = [tr.z[lo : hi + 1] for tr, lo, hi in pieces if tr.z is not None]
    z = np.concatenate(zs) if zs else np.array([])
    z = z[np.isfinite(z)]
    return float(np.median(z)) if z.size else None


def _segments(tr: TrackSamples, max_gap_s: float) -> list[tuple[int, int]]:
    """Index ranges of a track without gaps longer than ``max_gap_s``."""
    cut = np.nonzero(np.diff(tr.t) > max_gap_s)[0]
    starts = [0, *(cut + 1).tolist()]
    ends = [*cut.tolist(), len(tr) - 1]
    return list(zip(starts, ends, strict=True))


def _half(
    tr: TrackSamples,
    lo: int,
    hi: int,
    end: bool,
    g_px: float,
    tol: float,
    max_gap_s: float,
    inner: bool = False,
) -> tuple[int, int, float, float, tuple[float, float, float]] | None:
    """The rising end (``end``) or falling start of a segment as a fixed-gravity arc.

    Returns (first index, last index, apex time, apex y, x line coefficients)
    or None when the samples are no arc. ``inner``: the arc is seeded at the
    highest sample after (before) the segment's lowest instead of at its end, and
    its apex must lie above the picture (a half inside a track is taken only
    where a ball left the top).
    """
    best = None
    # the outermost sample may be a ball cut by the picture's edge (its centre a few
    # pixels off): a seed one sample in still finds the arc
    seeds = [hi, hi - 1] if end else [lo, lo + 1]
    if inner:
        # the highest sample after (rising end) or before (falling start) the lowest
        y = tr.xy[lo : hi + 1, 1]
        low = int(np.argmax(y))
        seeds = [lo + low + int(np.argmin(y[low:]))] if end else [lo + int(np.argmin(y[: low + 1]))]
    for i in seeds:
        seed = (max(lo, i - 2), i) if end else (i, min(hi, i + 2))
        if seed[1] - seed[0] < 2:
            continue
        grown = _grow(tr, i, g_px, tol, max_gap_s, seed)
        if grown is None:
            continue
        a, b, (vb, c), acc = grown
        a, b = max(a, lo), min(b, hi)
        if b - a >= 2 and (best is None or b - a > best[1] - best[0]):
            best = (a, b, (vb, c), acc, i)
    if best is None:
        return None
    a, b, (vb, c), acc, i = best
    s_apex = -vb / acc
    if (end and s_apex <= 0) or (not end and s_apex >= 0):
        return None  # not rising into / falling out of the hidden part
    y_apex = c - vb * vb / (2 * acc)
    if inner and y_apex >= 0:
        return None
    t0 = tr.t[i]
    xc = _line(tr.t[a : b + 1] - t0, tr.xy[a : b + 1, 0])
    return a, b, t0 + s_apex, y_apex, (float(xc[0]), float(xc[1]), t0)


def _edge_half(
    tr: TrackSamples,
    pic: TrackSamples,
    lo: int,
    hi: int,
    end: bool,
    g_px: float,
    r_px: float,
) -> tuple[int, int, float, float, tuple[float, float, float]] | None:
    """Two samples next to the top of the picture as the rising end (``end``) or
    falling start of a segment; the format of ``_half``.

    A ball thrown high from close by crosses the picture in a few frames: a 6
    from 1.5 m before a webcam moves 100 px a frame, and of its way up and down
    two samples a side are free (one more is cut by the top edge, the next is
    in the hand). With gravity known, two samples fix the arc. They are taken
    only where the ball left (or came in at) the top: the arc puts it within two
    radii of the top a frame later (earlier) and its apex above the picture,
    seen in ``pic`` (the picture's samples of ``tr``, which may be at a
    reference depth). A last (first) sample within three radii of the top and
    lower than the arc puts it is the ball cut by the edge and is passed over.
    """
    if hi - lo < 1:
        return None
    step = float(np.median(np.diff(tr.t))) if len(tr) > 1 else 0.0
    ks = [hi - 1, hi] if end else [lo + 1, lo]
    for n, k in enumerate(ks):
        a, b = (k - 1, k) if end else (k, k + 1)
        if a < lo or b > hi or not 0.0 < tr.t[b] - tr.t[a] <= 1.5 * step:
            continue
        dt = float(tr.t[b] - tr.t[a])
        t0 = float(tr.t[k])
        fits = []
        for src in (pic, tr):
            ya, yb = float(src.xy[a, 1]), float(src.xy[b, 1])
            v_k = (yb - ya) / dt + (0.5 if end else -0.5) * g_px * dt  # velocity at k
            fits.append((float(src.xy[k, 1]), v_k))
        (yp, vp), (y0, v0) = fits
        if n == 0:  # the outer sample passed over must be a cut ball (inside the arc)
            o = hi if end else lo
            so = float(pic.t[o]) - t0
            if not (yp + vp * so + 0.5 * g_px * so * so < pic.xy[o, 1] < 3.0 * r_px):
                continue
        s_out = step if end else -step
        if (end and v0 >= 0) or (not end and v0 <= 0):
            continue
        if yp + vp * s_out + 0.5 * g_px * s_out * s_out >= 2.0 * r_px:
            continue  # it stays in the picture a frame on: not out at the top
        y_apex = y0 - v0 * v0 / (2.0 * g_px)
        if yp - vp * vp / (2.0 * g_px) >= -r_px:
            continue
        vx = float(tr.xy[b, 0] - tr.xy[a, 0]) / dt
        return a, b, t0 - v0 / g_px, y_apex, (vx, float(tr.xy[k, 0]), t0)
    return None


def stitch_hidden_apexes(
    tracks: list[TrackSamples],
    flights: list[Flight],
    g_px: float,
    *,
    tol_m: float = 0.02,
    min_tol_px: float = 1.5,
    max_gap_s: float = 0.25,
    max_hidden_s: float = 1.6,
    apex_dt_s: float = HALVES_APEX_DT_S,
    min_rise_m: float = 0.15,
    t_end: float | None = None,
    ref: tuple[list[TrackSamples], float, tuple[float, float]] | None = None,
) -> list[Flight]:
    """Flights whose apex was out of sight and whose halves landed in different tracks.

    A high throw leaves the top of the picture (or passes behind the head); the
    ball comes back as a new track, or as a re-used old one. With the image
    gravity known, each half alone says where and when its apex was: a rising
    track end and a falling track start that agree on the apex (time within
    ``apex_dt_s``, height within 15 % of the rise, place within 15 cm sideways)
    are one flight. The halves are compared apex to apex, not by one parabola
    through both: close to the camera a high throw moves in depth and the
    image arc is no exact parabola. Pairs are taken best first; each track end
    and start joins one flight at most. ``flights``: flights already found
    inside single tracks (their samples are not re-used). A rising end whose
    apex is less than ``min_rise_m`` above its first sample starts none.

    ``ref`` (the tracks at one reference depth, that depth, the principal point;
    see ``at_reference_depth``): the halves are found and paired there, where a
    ball that changes depth on its way still draws one parabola; the flight's
    ends are the picture's samples and its apex is moved back to the ball's depth.
    In the picture the halves of a close Kinect v1 7 put its apex 0.12-0.16 s
    apart (its image gravity near 2700 px/s^2 on the way up against 2412), too
    far to pair: 71 Kinect v1 s12 stitched 10 of its 23 7s.
    """
    picture = {tr.id: tr for tr in tracks}
    if ref is not None:
        tracks, z_ref, centre = ref  # the halves are found and paired on these
    px_per_m = g_px / G
    tol = max(min_tol_px, tol_m * px_per_m)
    r_px = BALL_RADIUS_M * px_per_m
    covered = {tr.id: np.zeros(len(tr), dtype=bool) for tr in tracks}
    by_id = {tr.id: tr for tr in tracks}
    frame_s = {
        tr.id: float(np.median(np.diff(tr.t))) if len(tr) > 1 else max_gap_s for tr in tracks
    }
    for f in flights:
        if f.ball in covered:
            # a short arc across a gap (the last samples up and the first down, fitted
            # over a hidden apex) takes none of the halves' samples: where cleaning
            # drops it, the halves whole still make the flight (633 wfov s28: 5
            # samples of a 6 made such an arc; its 12 up and 24 down stayed unjoined)
            # (nor one over a dropout of three frames or more, where the track went on
            # from one ball leaving the top to another coming back: 71 nfov depth s22,
            # 0.13 s, every 7's halves blocked so: 15 flights of 50 throws)
            t = by_id[f.ball].t[f.i0 : f.i1 + 1]
            dropout = min(max_gap_s, 2.5 * frame_s[f.ball])
            if len(t) <= 6 and float(np.diff(t).max(initial=0.0)) > dropout:
                continue
            # nor three samples that made an "arc" (the ball cut by the top edge on
            # its way up: 71 nfov depth s14 lost every 7 between 3 and 4.4 s so)
            if len(t) <= 3:
                continue
            covered[f.ball][f.i0 : f.i1 + 1] = True
    ends, starts = [], []
    end_slot: list[tuple] = []  # the track end (start) each half is one reading of
    start_slot: list[tuple] = []
    two: set[tuple[bool, int]] = set()  # (end?, index): halves of two samples by the top
    for tr in tracks:
        cov = covered[tr.id]
        seen: set[tuple[bool, int, int]] = set()
        noise_at = _noise_of(tr)
        whole_noise: float | None = None  # _track_noise, once asked
        for lo, hi in _segments(tr, max_gap_s):
            # a track may go on with another ball where one left the top and another
            # came back a few frames later (71 binned s98: a 7's rise, then the fall
            # of the 7 thrown before it): also the stretches between dropouts, each
            # seeded at its highest sample, where its apex is above the picture
            parts = [(lo, hi, False)]
            if hi > lo:
                step = float(np.median(np.diff(tr.t[lo : hi + 1])))
                cut = [k for k in range(lo, hi) if tr.t[k + 1] - tr.t[k] > 1.5 * step]
                # (or without one, where it jumped sideways: the fall of the ball
                # before came back the frame after the rise left, 71 nfov depth s27)
                dx = np.abs(np.diff(tr.xy[lo : hi + 1, 0]))
                jump = max(SWAP_JUMP_M * px_per_m, 4.0 * float(np.median(dx)))
                cut = sorted(set(cut) | {lo + int(k) for k in np.nonzero(dx > jump)[0]})
                bounds = zip([lo] + [k + 1 for k in cut], cut + [hi], strict=True)
                parts += [(a, b, True) for a, b in bounds]
            for plo, phi, inner in parts:
                if phi - plo < 1:
                    continue
                for end, bag in ((True, ends), (False, starts)):
                    h = None
                    if phi - plo >= 2:
                        h = _half(tr, plo, phi, end, g_px, tol, max_gap_s, inner)
                    if phi - plo >= 2 and (h is None or h[1] - h[0] < 4):
                        # a fast ball seen by pieces of its rim scatters beyond the
                        # plain tolerance (645 depth nfov s28: +-15 px near the top)
                        noise = NOISE_TOL * noise_at(phi if end else plo)
                        if noise > 1.5 * tol:
                            hn = _half(tr, plo, phi, end, g_px, noise, max_gap_s, inner)
                            if hn is not None and (h is None or hn[1] - hn[0] > h[1] - h[0]):
                                h = hn
                    # (and two samples by the top edge: where the three-sample arc
                    # took in the ball cut by the edge or caught, the pairing picks)
                    slot = (tr.id, plo, phi, end)
                    edge = _edge_half(tr, picture[tr.id], plo, phi, end, g_px, r_px)
                    if edge is not None:
                        # (two samples a frame apart tell the speed to within their
                        # scatter: it must put the apex well within apex_dt_s)
                        k = edge[1] if end else edge[0]
                        if whole_noise is None:
                            whole_noise = _track_noise(tr)
                        sigma = max(noise_at(k), whole_noise, 1.0)
                        dt_k = float(tr.t[edge[1]] - tr.t[edge[0]])
                        if np.sqrt(2.0) * sigma / (dt_k * g_px) > apex_dt_s / 3.0:
                            edge = None
                    for hh in (h, edge):
                        if hh is None or cov[hh[0] : hh[1] + 1].any() or (end, *hh[:2]) in seen:
                            continue
                        seen.add((end, hh[0], hh[1]))
                        bag.append((tr, *hh))
                        (end_slot if end else start_slot).append(slot)
                        if hh is edge:
                            two.add((end, len(bag) - 1))
    pairs = []
    for ei, (ta, a0, a1, tap_a, yap_a, xa) in enumerate(ends):
        rise = ta.xy[a0, 1] - yap_a
        if rise < min_rise_m * px_per_m:
            # no throw hides its apex that low: a hand's jiggle between two dropouts
            # (534 webcam s79: an "arc" 8 cm high, apex in the picture, among the hands)
            continue
        for si, (tb, b0, b1, tap_b, yap_b, xb) in enumerate(starts):
            dt = tb.t[b0] - ta.t[a1]
            if (tb is ta and b0 <= a1) or not (0.0 < dt <= max_hidden_s):
                continue
            fall = tb.xy[b1, 1] - yap_b
            t_ap = 0.5 * (tap_a + tap_b)
            xa_ap = xa[0] * (t_ap - xa[2]) + xa[1]
            xb_ap = xb[0] * (t_ap - xb[2]) + xb[1]
            # each half's apex height is its end's, extrapolated: an apex time off by
            # e puts it g*s*e off, s the time hidden (a 6 out of a webcam's top: its
            # halves, 3 blurred frames each, agreed on the apex within 0.04 s and
            # put it 180 px apart, 20 % of its rise)
            hidden = max(tap_a - ta.t[a1], 0.0) + max(tb.t[b0] - tap_b, 0.0)
            # (a half of two samples measures no arc of its own: its speed at the
            # picture's gravity says the height; a ball thrown high from close by
            # changes depth on its way, and the picture's gravity with it, ~10 %
            # a side: 633 nfov colour s5344's halves put one apex 300 px apart, a
            # third of its fall, agreeing on its time within 0.03 s)
            share = 0.3 if (True, ei) in two or (False, si) in two else 0.15
            cost = (
                abs(tap_a - tap_b) / apex_dt_s,
                abs(yap_a - yap_b)
                / max(share * max(rise, fall, tol), 0.5 * g_px * hidden * apex_dt_s),
                abs(xa_ap - xb_ap) / (0.15 * px_per_m),
            )
            if max(cost) <= 1.0:
                # (halves of two samples only where no longer half of that track end
                # or start pairs: theirs is the rougher apex)
                rough = share > 0.15
                pairs.append((rough, sum(cost), ei, si, t_ap, 0.5 * (yap_a + yap_b), xa_ap, xb_ap))
    out: list[Flight] = []
    used_e: set[tuple] = set()
    used_s: set[tuple] = set()
    for _, _, ei, si, t_ap, y_ap, xa_ap, xb_ap in sorted(pairs, key=lambda p: p[:2]):
        if end_slot[ei] in used_e or start_slot[si] in used_s:
            continue
        x_ap = 0.5 * (xa_ap + xb_ap)
        if any(  # the same flight again, from duplicate detections of one ball
            abs(o.t_apex - t_ap) < apex_dt_s and abs(o.apex_xy[0] - x_ap) < 0.1 * px_per_m
            for o in out
        ):
            continue
        used_e.add(end_slot[ei])
        used_s.add(start_slot[si])
        ta, a0, a1 = ends[ei][:3]
        tb, b0, b1 = starts[si][:3]
        if ref is not None:  # back into the picture: its samples, the apex at the ball's depth
            # (its depth there: between the halves' inner ends, in time; a half with
            # too few depth readings was not moved, nor is the apex then)
            zz = [np.nan if h.z is None else float(h.z[k]) for h, k in ((ta, a1), (tb, b0))]
            z_ap = float(np.interp(t_ap, [ta.t[a1], tb.t[b0]], zz))
            ka = z_ap / z_ref if np.isfinite(z_ap) and z_ap > 0 else 1.0
            x_ap, y_ap = _off_reference((x_ap, y_ap), ka, centre)
            ta, tb = picture[ta.id], picture[tb.id]
        y_rel = float(ta.xy[a0, 1])
        out.append(
            Flight(
                ball=ta.id,
                i0=0,
                i1=(a1 - a0 + 1) + (b1 - b0 + 1) - 1,  # samples seen on both halves
                t_throw=float(ta.t[a0]),
                t_catch=float(tb.t[b1]),
                t_apex=float(t_ap),
                throw_xy=(float(ta.xy[a0, 0]), y_rel),
                catch_xy=(float(tb.xy[b1, 0]), float(tb.xy[b1, 1])),
                apex_xy=(float(x_ap), float(y_ap)),
                accel_px=g_px,
                rise_px=float(y_rel - y_ap),
                z_m=_median_z([(ta, a0, a1), (tb, b0, b1)]),
                frame_throw=int(ta.frame[a0]),
                frame_catch=int(tb.frame[b1]),
                frame_apex=int(round(0.5 * (ta.frame[a1] + tb.frame[b0]))),
                open_end=b1 == len(tb) - 1 and (t_end is None or tb.t[b1] >= t_end - 0.1),
                extra={"stitched": int(tb.id)},
            )
        )
    return out


def at_reference_depth(
    tracks: list[TrackSamples], centre: tuple[float, float]
) -> tuple[list[TrackSamples], float | None]:
    """The tracks as a pinhole camera would see them if every ball stayed at one depth.

    A ball that flies towards or away from the camera (a throw a little forward,
    or any high throw under a tilted camera, whose optical axis is not level)
    changes its pixels per metre on the way: its image path is no parabola, and
    close to a wide-angle camera the image gravity of one 6 varies by 40 % from
    the hands to the top of the picture. Scaling each sample's offset from the
    principal point ``centre`` by its depth over the median ball depth gives
    the path in metres, times one constant: a parabola with one gravity
    (9.81 m/s^2 at the reference depth). Depth is smoothed along the track (a
    running median of 5, gaps filled in time) so one flying-pixel reading does
    not move a sample. Tracks with fewer than 3 depth readings and tracks
    without depth stay as they are; returns (tracks, reference depth or None).
    """
    zs = [tr.z[np.isfinite(tr.z) & (tr.z > 0)] for tr in tracks if tr.z is not None]
    z_all = np.concatenate(zs) if zs else np.array([])
    if z_all.size < 10:
        return tracks, None
    z_ref = float(np.median(z_all))
    c = np.asarray(centre, dtype=float)
    out = []
    for tr in tracks:
        ok = np.isfinite(tr.z) & (tr.z > 0) if tr.z is not None else np.zeros(len(tr), bool)
        if ok.sum() < 3:
            out.append(tr)
            continue
        z = np.interp(tr.t, tr.t[ok], tr.z[ok])
        if len(z) >= 5:
            z = median_filter(z, size=5, mode="nearest")
        # balls fly within reach of the body: a reading far outside is no ball's
        z = np.clip(z, 0.6 * z_ref, 1.6 * z_ref)
        xy = c + (tr.xy - c) * (z / z_ref)[:, None]
        out.append(TrackSamples(tr.id, tr.t, xy, tr.frame, z))
    return out, z_ref


def attach_metric_arcs(
    flights: list[Flight], ref_tracks: list[TrackSamples], z_ref: float, fy: float, cy: float
) -> None:
    """Give each flight its arc at the reference depth (``Flight.metric``).

    The flights themselves are found in image pixels; only their heights
    change: the samples of each arc, moved to the reference depth, are fitted
    with 9.81 m/s^2 there. Stitched flights (two tracks) keep their image heights.
    """
    by_id = {tr.id: tr for tr in ref_tracks}
    px_per_m = fy / z_ref
    g_ref = G * px_per_m
    for f in flights:
        tr = by_id.get(f.ball)
        if tr is None or "stitched" in f.extra or f.i1 - f.i0 < 3 or f.i1 >= len(tr):
            continue
        s_ = tr.t[f.i0 : f.i1 + 1] - f.t_apex
        (b, c), _res = _fit_fixed(s_, tr.xy[f.i0 : f.i1 + 1, 1], g_ref)
        f.metric = MetricArc(
            apex_y=float(c - b * b / (2 * g_ref)),
            cy=cy,
            k_throw=float(tr.z[f.i0] / z_ref) if tr.z is not None else 1.0,
            px_per_m=px_per_m,
        )


def drop_top_edge(tracks: list[TrackSamples], margin_px: float) -> list[TrackSamples]:
    """The tracks without samples closer than ``margin_px`` (a ball radius) to the top
    of the picture, nor slow ones closer than two.

    A ball leaving the top is cut by the frame edge: its visible part's centre
    stays a few pixels inside while the ball flies on, which flattens the apex
    and breaks every parabola fit through it. Without those samples the apex is
    simply unseen, which the flight search handles.
    """
    out = []
    for tr in tracks:
        y = tr.xy[:, 1]
        # within two radii the blob is whole but an apex there is not: its few
        # slow samples scatter by a pixel or two where the cut begins, and the
        # arc seeded on them breaks; a ball crossing that band at over two radii
        # a frame is kept (a high throw out of the top has few samples to spare)
        step = np.where(np.diff(tr.frame) == 1, np.abs(np.diff(y)), np.inf)  # (per frame)
        speed = np.minimum(np.r_[np.inf, step], np.r_[step, np.inf])
        keep = (y >= 2 * margin_px) | ((y >= margin_px) & (speed > 2 * margin_px))
        if keep.all():
            out.append(tr)
        elif keep.sum() >= 3:
            z = tr.z[keep] if tr.z is not None else None
            out.append(TrackSamples(tr.id, tr.t[keep], tr.xy[keep], tr.frame[keep], z))
    return out


FALL_ALONG_MIN = 3  # samples past the catch on the arc's own fall: a drop seen to the floor


def _fall_along(
    tr: TrackSamples,
    k: int,
    f: Flight,
    g_px: float,
    radius_px: float,
    y0: float,
    x_line: tuple[float, float] | None = None,
) -> int | None:
    """Last sample from ``k`` on that keeps to the arc's fall past its catch (at
    row ``y0``), or None unless ``FALL_ALONG_MIN`` of them are a radius below it.

    The first sample within 0.1 s of the catch (the hand may hide the ball for a
    frame or two as it glances off), then frame after frame (after that a gap is
    where the track jumped on to something lower: a knee, 633 binned s9); each
    must have fallen from the catch as far as the arc's parabola says, within
    30 % and a radius or two (the apex time is a few frames uncertain and the
    ball moves in depth). A hand that dips with a caught ball slows it at once
    (71 wide depth s17: 26 px in the first frame, then 4 and 3 where the fall
    wanted 25 and 28). ``x_line`` (x at the catch, sideways speed): it must keep
    to the arc's course sideways too.
    """
    ay = f.apex_xy[1]

    def fall(t: float) -> float:
        return ay + 0.5 * g_px * (t - f.t_apex) ** 2

    base = fall(f.t_catch)
    last, below, prev, gap = None, 0, f.t_catch, 0.1
    while k < len(tr) and tr.t[k] - prev <= gap:
        t = float(tr.t[k])
        want, got = fall(t) - base, float(tr.xy[k, 1]) - y0
        if not 0.7 * want - radius_px <= got <= 1.3 * want + 2 * radius_px:
            break
        if x_line is not None:
            x_at = x_line[0] + x_line[1] * (t - f.t_catch)
            if abs(float(tr.xy[k, 0]) - x_at) > 2 * radius_px + 0.1 * want:
                break
        if last is None:  # from here on frame after frame
            gap = 1.5 * float(np.median(np.diff(tr.t)))
        last, below, prev = k, below + (got > radius_px), t
        k += 1
    return last if below >= FALL_ALONG_MIN else None


def mark_fell_out(
    tracks: list[TrackSamples], flights: list[Flight], g_px: float, height_px: float
) -> None:
    """Flag arcs after which the ball fell out of the bottom of the picture.

    A caught ball stops at a hand inside the picture; a dropped one falls on
    past the hands (deflected off a hand, so often as a new little arc) and
    leaves through the bottom. The track must end within 0.3 s of the arc,
    still falling, and one frame later the ball would be cut by the bottom edge
    (``fell_out_y``: where it was last seen). With the floor in view, it may
    instead be seen falling on along the arc's parabola (``fell_to_y``: how
    far), by its own track or by another that took it on right after the catch.
    Whether either is a drop (well below the hands, not a low catch) is for the
    analysis to say.
    """
    by_id = {tr.id: tr for tr in tracks}
    radius_px = BALL_RADIUS_M * g_px / G
    for f in flights:
        tr = by_id.get(f.ball)
        if tr is None or f.open_end or "stitched" in f.extra or f.i1 >= len(tr):
            continue
        last = len(tr) - 1
        if last <= f.i1 or tr.t[f.i1] != f.t_catch:
            continue
        # and at once: a dropped ball falls on from the hand it glanced off; a track
        # lost in the hand for four frames went on with specks that happened to lie
        # on that fall (a 1.6 px noise hole beside a 3.5 px ball, 51 binned s2)
        if tr.t[f.i1 + 1] - f.t_catch > 0.1:
            continue
        # a floor in view: the ball kept to its own arc's fall well past the hand,
        # then lay or bounced there (3b drop wide depth s9: cut at the hands' level,
        # it fell on 110 px to the floor along that parabola within 13 px)
        on = _fall_along(tr, f.i1 + 1, f, g_px, radius_px, float(tr.xy[f.i1, 1]))
        f.fell_to_y = float(tr.xy[on, 1]) if on is not None else None
        if tr.t[last] - f.t_catch > 0.3:
            continue
        # falling on past the hand shows in two samples at least: one sample well
        # below the catch is as likely another thing the track jumped to (a knee
        # below a binned camera's hands, 633 binned s12)
        if sum(tr.xy[f.i1 + 1 :, 1] > tr.xy[f.i1, 1] + radius_px) < 2:
            continue
        # nor does a last sample far past where the fall was going (the track
        # jumped from the ball in the hand to a knee 21 px past that fall three
        # frames on, 55550 binned s12)
        while last >= f.i1 + 2:
            y0, y1, y2 = tr.xy[last - 2 : last + 1, 1]
            dt0, dt1 = float(tr.t[last - 1] - tr.t[last - 2]), float(tr.t[last] - tr.t[last - 1])
            v = max(float(y1 - y0) / dt0, 0.0) if dt0 > 0 else 0.0
            if y2 <= y1 + v * dt1 + 0.5 * g_px * dt1 * dt1 + radius_px + 0.2 * v * dt1:
                break
            last -= 1
        if last <= f.i1:
            continue
        if _leaves_bottom(tr, last, f, g_px, radius_px, height_px):
            f.fell_out_y = float(tr.xy[last, 1])
    # the ball's own track stayed with the hand while another took the falling ball
    # on (3b drop nfov depth s24: caught at 406 px by the one, on by the other
    # from 455 px a frame later to 564, out of the bottom)
    for f in flights:
        if f.open_end or f.fell_out_y is not None or f.fell_to_y is not None:
            continue
        if (on := _fall_elsewhere(tracks, f, g_px, radius_px)) is not None:
            tr, last = on
            f.fell_to_y = float(tr.xy[last, 1])
            if last == len(tr) - 1 and _leaves_bottom(tr, last, f, g_px, radius_px, height_px):
                f.fell_out_y = f.fell_to_y


def _leaves_bottom(
    tr: TrackSamples, last: int, f: Flight, g_px: float, radius_px: float, height_px: float
) -> bool:
    """Whether the ball, falling at its last sample, is cut by the bottom edge a frame on."""
    dt = float(tr.t[last] - tr.t[last - 1])
    vy = float(tr.xy[last, 1] - tr.xy[last - 1, 1]) / dt if 0 < dt <= 0.1 else 0.0
    if vy <= 0:
        return False
    # no faster than a free fall from the arc's apex (a jump between two samples
    # of different things is no speed)
    vy = min(vy, g_px * float(tr.t[last] - f.t_apex) * 1.2)
    # one frame on it would be cut by the edge (a ball's radius in from it);
    # caught balls lost a little above the hands are not
    step = float(np.median(np.diff(tr.t)))  # one frame (the last gap may be two)
    return bool(tr.xy[last, 1] + vy * step + 0.5 * g_px * step * step >= height_px - radius_px)


def _fall_elsewhere(
    tracks: list[TrackSamples], f: Flight, g_px: float, radius_px: float
) -> tuple[TrackSamples, int] | None:
    """Another track that starts on the arc's fall right after its catch and keeps to
    it (the track and its last sample that does), as ``_fall_along`` asks, and
    sideways too: there the ball flies on as it flew. A hand, or another ball
    thrown, does not fall at g from where the catch was."""
    dur = f.t_catch - f.t_throw
    x_line = (f.catch_xy[0], (f.catch_xy[0] - f.throw_xy[0]) / dur if dur > 0 else 0.0)
    best: tuple[TrackSamples, int] | None = None
    for tr in tracks:
        if tr.id == f.ball:
            continue
        k = int(np.searchsorted(tr.t, f.t_catch, side="right"))
        last = _fall_along(tr, k, f, g_px, radius_px, f.catch_xy[1], x_line)
        if last is not None and (best is None or tr.xy[last, 1] > best[0].xy[best[1], 1]):
            best = (tr, last)
    return best
