"""Connected blobs of a binary mask, fast.

``cv2.findContours`` on a sparse mask costs tens of microseconds, while
``connectedComponentsWithStats`` costs over a millisecond per call on these
machines (measured, OpenCV 5.0), so blobs come from outer contours.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Blob:
    x: int
    y: int
    w: int
    h: int
    area: float  # pixels (contour area plus half the perimeter: close to the pixel count)
    cx: float
    cy: float

    @property
    def aspect(self) -> float:
        return max(self.w, self.h) / max(1, min(self.w, self.h))

    @property
    def fill(self) -> float:
        return self.area / float(self.w * self.h)

    @property
    def radius(self) -> float:
        return float(np.sqrt(self.area / np.pi))


def find_blobs(
    mask: np.ndarray, min_area: float = 1.0, max_area: float = np.inf, nested: bool = False
) -> list[Blob]:
    """Outer blobs of a uint8 mask with area in [min_area, max_area].

    ``nested`` also returns blobs lying inside a hole of another blob (a gap in
    the depth inside the body, which itself sits inside the void around it).
    """
    if nested:
        contours, hier = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        # RETR_CCOMP: outer boundaries have no parent (index 3 is -1), holes have one
        if contours:
            contours = [c for c, h in zip(contours, hier[0], strict=True) if h[3] < 0]
    else:
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in contours:
        x, y, w, h = cv2.boundingRect(c)
        if w * h < min_area:
            continue
        m = cv2.moments(c)
        area = m["m00"] + 0.5 * cv2.arcLength(c, True) + 1.0
        if area < min_area or area > max_area:
            continue
        area = min(area, float(w * h))
        if m["m00"] > 0:
            cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
        else:
            cx, cy = x + (w - 1) / 2.0, y + (h - 1) / 2.0
        out.append(Blob(x, y, w, h, float(area), float(cx), float(cy)))
    return out
