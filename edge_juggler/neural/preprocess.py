"""Frame -> network input, shared by training and the runtime (numpy + OpenCV only).

One function does it for both so the model never sees pixels prepared differently
from what it was trained on. A frame becomes a (C, S, S) float32 array with
C = 4: R, G, B scaled to [-1, 1] and depth relative to the median depth of the
region (metres towards the camera, clipped to +-1.5). A modality the frame does
not have is all zeros. The region is the juggler's box (``roi``, from the tracker)
grown to a square, or the whole frame letterboxed to a square: everything stays
in view and nothing is stretched, so balls keep their round shape.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge_juggler.frames import Frame

CHANNELS = 4
DEPTH_SCALE_MM = 1000.0
DEPTH_CLIP = 1.5
ROI_MARGIN = 0.15  # grow the tracker's box by this fraction on each side

Roi = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the tracking stream


def square_region(width: int, height: int, roi: Roi | None) -> tuple[float, float, float]:
    """(x0, y0, side) of the square the network sees, in pixels of a width x height image."""
    if roi is None:
        side = float(max(width, height))
        return (width - side) / 2.0, (height - side) / 2.0, side
    x0, y0, x1, y1 = (float(v) for v in roi)
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    side = max(w, h) * (1.0 + 2.0 * ROI_MARGIN)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    return cx - side / 2.0, cy - side / 2.0, side


def _placement(shape: tuple[int, int], region: tuple[float, float, float], size: int):
    """Source slice and destination box of the part of ``region`` inside the image."""
    h, w = shape
    x0, y0, side = region
    scale = size / side
    ix0, iy0 = max(0, int(np.floor(x0))), max(0, int(np.floor(y0)))
    ix1, iy1 = min(w, int(np.ceil(x0 + side))), min(h, int(np.ceil(y0 + side)))
    if ix1 <= ix0 or iy1 <= iy0:
        return None
    ox0 = min(size - 1, max(0, int(round((ix0 - x0) * scale))))
    oy0 = min(size - 1, max(0, int(round((iy0 - y0) * scale))))
    ox1 = min(size, max(ox0 + 1, int(round((ix1 - x0) * scale))))
    oy1 = min(size, max(oy0 + 1, int(round((iy1 - y0) * scale))))
    return (slice(iy0, iy1), slice(ix0, ix1)), (oy0, oy1, ox0, ox1)


def _resample(img: np.ndarray, region: tuple[float, float, float], size: int):
    """Area-resample the square ``region`` of ``img`` to size x size (input dtype).

    Returns the image (zeros outside the source image) and the destination box
    (y0, y1, x0, x1) that holds real pixels, or None if the region misses the image.
    """
    out = np.zeros((size, size) + img.shape[2:], dtype=img.dtype)
    place = _placement(img.shape[:2], region, size)
    if place is None:
        return out, None
    src, (oy0, oy1, ox0, ox1) = place
    out[oy0:oy1, ox0:ox1] = cv2.resize(
        img[src], (ox1 - ox0, oy1 - oy0), interpolation=cv2.INTER_AREA
    ).reshape((oy1 - oy0, ox1 - ox0) + img.shape[2:])
    return out, (oy0, oy1, ox0, ox1)


def _scaled_roi(roi: Roi | None, src: tuple[int, int], dst: tuple[int, int]) -> Roi | None:
    """Map a box from one stream's pixels to another's by relative position."""
    if roi is None:
        return None
    sx, sy = dst[0] / src[0], dst[1] / src[1]
    return (roi[0] * sx, roi[1] * sy, roi[2] * sx, roi[3] * sy)  # type: ignore[return-value]


def depth_channel(
    depth_mm: np.ndarray, region: tuple[float, float, float], size: int
) -> np.ndarray:
    """Relative depth in metres (closer = positive), 0 where the sensor has no reading."""
    out = np.zeros((size, size), dtype=np.float32)
    place = _placement(depth_mm.shape, region, size)
    if place is None:
        return out
    src, (oy0, oy1, ox0, ox1) = place
    crop = depth_mm[src]
    dsize = (ox1 - ox0, oy1 - oy0)
    # average only valid readings: sum of depths / number of valid pixels per cell
    num = cv2.resize(crop.astype(np.float32), dsize, interpolation=cv2.INTER_AREA)
    den = cv2.resize((crop > 0).astype(np.float32), dsize, interpolation=cv2.INTER_AREA)
    ok = den > 0.25
    if not ok.any():
        return out
    d_small = num[ok] / den[ok]
    ref = float(np.median(d_small))
    box = out[oy0:oy1, ox0:ox1]
    box[ok] = np.clip((ref - d_small) / DEPTH_SCALE_MM, -DEPTH_CLIP, DEPTH_CLIP)
    return out


def frame_to_input(frame: Frame, size: int, roi: Roi | None = None) -> np.ndarray:
    """(CHANNELS, size, size) float32 network input for one frame."""
    out = np.zeros((CHANNELS, size, size), dtype=np.float32)
    base = (frame.depth if frame.depth is not None else frame.color).shape[:2]  # type: ignore
    base_wh = (base[1], base[0])
    if frame.color is not None:
        ch, cw = frame.color.shape[:2]
        region = square_region(cw, ch, _scaled_roi(roi, base_wh, (cw, ch)))
        rgb, box = _resample(frame.color, region, size)
        if box is not None:
            y0, y1, x0, x1 = box
            # scaled to [-1, 1]; padding outside the image stays 0 like a missing modality
            out[:3, y0:y1, x0:x1] = rgb[y0:y1, x0:x1].transpose(2, 0, 1) * (2.0 / 255.0) - 1.0
    if frame.depth is not None:
        dh, dw = frame.depth.shape
        region = square_region(dw, dh, _scaled_roi(roi, base_wh, (dw, dh)))
        out[3] = depth_channel(frame.depth, region, size)
    return out
