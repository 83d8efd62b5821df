"""Frame-to-frame association: Hungarian matching under a ballistic prediction.

Each track predicts where its ball will be from a short quadratic fit of its
own recent samples (gravity shows up as the fitted acceleration, so the same
code works in pixels from any camera); detections are matched with
``scipy.optimize.linear_sum_assignment`` inside a gate that grows with the
time a ball has been unseen. Balls vanish in the hand; a new blob that
appears where a ball was lost recently takes that ball's identity back
(first lost, first thrown), so identities survive the hands and crossings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

BALL_RADIUS_M = 0.035  # a typical juggling ball (62-70 mm); only used as a prior
STALE_S = 0.1  # two samples further apart than this say nothing about the ball's speed
# depth cameras: between two samples a ball moves along the line of sight by less
# than this (metres: the readings' noise, a ball seen whole or by a piece) plus
# this speed (a throw towards the camera) times the time between them
Z_STEP_M = 0.15
Z_SPEED_M_S = 2.0


@dataclass
class Detection:
    """One ball candidate in one frame (full-resolution pixels)."""

    x: float
    y: float
    radius_px: float
    z_m: float | None = None
    color_id: int = -1
    area_px: float = 0.0


def _fall_line(
    ts: list[float], ys: list[float], g: float, residual: bool = True
) -> tuple[float, float, float] | None:
    """(v, y0, largest residual) of y = y0 + v s + g/2 s^2 with g fixed, least squares.

    Closed form in plain floats: it runs for every track on every frame, where
    np.polyfit would cost ~0.1 ms each. None when the times do not fix a line;
    the residual is 0 unless asked for.
    """
    k = len(ts)
    rs = [yi - 0.5 * g * si * si for yi, si in zip(ys, ts, strict=True)]
    st, sr = sum(ts), sum(rs)
    det = k * sum(si * si for si in ts) - st * st
    if det <= 1e-12:
        return None
    v = (k * sum(si * ri for si, ri in zip(ts, rs, strict=True)) - st * sr) / det
    y0 = (sr - v * st) / k
    if not residual:
        return v, y0, 0.0
    return v, y0, max(abs(ri - v * si - y0) for si, ri in zip(ts, rs, strict=True))


def _recent_z(tr: BallTrack) -> float:
    """Median depth of a track's last three samples (NaN without depth).

    Plain floats: it runs for every track on every frame (np.median costs ~10 us)."""
    z = sorted(v for v in tr.z[-3:] if not math.isnan(v))
    if not z:
        return math.nan
    return z[1] if len(z) == 3 else 0.5 * (z[0] + z[-1])


def _with_misses(cost: np.ndarray, miss: float) -> np.ndarray:
    """The cost matrix with a way out for every track and every detection.

    A plain rectangular assignment gives every track (or detection) a partner
    whenever it can, so pairs outside the gate (a large finite cost) are chosen
    over leaving a track unseen, and two gated pairs can win over one good
    pair: a stale track then takes a ball's detection and the ball's own track
    is pushed onto a hand. Here a track may go unmatched and a detection start
    a new track at ``miss`` each; a pair at the gate's edge (cost 1) is worth as
    much as leaving both alone (miss = 0.5).
    """
    nt, nd = cost.shape
    big = 1e6
    out = np.full((nt + nd, nd + nt), big)
    out[:nt, :nd] = cost
    out[np.arange(nt), nd + np.arange(nt)] = miss
    out[nt + np.arange(nd), np.arange(nd)] = miss
    out[nt:, nd:] = 0.0
    return out


@dataclass
class BallTrack:
    id: int
    color_id: int = -1
    t: list[float] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    z: list[float] = field(default_factory=list)
    frame: list[int] = field(default_factory=list)
    radius_px: float = 0.0
    lost_since: float | None = None
    _fit_key: tuple | None = field(default=None, repr=False)
    _fit: tuple = field(default=(0.0, 0.0, 0.0, 0.0, 0.0), repr=False)
    _rise_key: tuple | None = field(default=None, repr=False)
    _rise: int = field(default=0, repr=False)
    rise_vy: float = field(default=0.0, repr=False)  # y speed when it was last seen rising

    def add(self, t: float, det: Detection, frame: int) -> None:
        self.t.append(t)
        self.x.append(det.x)
        self.y.append(det.y)
        self.z.append(np.nan if det.z_m is None else det.z_m)
        self.frame.append(frame)
        self.radius_px = (
            det.radius_px if not self.radius_px else 0.8 * self.radius_px + 0.2 * det.radius_px
        )
        self.lost_since = None
        if det.color_id >= 0:
            self.color_id = det.color_id

    @property
    def last_t(self) -> float:
        return self.t[-1]

    def stale_pair(self) -> bool:
        """Whether the last two samples are too far apart in time to tell a speed.

        A track re-linked to a ball a second after its last sample has a stale
        pair: their mean speed says nothing about a ball just thrown.
        """
        return len(self.t) >= 2 and self.t[-1] - self.t[-2] > STALE_S

    def velocity(self) -> tuple[float, float]:
        if len(self.t) < 2 or self.t[-1] - self.t[-2] <= 0:
            return 0.0, 0.0
        dt = self.t[-1] - self.t[-2]
        return (self.x[-1] - self.x[-2]) / dt, (self.y[-1] - self.y[-2]) / dt

    def predict(self, t: float, g_px: float) -> tuple[float, float]:
        """Position at time t: quadratic in y (gravity), linear in x, from recent samples.

        The fit depends only on the samples and g, so a track that was not seen
        (coasting) reuses the last one.
        """
        x0, vx, y0, vy, g = self.predict_fit(g_px)
        dt = t - self.t[-1]
        return x0 + vx * dt, y0 + vy * dt + 0.5 * g * dt * dt

    def rising(self, g_px: float) -> int:
        """How many of the last samples (3-5) are a flight going up, else 0.

        Balls are caught coming down: a ball lost on its way up left the picture
        at the top or went behind something, and comes back on the same parabola.
        "Up" is faster than 0.1 s of fall; the samples before the throw (in the
        hand) do not fit the parabola and are left out.
        """
        key = (len(self.t), g_px)
        if self._rise_key != key:
            self._rise_key = key
            self._rise = self._rising(g_px)
        return self._rise

    def _rising(self, g_px: float) -> int:
        n = len(self.t)
        tl = self.t[-1]
        tol = max(2.0, 0.6 * self.radius_px)
        for k in (5, 4, 3):
            if n < k or tl - self.t[-k] > 0.07 * (k - 1):
                continue  # not there, or a gap among them
            fit = _fall_line([ti - tl for ti in self.t[-k:]], self.y[-k:], g_px)
            if fit is None:
                continue
            vy, _y0, res = fit
            if res < tol:
                self.rise_vy = vy
                return k if vy < -0.1 * g_px else 0
        # two samples only (a ball seen briefly between the hand and the edge)
        if n >= 2 and 0 < tl - self.t[-2] <= 0.07:
            self.rise_vy = self.velocity()[1]
            return 2 if self.rise_vy < -0.2 * g_px else 0
        return 0

    def predict_fit(self, g_px: float) -> tuple[float, float, float, float, float]:
        """(x, vx, y, vy, g) at the last sample (cached like ``predict``)."""
        key = (len(self.t), g_px)
        if self._fit_key != key:
            self._fit_key = key
            self._fit = self._fit_motion(g_px)
        return self._fit

    def _fit_motion(self, g_px: float) -> tuple[float, float, float, float, float]:
        """(x, vx, y, vy, g) at the last sample: ballistic if the samples fit it, else linear."""
        n = len(self.t)
        if n == 1:
            return self.x[-1], 0.0, self.y[-1], 0.0, 0.0
        k = min(n, 5)
        tl = self.t[-1]
        if k >= 3 and self.t[-k] - tl > -0.3:
            # fixed image gravity, fitted velocity (closed-form least squares: this runs
            # for every track on every frame, np.polyfit would cost ~0.1 ms each)
            ts = [ti - tl for ti in self.t[-k:]]
            fit = _fall_line(ts, self.y[-k:], g_px)
            # if the ball is not flying (held), the fixed-g model is wrong: fall back
            if fit is not None and fit[2] < max(2.0, 0.6 * self.radius_px):
                vy, y0, _res = fit
                # x: a straight line on the same times (so never None here)
                xfit = _fall_line(ts, self.x[-k:], 0.0, residual=False)
                vx, x0, _ = xfit or (0.0, self.x[-1], 0.0)
                return x0, vx, y0, vy, g_px
        vx, vy = self.velocity()
        return self.x[-1], vx, self.y[-1], vy, 0.0


class Associator:
    """Keeps ball tracks alive across frames; swappable gate and cost parts.

    ``launch_cone``: a track seen again after a pause may next be anywhere a
    throw reaches upward (a close camera sees a high throw leave the hand at
    70 px a frame). The tracker turns it on; the colour learner, whose linking
    of candidate blobs was tuned without it, does not.
    """

    def __init__(
        self,
        *,
        relink_s: float = 1.2,
        max_lost_s: float = 2.0,
        gate_radii: float = 4.0,
        coast_s: float = 0.3,
        miss_cost: float | None = None,
        launch_cone: bool = False,
    ) -> None:
        self.launch_cone = launch_cone
        self.coast_s = coast_s
        self.miss_cost = miss_cost
        self.relink_s = relink_s
        self.max_lost_s = max_lost_s
        self.gate_radii = gate_radii
        self.active: list[BallTrack] = []
        self.lost: list[BallTrack] = []
        self.all: dict[int, BallTrack] = {}
        self._next_id = 1
        self.g_px: float | None = None  # image gravity once known (px/s^2)
        self._merge_tried: set[int] = set()

    def _gravity(self, radius_px: float) -> float:
        if self.g_px:
            return self.g_px
        # prior from the ball's apparent size: radius_px / 0.035 m = px per metre
        return 9.81 * max(radius_px, 1.0) / BALL_RADIUS_M

    def _gate(self, tr: BallTrack, t: float) -> float:
        dt = max(t - tr.last_t, 1e-3)
        r = max(tr.radius_px, 1.5)
        vx, vy = tr.velocity()
        speed = math.hypot(vx, vy)
        if len(tr.t) < 2:  # new: anything a thrown ball can do (6 m/s)
            return self._launch_gate(tr, t)
        return self.gate_radii * r + 0.35 * speed * dt + 0.25 * self._gravity(r) * dt * dt

    def _launch_gate(self, tr: BallTrack, t: float) -> float:
        r = max(tr.radius_px, 1.5)
        return self.gate_radii * r + 6.0 * self._gravity(r) / 9.81 * max(t - tr.last_t, 1e-3)

    def _launch_cone(
        self, tr: BallTrack, t: float, pred: np.ndarray, dxy: np.ndarray
    ) -> np.ndarray:
        """Per-detection gate of a track seen again after a pause (its speed unknown).

        Such a ball is usually leaving a hand: it may be anywhere up to a throw's
        speed above, in a cone of upward directions; elsewhere the gate of a
        ball at rest applies, so a re-found ball does not grab a flying one.
        """
        up = pred[1] - dxy[:, 1]
        r = max(tr.radius_px, 1.5)
        cone = (up > 0) & (np.abs(dxy[:, 0] - pred[0]) <= 0.5 * up + self.gate_radii * r)
        return np.where(cone, self._launch_gate(tr, t), self._gate(tr, t))

    def step(self, t: float, frame: int, dets: list[Detection]) -> list[BallTrack]:
        """Match detections to tracks; returns the tracks seen in this frame."""
        tracks = self.active
        seen: list[BallTrack] = []
        unmatched = list(range(len(dets)))
        if tracks and dets:
            pred = np.array(
                [tr.predict(t, self._gravity(tr.radius_px)) for tr in tracks], dtype=np.float64
            )
            dxy = np.array([(d.x, d.y) for d in dets], dtype=np.float64)
            gate = np.repeat(
                np.array([self._gate(tr, t) for tr in tracks])[:, None], len(dets), axis=1
            )  # per track and detection
            for i, tr in enumerate(tracks):
                if self.launch_cone and tr.stale_pair():
                    gate[i] = self._launch_cone(tr, t, pred[i], dxy)
            dist = np.hypot(dxy[None, :, 0] - pred[:, None, 0], dxy[None, :, 1] - pred[:, None, 1])
            tc = np.array([tr.color_id for tr in tracks])[:, None]
            dc = np.array([d.color_id for d in dets])[None, :]
            ok = (dist <= gate) & ((tc < 0) | (dc < 0) | (tc == dc))
            # depth: a blob far nearer or further than the ball was is something
            # else on its path (a shoulder's bump behind the apex of a 3, 531 wide
            # depth s5: 0.27 m behind the ball; colour has no depth, NaN)
            # (the median of its last three: one sample a track took from such a
            # thing would otherwise turn the ball itself away next)
            if any(d.z_m is not None for d in dets):
                tz = np.array([_recent_z(tr) for tr in tracks])[:, None]
                dz = np.array([np.nan if d.z_m is None else d.z_m for d in dets])[None, :]
                since = np.array([t - tr.last_t for tr in tracks])[:, None]
                with np.errstate(invalid="ignore"):
                    ok &= ~(np.abs(tz - dz) > Z_STEP_M + Z_SPEED_M_S * since)
            cost = np.where(ok, dist / gate, 1e6)
            if self.miss_cost is not None:
                cost_in = _with_misses(cost, self.miss_cost)
            else:  # every track or detection paired when it can (the colour learner's
                # linking of its many candidate blobs was tuned with this)
                cost_in = cost
            rows, cols = linear_sum_assignment(cost_in)
            used = set()
            for i, j in zip(rows, cols, strict=True):
                if i < len(tracks) and j < len(dets) and cost[i, j] < 1e5:
                    tracks[i].add(t, dets[j], frame)
                    seen.append(tracks[i])
                    used.add(j)
            unmatched = [j for j in unmatched if j not in used]
        # tracks not seen: move to lost
        still = []
        for tr in tracks:
            if tr.last_t == t:
                still.append(tr)
            else:
                if tr.lost_since is None:
                    tr.lost_since = tr.last_t
                if t - tr.last_t <= self.coast_s:  # a short miss: keep predicting
                    still.append(tr)
                else:
                    self.lost.append(tr)
        self.active = still
        self.lost = [tr for tr in self.lost if t - tr.last_t <= self.max_lost_s]
        # unmatched detections: re-link a recently lost ball nearby, else a new ball
        for j in unmatched:
            d = dets[j]
            tr = self._relink(t, d)
            if tr is None:
                tr = BallTrack(id=self._next_id)
                self._next_id += 1
                self.all[tr.id] = tr
            tr.add(t, d, frame)
            self.active.append(tr)
            seen.append(tr)
        # a young track may be a ball that came back into view: join it to the
        # track it left on if one parabola explains both
        joined: list[tuple[BallTrack, BallTrack]] = []
        for tr in seen:
            n = len(tr.t)
            if (n != 3 and n != 4) or tr.id in self._merge_tried:
                continue
            old = self._ballistic_match(tr)
            if old is None:
                if len(tr.t) == 4:
                    self._merge_tried.add(tr.id)
                continue
            self.lost.remove(old)
            for i in range(len(tr.t)):
                if tr.t[i] <= old.last_t:
                    continue
                old.t.append(tr.t[i])
                old.x.append(tr.x[i])
                old.y.append(tr.y[i])
                old.z.append(tr.z[i])
                old.frame.append(tr.frame[i])
            old.radius_px = 0.5 * (old.radius_px + tr.radius_px)
            old.lost_since = None
            self.active[self.active.index(tr)] = old
            del self.all[tr.id]
            joined.append((tr, old))
        for tr, old in joined:
            seen[seen.index(tr)] = old
        return seen

    def _ballistic_match(self, new: BallTrack) -> BallTrack | None:
        """The lost track (it left while rising) whose parabola the young track continues.

        One free parabola in y (and a slightly curved x) through the lost
        track's last samples and the young one's (at 4 samples without its first:
        a ball coming into the picture is first seen cut by the edge) must fit
        every sample to a fraction of a ball radius, with an acceleration
        within 40 % of the image gravity. The best fit wins.
        """
        n0 = len(new.t) - 3
        best, best_res = None, None
        # the young track's mean vertical speed, at the middle of its samples
        t_mid = 0.5 * (new.t[n0] + new.t[-1])
        vy_new = (new.y[-1] - new.y[n0]) / max(new.t[-1] - new.t[n0], 1e-3)
        for tr in self.lost:
            gap = new.t[n0] - tr.last_t
            k = tr.rising(self._gravity(tr.radius_px)) if 0 < gap <= self.max_lost_s else 0
            if not k:
                continue
            g = self._gravity(max(tr.radius_px, new.radius_px))
            # cheap first: the speed gained since it was last seen is about g times the time
            if not 0.4 * g <= (vy_new - tr.rise_vy) / (t_mid - tr.last_t) <= 1.6 * g:
                continue
            ts = np.array(tr.t[-k:] + new.t[n0:]) - tr.last_t
            xs = np.array(tr.x[-k:] + new.x[n0:])
            ys = np.array(tr.y[-k:] + new.y[n0:])
            a = np.stack([ts * ts, ts, np.ones_like(ts)], axis=1)
            cy, *_ = np.linalg.lstsq(a, ys, rcond=None)
            acc = 2.0 * float(cy[0])
            if not 0.6 * g <= acc <= 1.4 * g:
                continue
            # x too is a little curved: the ball's distance changes during a long flight
            cx, *_ = np.linalg.lstsq(a, xs, rcond=None)
            if abs(cx[0]) > 0.1 * abs(cy[0]):
                continue
            res = max(float(np.max(np.abs(ys - a @ cy))), float(np.max(np.abs(xs - a @ cx))))
            tol = max(2.0, 0.6 * max(tr.radius_px, new.radius_px))
            if res <= tol and (best_res is None or res < best_res):
                best, best_res = tr, res
        return best

    def _relink(self, t: float, d: Detection) -> BallTrack | None:
        best, best_key = None, None
        zone = 9.0 * max(d.radius_px, 1.5)  # ~0.3 m: the hand that caught it
        for tr in self.lost:
            if t - tr.last_t > self.relink_s:
                continue
            if tr.color_id >= 0 and d.color_id >= 0 and tr.color_id != d.color_id:
                continue
            dist = float(np.hypot(d.x - tr.x[-1], d.y - tr.y[-1]))
            if dist > zone:
                continue
            if tr.rising(self._gravity(tr.radius_px)):
                continue  # still in the air: it comes back on its parabola (see step)
            key = tr.last_t  # first lost, first thrown
            if best_key is None or key < best_key:
                best, best_key = tr, key
        if best is not None:
            self.lost.remove(best)
        return best


class StaticFilter:
    """Suppress detections that sit still: clutter, not balls.

    A coarse grid keeps an exponential average of how often each cell holds a
    detection; a ball passes through a cell, clutter (a box corner, a hole in
    the floor's depth, a poster of the ball's colour) stays. Cells busy in more
    than ``busy`` of recent frames are ignored.
    """

    def __init__(self, cell_px: float = 12.0, alpha: float = 0.03, busy: float = 0.5) -> None:
        self.cell = max(4.0, cell_px)
        self.alpha = alpha
        self.busy = busy
        self.grid: dict[tuple[int, int], float] = {}
        self.frames = 0

    def __call__(self, dets: list[Detection]) -> list[Detection]:
        self.frames += 1
        a = self.alpha
        hit = set()
        for d in dets:
            hit.add((int(d.x // self.cell), int(d.y // self.cell)))
        for k in list(self.grid):
            v = self.grid[k] * (1 - a)
            if v < 0.01 and k not in hit:
                del self.grid[k]
            else:
                self.grid[k] = v
        for k in hit:
            self.grid[k] = self.grid.get(k, 0.0) + a
        if self.frames < 20:
            return dets
        out = []
        for d in dets:
            k = (int(d.x // self.cell), int(d.y // self.cell))
            if self.grid.get(k, 0.0) < self.busy:
                out.append(d)
        return out


def log_mode(values: list[float], width: float) -> float:
    """Median of the densest cluster of positive values in log space (``width`` wide).

    Gravity estimates from many arcs agree with each other; the wrong ones (a hand's
    scoop, two balls mixed up) scatter, so the crowd wins over the mean.
    """
    la = np.log(np.asarray(values, dtype=np.float64))
    best = max(la, key=lambda v: int(np.sum(np.abs(la - v) <= width)))
    return float(np.exp(np.median(la[np.abs(la - best) <= width])))


def window_gravity(
    tracks: list, prior: float | None = None, window: int = 7, factor: float = 3.0
) -> float | None:
    """Image gravity (px/s^2) from parabolas fitted to short stretches of whole tracks.

    A fallback for when no apex is in the picture (high throws leave the frame at
    the top): the rising and falling parts of every flight still curve with g.
    ``tracks`` are ``TrackSamples``-like (``t``, ``xy``); ``prior`` bounds the
    answer to ``factor`` either way. The densest cluster in log space wins.
    """
    accs = []
    for tr in tracks:
        t, xy = np.asarray(tr.t), np.asarray(tr.xy)
        n = len(t)
        for i in range(0, n - window + 1, 3):
            ts = t[i : i + window] - t[i]
            if ts[-1] <= 0 or np.max(np.diff(ts)) > 0.07:
                continue  # a gap: the ball was hidden
            ys, xs = xy[i : i + window, 1], xy[i : i + window, 0]
            span = float(np.ptp(ys))
            if span < 10.0:
                continue
            py = np.polyfit(ts, ys, 2)
            px = np.polyfit(ts, xs, 1)
            res = float(
                np.sqrt(np.mean((ys - np.polyval(py, ts)) ** 2 + (xs - np.polyval(px, ts)) ** 2))
            )
            acc = 2.0 * float(py[0])
            if acc <= 0 or res > max(1.0, 0.03 * span):
                continue
            if prior is not None and not prior / factor <= acc <= prior * factor:
                continue
            accs.append(acc)
    if len(accs) < 4:
        return None
    return log_mode(accs, 0.15)
