"""Colour segmentation: ball colours learned from motion, then thresholded per frame.

Learning: in the first seconds, pixels that are saturated *and* changed
since two frames ago form blobs; the small, compact ones are balls in
flight (hands and arms are big, shadows are unsaturated). Their hues cluster
into one range per ball colour. A ``calibrate`` profile can override all of it.

Frames of any size and orientation are processed at a working scale whose
long side is at most ``work_long_side`` pixels; results are in full-resolution pixels.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edge_juggler.errors import InputError
from edge_juggler.tracking.association import Detection
from edge_juggler.tracking.blobs import Blob, find_blobs


@dataclass
class ColorRange:
    """One ball colour in OpenCV HSV (H 0..179, wraps at red)."""

    h_lo: int
    h_hi: int
    s_lo: int
    v_lo: int
    s_hi: int = 255
    v_hi: int = 255
    moving: bool = False  # white/grey balls: only where the picture changes
    n: int = 0  # flying blobs it was learned from (0: not known, e.g. set by hand)

    @property
    def is_grey(self) -> bool:
        """A white or grey ball's range: any hue, saturation capped."""
        return self.s_hi < 255 and (self.h_hi - self.h_lo) % 180 >= 170

    def holds(self, hue: float, sat: float, val: float) -> bool:
        """Whether one HSV colour lies in the range."""
        if not (self.s_lo <= sat <= self.s_hi and self.v_lo <= val <= self.v_hi):
            return False
        if self.h_lo <= self.h_hi:
            return self.h_lo <= hue <= self.h_hi
        return hue >= self.h_lo or hue <= self.h_hi

    def mask(self, hsv: np.ndarray) -> np.ndarray:
        if self.h_lo <= self.h_hi:
            return cv2.inRange(
                hsv, (self.h_lo, self.s_lo, self.v_lo), (self.h_hi, self.s_hi, self.v_hi)
            )
        a = cv2.inRange(hsv, (self.h_lo, self.s_lo, self.v_lo), (179, self.s_hi, self.v_hi))
        b = cv2.inRange(hsv, (0, self.s_lo, self.v_lo), (self.h_hi, self.s_hi, self.v_hi))
        return cv2.bitwise_or(a, b)


@dataclass
class ColorModel:
    ranges: list[ColorRange] = field(default_factory=list)
    ball_radius_px: float | None = None  # at full resolution
    source: str = "learned"

    def to_dict(self) -> dict:
        return {
            "ranges": [asdict(r) for r in self.ranges],
            "ball_radius_px": self.ball_radius_px,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: dict) -> ColorModel:
        return cls(
            ranges=[ColorRange(**r) for r in d.get("ranges", [])],
            ball_radius_px=d.get("ball_radius_px"),
            source=d.get("source", "profile"),
        )

    def add_new(self, ranges: list[ColorRange]) -> int:
        """Add the ranges of colours not in the model yet; returns how many changed.

        A grey range (every hue, capped saturation: white balls) is new while the
        model has none; a coloured one while no coloured range holds its hue centre
        (an orange ball next to a red range that reaches H 12 is still new).
        A coloured range that counts only where the picture moves is still a
        colour, not a white ball. A range learned from at least twice the flying
        blobs of the one colour it falls in replaces it in place (same colour id):
        a colour first seen in a few flights can have its hue centre off by more
        than the range's half-width, and would otherwise never be corrected.
        """
        changed = 0
        for rng in ranges:
            mid = _hue_centre(rng)
            same = [
                i
                for i, r in enumerate(self.ranges)
                if r.is_grey == rng.is_grey and (rng.is_grey or mid in _span(r))
            ]
            if not same:
                self.ranges.append(rng)
                changed += 1
            elif len(same) == 1 and 0 < self.ranges[same[0]].n <= rng.n / 2:
                self.ranges[same[0]] = rng
                changed += 1
        return changed

    @classmethod
    def load(cls, path: str | Path) -> ColorModel:
        try:
            d = json.loads(Path(path).read_text())
            return cls.from_dict(d.get("color", d))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise InputError(f"{path}: not a colour profile ({exc})") from None


def work_scale(shape: tuple[int, ...], long_side: int) -> float:
    return min(1.0, long_side / float(max(shape[0], shape[1])))


def _resize(img: np.ndarray, s: float) -> np.ndarray:
    if s >= 1.0:
        return img
    h, w = img.shape[:2]
    # INTER_AREA is slow for non-whole factors (~7 ms for 640->480 here); linear is ~0.3 ms
    k = 1.0 / s
    interp = cv2.INTER_AREA if abs(k - round(k)) < 1e-6 else cv2.INTER_LINEAR
    return cv2.resize(img, (max(1, int(w * s)), max(1, int(h * s))), interpolation=interp)


@dataclass
class _Cand:
    """One moving compact blob seen while learning (full-resolution pixels)."""

    frame: int
    t: float
    x: float
    y: float
    r: float
    hue: float
    sat: float
    val: float
    sat_lo: float  # 20th percentiles: what a range must still accept
    val_lo: float
    edge: bool = False  # touches the picture's border: cut off, its centre is off
    big: bool = False  # over 1 % of the picture: a close fast ball's streak, or a hand


_DEBUG = bool(__import__("os").environ.get("EJ_DEBUG"))


WHITE_MAX_G = 2.0  # a white ball's arc may curve this much more than gravity (see _runs)


