"""Depth segmentation: the juggler's band, balls (small, near, round) and hands.

Everything is sized in metres and converted with the intrinsics at the depth
where it is measured, so the same thresholds work for NFOV, WFOV, binned modes
and a Kinect v1. Works at half resolution on large frames (speed), maps
results back to full-resolution pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from edge_juggler.frames import Intrinsics
from edge_juggler.tracking.association import Detection
from edge_juggler.tracking.blobs import Blob, find_blobs
from edge_juggler.tracking.types import Hand


@dataclass
class DepthConfig:
    ball_diameter_m: tuple[float, float] = (0.04, 0.11)  # accepted ball sizes
    typical_ball_m: float = 0.068
    in_front_m: float = 0.07  # a ball/hand stands this much in front of what is behind it
    band_front_m: float = 1.3  # how far in front of the body balls may fly
    band_back_m: float = 0.35  # and behind the body's median depth (the mask's band)
    # balls fly in front of the torso: a candidate whose surface lies further behind
    # the body's median depth than this is the body's own relief (sides, hips, folds)
    ball_back_m: float = 0.1
    max_lateral_m: float = 1.0  # balls fly within this distance of the body's centre line
    body_half_m: float = 0.45  # a juggler's hands and balls stay this near the centre line
    min_body_m2: float = 0.12  # visible area of a person (torso and more)
    min_fill: float = 0.5  # blob area / bbox area (a disc is 0.785)
    max_aspect: float = 2.0
    # hands: the end of an arm, within reach of a shoulder (adult proportions)
    min_hand_area: float = 1.0  # in typical ball areas (a hand is about 1.7)
    head_to_shoulder_m: float = 0.28  # top of the head to the shoulder line
    shoulder_half_m: float = 0.2  # shoulder joint from the body's centre line
    reach_m: float = 0.8  # shoulder to palm, arm stretched (0.63 m for 1.75 m tall)
    hand_step_m: float = 0.1  # a hand moves less than this between frames
    max_hand_lateral_m: float = 0.6  # juggling hands from the centre line
    max_arm_m2: float = 0.15  # an arm's visible area is under 0.1 m^2 (with a thigh)
    hip_below_shoulder_m: float = 0.45  # the hip joints' drop (0.5 m for 1.75 m tall)
    work_width: int = 400  # frames wider than this are halved


# a detection ringed by pixels at its depth that begin or end this often (of 32 on a
# ring this many ball radii out, within this depth) is a piece of a speckled surface
SPECKLE_RING = 2.5
SPECKLE_SWITCHES = 10
SPECKLE_DEPTH_M = 0.15
_RING = (
    np.cos(np.linspace(0.0, 2.0 * np.pi, 32, endpoint=False)),
    np.sin(np.linspace(0.0, 2.0 * np.pi, 32, endpoint=False)),
)


def _kth(v: np.ndarray, q: float) -> float:
    """Quantile by partition (np.percentile/median cost ~10x more on small arrays)."""
    k = min(len(v) - 1, int(q * len(v)))
    return float(np.partition(v, k)[k])


def _run_around(on: np.ndarray, k: int) -> tuple[int, int]:
    """The run [lo, hi) of True values in a 1-D bool array that holds index k."""
    if not on[k]:
        return k, k
    lo = k - int(np.argmin(on[k::-1])) + 1 if not on[: k + 1].all() else 0
    hi = k + int(np.argmin(on[k:])) if not on[k:].all() else on.size
    return lo, hi


def _neck_below(filled: np.ndarray, top: int, k: int, rows_per_m: float) -> bool:
    """Whether the shape under ``top`` narrows to a neck on at least one side.

    Half-widths either side of column k: the narrowest in the 6-25 cm below the
    top against the widest in its first 10 cm (the head). One side is enough (a
    box at the body's depth can touch the other); a box's corner or slanted top
    keeps or gains width downwards on both.
    """
    n = filled.shape[0]
    head, neck = [], []
    for r in range(top, min(n, top + int(0.25 * rows_per_m) + 1)):
        lo, hi = _run_around(filled[r], k)
        d = r - top
        if d <= 0.1 * rows_per_m:
            head.append((k - lo, hi - k))
        if d >= 0.06 * rows_per_m:
            neck.append((k - lo, hi - k))
    if not head or not neck:
        return False
    wide, narrow = np.max(head, axis=0), np.min(neck, axis=0)
    return bool(np.any(narrow <= 0.7 * wide))


def _back_of(z: float, found: list[tuple[float, float]]) -> float:
    """Far end (mm) of a head's band at depth ``z`` mm: 0.5 m back, or short of the
    next thing ``find_body`` found behind it (found depths lie 0.35 m apart or more)."""
    nxt = min((c[0] for c in found if c[0] > z + 150), default=None)
    return z + 500 if nxt is None else min(z + 500, max(z + 150, nxt - 150))


class DepthSegmenter:
    """Per-frame depth -> ball detections, hands, body depth."""

    def __init__(self, intrinsics: Intrinsics, config: DepthConfig | None = None) -> None:
        self.cfg = config or DepthConfig()
        self.full = intrinsics
        # halve only when a ball 3 m away still spans ~5 work pixels (a wide-angle
        # mode's balls are a few pixels across: halving would erase them)
        big_enough = intrinsics.fx * self.cfg.typical_ball_m / 3.0 >= 10.0
        self.step = 2 if intrinsics.width > self.cfg.work_width and big_enough else 1
        self.intr = (
            intrinsics
            if self.step == 1
            else intrinsics.scaled(intrinsics.width // 2, intrinsics.height // 2)
        )
        self.f = 0.5 * (self.intr.fx + self.intr.fy)
        self.body_z: float | None = None
        self.body_x: float | None = None
        self._kernel_cache: dict[int, np.ndarray] = {}
        self._n = 0
        self._hand_row: float | None = None  # lower hand's row (work px), last frame
        self._last_hands: dict[bool, tuple[float, float]] = {}  # right? -> (col, row) work px
        self._head_at: tuple[float, float] | None = None  # top row, column (work px)
        self._prev_grid: np.ndarray | None = None  # find_body's coarse grid, last look
        self._moved_to = False  # find_body's last pick was told apart by motion
        self._own_head = False  # ... by a moving head at the pick's own depth
        self._still = 0  # find_body's looks in a row with its pick not moving at all
        self._found: list[tuple[float, float]] = []  # find_body's things (depth mm, column)

    def _kernel(self, k: int) -> np.ndarray:
        if k not in self._kernel_cache:
            self._kernel_cache[k] = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        return self._kernel_cache[k]

    def find_body(self, depth: np.ndarray) -> tuple[float, float] | None:
        """The juggler (depth mm, centre x in work pixels), from a coarse grid.

        The nearest large thing in the middle of the picture, unless it never moves
        and something moving, with a head, stands further back (a box's face seen
        obliquely by a wide-angle camera). Reads a strided view of the
        full-resolution frame (no copy, no resize).
        """
        s = 4 * self.step  # grid step in full-resolution pixels (4 work pixels)
        h, w = depth.shape
        # the juggler stands near the middle; the floor close to the camera fills the
        # bottom rows, so the search ignores the outer columns and the bottom quarter
        y0, y1, x0, x1 = int(0.05 * h), int(0.75 * h), int(0.15 * w), int(0.85 * w)
        small = depth[y0:y1:s, x0:x1:s]
        v = small[small > 0]
        if v.size < 20:
            return None
        bins = np.minimum(v // 50, 200).astype(np.int64)  # 5 cm bins
        hist = np.bincount(bins, minlength=201)
        # counts in a +-15 cm window
        win = np.convolve(hist, np.ones(7, dtype=np.int64), mode="same")
        found: list[tuple[float, float]] = []  # (depth mm, centre x work px), nearest first
        b = 1
        while b < 201:
            z = b * 0.05 + 0.025
            need = self.cfg.min_body_m2 * (self.f / 4) ** 2 / (z * z)
            if win[b] >= need and win[b] >= 0.02 * v.size:
                # refine: median of the values in the window
                sel = (bins >= b - 3) & (bins <= b + 3)
                zmm = float(np.median(v[sel]))
                band = (small > zmm - 150) & (small < zmm + 150)
                xs = np.nonzero(band)[1]
                xm = float(np.median(xs)) * s + x0 if xs.size else float(w) / 2
                found.append((zmm, xm / self.step))
                b += 7  # past this thing's depth window
                continue
            b += 1
        self._found = found
        if not found:
            return None
        # furniture at the side can be nearer than the juggler, who stands in the
        # middle part of the picture: the nearest such thing
        middle = [c for c in found if 0.25 * w <= c[1] * self.step <= 0.75 * w]
        pick = middle[0] if middle else found[0]
        # but a box's face can reach into the middle too: a juggler moves (hands,
        # arms, balls), furniture does not. When the pick shows no motion for three
        # looks and a thing further back moves and has a head, that is the juggler
        self._moved_to = False
        # all rows here: a juggler close to the camera moves the hands low down
        grid = depth[::s, x0:x1:s]
        prev, self._prev_grid = self._prev_grid, grid.copy()
        if prev is None or prev.shape != grid.shape or len(found) < 2:
            return pick
        moved = np.abs(grid.astype(np.int32) - prev) > 60

        def motion(c: tuple[float, float]) -> float:
            """Area (m^2) that moved in front of the thing, up to 0.6 m before it.

            Both readings in that depth range: an arm or ball passing in front of
            the juggler's own body counts, the background it uncovers does not.
            """
            lo, hi = c[0] - 600, c[0] + 150
            z = c[0] / 1000.0
            # only in front of the thing itself: a juggler beside a box at the
            # same depth moves the box's depth range, not the box
            half = self.cfg.body_half_m * self.f / z / 4  # grid columns
            j = (c[1] * self.step - x0) / s
            cols = slice(max(0, int(j - half)), max(0, int(j + half) + 1))
            g, pv = grid[:, cols], prev[:, cols]
            inside = (g > lo) & (g < hi) & (pv > lo) & (pv < hi)
            return np.count_nonzero(moved[:, cols] & inside) / (self.f / 4 / z) ** 2

        # furniture does not move at all (a juggler standing still still breathes
        # and moves the hands a little): only after three still looks in a row
        self._still = self._still + 1 if motion(pick) < 0.0005 else 0
        self._own_head = self._own_head and self._still >= 3
        if self._still:
            # a juggler told apart by motion before stays (where it was: the depth
            # band's median column also holds whatever else stands at that depth).
            # The thing nearest the body's depth: a box 0.15 m in front of it also
            # lies within 0.15 m of it once one look's median slips (423 wide s5170
            # lost the juggler to a box 0.22 m nearer for the last 4.5 s)
            if self.body_z is not None and abs(pick[0] - self.body_z) > 150:
                bz = self.body_z
                near = [c for c in found if c[0] > pick[0] + 150 and abs(c[0] - bz) < 150]
                if near:
                    c = min(near, key=lambda c: abs(c[0] - bz))
                    self._moved_to = True
                    return c[0], (self.body_x if self.body_x is not None else c[1])
        if self._still >= 3:
            work = depth[:: self.step, :: self.step]
            # the pick's own depth first: a juggler beside a tall box at the same
            # depth shares its band, whose median column the box pulls off the
            # juggler (40 wide s7578: column 152 for a juggler at 240, so balls
            # 0.3 m from the juggler lay past max_lateral_m). A moving head at that
            # very depth says where the juggler stands
            # (or that stays where the juggler was: a look whose motion falls short
            # would pull the column halfway back to the box)
            ppm = self.f / (pick[0] / 1000.0)
            for head in self._heads(work, pick[0]):
                at = (pick[0], head[1])
                hz = self._head_depth(work, head, pick[0])
                if hz is None or abs(hz - pick[0]) >= 150:
                    continue
                stays = (
                    self._own_head
                    and self.body_x is not None
                    and abs(head[1] - self.body_x) < 0.1 * ppm
                )
                if stays or motion(at) >= 0.002:
                    self._moved_to = self._own_head = True
                    return at
            self._own_head = False
            for c in found:
                if c[0] <= pick[0] + 150:
                    continue
                # and has a head on it (silhouette edges flicker on a wall behind),
                # which also says where the juggler stands: a box at the juggler's
                # depth pulls the band's median column off them. The head that
                # moves (4 wide depth s59: a narrow thing at the picture's edge,
                # highest, kept the juggler unfound for 2.8 s)
                for head in self._heads_or_short(work, c[0], found):
                    at = (c[0], head[1])
                    if motion(at) >= 0.002:
                        self._moved_to = True
                        return at
        return pick

    def process(self, depth: np.ndarray) -> tuple[list[Detection], list[Hand], float | None]:
        """Ball detections and hands (full-resolution pixels) and the body depth in metres.

        Only the columns within reach of the juggler are looked at, at the work
        resolution, and every full-frame step is one OpenCV kernel on uint16/uint8
        (no float images): this is what keeps a 640x576 frame under 2 ms on one core.
        """
        cfg = self.cfg
        st = self.step
        # the body moves slowly: look for it every few frames only
        if self.body_z is None or self._n % 4 == 0:
            body = self.find_body(depth)
            if body is not None:
                zb, bx = body
                if self.body_z is None or self._moved_to:
                    self.body_z, self.body_x = zb, bx  # (told apart by motion: no blend)
                else:
                    self.body_z = 0.7 * self.body_z + 0.3 * zb
                    self.body_x = 0.7 * self.body_x + 0.3 * bx
        self._n += 1
        if self.body_z is None:
            return [], [], None
        zb = self.body_z
        bx = self.body_x if self.body_x is not None else self.intr.cx
        zb_m = zb / 1000.0
        # columns a ball within max_lateral_m of the centre line can reach (balls fly
        # at most about half a metre in front of the body)
        H, W = depth.shape[0] // st, depth.shape[1] // st
        reach = (cfg.max_lateral_m + cfg.typical_ball_m) * self.f / max(zb_m - 0.5, 0.5)
        c0, c1 = max(0, int(bx - reach)), min(W, int(bx + reach) + 2)
        if c1 - c0 < 8:
            return [], [], zb_m
        if st == 1:
            d = depth[:, c0:c1]
        else:  # halving of the region only: a strided copy (cv2.resize of a view is slower)
            d = np.ascontiguousarray(depth[: H * 2 : 2, 2 * c0 : 2 * c1 : 2])
        ball_px = self.f * cfg.typical_ball_m / max(zb_m - 0.3, 0.3)
        k = int(2.5 * ball_px) | 1
        k = max(5, min(k, 61))
        lo = max(1.0, zb - 1000 * cfg.band_front_m)
        hi = zb + 1000 * cfg.band_back_m
        z_back = zb_m + cfg.ball_back_m
        # single-pixel dropouts take their farthest neighbour's depth first (else the
        # closing below would spread them over the whole body; inside a sparse ball,
        # small, far and dark, they keep the ball whole); what is still 0 (no reading
        # = beyond range) wraps to 65535 with the 1 mm shift, so a ball against the
        # void stands in front of it
        zero = cv2.compare(d, 0, cv2.CMP_EQ)
        far = d.copy()
        cv2.copyTo(cv2.dilate(d, self._kernel(3)), zero, far)
        far -= np.uint16(1)
        # grey closing fills in things smaller than the kernel with what lies behind
        # them (large shapes and their edges survive): a depth black-hat
        # (on every other pixel with half the kernel, then back: a quarter of the work;
        # the one-pixel steps this leaves along silhouettes vanish in the opening below)
        h2, w2 = far.shape
        half = np.ascontiguousarray(far[::2, ::2])
        behind = cv2.morphologyEx(half, cv2.MORPH_CLOSE, self._kernel((k // 2) | 1))
        behind = cv2.resize(behind, (w2, h2), interpolation=cv2.INTER_NEAREST)
        valid = cv2.inRange(far, int(lo), int(hi))
        front = cv2.inRange(cv2.subtract(behind, far), int(1000 * cfg.in_front_m) + 1, 65535)
        near = cv2.inRange(far, int(lo), int(zb - 251))  # anything well in front of the body
        mask = cv2.bitwise_or(cv2.bitwise_and(valid, front), near)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel(3))
        dets: list[Detection] = []
        arms: list[tuple[float, Blob]] = []
        joined: list[Blob] = []
        # cheap size pre-filter with the extreme depths of the band, exact checks after
        z_near = max(lo / 1000.0, 0.3)
        z_far = hi / 1000.0
        a_lo = np.pi * (self.f * 0.5 * cfg.ball_diameter_m[0] / z_far) ** 2 * 0.6
        a_hi = np.pi * (self.f * 0.5 * cfg.ball_diameter_m[1] / z_near) ** 2
        rim: list[Blob] = []  # pieces of a ball's rim against the void (see _rims)
        r_max = 0.5 * self.f * cfg.ball_diameter_m[1] / z_near
        for b in find_blobs(mask, min_area=4.0):
            if b.area < a_lo:
                if max(b.w, b.h) <= r_max:
                    rim.append(b)
                continue
            crop = mask[b.y : b.y + b.h, b.x : b.x + b.w] > 0
            zz = far[b.y : b.y + b.h, b.x : b.x + b.w][crop]
            if zz.size == 0:
                continue
            z_m = _kth(zz, 0.5) / 1000.0
            r_exp = self.f * 0.5 * cfg.typical_ball_m / z_m
            lateral = abs(b.cx + c0 - bx) * z_m / self.f  # metres from the body's centre line
            if (
                b.area <= a_hi
                and lateral <= cfg.max_lateral_m
                and z_m <= z_back
                and self._ball_like(b.area, b.w, b.h, z_m)
            ):
                rim_c = self._void_centre(d, far, b, z_m)
                cx, cy = rim_c or (b.cx, b.cy)
                if rim_c is not None and any(
                    np.hypot(q.x - (cx + c0) * st, q.y - cy * st) < 0.5 * r_exp * st for q in dets
                ):
                    continue  # another arc of the same rim: that ball is found
                dets.append(
                    Detection(
                        x=(cx + c0) * st,
                        y=cy * st,
                        radius_px=b.radius * st,
                        z_m=z_m + 0.5 * cfg.typical_ball_m,
                        area_px=b.area * st**2,
                    )
                )
            else:
                if max(b.w, b.h) <= r_max and b.area < 0.5 * np.pi * r_exp * r_exp:
                    rim.append(b)  # too small alone: maybe a piece of a rim
                # a ball touching a thin body part (arm, head, hand) joins its blob
                if lateral <= cfg.max_lateral_m + 0.3:
                    joined.append(b)
                if b.area > cfg.min_hand_area * np.pi * r_exp**2:
                    arms.append((b.area, b))
        # balls touch hands, arms and the head, not the legs: below the lower hand
        # (last frame's) plus two ball sizes, the split has nothing to look for
        if self._hand_row is not None:
            low = self._hand_row + 2.0 * ball_px
            joined = [b for b in joined if b.y < low]
        if joined:
            dets.extend(
                self._split(far, mask, joined, dets, bx - c0, c0, a_lo, a_hi, self._hand_row)
            )
        # gaps can only be ball-shaped inside the box of the band's readings
        gx, gy, gw, gh = cv2.boundingRect(valid)
        if gw > 2 and gh > 2:
            box = (slice(gy, gy + gh), slice(gx, gx + gw))
            dets.extend(
                self._holes(d[box], far[box], dets, bx - c0 - gx, c0 + gx, gy, lo, hi, a_lo, a_hi)
            )
        if len(rim) >= 2:
            dets.extend(self._rims(d, far, rim, dets, bx, c0, z_back))
        dets = self._not_speckle(depth, self._join_pieces(dets))
        hands = self._hands(far, mask, [b for _, b in sorted(arms, key=lambda a: -a[0])], dets, c0)
        self._hand_row = max(h.y_px for h in hands) / st if len(hands) == 2 else None
        return dets, hands, zb_m

    def _not_speckle(self, depth: np.ndarray, dets: list[Detection]) -> list[Detection]:
        """The detections that are no piece of a speckled surface.

        A dark or shiny thing (a black box, a screen) reads as scattered pixels
        with holes between; pieces of it stand in front of the holes (no reading,
        beyond range) and some are ball-sized: 441 wide s6214 had 33 such a frame
        beside a box at the juggler's depth. A ball stands against what is around
        it as one piece: on a ring ``SPECKLE_RING`` ball radii around it, pixels
        at its depth begin or end a few times at most (a hand, an arm), while
        around a piece of a speckled surface they alternate with others all the
        way round.
        """
        if not dets:
            return dets
        h, w = depth.shape
        z = np.array([q.z_m for q in dets])
        r = SPECKLE_RING * 0.5 * self.cfg.typical_ball_m * self.full.fy / z
        xs = np.array([q.x for q in dets])[:, None] + r[:, None] * _RING[0]
        ys = np.array([q.y for q in dets])[:, None] + r[:, None] * _RING[1]
        xi = np.clip(xs.astype(np.intp), 0, w - 1)
        yi = np.clip(ys.astype(np.intp), 0, h - 1)
        v = depth[yi, xi].astype(np.float64) / 1000.0
        same = np.abs(v - z[:, None]) < SPECKLE_DEPTH_M
        switches = (same != np.roll(same, 1, axis=1)).sum(axis=1)
        return [q for q, n in zip(dets, switches, strict=True) if n < SPECKLE_SWITCHES]

    def _rims(
        self,
        d: np.ndarray,
        far: np.ndarray,
        pieces: list[Blob],
        found: list[Detection],
        bx: float,
        c0: int,
        z_back: float,
    ) -> list[Detection]:
        """Balls seen only as a sparse ring of rim pixels against the void.

        An IR-dark ball with nothing in range behind it (above the head, in a wide
        view) reads depth only at a few scattered rim pixels: pieces each far under
        a ball's area, which no blob test passes (55550 wide depth s52: a ball 90 %
        dark found in 57 % of its flight, 71 % so). Pieces mostly surrounded by
        no reading, at one depth, within a ball's diameter of each other and
        covering a third of its area or more, are one ball, at the centre of
        their extent.
        """
        cfg = self.cfg
        st = self.step
        cand = []
        for b in pieces:
            y0, y1 = max(0, b.y - 2), b.y + b.h + 2
            x0, x1 = max(0, b.x - 2), b.x + b.w + 2
            if np.count_nonzero(d[y0:y1, x0:x1] == 0) < 0.4 * (y1 - y0) * (x1 - x0):
                continue  # not against the void: an edge's flying pixels
            z = float(np.min(far[b.y : b.y + b.h, b.x : b.x + b.w])) / 1000.0
            if z <= z_back:
                cand.append((b, z))
        cand.sort(key=lambda c: -c[0].area)  # the largest piece seeds its group
        out: list[Detection] = []
        used: set[int] = set()
        for i, (b, z) in enumerate(cand):
            if i in used:
                continue
            dia = self.f * cfg.ball_diameter_m[1] / z
            group = [
                j
                for j, (o, zo) in enumerate(cand)
                if j not in used and abs(zo - z) < 0.1 and np.hypot(o.cx - b.cx, o.cy - b.cy) <= dia
            ]
            blobs = [cand[j][0] for j in group]
            x_lo = min(o.x for o in blobs)
            x_hi = max(o.x + o.w for o in blobs)
            y_lo = min(o.y for o in blobs)
            y_hi = max(o.y + o.h for o in blobs)
            r_exp = 0.5 * self.f * cfg.typical_ball_m / z
            area = sum(o.area for o in blobs)
            # the side of the rim lit against something behind it (the face beside
            # dark hair) is no piece: it joined that thing's blob. Its pixels at the
            # pieces' depth within a diameter belong to the ball when the whole
            # stays a ball wide.
            grown = self._rim_at_depth(far, 0.5 * (x_lo + x_hi), 0.5 * (y_lo + y_hi), z, dia)
            pieces_n = len(blobs)
            if grown is not None:
                gx0, gy0, gx1, gy1, n = grown
                nx_lo, nx_hi = min(x_lo, gx0), max(x_hi, gx1)
                ny_lo, ny_hi = min(y_lo, gy0), max(y_hi, gy1)
                if max(nx_hi - nx_lo, ny_hi - ny_lo) <= dia and n > area:
                    x_lo, x_hi, y_lo, y_hi = nx_lo, nx_hi, ny_lo, ny_hi
                    area = float(n)
                    pieces_n += 1
            w, h = x_hi - x_lo, y_hi - y_lo
            if pieces_n < 2 or max(w, h) > dia or area < 0.33 * np.pi * r_exp * r_exp:
                continue
            x, y = 0.5 * (x_lo + x_hi) + c0, 0.5 * (y_lo + y_hi)
            lateral = abs(x - bx) * z / self.f
            if lateral > cfg.max_lateral_m or any(
                np.hypot(q.x - x * st, q.y - y * st) < r_exp * st for q in found
            ):
                continue
            used.update(group)
            out.append(
                Detection(
                    x=x * st,
                    y=y * st,
                    radius_px=0.25 * (w + h) * st,
                    z_m=z + 0.5 * cfg.typical_ball_m,
                    area_px=float(np.pi * (0.25 * (w + h)) ** 2) * st**2,
                )
            )
        return out

    def _void_centre(
        self, d: np.ndarray, far: np.ndarray, b: Blob, z: float
    ) -> tuple[float, float] | None:
        """The centre of a ball against the void from its whole rim, when its blob
        is only part of it.

        A shiny ball with nothing in range behind it reads depth on a thin ring of
        rim pixels; at the work resolution a few of them join into an arc (a C)
        and the rest stay apart, so the blob's centroid sits half a radius to one
        side (423 nfov depth s26: 4.7 px median off, the 3s' arcs broke up). Its
        pixels at the ball's depth within a diameter give the extent of the whole
        rim, whose centre is the ball's. None when the blob is not against the void,
        that extent is wider than a ball or no wider than the blob.
        """
        y0, y1 = max(0, b.y - 2), b.y + b.h + 2
        x0, x1 = max(0, b.x - 2), b.x + b.w + 2
        if np.count_nonzero(d[y0:y1, x0:x1] == 0) < 0.4 * (y1 - y0) * (x1 - x0):
            return None
        dia = self.f * self.cfg.ball_diameter_m[1] / z
        grown = self._rim_at_depth(far, b.cx, b.cy, z, dia)
        if grown is None:
            return None
        gx0, gy0, gx1, gy1, _ = grown
        xl, xh = min(b.x, gx0), max(b.x + b.w, gx1)
        yl, yh = min(b.y, gy0), max(b.y + b.h, gy1)
        hollow = b.area < 0.6 * b.w * b.h  # an arc, not a disc (pi/4 of its box)
        if max(xh - xl, yh - yl) > dia or ((xh - xl, yh - yl) == (b.w, b.h) and not hollow):
            return None  # (a disc and no rim beyond it: its own centroid, smear and all)
        return 0.5 * (xl + xh), 0.5 * (yl + yh)

    @staticmethod
    def _rim_at_depth(
        far: np.ndarray, x: float, y: float, z: float, dia: float
    ) -> tuple[int, int, int, int, int] | None:
        """Extent (x0, y0, x1, y1) and count of the pixels at depth z (m, +-5 cm)
        within a diameter ``dia`` of (x, y), or None when there are none."""
        H, W = far.shape
        r = int(np.ceil(dia))
        x0, y0 = max(0, int(x) - r), max(0, int(y) - r)
        win = far[y0 : min(H, int(y) + r + 1), x0 : min(W, int(x) + r + 1)]
        ys, xs = np.nonzero(np.abs(win.astype(np.int32) - int(1000 * z)) <= 50)
        if ys.size == 0:
            return None
        ok = np.hypot(xs + x0 - x, ys + y0 - y) <= dia
        if not ok.any():
            return None
        xs, ys = xs[ok] + x0, ys[ok] + y0
        return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1, int(ok.sum())

    def _join_pieces(self, dets: list[Detection]) -> list[Detection]:
        """One detection per ball for balls that read as a few rim pieces.

        An IR-dark or shiny ball with nothing behind it (above the head) reads no
        depth; only flying pixels on its rim and motion smear remain, as two or three
        small blobs. As separate detections they start rival tracks that split the
        flight. Pieces (each under half a typical ball's area at its depth: two whole
        balls side by side, or two in one hand, stay apart) whose centres lie within
        the largest ball's diameter of each other become one detection at their
        area-weighted centre.
        """
        cfg = self.cfg
        fs = self.f * self.step  # full-resolution focal length

        def small(o: Detection) -> bool:
            z = o.z_m or 1.0
            return o.area_px < 0.5 * np.pi * (fs * 0.5 * cfg.typical_ball_m / z) ** 2

        pieces = [o for o in dets if small(o)]
        if len(pieces) < 2:
            return dets
        out = [o for o in dets if not small(o)]
        groups: list[list[Detection]] = []
        for o in sorted(pieces, key=lambda o: -o.area_px):
            for g in groups:
                z = min(q.z_m or 1.0 for q in [*g, o])
                reach = fs * cfg.ball_diameter_m[1] / z  # the largest ball's diameter
                if all(np.hypot(q.x - o.x, q.y - o.y) <= reach for q in g):
                    g.append(o)
                    break
            else:
                groups.append([o])
        for g in groups:
            if len(g) == 1:
                out.append(g[0])
                continue
            w = np.array([q.area_px for q in g])
            x = float(np.average([q.x for q in g], weights=w))
            y = float(np.average([q.y for q in g], weights=w))
            r = max(np.hypot(q.x - x, q.y - y) + q.radius_px for q in g)
            z_m = min(q.z_m for q in g if q.z_m is not None) if any(q.z_m for q in g) else None
            out.append(Detection(x=x, y=y, radius_px=float(r), z_m=z_m, area_px=float(w.sum())))
        return out

    def _holes(
        self,
        d: np.ndarray,
        far: np.ndarray,
        found: list[Detection],
        bx: float,
        c0: int,
        r0: int,
        lo: float,
        hi: float,
        a_lo: float,
        a_hi: float,
    ) -> list[Detection]:
        """Ball-sized gaps in front of the juggler: IR-dark, shiny balls read no depth.

        The gaps are what the dropout fill left empty (it also shaved one pixel off
        their rim, added back below). A gap counts when it is enclosed (not the void
        beyond the range, which touches the border) and the nearest depth on its
        rim is in the band.
        """
        st = self.step
        holes = cv2.compare(far, 65535, cv2.CMP_EQ)
        H, W = d.shape
        out: list[Detection] = []
        # the smallest ball's gap, less the shaved rim
        a_min = np.pi * max(0.5, np.sqrt(max(4.0, a_lo) / np.pi) - 1.0) ** 2
        for b in find_blobs(holes, min_area=a_min, max_area=a_hi * 1.5, nested=True):
            if b.y == 0 or b.y + b.h >= H or b.x == 0 or b.x + b.w >= W:
                continue  # open to the void around the readings
            r = b.radius + 1.0
            area, w, h = np.pi * r * r, b.w + 2, b.h + 2
            if area < max(4.0, a_lo):
                continue
            # the nearest valid depth around the hole: the ball's rim or what is behind
            ring = d[max(0, b.y - 3) : b.y + b.h + 3, max(0, b.x - 3) : b.x + b.w + 3]
            rv = ring[(ring > lo) & (ring < hi)]
            if rv.size == 0:
                continue
            z_m = _kth(rv, 0.1) / 1000.0
            if z_m > self.body_z / 1000.0 + self.cfg.ball_back_m:
                continue
            lateral = abs(b.cx - bx) * z_m / self.f
            x, y = (b.cx + c0) * st, (b.cy + r0) * st
            if lateral > self.cfg.max_lateral_m or not self._ball_like(area, w, h, z_m, slack=1.5):
                continue
            dup = [o for o in found if abs(o.x - x) + abs(o.y - y) < 2 * o.radius_px]
            if not dup:
                out.append(Detection(x=x, y=y, radius_px=r * st, z_m=z_m, area_px=area * st**2))
                continue
            # a shiny ball already found by what is left of it (its rim, or the
            # motion smear behind it): the gap is the ball's middle, so it gives
            # the centre (the rim's pieces lean towards the smear, up to a radius)
            o = min(dup, key=lambda o: abs(o.x - x) + abs(o.y - y))
            if area * st**2 >= 0.5 * max(o.area_px, np.pi * o.radius_px**2):
                o.x, o.y = x, y
                o.radius_px = max(o.radius_px, r * st)
        return out

    def _split(
        self,
        d: np.ndarray,
        mask: np.ndarray,
        joined: list[Blob],
        found: list[Detection],
        bx: float,
        c0: int,
        a_lo: float,
        a_hi: float,
        hand_row: float | None = None,
    ) -> list[Detection]:
        """Balls inside larger blobs: the mask cut wherever depth jumps by ``in_front_m``.

        A piece counts when it is ball-like and stands in front of most of its
        surroundings (a ball before an arm or the head), not a patch of one continuous
        surface (a fist on its arm). One pass over the box around the joined blobs.
        """
        cfg = self.cfg
        st = self.step
        H, W = d.shape
        y0 = max(0, min(b.y for b in joined) - 1)
        x0 = max(0, min(b.x for b in joined) - 1)
        y1 = min(H, max(b.y + b.h for b in joined) + 1)
        if hand_row is not None:
            y1 = min(
                y1,
                int(
                    hand_row
                    + 2.0 * self.f * cfg.typical_ball_m / max(self.body_z / 1000.0 - 0.3, 0.3)
                )
                + 1,
            )
        if y1 - y0 < 3:
            return []
        x1 = min(W, max(b.x + b.w for b in joined) + 1)
        step_mm = int(1000 * cfg.in_front_m)
        dd = d[y0:y1, x0:x1]
        grad = cv2.morphologyEx(dd, cv2.MORPH_GRADIENT, self._kernel(3))
        inner = cv2.bitwise_and(mask[y0:y1, x0:x1], cv2.inRange(grad, 0, step_mm))
        out: list[Detection] = []
        for p in find_blobs(inner, min_area=max(4.0, a_lo), max_area=a_hi):
            if p.aspect > cfg.max_aspect or p.fill < 0.8 * cfg.min_fill:
                continue  # cheap shape checks first: most pieces are slivers
            px, py = p.x + x0, p.y + y0  # in the region's work pixels
            x, y = (p.cx + x0 + c0) * st, (p.cy + y0) * st
            if any(abs(o.x - x) + abs(o.y - y) < 2 * o.radius_px for o in found):
                continue  # a ball already found whole
            sub = inner[p.y : p.y + p.h, p.x : p.x + p.w] > 0
            pz = dd[p.y : p.y + p.h, p.x : p.x + p.w][sub]
            if pz.size == 0:
                continue
            z_m = _kth(pz, 0.5) / 1000.0
            if z_m > self.body_z / 1000.0 + cfg.ball_back_m:
                continue
            if abs(p.cx + x0 - bx) * z_m / self.f > cfg.max_lateral_m:
                continue
            # the cut removed about one pixel of rim all round
            r = np.sqrt(p.area / np.pi) + 0.5
            if not self._ball_like(np.pi * r * r, p.w + 1, p.h + 1, z_m):
                continue
            # a ring two pixels around the piece's box: most of it lies well behind
            ring = d[max(0, py - 2) : py + p.h + 2, max(0, px - 2) : px + p.w + 2]
            behind = int(np.count_nonzero(ring > 1000 * z_m + step_mm))
            if behind < 0.4 * (ring.size - p.area):
                continue
            out.append(
                Detection(
                    x=x,
                    y=y,
                    radius_px=r * st,
                    z_m=z_m + 0.5 * cfg.typical_ball_m,
                    area_px=np.pi * r * r * st**2,
                )
            )
        return out

    def _ball_like(self, area: float, w: int, h: int, z_m: float, slack: float = 1.0) -> bool:
        """Area, roundness and fill of a disc of a ball's size at depth z_m."""
        cfg = self.cfg
        a_min = np.pi * (self.f * 0.5 * cfg.ball_diameter_m[0] / z_m) ** 2 * 0.5
        a_max = np.pi * (self.f * 0.5 * cfg.ball_diameter_m[1] / z_m) ** 2 * slack
        aspect = max(w, h) / max(1, min(w, h))
        return (
            a_min <= area <= a_max and aspect <= cfg.max_aspect and area / (w * h) >= cfg.min_fill
        )

    def _heads(
        self, d: np.ndarray, zb: float, back: float | None = None
    ) -> Iterator[tuple[float, float]]:
        """Heads (top work row, column) at depth ``zb`` mm, highest first.

        Per column, the first row from which the body's depth band stays filled for
        0.3 m (a ball above the head is shorter). The highest such start whose
        neighbours within 6 cm of its height span a head's width (a wall or a box
        top at the body's depth is wider), narrowing to a neck below and with a
        chest's width 0.45 m below it (a slice or corner of furniture is not), is
        the head. Dark hair that reads no depth puts the top a few centimetres low.
        Nothing when nothing qualifies or the head is cut off by the top of the
        picture (the shoulders are unknown). Something else of a head's shape
        at that depth may come first (see ``find_body``). ``back`` (mm): the
        band's far end (0.5 m behind ``zb`` when None).
        """
        ppm = self.f / (zb / 1000.0)  # work pixels per metre at the body (zb mm)
        # every other column is plenty (a head is > 10 work px wide at 3.5 m in WFOV),
        # and every other row when 0.3 m still spans 15 of them
        rs = 2 if ppm >= 100 else 1
        # the head can stand 0.3 m behind the body's median depth (forearms and
        # hands in front pull the median forward)
        band = cv2.inRange(d[::rs, ::2], int(zb - 400), int(zb + 500 if back is None else back))
        filled = band > 0
        ppm_r = ppm / rs  # rows per metre
        run = max(3, int(0.3 * ppm_r))
        cs = np.cumsum(filled, axis=0, dtype=np.int32)
        win = cs[run:] - cs[:-run]  # filled rows in (r, r + run]
        ok = filled[1 : 1 + win.shape[0]] & (win >= int(0.85 * run))
        if not ok.any():
            return
        n = filled.shape[0]
        first = np.where(ok.any(axis=0), ok.argmax(axis=0) + 1, n)
        cols = np.arange(first.size)
        for _ in range(8):
            c = int(np.argmin(first))
            top = int(first[c])
            if top >= n or top <= 1:
                return
            lo, hi = _run_around(first <= top + 0.06 * ppm_r, c)
            # a head is narrow, and a torso hangs below it: 0.45 m down, the band
            # spans a chest's width (a slice of a box at the body's depth does not)
            chest = filled[min(top + int(0.45 * ppm_r), n - 1)]
            c_lo, c_hi = _run_around(chest, (lo + hi) // 2)
            if (
                2.0 * (hi - lo) / ppm <= 0.35
                and 2.0 * (c_hi - c_lo) / ppm >= 0.25
                and _neck_below(filled, top, (lo + hi) // 2, ppm_r)
            ):
                yield float(top * rs), float(lo + hi - 1)  # 2 * mean of the columns
            # (not) a head: drop the whole top of that thing (a box's corners and
            # slanted edges would pass for narrow peaks one by one)
            lo, hi = _run_around(first <= top + 0.15 * ppm_r, c)
            first[(cols >= lo) & (cols < hi)] = n

    def _head_depth(self, d: np.ndarray, head: tuple[float, float], zb: float) -> float | None:
        """Median depth (mm) of a head found in ``zb``'s band: its top 0.15 m and
        0.05 m either side of its column (the band reaches 0.5 m back, so a head
        found there may stand behind ``zb``)."""
        ppm = self.f / (zb / 1000.0)
        top, col = int(head[0]), int(head[1])
        half = max(1, int(0.05 * ppm))
        patch = d[top : top + max(2, int(0.15 * ppm)), max(0, col - half) : col + half + 1]
        v = patch[(patch > zb - 400) & (patch < zb + 500)]
        return float(np.median(v)) if v.size >= 4 else None

    def _heads_or_short(
        self, d: np.ndarray, zb: float, found: list[tuple[float, float]]
    ) -> Iterator[tuple[float, float]]:
        """Heads in the usual band, else in one ending short of the next thing behind.

        A wall 0.43 m behind the juggler fills the usual band around the head, so no
        head is found (441 binned s1052: a still box nearer than the juggler stayed
        the body for the whole clip). The short band is only a second try: on
        every search it lost the hands of 645 wide s92 and the juggler of 4 wide
        s59 (their tests).
        """
        seen = False
        for head in self._heads(d, zb):
            seen = True
            yield head
        back = _back_of(zb, found)
        if not seen and back < zb + 500:
            yield from self._heads(d, zb, back)

    @staticmethod
    def _tip(d: np.ndarray, mask: np.ndarray, b: Blob) -> tuple[float, float, float] | None:
        """A blob's nearest part: (column, row) in the region's work pixels, depth in m.

        The centre of its nearest 5 % and what lies within 6 cm of them (every other
        pixel is plenty).
        """
        sel = mask[b.y : b.y + b.h : 2, b.x : b.x + b.w : 2] > 0
        zz = d[b.y : b.y + b.h : 2, b.x : b.x + b.w : 2]
        vals = zz[sel]
        if vals.size == 0:
            return None
        zmin = float(np.partition(vals, vals.size // 20)[vals.size // 20])
        tip = sel & (zz <= zmin + 60)
        ys, xs = np.nonzero(tip)
        if xs.size == 0:
            return None
        z = _kth(zz[tip], 0.5) / 1000.0
        return 2.0 * float(xs.mean()) + b.x, 2.0 * float(ys.mean()) + b.y, z

    def _hands(
        self, d: np.ndarray, mask: np.ndarray, arms: list[Blob], dets: list[Detection], c0: int
    ) -> list[Hand]:
        """Each hand is an arm's end or a held ball within reach, one on each side.

        Candidates are the nearest part of each arm-sized blob and the ball
        detections (a hand with its ball reads as one ball-sized blob when the
        forearm merges with the body). One must lie in front of the body, below the
        shoulder line (not the head) and within an arm's reach of a shoulder; below
        the hips only something held in front of the legs counts (a knee lies in the
        plane of the body). The shoulders hang a fixed distance below the top of the
        head. On each side of the head the candidate nearest last frame's hand wins
        (hands move continuously, a thrown ball leaves fast), else the lowest (balls
        fly above the hands). Without a head (cut off), the two largest blobs that
        do not run out of the bottom of the picture (legs do) are taken.
        """
        cfg = self.cfg
        st = self.step
        zb_m = float(self.body_z) / 1000.0
        f, cx, cy = self.f, self.intr.cx - c0, self.intr.cy
        # the head moves slowly: every other frame is plenty (kept in frame columns)
        if self._n % 2 == 1 or self._head_at is None:
            head = next(self._heads_or_short(d, float(self.body_z), self._found), None)
            self._head_at = None if head is None else (head[0], head[1] + c0)
        head = None if self._head_at is None else (self._head_at[0], self._head_at[1] - c0)
        if head is None:
            self._last_hands = {}
        tips: list[tuple[float, float, float]] = []
        if head is not None:
            # only blobs that reach into the box an arm can reach are worth a look
            # (metres to pixels at the nearest depth a hand can have)
            ppm = f / max(zb_m - 1.0, 0.3)
            y_lo = head[0] + (cfg.head_to_shoulder_m - 0.05) * f / zb_m
            y_hi = head[0] + (cfg.head_to_shoulder_m + cfg.reach_m) * ppm
            x_half = (cfg.shoulder_half_m + cfg.reach_m) * ppm
            arms = [
                b
                for b in arms
                if b.y + b.h > y_lo
                and b.y < y_hi
                and b.x + b.w > head[1] - x_half
                and b.x < head[1] + x_half
            ]
        for b in arms:
            tip = self._tip(d, mask, b)
            if tip is None:
                continue
            if head is None:
                if b.y + b.h < mask.shape[0] - 1 and len(tips) < 2:
                    tips.append(tip)
                continue
            if b.area * (tip[2] / f) ** 2 <= cfg.max_arm_m2:  # not furniture or a wall
                tips.append(tip)
        if head is not None:
            for o in dets:
                if o.z_m is not None:
                    tips.append((o.x / st - c0, o.y / st, o.z_m - 0.5 * cfg.typical_ball_m))
            top, hx = head
            srow = top + cfg.head_to_shoulder_m * f / zb_m
            sy = (srow - cy) * zb_m / f
            sx = (hx - cx) * zb_m / f
            best: dict[bool, tuple[tuple[bool, float], tuple[float, float, float]]] = {}
            for u, v, z in tips:
                if z > zb_m + 0.05:
                    continue
                drop = (v - srow) * z / f  # metres below the shoulder line
                if drop < -0.05 or (drop > cfg.hip_below_shoulder_m and z > zb_m - 0.15):
                    continue
                px, py = (u - cx) * z / f, (v - cy) * z / f
                if abs(px - sx) > cfg.max_hand_lateral_m:
                    continue  # juggling hands stay in front of the body
                reach = min(
                    np.sqrt((px - sx - s) ** 2 + (py - sy) ** 2 + (z - zb_m) ** 2)
                    for s in (-cfg.shoulder_half_m, cfg.shoulder_half_m)
                )
                if reach > cfg.reach_m:
                    continue
                right = u < hx
                last = self._last_hands.get(right)
                # hands move continuously (under 0.1 m a frame), a just-thrown ball
                # leaves fast: the candidate nearest last frame's hand wins, else
                # the lowest
                gap = np.hypot(u + c0 - last[0], v - last[1]) * z / f if last else np.inf
                key = (gap < cfg.hand_step_m, -gap if gap < cfg.hand_step_m else v)
                if right not in best or key > best[right][0]:
                    best[right] = (key, (u, v, z))
            self._last_hands = {r: (u + c0, v) for r, (_, (u, v, _z)) in best.items()}
            tips = [t for _, t in best.values()]
        out: list[Hand] = []
        full = self.full
        mid = ((head[1] if head is not None else (self.body_x or self.intr.cx) - c0) + c0) * st
        for u, v, z in tips:
            uf, vf = (u + c0) * st, v * st
            side = "right" if uf < mid else "left"
            p3 = ((uf - full.cx) * z / full.fx, (vf - full.cy) * z / full.fy, z)
            out.append(Hand(side, uf, vf, p3))
        if len(out) == 2 and out[0].side == out[1].side:
            a, b2 = sorted(out, key=lambda hh: hh.x_px)
            out = [
                Hand("right", a.x_px, a.y_px, a.position_m),
                Hand("left", b2.x_px, b2.y_px, b2.position_m),
            ]
        return out
