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
from edge_juggler.tracking.blobs import find_blobs


@dataclass
class ColorRange:
    """One ball colour in OpenCV HSV (H 0..179, wraps at red)."""

    h_lo: int
    h_hi: int
    s_lo: int
    v_lo: int
    s_hi: int = 255
    v_hi: int = 255

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


class ColorLearner:
    """Collects small, fast, saturated moving blobs and clusters their hues."""

    def __init__(self, work_long_side: int = 480, min_sat: int = 80, min_val: int = 50) -> None:
        self.long = work_long_side
        self.min_sat = min_sat
        self.min_val = min_val
        self.samples: list[tuple[float, float, float, float]] = []  # hue, sat, val, radius
        self._prev: list[np.ndarray] = []
        self._recent: list[np.ndarray] = []
        self.frames = 0

    def add(self, rgb: np.ndarray) -> None:
        s = work_scale(rgb.shape, self.long)
        small = _resize(rgb, s)
        hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
        grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        self.frames += 1
        if self.frames % 3 == 0:
            self._recent = (self._recent + [rgb])[-12:]
        self._prev.append(grey)
        if len(self._prev) < 3:
            return
        old = self._prev.pop(0)
        diff = cv2.absdiff(grey, old)
        moving = cv2.GaussianBlur(diff, (3, 3), 0) > 20  # sensor noise does not move
        sat = (hsv[..., 1] >= self.min_sat) & (hsv[..., 2] >= self.min_val)
        cand = (moving & sat).astype(np.uint8)
        cand = cv2.morphologyEx(cand, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
        img_area = cand.shape[0] * cand.shape[1]
        for b in find_blobs(cand, min_area=6, max_area=0.01 * img_area):
            x, y, w, h, area = b.x, b.y, b.w, b.h, b.area
            if b.aspect > 3 or b.fill < 0.35:
                continue
            sel = cand[y : y + h, x : x + w] > 0
            px = hsv[y : y + h, x : x + w][sel]
            if px.size == 0:
                continue
            hue = _circular_median(px[:, 0].astype(np.float64))
            r = float(np.sqrt(area / np.pi)) / s
            self.samples.append((hue, float(np.median(px[:, 1])), float(np.median(px[:, 2])), r))

    def model(self, min_blobs: int = 8) -> ColorModel:
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
            dh = np.abs(((a[:, 0] - peak_h + 90) % 180) - 90)
            member = (dh <= 9) & (np.abs(a[:, 1] - (ps * 32 + 16)) <= 56) & ~used
            for j in range(-3, 4):
                sm[(ph + j) % 60, max(0, ps - 2) : ps + 3] = 0
            if member.sum() < max(4, 0.03 * total):
                continue
            used |= member
            m = a[member]
            hue_c = _circular_median(m[:, 0] * 1.0)
            dhm = np.abs(((m[:, 0] - hue_c + 90) % 180) - 90)
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
        radii = [r for c in keep for r in per[c]]
        return ColorModel([model.ranges[c] for c in keep], float(np.percentile(radii, 60)))


def _hue_overlap(a: ColorRange, b: ColorRange) -> bool:
    def span(r: ColorRange) -> set[int]:
        if r.h_lo <= r.h_hi:
            return set(range(r.h_lo, r.h_hi + 1))
        return set(range(r.h_lo, 180)) | set(range(0, r.h_hi + 1))

    return bool(span(a) & span(b))


def _circular_median(h: np.ndarray) -> float:
    ang = h * (2 * np.pi / 180.0)
    mean = np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())
    return float((mean * 180.0 / (2 * np.pi)) % 180)


@dataclass
class ColorConfig:
    work_long_side: int = 480
    min_fill: float = 0.4
    max_aspect: float = 2.8  # motion blur stretches fast balls
    area_ratio: tuple[float, float] = (0.2, 3.0)  # blob area / learned ball area


class ColorSegmenter:
    """Threshold each learned colour, keep ball-sized compact blobs."""

    def __init__(self, model: ColorModel, config: ColorConfig | None = None) -> None:
        self.model = model
        self.cfg = config or ColorConfig()
        self._k3 = np.ones((3, 3), np.uint8)

    def process(self, rgb: np.ndarray) -> list[Detection]:
        if not self.model.ranges:
            return []
        cfg = self.cfg
        s = work_scale(rgb.shape, cfg.work_long_side)
        small = _resize(rgb, s)
        hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
        r_full = self.model.ball_radius_px
        ball_area = np.pi * (r_full * s) ** 2 if r_full else None
        dets: list[Detection] = []
        img_area = small.shape[0] * small.shape[1]
        for cid, rng in enumerate(self.model.ranges):
            m = rng.mask(hsv)
            m = cv2.morphologyEx(m, cv2.MORPH_OPEN, self._k3)
            for b in find_blobs(m, min_area=4):
                w, h, area = b.w, b.h, b.area
                if ball_area is not None:
                    lo, hi = cfg.area_ratio
                    if not (max(4.0, lo * ball_area) <= area <= hi * ball_area):
                        continue
                elif area < 6 or area > 0.01 * img_area:
                    continue
                if max(w, h) > cfg.max_aspect * min(w, h) or area / (w * h) < cfg.min_fill:
                    continue
                cx, cy = b.cx, b.cy
                dets.append(
                    Detection(
                        x=float(cx) / s,
                        y=float(cy) / s,
                        radius_px=float(np.sqrt(area / np.pi)) / s,
                        color_id=cid,
                        area_px=float(area) / (s * s),
                    )
                )
        return dets
