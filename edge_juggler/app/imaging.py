"""Frame -> an RGB picture for the view: colour as is, depth colour-mapped, fitted to a box.

Overlays (balls, hands, trails) come in the tracker's pixel coordinates, which
belong to the depth stream when there is one; ``ViewImage.to_view`` maps them
onto whichever picture is shown (through the colour intrinsics when a 3-D
position is known, by scaling otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from edge_juggler.frames import Frame, Intrinsics


@dataclass(frozen=True)
class ViewImage:
    """The picture to show and how tracker pixels land on it."""

    rgb: np.ndarray  # h x w x 3 uint8, C-contiguous
    view: str  # "color" | "depth"
    sx: float  # tracker px -> view px
    sy: float
    project_with: Intrinsics | None = None  # colour intrinsics for 3-D points, if different
    psx: float = 1.0  # colour px -> view px
    psy: float = 1.0
    tracker_intr: Intrinsics | None = None  # to map pixels through rays when no 3-D point

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]

    def to_view(
        self, x_px: float, y_px: float, position_m: tuple[float, float, float] | None = None
    ) -> tuple[float, float]:
        if self.project_with is not None and position_m is not None and position_m[2] > 0:
            x, y, z = position_m
            k = self.project_with
            return (k.fx * x / z + k.cx) * self.psx, (k.fy * y / z + k.cy) * self.psy
        if self.project_with is not None and self.tracker_intr is not None:
            # same ray in the other camera (registered streams, parallax ignored)
            k, t = self.project_with, self.tracker_intr
            u = k.fx * (x_px - t.cx) / t.fx + k.cx
            v = k.fy * (y_px - t.cy) / t.fy + k.cy
            return u * self.psx, v * self.psy
        return x_px * self.sx, y_px * self.sy


def available_views(frame: Frame) -> tuple[str, ...]:
    views = []
    if frame.color is not None:
        views.append("color")
    if frame.depth is not None:
        views.append("depth")
    if not views:
        views.append("tracks")  # no pictures (MOT ball tracks): a plain canvas
    return tuple(views)


def fit_size(width: int, height: int, box_w: int, box_h: int) -> tuple[int, int]:
    """Largest size with the image's aspect ratio inside the box (at least 1 x 1)."""
    s = min(box_w / max(width, 1), box_h / max(height, 1))
    return max(1, int(round(width * s))), max(1, int(round(height * s)))


@lru_cache(maxsize=1)
def _depth_lut() -> np.ndarray:
    """TURBO in RGB order with entry 0 black (no depth reading)."""
    ramp = np.arange(256, dtype=np.uint8).reshape(256, 1)
    lut = cv2.cvtColor(cv2.applyColorMap(ramp, cv2.COLORMAP_TURBO), cv2.COLOR_BGR2RGB)
    lut[0] = 0
    return np.ascontiguousarray(lut.reshape(256, 1, 3))


class FrameImager:
    """Renders frames for display; keeps a slowly adapting depth range so colours stay put."""

    def __init__(self, depth_range_mm: tuple[float, float] | None = None) -> None:
        self._fixed = depth_range_mm
        self._range: tuple[float, float] | None = depth_range_mm
        self._count = 0
        self._extent = (640.0, 480.0)  # canvas of image-less frames, grows with the tracks

    def _depth_range(self, small: np.ndarray) -> tuple[float, float]:
        if self._fixed is not None:
            return self._fixed
        if self._range is None or self._count % 15 == 0:
            valid = small[small > 0]
            if valid.size >= 16:
                lo, hi = np.percentile(valid[:: max(1, valid.size // 4096)], (1, 99))
                lo = min(lo, hi - 1000.0)  # at least 1 m of colour ramp: balls stand out
                if self._range is None:
                    self._range = (float(lo), float(hi))
                else:  # smooth so the palette does not flicker
                    a = 0.3
                    self._range = (
                        (1 - a) * self._range[0] + a * float(lo),
                        (1 - a) * self._range[1] + a * float(hi),
                    )
            elif self._range is None:
                self._range = (500.0, 4000.0)
        return self._range

    def depth_rgb(self, depth: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        """Depth (mm) -> near-is-warm TURBO colours, no reading = black (all in cv2: ~0.5 ms)."""
        small = cv2.resize(depth, size, interpolation=cv2.INTER_NEAREST)
        lo, hi = self._depth_range(small)
        self._count += 1
        scale = 254.0 / max(hi - lo, 1.0)
        inv = cv2.subtract(np.full_like(small, int(hi)), small)  # saturates at 0 beyond hi
        norm = cv2.convertScaleAbs(inv, alpha=scale, beta=1.0)  # 1..255 for readings
        norm = cv2.bitwise_and(norm, cv2.compare(small, 0, cv2.CMP_GT))  # 0 = no reading
        return cv2.applyColorMap(norm, _depth_lut())

    def _tracks_canvas(self, frame: Frame, box: tuple[int, int]) -> ViewImage:
        """A dark canvas with the given ball positions as dots (frames without pictures)."""
        pts = np.asarray(frame.extras.get("tracks", np.zeros((0, 3))), dtype=np.float64)
        if frame.intrinsics is not None:
            self._extent = (float(frame.intrinsics.width), float(frame.intrinsics.height))
        elif pts.size:
            self._extent = (
                max(self._extent[0], float(pts[:, 1].max()) * 1.05),
                max(self._extent[1], float(pts[:, 2].max()) * 1.05),
            )
        ew, eh = self._extent
        size = fit_size(int(ew), int(eh), *box)
        rgb = np.full((size[1], size[0], 3), 34, np.uint8)
        sx, sy = size[0] / ew, size[1] / eh
        step = max(8, size[0] // 12)
        rgb[::step, :] = 48
        rgb[:, ::step] = 48
        for _id, x, y in pts[:, :3] if pts.ndim == 2 else ():
            cv2.circle(rgb, (int(x * sx), int(y * sy)), 3, (200, 200, 200), -1)
        return ViewImage(rgb, "tracks", sx, sy)

    def render(self, frame: Frame, view: str, box: tuple[int, int]) -> ViewImage:
        """Picture of ``frame`` in ``view`` ("color" or "depth", falls back to what exists)."""
        views = available_views(frame)
        if view not in views:
            view = views[0]
        if view == "tracks":
            return self._tracks_canvas(frame, box)
        # the tracker's stream: depth when present, colour otherwise
        trk = frame.depth if frame.depth is not None else frame.color
        assert trk is not None
        trk_h, trk_w = trk.shape[:2]
        if view == "depth":
            assert frame.depth is not None
            h, w = frame.depth.shape
            size = fit_size(w, h, *box)
            rgb = self.depth_rgb(frame.depth, size)
            return ViewImage(rgb, "depth", size[0] / trk_w, size[1] / trk_h)
        assert frame.color is not None
        h, w = frame.color.shape[:2]
        size = fit_size(w, h, *box)
        interp = cv2.INTER_AREA if size[0] < w else cv2.INTER_LINEAR
        rgb = np.ascontiguousarray(cv2.resize(frame.color, size, interpolation=interp))
        proj = None
        if frame.depth is not None and frame.color_intrinsics is not None:
            proj = frame.color_intrinsics
        psx = size[0] / proj.width if proj else 1.0
        psy = size[1] / proj.height if proj else 1.0
        return ViewImage(
            rgb, "color", size[0] / trk_w, size[1] / trk_h, proj, psx, psy, frame.intrinsics
        )
