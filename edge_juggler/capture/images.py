"""Image file I/O shared by the TUM reader, image folders and the recorder.

Depth PNGs follow the TUM RGB-D convention (uint16, metres = value / 5000), so
the value is millimetres x 5. Colour is RGB uint8 in memory; OpenCV works in
BGR, so the swap happens here and nowhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from edge_juggler.errors import InputError

#: TUM depth PNG value per millimetre (value / 5000 = metres)
TUM_DEPTH_PER_MM = 5
#: the largest depth a TUM PNG16 can hold, in mm (65535 / 5)
TUM_MAX_MM = 65535 // TUM_DEPTH_PER_MM


def _imread(path: Path, flags: int) -> np.ndarray:
    """cv2.imread that raises InputError instead of returning None."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    # np.fromfile + imdecode also copes with non-ASCII paths
    try:
        buf = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    img = cv2.imdecode(buf, flags) if buf.size else None
    if img is None:
        raise InputError(f"{path}: not a readable image (corrupt or truncated)")
    return img


def read_depth_png(path: str | Path) -> np.ndarray:
    """A TUM depth PNG16 (value = mm x 5) -> HxW uint16 millimetres, 0 = no reading."""
    path = Path(path)
    img = _imread(path, cv2.IMREAD_UNCHANGED)
    if img.ndim != 2 or img.dtype != np.uint16:
        raise InputError(
            f"{path}: depth PNG must be single-channel 16-bit, got {img.dtype} "
            f"with {1 if img.ndim == 2 else img.shape[2]} channels"
        )
    # round to the nearest mm: (v + 2) // 5, exact inverse of mm * 5
    return ((img.astype(np.uint32) + TUM_DEPTH_PER_MM // 2) // TUM_DEPTH_PER_MM).astype(np.uint16)


def read_color_image(path: str | Path) -> np.ndarray:
    """Any 8/16-bit grey, RGB or RGBA image -> HxWx3 uint8 RGB."""
    path = Path(path)
    img = _imread(path, cv2.IMREAD_UNCHANGED)
    return to_rgb8(img, bgr=True)


def to_rgb8(img: np.ndarray, *, bgr: bool) -> np.ndarray:
    """Normalise an OpenCV-style image (grey, BGR(A), 8 or 16 bit) to RGB uint8."""
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    elif img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return np.ascontiguousarray(np.repeat(img[:, :, None], 3, axis=2))
    if img.shape[2] == 4:
        img = img[:, :, :3]
    elif img.shape[2] == 1:
        return np.ascontiguousarray(np.repeat(img, 3, axis=2))
    return np.ascontiguousarray(img[:, :, ::-1]) if bgr else np.ascontiguousarray(img)


def encode_depth_png(depth_mm: np.ndarray, compression: int = 1) -> bytes:
    """uint16 mm -> TUM PNG16 bytes (value = mm x 5; readings beyond 13.1 m are clipped)."""
    v = np.minimum(depth_mm.astype(np.uint32), TUM_MAX_MM) * TUM_DEPTH_PER_MM
    ok, buf = cv2.imencode(".png", v.astype(np.uint16), [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:  # pragma: no cover - OpenCV only fails on invalid arrays
        raise RuntimeError("PNG encoding of depth failed")
    return buf.tobytes()


def encode_color_png(rgb: np.ndarray, compression: int = 1) -> bytes:
    """RGB uint8 -> PNG bytes (lossless, so a recording reads back bit-exact)."""
    ok, buf = cv2.imencode(
        ".png", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_PNG_COMPRESSION, compression]
    )
    if not ok:  # pragma: no cover
        raise RuntimeError("PNG encoding of colour failed")
    return buf.tobytes()


def write_file_durable(path: Path, data: bytes, *, fsync: bool = True) -> None:
    """Write to a temporary name, fsync, then rename: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        if fsync:
            f.flush()
            os.fsync(f.fileno())
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
