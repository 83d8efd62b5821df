"""Depth segmentation: the juggler's band, balls (small, near, round) and hands.

Everything is sized in metres and converted with the intrinsics at the depth
where it is measured, so the same thresholds work for NFOV, WFOV, binned modes
and a Kinect v1. Works at half resolution on large frames (speed), maps
results back to full-resolution pixels.
"""

from __future__ import annotations

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
    band_back_m: float = 0.35  # and behind the body's median depth
    max_lateral_m: float = 1.0  # balls fly within this distance of the body's centre line
    min_body_m2: float = 0.12  # visible area of a person (torso and more)
    min_fill: float = 0.5  # blob area / bbox area (a disc is 0.785)
    max_aspect: float = 2.0
    work_width: int = 400  # frames wider than this are halved


def _kth(v: np.ndarray, q: float) -> float:
    """Quantile by partition (np.percentile/median cost ~10x more on small arrays)."""
    k = min(len(v) - 1, int(q * len(v)))
    return float(np.partition(v, k)[k])


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

    def _kernel(self, k: int) -> np.ndarray:
        if k not in self._kernel_cache:
            self._kernel_cache[k] = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
        return self._kernel_cache[k]

    def find_body(self, d: np.ndarray) -> tuple[float, float] | None:
        """The nearest large thing (depth mm, centre x in work pixels), from a coarse grid."""
        s = 4
        h, w = d.shape
        # the juggler stands near the middle; the floor close to the camera fills the
        # bottom rows, so the search ignores the outer columns and the bottom quarter
        y0, y1, x0, x1 = int(0.05 * h), int(0.75 * h), int(0.15 * w), int(0.85 * w)
        small = d[y0:y1:s, x0:x1:s]
        v = small[small > 0]
        if v.size < 20:
            return None
        bins = np.minimum(v // 50, 200).astype(np.int64)  # 5 cm bins
        hist = np.bincount(bins, minlength=201)
        # counts in a +-15 cm window
        win = np.convolve(hist, np.ones(7, dtype=np.int64), mode="same")
        for b in range(1, 201):
            z = b * 0.05 + 0.025
            need = self.cfg.min_body_m2 * (self.f / s) ** 2 / (z * z)
            if win[b] >= need and win[b] >= 0.02 * v.size:
                # refine: median of the values in the window
                sel = (bins >= b - 3) & (bins <= b + 3)
                zmm = float(np.median(v[sel]))
                band = (small > zmm - 150) & (small < zmm + 150)
                xs = np.nonzero(band)[1]
                cx = float(np.median(xs)) * s + x0 if xs.size else self.intr.cx
                return zmm, cx
        return None

    def process(self, depth: np.ndarray) -> tuple[list[Detection], list[Hand], float | None]:
        cfg = self.cfg
        if self.step == 1:
            d = depth
        else:  # nearest-neighbour halving (a strided copy costs ~0.7 ms, this ~0.05 ms)
            h, w = depth.shape
            d = cv2.resize(depth, (w // 2, h // 2), interpolation=cv2.INTER_NEAREST)
        # the body moves slowly: look for it every few frames only
        if self.body_z is None or self._n % 4 == 0:
            body = self.find_body(d)
            if body is not None:
                zb, bx = body
                self.body_z = zb if self.body_z is None else 0.7 * self.body_z + 0.3 * zb
                self.body_x = bx if self.body_x is None else 0.7 * self.body_x + 0.3 * bx
        self._n += 1
        if self.body_z is None:
            return [], [], None
        zb = self.body_z
        bx = self.body_x if self.body_x is not None else self.intr.cx
        zb_m = zb / 1000.0
        ball_px = self.f * cfg.typical_ball_m / max(zb_m - 0.3, 0.3)
        k = int(2.5 * ball_px) | 1
        k = max(5, min(k, 61))
        lo = max(1.0, zb - 1000 * cfg.band_front_m)
        hi = zb + 1000 * cfg.band_back_m
        # grey closing fills in things smaller than the kernel with what lies behind
        # them (large shapes and their edges survive): a depth black-hat
        # (no reading = beyond range: treat as far, or a ball against the void vanishes)
        # single-pixel dropouts take their neighbours' depth first (else the closing
        # would spread them over the whole body)
        zero = d == 0
        far = np.where(zero, cv2.dilate(d, self._kernel(3)), d)
        far[far == 0] = 65535
        behind = cv2.morphologyEx(far, cv2.MORPH_CLOSE, self._kernel(k))
        # far: dropouts inside a sparse ball (small, far, dark) take their neighbours'
        # depth, so a ball of scattered valid pixels survives the opening below
        valid = cv2.inRange(far, int(lo), int(hi))
        front = cv2.subtract(behind, far) > int(1000 * cfg.in_front_m)  # saturating uint16
        front |= far < int(zb - 250)  # anything well in front of the body
        mask = cv2.bitwise_and(valid, front.view(np.uint8))
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel(3))
        dets: list[Detection] = []
        arms: list[tuple[float, Blob]] = []
        joined = False
        # cheap size pre-filter with the extreme depths of the band, exact checks after
        z_near = max(lo / 1000.0, 0.3)
        z_far = hi / 1000.0
        a_lo = np.pi * (self.f * 0.5 * cfg.ball_diameter_m[0] / z_far) ** 2 * 0.6
        a_hi = np.pi * (self.f * 0.5 * cfg.ball_diameter_m[1] / z_near) ** 2
        for b in find_blobs(mask, min_area=max(4.0, a_lo)):
            crop = mask[b.y : b.y + b.h, b.x : b.x + b.w] > 0
            zz = far[b.y : b.y + b.h, b.x : b.x + b.w][crop]
            if zz.size == 0:
                continue
            z_m = _kth(zz, 0.5) / 1000.0
            r_exp = self.f * 0.5 * cfg.typical_ball_m / z_m
            lateral = abs(b.cx - bx) * z_m / self.f  # metres from the body's centre line
            if (
                b.area <= a_hi
                and lateral <= cfg.max_lateral_m
                and self._ball_like(b.area, b.w, b.h, z_m)
            ):
                dets.append(
                    Detection(
                        x=b.cx * self.step,
                        y=b.cy * self.step,
                        radius_px=b.radius * self.step,
                        z_m=z_m + 0.5 * cfg.typical_ball_m,
                        area_px=b.area * self.step**2,
                    )
                )
            else:
                # a ball touching a thin body part (arm, head, hand) joins its blob
                joined = joined or lateral <= cfg.max_lateral_m + 0.3
                if b.area > 3 * np.pi * r_exp**2:
                    arms.append((b.area, b))
        if joined:
            dets.extend(self._split(far, mask, dets, bx, a_lo, a_hi))
        # holes: ball-sized gaps in front of the juggler (IR-dark, shiny balls)
        around = cv2.dilate(d, self._kernel(k))  # some valid reading around the gap
        holes = ((d == 0) & (around > 0)).astype(np.uint8)
        holes = cv2.morphologyEx(holes, cv2.MORPH_OPEN, self._kernel(3))
        H, W = d.shape
        for b in find_blobs(holes, min_area=max(4.0, a_lo), max_area=a_hi * 1.5):
            if b.x == 0 or b.y == 0 or b.x + b.w >= W or b.y + b.h >= H:
                continue
            # the nearest valid depth around the hole: the ball's rim or what is behind
            ring = d[max(0, b.y - 2) : b.y + b.h + 2, max(0, b.x - 2) : b.x + b.w + 2]
            rv = ring[(ring > lo) & (ring < hi)]
            if rv.size == 0:
                continue
            z_m = _kth(rv, 0.1) / 1000.0
            lateral = abs(b.cx - bx) * z_m / self.f
            dup = any(
                abs(o.x - b.cx * self.step) + abs(o.y - b.cy * self.step) < 2 * o.radius_px
                for o in dets
            )
            if (
                not dup
                and lateral <= cfg.max_lateral_m
                and self._ball_like(b.area, b.w, b.h, z_m, slack=1.5)
            ):
                dets.append(
                    Detection(
                        x=b.cx * self.step,
                        y=b.cy * self.step,
                        radius_px=b.radius * self.step,
                        z_m=z_m,
                        area_px=b.area * self.step**2,
                    )
                )
        arms = sorted(arms, key=lambda a: -a[0])[:2]
        hands = self._hands(d, mask, [b for _, b in arms])
        return dets, hands, zb_m

    def _split(
        self,
        d: np.ndarray,
        mask: np.ndarray,
        found: list[Detection],
        bx: float,
        a_lo: float,
        a_hi: float,
    ) -> list[Detection]:
        """Balls inside larger blobs: the mask cut wherever depth jumps by ``in_front_m``.

        A piece counts when it is ball-like and stands in front of most of its
        surroundings (a ball before an arm or the head), not a patch of one continuous
        surface (a fist on its arm). One pass over the frame: cheaper than per blob.
        """
        cfg = self.cfg
        step_mm = int(1000 * cfg.in_front_m)
        edge = cv2.morphologyEx(d, cv2.MORPH_GRADIENT, self._kernel(3)) > step_mm
        inner = mask.copy()
        inner[edge] = 0
        out: list[Detection] = []
        for p in find_blobs(inner, min_area=max(4.0, a_lo), max_area=a_hi):
            if p.aspect > cfg.max_aspect or p.fill < 0.8 * cfg.min_fill:
                continue  # cheap shape checks first: most pieces are slivers
            x, y = p.cx * self.step, p.cy * self.step
            if any(abs(o.x - x) + abs(o.y - y) < 2 * o.radius_px for o in found):
                continue  # a ball already found whole
            sub = inner[p.y : p.y + p.h, p.x : p.x + p.w] > 0
            pz = d[p.y : p.y + p.h, p.x : p.x + p.w][sub]
            if pz.size == 0:
                continue
            z_m = _kth(pz, 0.5) / 1000.0
            if abs(p.cx - bx) * z_m / self.f > cfg.max_lateral_m:
                continue
            # the cut removed about one pixel of rim all round
            r = np.sqrt(p.area / np.pi) + 0.5
            if not self._ball_like(np.pi * r * r, p.w + 1, p.h + 1, z_m):
                continue
            # a ring two pixels around the piece's box: most of it lies well behind
            ring = d[max(0, p.y - 2) : p.y + p.h + 2, max(0, p.x - 2) : p.x + p.w + 2]
            behind = int(np.count_nonzero(ring > 1000 * z_m + step_mm))
            if behind < 0.4 * (ring.size - p.area):
                continue
            out.append(
                Detection(
                    x=x,
                    y=y,
                    radius_px=r * self.step,
                    z_m=z_m + 0.5 * cfg.typical_ball_m,
                    area_px=np.pi * r * r * self.step**2,
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

    def _hands(self, d: np.ndarray, mask: np.ndarray, arms: list[Blob]) -> list[Hand]:
        """Hands are the nearest part of each arm-sized blob in front of the body."""
        out: list[Hand] = []
        for b in arms:
            sel = mask[b.y : b.y + b.h, b.x : b.x + b.w] > 0
            zz = d[b.y : b.y + b.h, b.x : b.x + b.w]
            vals = zz[sel][::3]
            if vals.size == 0:
                continue
            zmin = float(np.partition(vals, vals.size // 20)[vals.size // 20])
            tip = sel & (zz <= zmin + 60)
            ys, xs = np.nonzero(tip)
            if xs.size == 0:
                continue
            u = (float(xs.mean()) + b.x) * self.step
            v = (float(ys.mean()) + b.y) * self.step
            z = float(np.median(zz[tip])) / 1000.0
            bx = (self.body_x or self.intr.cx) * self.step
            side = "right" if u < bx else "left"
            p = self.full.deproject(np.array(u), np.array(v), np.array(z))
            out.append(Hand(side, u, v, tuple(float(c) for c in p)))
        if len(out) == 2 and out[0].side == out[1].side:
            a, b2 = sorted(out, key=lambda hh: hh.x_px)
            out = [
                Hand("right", a.x_px, a.y_px, a.position_m),
                Hand("left", b2.x_px, b2.y_px, b2.position_m),
            ]
        return out
