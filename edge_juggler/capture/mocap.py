"""Optical motion capture of the balls (Qualisys TSV): 3-D points, no images.

Mocap gives unlabelled marker positions in millimetres (slot numbers are not
ball identities), often at 100-300 Hz. The source looks at them through a
virtual pinhole camera placed in front of the pattern, so the tracker treats
them like ball detections from a depth camera: ``extras["points"]`` holds rows
``[x_px, y_px, z_m]`` and the frame's intrinsics are the virtual camera's, so
heights come out in metres. The up axis is the one with the largest vertical
travel of the balls (Qualisys exports Z up); the camera looks along the
horizontal axis in which the balls move least (the juggler's depth).
Frames are resampled to ``fps`` (default 60: plenty for flights of 0.3 s and
more, and the tracker's gates are made for camera rates).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from edge_juggler.capture.base import Source
from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics

VIRTUAL_DISTANCE_M = 3.0  # camera to the pattern's centre
VIRTUAL = Intrinsics(fx=600.0, fy=600.0, cx=480.0, cy=540.0, width=960, height=1080)


def read_qtm_tsv(path: str | Path) -> tuple[np.ndarray, np.ndarray, dict]:
    """Read a Qualisys TSV export -> (times s (n,), points m (n, slots, 3) NaN = absent, header).

    Named (labelled) markers come first and are skipped; the unnamed slots
    after them are the balls.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    header: dict[str, str] = {}
    start = None
    for i, line in enumerate(lines):
        if line.startswith("Frame\t"):
            start = i
            break
        key, _, value = line.partition("\t")
        header[key] = value
    if start is None:
        raise InputError(f"{path}: no 'Frame' column header; not a Qualisys TSV export")
    cols = lines[start].split("\t")
    rows = [ln.split("\t") for ln in lines[start + 1 :] if ln.strip()]
    if rows and len(rows[-1]) < len(cols):
        rows.pop()  # an export cut short mid-line: keep every whole row before it
    try:
        # empty trailing cells are absent markers
        rows = [r[: len(cols)] + [""] * (len(cols) - len(r)) for r in rows]
        data = np.array([[float(x) if x else 0.0 for x in r] for r in rows])
    except ValueError as exc:
        raise InputError(f"{path}: not a Qualisys TSV export ({exc})") from None
    if data.ndim != 2 or len(data) < 2 or data.shape[1] < 5:
        raise InputError(f"{path}: no marker data after the 'Frame' header")
    t = data[:, 1]
    named = [c for c in cols[2:] if c.strip() and not c.startswith(" ")]
    first_free = 2 + len(named)
    pts = data[:, first_free:]
    pts = pts[:, : (pts.shape[1] // 3) * 3].reshape(len(t), -1, 3) / 1000.0
    absent = np.all(pts == 0, axis=2)
    pts[absent] = np.nan
    return t, pts, header


class MocapSource(Source):
    """Frames carrying only ``extras["points"]`` (see module doc)."""

    def __init__(self, path: str | Path, *, fps: float = 60.0) -> None:
        self.path = Path(path)
        self.name = str(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file")
        if fps <= 0:
            raise InputError(f"{self.path}: fps must be > 0, got {fps}")
        self.t, pts, self.header = read_qtm_tsv(self.path)
        if not np.isfinite(self.t).all() or np.any(np.diff(self.t) <= 0):
            raise InputError(f"{self.path}: the Time column does not increase")
        if np.isnan(pts).all():
            raise InputError(f"{self.path}: no ball markers (every unnamed slot is empty)")
        self._fps = float(fps)
        self.points = self._to_camera(pts)

    @staticmethod
    def _to_camera(pts: np.ndarray) -> np.ndarray:
        """(n, slots, 3) world metres -> (n, slots, 3) [x_px, y_px, z_m] of the virtual camera."""
        flat = pts.reshape(-1, 3)
        flat = flat[np.isfinite(flat[:, 0])]
        spread = np.percentile(flat, 95, axis=0) - np.percentile(flat, 5, axis=0)
        up = 2 if spread[2] > 0 else int(np.argmax(spread))
        horiz = [a for a in range(3) if a != up]
        across, along = sorted(horiz, key=lambda a: -spread[a])  # along = the depth axis
        centre = np.nanmedian(flat, axis=0)
        z = VIRTUAL_DISTANCE_M + (pts[..., along] - centre[along])
        x = VIRTUAL.cx + VIRTUAL.fx * (pts[..., across] - centre[across]) / z
        y = VIRTUAL.cy - VIRTUAL.fy * (pts[..., up] - centre[up]) / z
        return np.stack([x, y, z], axis=-1)

    @property
    def intrinsics(self) -> Intrinsics:
        return VIRTUAL

    @property
    def fps(self) -> float:
        return self._fps

    def _picks(self) -> np.ndarray:
        """Indices of the mocap rows nearest to each resampled frame time."""
        grid = np.arange(self.t[0], self.t[-1] + 1e-9, 1.0 / self._fps)
        idx = np.clip(np.searchsorted(self.t, grid), 0, len(self.t) - 1)
        prev = np.clip(idx - 1, 0, len(self.t) - 1)
        take_prev = np.abs(self.t[prev] - grid) < np.abs(self.t[idx] - grid)
        return np.where(take_prev, prev, idx)

    @property
    def frame_count(self) -> int:
        return len(self._picks())

    @property
    def duration_s(self) -> float:
        return round(float(self.t[-1] - self.t[0]), 6)

    @property
    def modality(self) -> str:
        return "points"

    def streams(self) -> dict[str, dict[str, Any]]:
        rate = 1.0 / float(np.median(np.diff(self.t)))
        seen = np.isfinite(self.points[..., 0]).sum(axis=1)
        return {
            "points": {
                "mocap_rate_hz": round(rate, 1),
                "slots": int(self.points.shape[1]),
                "mean_points_per_frame": round(float(seen.mean()), 2),
                "width": VIRTUAL.width,
                "height": VIRTUAL.height,
            }
        }

    def extra_info(self) -> dict[str, Any]:
        return {"device": "motion capture (Qualisys TSV), virtual front camera"}

    def __iter__(self) -> Iterator[Frame]:
        t0 = self.t[0]
        for k, i in enumerate(self._picks()):
            p = self.points[i]
            p = p[np.isfinite(p[:, 0])]
            yield Frame(
                index=k,
                timestamp_us=int(round((self.t[i] - t0) * 1e6)),
                intrinsics=VIRTUAL,
                source=self.name,
                extras={"points": p.copy()},
            )