class ColorLearner:
    """Ball colours learned from what flies freely in the first seconds.

    Moving, compact blobs (changed against both of the last two frames, so the
    place a ball just left does not count) are linked into short tracks by the
    tracker's own association. Runs that fall with one common acceleration are
    balls: their pixels give one colour range per ball colour. Hands and heads
    move but do not fall freely; shadows fall but are darker and greyer than
    what they cover (dropped); clutter does not move. Moving blobs that are not
    balls (a hand, a sleeve) are remembered so a ball range of the same hue can
    raise its saturation floor above them. White or grey balls get a range that
    only counts where the picture moves. With too few free flights, the older
    hue-histogram of all saturated moving blobs is used instead.
    """

    def __init__(self, work_long_side: int = 480, min_sat: int = 80, min_val: int = 50) -> None:
        self.long = work_long_side
        self.min_sat = min_sat
        self.min_val = min_val
        self.samples: list[tuple[float, float, float, float]] = []  # hue, sat, val, radius
        self.cands: list[_Cand] = []
        self._prev: list[np.ndarray] = []
        self._recent: list[np.ndarray] = []
        self._recent_idx: list[int] = []
        self.frames = 0
        self.fps = 30.0
        self._short: list[list[_Cand]] = []  # flights seen only in short stretches
        self._g: float | None = None  # image gravity (px/s^2) the flights fell with
        self._pairs: list[list[_Cand]] = []  # flights out of the top (up and down joined)

    def add(self, rgb: np.ndarray, t_s: float | None = None) -> None:
        s = work_scale(rgb.shape, self.long)
        small = _resize(rgb, s)
        hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        t = self.frames / self.fps if t_s is None else float(t_s)
        self.frames += 1
        if self.frames % 3 == 0:
            self._recent = (self._recent + [rgb])[-12:]
            self._recent_idx = (self._recent_idx + [self.frames - 1])[-12:]
        self._prev.append((small, grey))
        if len(self._prev) < 3:
            return
        (older_rgb, older), (old_rgb, _) = self._prev[0], self._prev[1]
        self._prev.pop(0)
        # changed against both previous frames: where the ball is now, not where it was
        diff = cv2.min(_change(small, old_rgb), _change(small, older_rgb))
        moving = cv2.GaussianBlur(diff, (3, 3), 0) > 16  # sensor noise does not move
        cand = moving.view(np.uint8)
        cand = cv2.morphologyEx(cand, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        img_area = cand.shape[0] * cand.shape[1]
        hh, ww = cand.shape
        # up to 2.5 % of the picture: a ball 1.2 m away thrown high streaks over
        # 2-3 ball areas (633 webcam s94: 2073 px at 480x360, its 6s never learned)
        for b in find_blobs(cand, min_area=5, max_area=0.025 * img_area):
            x, y, w, h, area = b.x, b.y, b.w, b.h, b.area
            if b.aspect > 3.5 or b.fill < 0.3:
                continue
            sel = cand[y : y + h, x : x + w] > 0
            px = hsv[y : y + h, x : x + w][sel]
            if px.size == 0:
                continue
            sat = px[:, 1].astype(np.float64)
            val = px[:, 2].astype(np.float64)
            s_med, v_med = float(np.median(sat)), float(np.median(val))
            # a shadow: grey and darker than what was there two frames ago
            before = float(older[y : y + h, x : x + w][sel].mean())
            now = float(grey[y : y + h, x : x + w][sel].mean())
            if s_med < 60 and now < before - 8:
                continue
            # the ball's own colour: the blob's pixels least like what surrounds it (a
            # blob also holds rim pixels mixed with the wall, and the wall a slow
            # ball just uncovered, which pull the hue: blue on pink reads as violet)
            y0, y1 = max(0, y - 2), min(small.shape[0], y + h + 2)
            x0, x1 = max(0, x - 2), min(small.shape[1], x + w + 2)
            box = small[y0:y1, x0:x1]
            ring = np.concatenate([box[0], box[-1], box[:, 0], box[:, -1]]).astype(np.int16)
            bg = np.median(ring, axis=0)
            rgb_px = small[y : y + h, x : x + w][sel].astype(np.int16)
            far_bg = np.abs(rgb_px - bg).sum(axis=1)
            far = far_bg >= np.percentile(far_bg, 50)
            # a blob that looks like what surrounds it is no ball: the wall a ball
            # just left (sensor lag, blur trails) changes for two frames and falls
            # with the ball, which made a coloured wall a "ball colour"
            if np.abs(np.median(rgb_px[far], axis=0) - bg).sum() < 20:
                continue
            core = px[far]
            hue = _circular_median(core[:, 0].astype(np.float64))
            s_core = float(np.median(core[:, 1]))
            v_core = float(np.median(core[:, 2]))
            r = float(np.sqrt(area / np.pi)) / s
            if s_med >= self.min_sat and v_med >= self.min_val:
                self.samples.append((hue, s_med, v_med, r))
            self.cands.append(
                _Cand(
                    self.frames - 1,
                    t,
                    b.cx / s,
                    b.cy / s,
                    r,
                    hue,
                    s_core,
                    v_core,
                    float(np.percentile(sat, 20)),
                    float(np.percentile(val, 20)),
                    x <= 0 or y <= 0 or x + w >= ww or y + h >= hh,
                    area > 0.01 * img_area,
                )
            )

    # ------------------------------------------------------------------ model
    def _runs(self) -> tuple[list[list[_Cand]], list[list[_Cand]]]:
        """Link the candidates into tracks; (free-fall runs, other long runs)."""
        from edge_juggler.tracking.association import Associator

        assoc = Associator(relink_s=0.0, coast_s=0.07)
        by_frame: dict[int, list[_Cand]] = {}
        for c in self.cands:
            by_frame.setdefault(c.frame, []).append(c)
        # blobs by (frame, x, y): tracks may be joined while associating, so
        # their samples are looked up by what they hold, not by the track's id
        where: dict[tuple[int, float, float], _Cand] = {}
        for f in sorted(by_frame):
            cs = by_frame[f]
            for c in cs:
                where[(f, c.x, c.y)] = c
            assoc.step(cs[0].t, f, [Detection(c.x, c.y, c.r) for c in cs])
        runs: list[list[_Cand]] = []
        for tr in assoc.all.values():
            run: list[_Cand] = []
            for f, x, y in zip(tr.frame, tr.x, tr.y, strict=True):
                c = where.get((f, x, y))
                if c is None:
                    continue
                if run and f - run[-1].frame > 2:
                    runs.append(run)
                    run = []
                run.append(c)
            runs.append(run)
        wins = [(i, a, cs) for i, run in enumerate(runs) for a, cs in self._windows(run)]
        # every throw may leave the top of the picture (a close webcam, high
        # throws: 71 webcam s60's 7s show 4 blobs up and 4 down, its 1s 3-4 in
        # the hands): no whole arc, yet an up run and a down run that one
        # parabola joins measure gravity over the whole unseen flight
        pairs = [(arc_g, cs) for _, _, cs, arc_g in self._out_of_top(runs, set(), None)]
        if not wins and not pairs:
            return [], runs
        g = self._run_gravity(runs, [(a, cs) for _, a, cs in wins], pairs)
        self._g = g
        if g is None:
            return [], runs
        # free flight: the windows near that gravity; their blobs carry the ball colours
        balls: dict[int, dict[int, _Cand]] = {}
        for i, a, cs in wins:
            # (a white ball's arc ends merge with the pale hands that throw and catch
            # it, pulling them down: it curves more sharply, 633 wide s57 at 1.7 g)
            if 0.7 * g <= a <= (WHITE_MAX_G if _greyish(cs) else 1.4) * g:
                balls.setdefault(i, {}).update({id(c): c for c in cs})
        flying = [sorted(d.values(), key=lambda c: c.frame) for d in balls.values()]
        # a ball thrown out of the top of the picture: its way up and its way down
        # are two runs that one parabola of gravity g joins over the unseen gap
        # (before the short stretches below: a side alone is one, and would take
        # the run from the pair, whose other side the colour then misses)
        self._pairs = []
        for i, j, cs, _ in self._out_of_top(runs, set(balls), g):
            balls[i] = balls[j] = {}
            flying.append(cs)
            self._pairs.append(cs)
        # with gravity known, shorter stretches that fall with it are flights too: a
        # fast ball thrown out of the top of the picture shows only a few blobs on
        # its way up and down (such a colour must fly twice, see _flight_model)
        self._short = []
        for i, run in enumerate(runs):
            if i in balls:
                continue
            short = self._fixed_g(run, g)
            if short:
                balls[i] = {}
                flying.append(short)
                self._short.append(short)
        # fast balls the association did not link: chains that fall with g
        taken = {id(c) for run in flying for c in run}
        r_fly = float(np.median([c.r for run in flying for c in run])) if taken else 0.0
        for chain in self._chains(g, taken, 0.5 * r_fly):
            flying.append(chain)
            self._short.append(chain)
            taken.update(id(c) for c in chain)
        # a ball thrown far out of the top from close by shows two or three blobs
        # each way (633 webcam s49: 6s at 70 px a frame, r 20, their apex a
        # picture's height above it): too few to fit alone, and the association
        # does not link them; two such sides that one parabola joins over the
        # unseen second are a flight
        streaks = self._streaks(taken, 0.5 * r_fly)
        for _, _, cs, _ in self._out_of_top(streaks, set(), g):
            flying.append(cs)
            self._pairs.append(cs)
        others = [run for i, run in enumerate(runs) if i not in balls]
        return flying, others

    def _chains(
        self, g: float, taken: set[int], r_min: float = 0.0, n: int = 4
    ) -> list[list[_Cand]]:
        """Blobs in n or more consecutive frames that fall with image gravity g.

        A high throw seen from close by crosses the picture in 4-5 frames at
        60 px a frame; among hands and arms the association links such a ball
        to something else (645 webcam s78: a green 6 never learned). With g
        known, two blobs of one size and hue predict where the third must be
        to a few pixels, and a chain of n that keeps to the prediction and
        falls through two ball diameters is a flight. Only fast chains (a
        radius a frame or more): slow balls are in the parabola windows. Only
        blobs of at least ``r_min``: shirt specks bob along chains too (51
        webcam s60: r 2-4 specks beside balls of r 21 widened the red range).
        """
        by_frame: dict[int, list[_Cand]] = {}
        for c in self.cands:
            if not c.edge and id(c) not in taken and c.r >= r_min:
                by_frame.setdefault(c.frame, []).append(c)

        def alike(a: _Cand, b: _Cand) -> bool:
            if not 0.5 <= b.r / a.r <= 2.0 or (a.sat >= 60) != (b.sat >= 60):
                return False
            return a.sat < 60 or _hue_dist(a.hue, b.hue) <= 12

        used: set[int] = set()

        def next_on(chain: list[_Cand]) -> _Cand | None:
            """The blob in the next frame where the chain's fall puts it, if any."""
            a, b = chain[-2], chain[-1]
            dt = b.t - a.t
            vx = (b.x - a.x) / dt
            vy = (b.y - a.y) / dt + 0.5 * g * dt
            best, best_d = None, max(3.0, 0.5 * b.r)
            for c in by_frame.get(b.frame + 1, []):
                if id(c) in used or not alike(b, c) or c.t <= b.t:
                    continue
                h = c.t - b.t
                d = np.hypot(c.x - b.x - vx * h, c.y - b.y - vy * h - 0.5 * g * h * h)
                if d <= best_d:
                    best, best_d = c, d
            return best

        out = []
        for f in sorted(by_frame):
            for c0 in by_frame[f]:
                if id(c0) in used:
                    continue
                for c1 in by_frame.get(f + 1, []):
                    if id(c1) in used or not alike(c0, c1) or c1.t <= c0.t:
                        continue
                    if np.hypot(c1.x - c0.x, c1.y - c0.y) < max(c0.r, c1.r):
                        continue
                    chain = [c0, c1]
                    while (nxt := next_on(chain)) is not None:
                        chain.append(nxt)
                    fit = self._fixed_g(chain, g, n) if len(chain) >= n else []
                    if fit:
                        used.update(id(c) for c in chain)
                        out.append(fit)
                        break
        return out

    def _streaks(self, taken: set[int], r_min: float) -> list[list[_Cand]]:
        """Blobs of one size and hue in consecutive frames, each step fast and upright.

        Faster than 1.5 radii a frame, mostly vertical, one way: a ball near the top
        of a high throw (hands swing sideways and turn within a few frames). Big
        blobs too: from close by such a ball streaks over 1 % of the picture.
        """
        by_frame: dict[int, list[_Cand]] = {}
        for c in self.cands:
            if not c.edge and id(c) not in taken and c.r >= r_min:
                by_frame.setdefault(c.frame, []).append(c)

        def step(a: _Cand, b: _Cand, dy0: float | None) -> bool:
            if not 0.6 <= b.r / a.r <= 1.6 or (a.sat >= 60) != (b.sat >= 60):
                return False
            if a.sat >= 60 and _hue_dist(a.hue, b.hue) > 9:
                return False
            dy, dx = b.y - a.y, b.x - a.x
            if abs(dy) < 1.5 * max(a.r, b.r) or abs(dx) > 0.5 * abs(dy):
                return False
            return dy0 is None or (dy * dy0 > 0 and 0.5 <= dy / dy0 <= 2.0)

        used: set[int] = set()
        out = []
        for f in sorted(by_frame):
            for c0 in by_frame[f]:
                if id(c0) in used:
                    continue
                run, dy0 = [c0], None
                while True:
                    a = run[-1]
                    nxt = [
                        c
                        for c in by_frame.get(a.frame + 1, [])
                        if id(c) not in used and step(a, c, dy0)
                    ]
                    if not nxt:
                        break
                    b = min(nxt, key=lambda c: abs(c.x - a.x))
                    dy0 = b.y - a.y
                    run.append(b)
                if len(run) >= 2:
                    used.update(id(c) for c in run)
                    out.append(run)
        return out

    @classmethod
    def _run_gravity(
        cls,
        runs: list[list[_Cand]],
        wins: list[tuple[float, list[_Cand]]],
        pairs: list[tuple[float, list[_Cand]]] | None = None,
    ) -> float | None:
        """Image gravity from 9-blob windows where there are six or more, else from ``wins``.

        An acceleration fitted over 1.5x the time is ~2.5x less disturbed by the
        wobble of crescent-shaped blobs (31 webcam: 6-blob windows 2400-8900 px/s^2
        around a true 4260, and the vote fell on 6778; 9-blob windows give 4289).
        ``pairs`` (out-of-the-top flights) vote along with either.
        """
        long = [w for run in runs for w in cls._windows(run, window=9, min_len=9)]
        g = cls._gravity(long, pairs) if len(long) >= 6 else None
        return g if g is not None else cls._gravity(wins, pairs)

    @staticmethod
    def _gravity(
        wins: list[tuple[float, list[_Cand]]],
        pairs: list[tuple[float, list[_Cand]]] | None = None,
    ) -> float | None:
        """Image gravity (px/s^2): the acceleration the parabola windows agree on.

        Each window is held to what its own blobs' size says (9.81 m/s^2 at 34 mm
        per ball radius; blobs seen moving are often crescents, so loosely: 0.5-3x):
        moving texture on a shirt also "falls", but it is not a ball's size. The
        vote is weighted by the height each window falls through: a ball's arcs
        fall far, a wobble of specks little (a single ball before a patterned
        shirt: a dozen speck windows outvoted its nine).

        Flights that left the picture through its top (``pairs``, up and down
        runs joined) vote too, by the height they fell from their apex above the
        picture, but the value is the windows' median where any window agrees:
        such an arc spans hundreds of pixels above the picture, where a tilted
        camera bends it (fits of 0.7-0.95 g).
        """

        def fall(cs: list[_Cand]) -> float:
            ts = np.array([c.t for c in cs]) - cs[0].t
            ys = np.array([c.y for c in cs])
            py = np.polyfit(ts, ys, 2)
            return float(ys.max() - (py[2] - py[1] ** 2 / (4.0 * py[0])))

        allw = list(wins) + list(pairs or [])
        if not allw:
            return None
        prior = np.array([9.81 * float(np.median([c.r for c in cs])) / 0.034 for _, cs in allw])
        span = np.array(
            [float(np.ptp([c.y for c in cs])) for _, cs in wins]
            + [fall(cs) for _, cs in pairs or []]
        )
        accs = np.array([a for a, _ in allw])
        cands = accs[(accs >= 0.5 * prior) & (accs <= 3.0 * prior)]
        if cands.size == 0:
            return None
        fits = [
            (0.5 * prior <= g) & (g <= 3.0 * prior) & (np.abs(accs / g - 1.0) <= 0.3) for g in cands
        ]
        best = cands[int(np.argmax([float(span[f].sum()) for f in fits]))]
        near = np.abs(accs / best - 1.0) <= 0.3
        own = near[: len(wins)]
        return float(np.median(accs[: len(wins)][own] if own.any() else accs[near]))

    @staticmethod
    def _out_of_top(
        runs: list[list[_Cand]], taken: set[int], g: float | None
    ) -> list[tuple[int, int, list[_Cand], float]]:
        """(up run, down run, blobs, fitted curvature) of flights that left through the top.

        A high throw seen at video rates shows a few blobs on its way up and a few
        on its way down. Each side must be fast enough to reach the top (v^2 >= 2 g y
        at its last or first blob), and the two must fit one parabola whose apex lies
        above the picture: its curvature within a factor 1.5 of image gravity g (far
        outside the picture a tilted camera's projection bends the arc) and little
        off it, up and down alike, over the gap the ball spent out of sight.
        With g not known yet (None), each side and arc is held to the gravity its
        own blobs' size implies (9.81 m/s^2 at 34 mm per ball radius, 0.5-3x, as
        for the parabola windows in ``_gravity``).
        """

        def g_of(cs: list[_Cand]) -> tuple[float, float]:
            if g is not None:
                return 0.67 * g, 1.5 * g
            prior = 9.81 * float(np.median([c.r for c in cs])) / 0.034
            return 0.5 * prior, 3.0 * prior

        def alike(a: _Cand, b: _Cand) -> bool:
            # a ball's blob does not halve or double in size, nor change its hue,
            # from frame to frame
            return 0.5 <= b.r / a.r <= 2.0 and _hue_dist(b.hue, a.hue) <= 15

        def ends(run: list[_Cand], up: bool) -> list[_Cand]:
            # the side nearest the top, from the top inwards
            seq = [c for c in run if not c.edge]
            seq = (seq[::-1] if up else seq)[:6]
            # the ball's own blobs, up to 4: the association may go on to a speck or
            # a hand, and may take a speck in the ball's place for a frame (the
            # ball's blob merged with a moving head behind it: 71 webcam s60's
            # sides read ball, ball, speck, ball); such a blob is passed over
            cs: list[_Cand] = []
            for k in range(min(3, len(seq))):
                got = [seq[k]]
                for c in seq[k + 1 :]:
                    if len(got) == 4 or abs(c.frame - got[-1].frame) > 3:
                        break
                    if alike(got[-1], c):
                        got.append(c)
                if len(got) > len(cs):
                    cs = got
            cs = cs[::-1] if up else cs
            if len(cs) < 2 or cs[-1].t <= cs[0].t:
                return []
            a, b = (cs[-2], cs[-1]) if up else (cs[0], cs[1])
            vy = (b.y - a.y) / max(b.t - a.t, 1e-6)
            if (vy >= 0) if up else (vy <= 0):
                return []
            # fast enough to reach y = 0 against gravity
            return cs if vy * vy >= 2.0 * g_of(cs)[0] * max(b.y if up else a.y, 0.0) else []

        def hue(cs: list[_Cand]) -> float:
            # area-weighted: a speck the association picked up does not pull it
            ang = np.array([c.hue for c in cs]) * (np.pi / 90.0)
            w = np.array([c.r * c.r for c in cs])
            return float(
                np.arctan2((w * np.sin(ang)).sum(), (w * np.cos(ang)).sum()) * 90.0 / np.pi
            )

        def arc(cs: list[_Cand]) -> tuple[float, float] | None:
            """(residual, curvature) of one parabola through both sides, if it fits."""
            ts = np.array([c.t for c in cs]) - cs[0].t
            ys = np.array([c.y for c in cs])
            xs = np.array([c.x for c in cs])
            py = np.polyfit(ts, ys, 2)
            lo, hi = g_of(cs)
            if not lo <= 2.0 * py[0] <= hi:
                return None
            ey = ys - np.polyval(py, ts)
            ex = xs - np.polyval(np.polyfit(ts, xs, 1), ts)
            res = float(np.sqrt(np.mean(ey**2 + ex**2)))
            rm = float(np.median([c.r for c in cs]))
            apex = py[2] - py[1] ** 2 / (4.0 * py[0])
            return (res, 2.0 * float(py[0])) if res <= max(2.0, 0.5 * rm) and apex < 0 else None

        sides = [(i, ends(r, True), ends(r, False)) for i, r in enumerate(runs) if i not in taken]
        ups = [(i, u, hue(u)) for i, u, _ in sides if u]
        downs = [(i, d, hue(d)) for i, _, d in sides if d]
        out = []
        used: set[int] = set()
        for i, a, h_a in ups:
            best: tuple[tuple[float, float], int, list[_Cand]] | None = None
            for j, b, h_b in downs:
                if j in used or j == i or b[0].t <= a[-1].t:
                    continue
                if _hue_dist(h_b, h_a) > 9:
                    continue
                # one stray blob the association took may go, from a side of 3 or more
                tries = (
                    [a + b]
                    + [a[:k] + a[k + 1 :] + b for k in range(len(a)) if len(a) >= 3]
                    + [a + b[:k] + b[k + 1 :] for k in range(len(b)) if len(b) >= 3]
                )
                fits = [(res, cs) for cs in tries[:1] if (res := arc(cs)) is not None] or [
                    (res, cs) for cs in tries[1:] if (res := arc(cs)) is not None
                ]
                if fits:
                    res, cs = min(fits, key=lambda f: f[0])
                    if best is None or res < best[0]:
                        best = (res, j, cs)
            if best is not None:
                used.add(best[1])
                out.append((i, best[1], best[2], best[0][1]))
        return out

    @staticmethod
    def _fixed_g(run: list[_Cand], g: float, n: int = 4, long_n: int = 8) -> list[_Cand]:
        """Blobs of the stretches of n samples that fall with image gravity g.

        With g fixed only the velocity is fitted, so four blobs suffice; over so
        few frames a steady swing fits almost as well, so the stretch's own
        fitted acceleration must at least point down (a third of g: four blobs
        measure it only roughly), and the arc must span two ball diameters.
        Over ``long_n`` blobs one diameter will do: a low throw seen from afar
        (531 wide colour s21: the white ball's 3s rise five of its radii) spans
        two in no four frames, and a swing that long bends off the parabola.
        """
        out: dict[int, _Cand] = {}
        seg: list[_Cand] = []
        for c in [*(c for c in run if not c.big), None]:
            if c is not None and not c.edge:
                seg.append(c)
                continue
            stretches = [(i, n, 4.0) for i in range(len(seg) - n + 1)]
            stretches += [(i, long_n, 2.0) for i in range(len(seg) - long_n + 1)]
            for i, k, span in stretches:
                cs = seg[i : i + k]
                ts = np.array([c.t for c in cs]) - cs[0].t
                y = np.array([c.y for c in cs])
                xs = np.array([c.x for c in cs])
                rm = float(np.median([c.r for c in cs]))
                if ts[-1] <= 0 or np.ptp(y) < span * rm:
                    continue
                ys = y - 0.5 * g * ts * ts
                ey = ys - np.polyval(np.polyfit(ts, ys, 1), ts)
                ex = xs - np.polyval(np.polyfit(ts, xs, 1), ts)
                res = np.sqrt(np.mean(ey**2 + ex**2))
                if res <= max(1.5, 0.5 * rm) and 2.0 * np.polyfit(ts, y, 2)[0] >= g / 3:
                    out.update({id(c): c for c in cs})
            seg = []
        return sorted(out.values(), key=lambda c: c.frame)

    @staticmethod
    def _windows(
        run: list[_Cand], window: int = 6, min_len: int = 5
    ) -> list[tuple[float, list[_Cand]]]:
        """(vertical acceleration px/s^2, blobs) of each short stretch that is a parabola.

        A track holds catches and carries too, so parabolas are fitted to short
        windows of it (a smooth arc spanning at least two ball diameters vertically),
        starting at every sample: one stray blob at a run's start (the hand the ball
        just left) must not spoil the only window of a short run. Blobs cut by the
        picture's border (a ball thrown out of the top) have their centre pulled
        inwards, so they end a stretch.
        """
        # big blobs (a close ball's streak, or a hand) are left out: a streak's
        # centre is mid-exposure, and a hand's scoop would vote on gravity
        run = [c for c in run if not c.big]
        out = []
        start = 0
        for k in range(len(run) + 1):
            if k < len(run) and not run[k].edge:
                continue
            out += ColorLearner._fit_windows(run[start:k], window, min_len)
            start = k + 1
        return out

    @staticmethod
    def _fit_windows(
        run: list[_Cand], window: int, min_len: int, long_window: int = 9
    ) -> list[tuple[float, list[_Cand]]]:
        if len(run) < min_len:
            return []
        t = np.array([c.t for c in run])
        y = np.array([c.y for c in run])
        x = np.array([c.x for c in run])
        r = np.array([c.r for c in run])
        w = min(window, len(run))
        out = []
        for i in range(0, len(run) - w + 1):
            ts = t[i : i + w] - t[i]
            if ts[-1] <= 0:
                continue
            ys, xs = y[i : i + w], x[i : i + w]
            py = np.polyfit(ts, ys, 2)
            px = np.polyfit(ts, xs, 1)
            res = np.sqrt(np.mean((ys - np.polyval(py, ts)) ** 2 + (xs - np.polyval(px, ts)) ** 2))
            rm = float(np.median(r[i : i + w]))
            # a fast stretch (a hand's scoop turns over like a parabola too, but
            # over a small height)
            if res <= max(1.5, 0.5 * rm) and np.ptp(ys) >= 4 * rm:
                out.append((2.0 * float(py[0]), run[i : i + w]))
        # a low throw seen from afar rises only a few ball radii: over longer
        # windows a smaller height suffices, with a tighter fit
        w = long_window
        for i in range(0, len(run) - w + 1 if len(run) >= w else 0):
            ts = t[i : i + w] - t[i]
            if ts[-1] <= 0:
                continue
            ys, xs = y[i : i + w], x[i : i + w]
            rm = float(np.median(r[i : i + w]))
            if np.ptp(ys) >= 4 * rm or np.ptp(ys) < 2 * rm:
                continue  # tall ones are in the short windows already
            py = np.polyfit(ts, ys, 2)
            px = np.polyfit(ts, xs, 1)
            res = np.sqrt(np.mean((ys - np.polyval(py, ts)) ** 2 + (xs - np.polyval(px, ts)) ** 2))
            if res <= max(1.0, 0.3 * rm):
                out.append((2.0 * float(py[0]), run[i : i + w]))
        return out

    def model(self, min_blobs: int = 8) -> ColorModel:
        """Colour ranges of the balls (free-flight tracks), else of the hue histogram."""
        balls, others = self._runs()
        if sum(len(r) for r in balls) >= min_blobs:
            model = self._flight_model(balls, others)
            if model.ranges:
                return model
        return self._histogram_model(min_blobs)

    def _flight_model(self, balls: list[list[_Cand]], others: list[list[_Cand]]) -> ColorModel:
        runs = []
        short = {id(r) for r in self._short}
        frags: set[int] = set()
        for run in balls:
            # where two balls cross the association may go on with the other one: a
            # flight whose hue jumps is split there, so each part joins its own
            # colour (a mixed flight's mean hue is neither ball's)
            parts = [run] if _greyish(run) or id(run) in short else _hue_parts(run)
            # a blob or two of a mixed hue (where two balls overlap) may join a
            # colour but not start one
            if len(parts) > 1:
                frags.update(id(p) for p in parts if len(p) < 3)
            for part in parts:
                runs.append(
                    (
                        _circular_median(np.array([c.hue for c in part])),
                        float(np.median([c.sat for c in part])),
                        part,
                        _greyish(part) or (None if _pale(part) else False),
                    )
                )
        ranges: list[ColorRange] = []
        grey_runs = [r[:3] for r in runs if r[3]]
        runs = sorted((r[:3] for r in runs if r[3] is False), key=lambda r: -len(r[2]))
        clusters: list[list] = []
        sat_of: list[float] = []
        for h, _s, run in runs:
            for cl in clusters:
                if _hue_dist(h, cl[0]) <= 9:
                    cl[1].append(run)
                    cl[0] = _circular_median(np.array([c.hue for r in cl[1] for c in r]))
                    break
            else:
                if id(run) not in frags:
                    clusters.append([h, [run]])
        total = sum(len(r) for _, _, r in runs) + sum(len(r) for _, _, r in grey_runs)
        # balls of one set share a size: the colour seen in the most flying blobs
        # is surely a ball; a "colour" whose blobs are all specks beside it is
        # shirt texture bobbing with the body (r 2.3 beside balls of r 6). A
        # quarter of ball-sized blobs will do: a ball crossing something of its
        # own colour shows only its highlight moving (31 webcam s90: half the red
        # ball's blobs were r 3-5 beside its whole blobs of r 14)
        big = max(clusters, key=lambda cl: sum(len(r) for r in cl[1]), default=None)
        r_ref = float(np.median([c.r for r in big[1] for c in r])) if big else 0.0
        for _h, members in clusters:
            cs = [c for run in members for c in run]
            if len(cs) < max(4, 0.03 * total):
                continue
            if sum(c.r >= 0.5 * r_ref for c in cs) < max(4, 0.25 * len(cs)):
                continue
            if sum(id(r) in short for r in members) == len(members) < 2:
                continue  # one short stretch alone could be a hand's swing
            hues = np.array([c.hue for c in cs])
            hue_c = _circular_median(hues)
            dh = _hue_dist(hues, hue_c)
            # robust spread: blobs that caught some wall or skin have off hues
            spread = max(7.0, min(10.0, 4.5 * float(np.median(dh)) + 3))
            s_ball = float(np.median([c.sat for c in cs]))
            s_lo = max(
                self.min_sat - 20,
                min(s_ball - 70, 0.65 * float(np.percentile([c.sat for c in cs], 20))),
            )
            v_lo = max(self.min_val - 10, 0.6 * float(np.percentile([c.val_lo for c in cs], 20)))
            if _DEBUG:
                print("cluster", round(hue_c), round(s_ball), len(cs))
            # skin hues (reds and oranges): hands also turn over like a parabola at
            # the top of a scoop; a weakly saturated cluster of that hue, no more
            # saturated than what moves without flying, is skin
            if hue_c <= 25 or hue_c >= 172:
                near = [
                    float(np.median([c.sat for c in run]))
                    for run in others
                    if len(run) >= 4
                    and _hue_dist(_circular_median(np.array([c.hue for c in run])), hue_c) <= spread
                ]
                if near and s_ball < min(100.0, float(np.median(near)) + 30):
                    continue
            # things of this hue that move but do not fly (a hand, a sleeve): the ball
            # range keeps above their saturation when the ball is clearly more saturated
            r_ball = float(np.median([c.r for c in cs]))
            for run in others:
                if len(run) < 4:
                    continue
                oh = _circular_median(np.array([c.hue for c in run]))
                os_ = float(np.median([c.sat for c in run]))
                # (not specks far smaller than the ball: a few rim pieces of the ball
                # itself moving in the hand, 633 wfov s17: r 2 beside a ball of r 6,
                # lifted the blue floor above the blurred ball in flight)
                big_enough = float(np.median([c.r for c in run])) >= 0.5 * r_ball
                if _hue_dist(oh, hue_c) <= spread and s_lo <= os_ < s_ball - 30 and big_enough:
                    s_lo = max(s_lo, 0.5 * (os_ + s_ball))
            ranges.append(
                ColorRange(
                    h_lo=int(round(hue_c - spread)) % 180,
                    h_hi=int(round(hue_c + spread)) % 180,
                    s_lo=int(s_lo),
                    v_lo=int(v_lo),
                    n=len(cs),
                )
            )
            sat_of.append(s_ball)
        # a white ball flies as often as a coloured one; a few short grey runs are
        # blurred rims and highlights of coloured balls
        # (and wall a grey shadow just uncovered: only bright grey runs count)
        grey_runs = [r for r in grey_runs if len(r[2]) >= 4]
        gcs = [c for _, _, run in grey_runs for c in run if c.val >= 140]
        # (a long run is several flights the association joined)
        n_grey = sum(max(1, len(run) // 8) for _, _, run in grey_runs)
        # or two flights' worth of bright blobs in whole parabola windows (6 blobs
        # each; 4-blob stretches of specks fall with gravity too, on a coloured ball)
        whole = [c for _, _, run in grey_runs if id(run) not in short for c in run if c.val >= 140]
        enough = len(gcs) >= max(16, 0.04 * total) or len(whole) >= max(12, 0.04 * total)
        # or one flight out of the top: up and down joined by one parabola of
        # gravity over the half second or more the ball spent above the picture,
        # both sides fast and ball-sized; no rim, highlight or wall trail does that
        # (71 webcam s60: the white's 7s leave the top, its 1s are 3 frames in the
        # hands; one 7 flies in the first 3 s)
        pairs = {id(r) for r in self._pairs}
        out_top = any(
            id(run) in pairs and sum(c.val >= 140 for c in run) >= 6 for _, _, run in grey_runs
        )
        # or bright grey flights away from every coloured blob: a rim or highlight
        # flies with its coloured ball, a white ball on its own (531 webcam s54:
        # three such 4-blob flights of val 255 in the first 3 s, the white ball
        # learned only at 5.5 s)
        by_frame: dict[int, list[_Cand]] = {}
        for c in self.cands:
            if c.sat >= 60:
                by_frame.setdefault(c.frame, []).append(c)

        def alone(run: list[_Cand]) -> bool:
            # (a tinted white's own blobs may reach S 60: they are not its neighbours)
            near = sum(
                any(
                    o is not c and np.hypot(o.x - c.x, o.y - c.y) <= 2.5 * max(o.r, c.r)
                    for o in by_frame.get(c.frame, [])
                )
                for c in run
            )
            return near <= 0.25 * len(run)

        lone = [
            run for _, _, run in grey_runs if alone(run) and sum(c.val >= 140 for c in run) >= 4
        ]
        if (n_grey >= 2 and enough) or out_top or len(lone) >= 3:
            vals = np.array([c.val for c in gcs])
            ranges.append(
                ColorRange(
                    h_lo=0,
                    h_hi=179,
                    s_lo=0,
                    v_lo=int(max(self.min_val, 0.85 * float(np.percentile(vals, 20)))),
                    s_hi=int(min(110, float(np.percentile([c.sat for c in gcs], 90)) + 30)),
                    moving=True,
                    n=len(gcs),
                )
            )
            sat_of.append(0.0)
        ranges, sat_of = _merge_overlaps(ranges, sat_of)
        # the ball radius: moving blobs are whole balls or crescents (slow near the
        # apex), so an upper quantile of their sizes
        radius = float(np.percentile([c.r for run in balls for c in run], 75))
        return self._vet(ranges, sat_of, radius, [c for run in balls for c in run])

    def _vet(
        self,
        ranges: list[ColorRange],
        sat_of: list[float],
        radius: float,
        flying: list[_Cand] | None = None,
    ) -> ColorModel:
        """Check the ranges on recent frames: they must paint little, and ball-sized blobs.

        A range that paints much of the picture (a shirt, a box, a poster of that
        hue) raises its saturation floor while the balls' own saturation stays well
        above it; if it still paints more than 1.5 %, it only counts where the
        picture moves (as for white balls). The ball radius is
        measured here on whole blobs (the moving blobs seen while learning are often
        crescents).
        """
        if not ranges or not self._recent:
            return ColorModel([], None)
        hsvs = [
            cv2.cvtColor(_resize(rgb, work_scale(rgb.shape, self.long)), cv2.COLOR_RGB2HSV)
            for rgb in self._recent
        ]

        def coverage(rng: ColorRange) -> float:
            return float(np.mean([np.count_nonzero(rng.mask(h)) / h[..., 0].size for h in hsvs]))

        kept = []
        for i, rng in enumerate(ranges):
            if not rng.moving:
                s_ball = sat_of[i] if i < len(sat_of) else 255.0
                cov = coverage(rng)
                while cov > 0.01 and rng.s_lo + 20 <= s_ball - 25:
                    rng.s_lo += 20
                    cov = coverage(rng)
                if cov > 0.015:
                    rng.moving = True
            kept.append(rng)
        if not kept:
            return ColorModel([], None)
        # every range flew, so none is dropped for its size. The radius: the colour
        # blobs found where a flying ball was seen (moving blobs near the apex are
        # only crescents of the ball)
        at: dict[int, list[_Cand]] = {}
        for c in flying or []:
            at.setdefault(c.frame, []).append(c)
        seg = ColorSegmenter(ColorModel(kept, None), ColorConfig(work_long_side=self.long))
        # the size gravity implies (9.81 m/s^2 at 35 mm per ball radius, balls are
        # 30-40 mm): a blob of the ball's colour far off it is something else the
        # ball flew past (a poster of its hue: 40 wfov s42 read r 13 for balls of 4)
        r_g = self._g * 0.035 / 9.81 if self._g else None
        radii = []
        for idx, rgb in zip(self._recent_idx, self._recent, strict=True):
            if idx not in at:
                continue
            dets = seg.process(rgb)
            if r_g is not None:
                dets = [d for d in dets if 0.5 * r_g <= d.radius_px <= 1.8 * r_g]
            for c in at[idx]:
                near = [d for d in dets if np.hypot(d.x - c.x, d.y - c.y) <= 2 * c.r + 3]
                if near:
                    radii.append(max(d.radius_px for d in near))
        if len(radii) >= 3:
            radius = float(np.median(radii))
        elif r_g is not None and not 0.5 * r_g <= radius <= 1.8 * r_g:
            radius = r_g
        # a range that finds many ball-sized blobs in every frame paints a textured
        # wall or clutter: it too counts only where the picture moves
        model = ColorModel(kept, radius)
        seg = ColorSegmenter(model, ColorConfig(work_long_side=self.long))
        counts = np.zeros(len(kept))
        for rgb in self._recent:
            for d in seg.process(rgb):
                counts[d.color_id] += 1
        for c, rng in enumerate(kept):
            if counts[c] > 4 * len(self._recent):
                rng.moving = True
        return model

    def _histogram_model(self, min_blobs: int = 8) -> ColorModel:
        """Clusters in (hue, saturation) with enough blobs become ball colours.

        Saturation separates a ball from skin or clothing of the same hue
        (an orange ball is far more saturated than a hand).
        """
        if len(self.samples) < min_blobs:
            return ColorModel([], None)
        a = np.array(self.samples)
        hb = (a[:, 0].astype(int) // 3) % 60
        sb = np.minimum(a[:, 1].astype(int) // 32, 7)
        hist = np.zeros((60, 8))
        np.add.at(hist, (hb, sb), 1.0)
        # smooth: hue wraps, saturation does not
        sm = hist.copy()
        for dh in (-1, 1):
            sm += 0.5 * np.roll(hist, dh, axis=0)
        ranges: list[ColorRange] = []
        used = np.zeros(len(a), dtype=bool)
        total = len(a)
        for _ in range(8):
            ph, ps = np.unravel_index(int(np.argmax(sm)), sm.shape)
            if sm[ph, ps] <= 0:
                break
            peak_h = ph * 3 + 1.5
            dh = _hue_dist(a[:, 0], peak_h)
            member = (dh <= 9) & (np.abs(a[:, 1] - (ps * 32 + 16)) <= 56) & ~used
            for j in range(-3, 4):
                sm[(ph + j) % 60, max(0, ps - 2) : ps + 3] = 0
            if member.sum() < max(4, 0.03 * total):
                continue
            used |= member
            m = a[member]
            hue_c = _circular_median(m[:, 0] * 1.0)
            dhm = _hue_dist(m[:, 0], hue_c)
            spread = max(6.0, min(12.0, 2.5 * float(np.std(dhm)) + 3))
            s_med = float(np.median(m[:, 1]))
            s_lo = int(max(self.min_sat - 20, s_med - 70))
            v_lo = int(max(self.min_val - 10, np.percentile(m[:, 2], 10) * 0.55))
            ranges.append(
                ColorRange(
                    h_lo=int(round(hue_c - spread)) % 180,
                    h_hi=int(round(hue_c + spread)) % 180,
                    s_lo=s_lo,
                    v_lo=v_lo,
                )
            )
        model = self._sizes(ColorModel(ranges, None))
        # same hue, different saturation (ball vs skin): split the saturation axis
        kept = model.ranges
        for i, ri in enumerate(kept):
            for rj in kept[i + 1 :]:
                lo_r, hi_r = (ri, rj) if ri.s_lo < rj.s_lo else (rj, ri)
                if _hue_overlap(ri, rj):
                    lo_r.s_hi = min(lo_r.s_hi, hi_r.s_lo - 1)
        model.ranges = [r for r in kept if r.s_hi > r.s_lo]
        return model

    def _sizes(self, model: ColorModel) -> ColorModel:
        """Measure each colour's compact blobs in recent frames; balls share one size.

        A colour whose blobs are much bigger than the smallest colour's is skin or
        clothing (hands are bigger than balls) and is dropped.
        """
        if not model.ranges or not self._recent:
            return model
        hsvs = [
            cv2.cvtColor(_resize(rgb, work_scale(rgb.shape, self.long)), cv2.COLOR_RGB2HSV)
            for rgb in self._recent
        ]

        def coverage(rng: ColorRange) -> float:
            return sum(float(np.count_nonzero(rng.mask(h))) / h[..., 0].size for h in hsvs) / len(
                hsvs
            )

        # a range that also paints skin, a wall or a shirt of that hue: balls are
        # usually the most saturated thing of their hue, so raise its saturation floor
        for rng in model.ranges:
            for _ in range(4):
                if coverage(rng) < 0.012 or rng.s_lo + 30 > 200:
                    break
                rng.s_lo += 30
        seg = ColorSegmenter(model, ColorConfig(work_long_side=self.long))
        per: dict[int, list[float]] = {}
        cover = np.zeros(len(model.ranges))
        for rgb in self._recent:
            for d in seg.process(rgb):
                per.setdefault(d.color_id, []).append(d.radius_px)
        for c, rng in enumerate(model.ranges):
            cover[c] = coverage(rng)
        # a colour that paints a large part of the picture is a wall or a shirt
        med = {
            c: float(np.percentile(v, 60))
            for c, v in per.items()
            if len(v) >= 3 and cover[c] < 0.06
        }
        if not med:
            return ColorModel([], None)
        # balls of every colour have one size: keep the colours near the typical one
        rmid = float(np.median(list(med.values())))
        keep = [c for c, r in sorted(med.items()) if 0.5 * rmid <= r <= 1.6 * rmid]
        if not keep:
            # two colours of very different sizes put the median between them, near
            # neither (71 webcam s5469 crashed here): the smaller is the ball's
            rmid = min(med.values())
            keep = [c for c, r in sorted(med.items()) if r <= 1.6 * rmid]
        radii = [r for c in keep for r in per[c]]
        return ColorModel([model.ranges[c] for c in keep], float(np.percentile(radii, 60)))


def _hue_centre(r: ColorRange) -> int:
    return (r.h_lo + ((r.h_hi - r.h_lo) % 180) // 2) % 180


def _span(r: ColorRange) -> set[int]:
    if r.h_lo <= r.h_hi:
        return set(range(r.h_lo, r.h_hi + 1))
    return set(range(r.h_lo, 180)) | set(range(0, r.h_hi + 1))


def _merge_overlaps(
    ranges: list[ColorRange], sat_of: list[float]
) -> tuple[list[ColorRange], list[float]]:
    """One range where hue clusters overlap by 40 % or more, until none do.

    Each range costs a threshold and a contour pass per frame; a ball's hue
    cluster split in two would only double that (and its detections).
    """
    out, sats = list(ranges), list(sat_of)
    merged = True
    while merged:
        merged = False
        for i in range(len(out)):
            for j in range(i + 1, len(out)):
                r, o = out[i], out[j]
                if r.moving or o.moving:
                    continue
                a, b = _span(r), _span(o)
                if len(a & b) < 0.4 * min(len(a), len(b)):
                    continue
                u = a | b
                # the union as one arc of the hue circle: it starts at the hue whose
                # predecessor is not in it
                start = next(h for h in sorted(u) if (h - 1) % 180 not in u)
                end = (start + len(u) - 1) % 180
                out[i] = ColorRange(
                    start, end, min(r.s_lo, o.s_lo), min(r.v_lo, o.v_lo), n=r.n + o.n
                )
                sats[i] = min(sats[i], sats[j])
                del out[j], sats[j]
                merged = True
                break
            if merged:
                break
    return out, sats


def _change(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Largest per-channel change between two RGB images (uint8).

    Not grey levels: a yellow ball on a beige wall has nearly the wall's
    brightness, but its blue channel differs by most of the range.
    """
    d = cv2.absdiff(a, b)
    return cv2.max(cv2.max(d[..., 0], d[..., 1]), d[..., 2])


def _hue_overlap(a: ColorRange, b: ColorRange) -> bool:
    def span(r: ColorRange) -> set[int]:
        if r.h_lo <= r.h_hi:
            return set(range(r.h_lo, r.h_hi + 1))
        return set(range(r.h_lo, 180)) | set(range(0, r.h_hi + 1))

    return bool(span(a) & span(b))


def _hue_dist(a: float | np.ndarray, b: float | np.ndarray) -> float | np.ndarray:
    """Shortest distance between hues on OpenCV's 0-179 hue circle."""
    return np.abs(((a - b + 90) % 180) - 90)


def _greyish(run: list[_Cand]) -> bool:
    """A white or grey ball's blobs: unsaturated, or bright and only faintly tinted.

    A scene's white balance casts a tint on a white ball (S up to ~65 at V 240:
    40 webcam s91's white read H 6, S 61, and was taken for a pale red "skin"
    colour); saturated balls have S ~200, and light skin S ~85 or more. Such a
    tinted run must be more than a 4-blob stretch: a pale wall just uncovered
    by a ball or an arm falls for 4 frames now and then (55550 nfov s84: S
    60-67, V 220).
    """
    return float(np.median([c.sat for c in run])) < 60 or (_pale(run) and len(run) >= 5)


def _pale(run: list[_Cand]) -> bool:
    """Bright and faintly tinted: a white ball under a tint or a pale wall, no coloured ball."""
    sat = float(np.median([c.sat for c in run]))
    return sat < 75 and float(np.median([c.val for c in run])) >= 200


def _hue_parts(run: list[_Cand], jump: float = 9.0) -> list[list[_Cand]]:
    """A run cut where the hue jumps by more than ``jump`` between two saturated blobs."""
    parts = [[run[0]]]
    for a, b in zip(run, run[1:], strict=False):
        if min(a.sat, b.sat) >= 60 and _hue_dist(b.hue, a.hue) > jump:
            parts.append([b])
        else:
            parts[-1].append(b)
    return parts


def _circular_median(h: np.ndarray) -> float:
    ang = h * (2 * np.pi / 180.0)
    mean = np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())
    return float((mean * 180.0 / (2 * np.pi)) % 180)


BG_ALPHA = 0.05  # running background: a frame's weight (a 20-frame memory)
BG_WARMUP = 5  # frames averaged before the background is used
WHITE_MAX_S = 60  # a white ball's part of a merged blob: no more saturated (skin: 85+)
BG_CHANGE = 24.0  # a pixel this far from the background (any channel) is in front of it
BG_STILL = 0.25  # a ball-sized blob with fewer such pixels is the background itself


@dataclass
class ColorConfig:
    work_long_side: int = 480
    min_fill: float = 0.4
    max_aspect: float = 2.8  # motion blur stretches fast balls
    area_ratio: tuple[float, float] = (0.2, 3.0)  # blob area / learned ball area


class ColorSegmenter:
    """Threshold each learned colour, keep ball-sized compact blobs.

    A ball matched by two overlapping ranges (orange and yellow, say) is kept once.
    Ranges marked ``moving`` (white balls, which the wall may match) count only
    pixels that changed against both of the last two frames.
    """

    def __init__(self, model: ColorModel, config: ColorConfig | None = None) -> None:
        self.model = model
        self.cfg = config or ColorConfig()
        self._k3 = np.ones((3, 3), np.uint8)
        self._greys: list[np.ndarray] = []
        self._bg: np.ndarray | None = None  # see _in_front
        self._bg_n = 0

    def _motion(self, small: np.ndarray, prev: list[np.ndarray]) -> np.ndarray | None:
        """Pixels that changed against both of the last two frames (``prev``)."""
        if len(prev) < 2 or prev[0].shape != small.shape:
            return None
        diff = cv2.min(_change(small, prev[-1]), _change(small, prev[-2]))
        return cv2.dilate(cv2.compare(diff, 16, cv2.CMP_GT), self._k3)

    def _fits(self, b: Blob, ball_area: float | None, img_area: int) -> str:
        """The verdict on one blob: a ball, too big (a ball merged with something
        of its colour) or no ball at all ("ball", "big", "no")."""
        cfg = self.cfg
        w, h, area = b.w, b.h, b.area
        if ball_area is not None:
            lo, hi = cfg.area_ratio
            # motion blur lengthens a fast ball, not widens it: a solid streak's
            # area grows with its elongation (a close webcam's 6s streak 20 x 50
            # px at 75 px a frame, over 3 ball areas, were never found in
            # flight); a ragged one is a ball merged with what it passes (a
            # moving-only range's white ball over a moving arm, 51 webcam s71)
            stretch = b.aspect if b.fill >= 0.6 else 1.0
            if area > hi * ball_area * stretch:
                return "big"
            if area < max(4.0, lo * ball_area):
                return "no"
        elif area < 6 or area > 0.01 * img_area:
            return "no"
        if max(w, h) > cfg.max_aspect * min(w, h) or area / (w * h) < cfg.min_fill:
            return "no"
        return "ball"

    def _in_front(
        self,
        small: np.ndarray,
        mask: np.ndarray,
        big: list[Blob],
        ball_area: float | None,
        img_area: int,
    ) -> list[Blob]:
        """Balls inside blobs of their colour that are too big to be one.

        A ball in front of a shirt of its colour merges with it (300 wide webcam
        s70 found no blue ball on a blue shirt). What differs from the recent
        background there is the ball: a running average of the frames, started
        when such a blob first shows, into which a flying ball leaves no trace
        and the slow sway of a shirt blurs only its edges. (Frame differences
        would also keep the ball's ghost: where it was, now shirt again.)
        """
        if self._bg is None or self._bg.shape[:2] != small.shape[:2]:
            self._bg, self._bg_n = small.astype(np.float32), 1
        if self._bg_n < BG_WARMUP:
            return []  # the first frames' balls are still in the average
        sub = np.zeros_like(mask)
        for b in big:
            ys, xs = slice(b.y, b.y + b.h), slice(b.x, b.x + b.w)
            sub[ys, xs] = cv2.bitwise_and(mask[ys, xs], self._changed(small, b))
        sub = cv2.morphologyEx(sub, cv2.MORPH_OPEN, self._k3)
        return [
            b for b in find_blobs(sub, min_area=4) if self._fits(b, ball_area, img_area) == "ball"
        ]

    def _background(self, small: np.ndarray, mask: np.ndarray, b: Blob) -> bool:
        """A ball-sized blob that is the running background: clutter cut into pieces.

        A box or poster of a ball's colour is one blob too big for a ball, until a
        ball passes in front of it and cuts off a ball-sized piece (40 wide colour
        s39: the green ball's apex in front of a maroon box of the magenta ball's
        hue; its pieces, taken as balls every few frames, broke the tracks at
        every apex and the clip read one ball). A flying ball leaves no trace in
        the running average (see ``_in_front``), so most of a real ball's own
        pixels differ from it; the pieces' pixels do not.
        """
        if self._bg is None or self._bg_n < BG_WARMUP or self._bg.shape[:2] != small.shape[:2]:
            return False
        # its own pixels only: what cut it off has changed
        inside = mask[b.y : b.y + b.h, b.x : b.x + b.w] > 0
        changed = self._changed(small, b)[inside] > 0
        return bool(inside.any()) and float(np.mean(changed)) < BG_STILL

    def _changed(self, small: np.ndarray, b: Blob) -> np.ndarray:
        """255 where a pixel of blob ``b``'s box is far from the running background."""
        ys, xs = slice(b.y, b.y + b.h), slice(b.x, b.x + b.w)
        d = cv2.absdiff(small[ys, xs].astype(np.float32), self._bg[ys, xs])
        return cv2.compare(d.max(axis=2), BG_CHANGE, cv2.CMP_GT)

    def _brightest(
        self,
        hsv: np.ndarray,
        mask: np.ndarray,
        big: list[Blob],
        ball_area: float | None,
        img_area: int,
    ) -> list[Blob]:
        """White balls inside moving blobs of their range that are too big to be one.

        A white ball passing a pale hand or the wall behind it merges with them
        where both moved (423 wide colour s50 found its white ball in 9 % of its
        frames). The ball is the whitest part, brightest and least tinted: split
        the blob at Otsu's threshold of V - S, again within the white part while
        that is still too big, and keep ball-sized parts that are unsaturated
        (a moving arm's highlight is skin, S 85 or more).
        """
        out: list[Blob] = []
        todo = [(b, 0) for b in big]
        while todo:
            b, depth = todo.pop()
            ys, xs = slice(b.y, b.y + b.h), slice(b.x, b.x + b.w)
            inside = mask[ys, xs] > 0
            white = cv2.subtract(hsv[ys, xs, 2], hsv[ys, xs, 1])  # only where it is needed
            vals = white[inside]
            if depth >= 2 or len(vals) < 8 or int(vals.max()) - int(vals.min()) < 24:
                continue
            thr, _ = cv2.threshold(vals.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            sub = np.zeros_like(mask)
            sub[ys, xs] = ((white > thr) & inside).astype(np.uint8) * 255
            for c in find_blobs(sub, min_area=4):
                fit = self._fits(c, ball_area, img_area)
                if fit == "big":
                    todo.append((c, depth + 1))
                    continue
                cy, cx = slice(c.y, c.y + c.h), slice(c.x, c.x + c.w)
                part = sub[cy, cx] > 0
                if fit == "ball" and np.median(hsv[cy, cx, 1][part]) < WHITE_MAX_S:
                    out.append(c)
        return out

    def process(self, rgb: np.ndarray) -> list[Detection]:
        if not self.model.ranges:
            return []
        s = work_scale(rgb.shape, self.cfg.work_long_side)
        small = _resize(rgb, s)
        prev = self._greys
        self._greys = (prev + [small])[-3:]
        hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
        motion = self._motion(small, prev) if any(r.moving for r in self.model.ranges) else None
        r_full = self.model.ball_radius_px
        ball_area = np.pi * (r_full * s) ** 2 if r_full else None
        blobs: list[tuple[Blob, int]] = []
        img_area = small.shape[0] * small.shape[1]
        for cid, rng in enumerate(self.model.ranges):
            m = rng.mask(hsv)
            if rng.moving:
                if motion is None:
                    continue
                m = cv2.bitwise_and(m, motion)
            m = cv2.morphologyEx(m, cv2.MORPH_OPEN, self._k3)
            big = []
            for b in find_blobs(m, min_area=4):
                fit = self._fits(b, ball_area, img_area)
                # (moving ranges already keep only what moved: a white ball may
                # differ little from the pale wall it crosses)
                if fit == "ball" and (rng.moving or not self._background(small, m, b)):
                    blobs.append((b, cid))
                elif fit == "big":
                    big.append(b)
            if big and rng.moving:
                found = self._brightest(hsv, m, big, ball_area, img_area)
                blobs += [(b, cid) for b in found]
            elif big:
                blobs += [(b, cid) for b in self._in_front(small, m, big, ball_area, img_area)]
        if self._bg is not None:
            if self._bg.shape[:2] != small.shape[:2]:
                self._bg = None
            else:  # the mean of the first frames, then a running average
                self._bg_n += 1
                cv2.accumulateWeighted(small, self._bg, max(BG_ALPHA, 1.0 / self._bg_n))
        dets = [
            Detection(
                x=float(b.cx) / s,
                y=float(b.cy) / s,
                radius_px=float(np.sqrt(b.area / np.pi)) / s,
                color_id=cid,
                area_px=float(b.area) / (s * s),
            )
            for b, cid in blobs
        ]
        if len(self.model.ranges) > 1 and len(dets) > 1:
            dets = _dedupe(dets)
        return dets


def _dedupe(dets: list[Detection]) -> list[Detection]:
    """One detection per ball when neighbouring hue ranges both paint it (largest wins)."""
    kept: list[Detection] = []
    for d in sorted(dets, key=lambda d: -d.area_px):
        if all(
            o.color_id == d.color_id or np.hypot(o.x - d.x, o.y - d.y) > max(o.radius_px, 2.0)
            for o in kept
        ):
            kept.append(d)
    return kept
