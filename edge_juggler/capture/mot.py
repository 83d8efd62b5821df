"""MOT16 ball-track files: analyse tracks made by other tools or by hand, no detection.

Each line is ``frame,id,bb_left,bb_top,bb_width,bb_height[,conf,x,y,z]`` with
1-based frame numbers. Every frame number from the first to the last becomes a
Frame with no images and ``extras["tracks"]`` = float array of rows
``[id, x_centre, y_centre]`` (centre = left + w/2, top + h/2; an empty (0, 3)
array where no ball was annotated). Time is ``(frame - 1) / fps``: fps comes
from ``?fps=``, else a sidecar (``<file>.json`` with ``"fps"``, or MOT's
``seqinfo.ini`` ``frameRate``), else 30.
"""

from __future__ import annotations

import configparser
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from edge_juggler.capture.base import Source
from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics

DEFAULT_FPS = 30.0


def parse_mot(path: Path) -> np.ndarray:
    """Rows ``[frame, id, left, top, w, h]`` as float64; InputError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    rows: list[tuple[float, ...]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        parts = [p.strip() for p in s.replace(";", ",").split(",")]
        if len(parts) == 1:
            parts = s.split()  # whitespace-separated variant
        try:
            if len(parts) < 6:
                raise ValueError
            vals = tuple(float(p) for p in parts[:6])
            if not all(np.isfinite(vals)):
                raise ValueError
        except ValueError:
            raise InputError(
                f"{path}: line {lineno}: expected 'frame,id,left,top,w,h,...' numbers, "
                f"got {s[:60]!r}"
            ) from None
        frame, tid, _, _, w, h = vals
        if frame < 1 or frame != int(frame) or tid != int(tid) or w < 0 or h < 0:
            raise InputError(
                f"{path}: line {lineno}: frame must be an integer >= 1, id an integer, "
                f"w and h >= 0; got {s[:60]!r}"
            )
        rows.append(vals)
    if not rows:
        raise InputError(f"{path}: no tracks (empty MOT file)")
    return np.asarray(rows, dtype=np.float64)


def _sidecar(path: Path) -> dict[str, Any]:
    """fps / image size from ``<file>.json`` or a MOT ``seqinfo.ini`` nearby."""
    side = path.with_suffix(".json")
    if side.is_file():
        try:
            d = json.loads(side.read_text())
            if isinstance(d, dict):
                return {k: d[k] for k in ("fps", "width", "height") if k in d}
        except ValueError as exc:
            raise InputError(f"{side}: not valid JSON ({exc})") from None
    for folder in (path.parent, path.parent.parent):
        ini = folder / "seqinfo.ini"
        if ini.is_file():
            cp = configparser.ConfigParser()
            try:
                cp.read(ini)
                seq = cp["Sequence"]
                out: dict[str, Any] = {}
                if "frameRate" in seq:
                    out["fps"] = float(seq["frameRate"])
                if "imWidth" in seq and "imHeight" in seq:
                    out["width"], out["height"] = int(seq["imWidth"]), int(seq["imHeight"])
                return out
            except (configparser.Error, KeyError, ValueError) as exc:
                raise InputError(f"{ini}: not a valid MOT seqinfo.ini ({exc})") from None
    return {}


class MotSource(Source):
    """Frames carrying only ``extras["tracks"]`` (see module doc)."""

    def __init__(self, path: str | Path, *, fps: float | None = None) -> None:
        self.path = Path(path)
        self.name = str(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file")
        self.rows = parse_mot(self.path)
        side = _sidecar(self.path)
        self._fps = float(fps or side.get("fps") or DEFAULT_FPS)
        if self._fps <= 0:
            raise InputError(f"{self.path}: fps must be > 0, got {self._fps}")
        self._size = (side.get("width"), side.get("height"))
        self.first_frame = int(self.rows[:, 0].min())
        self.last_frame = int(self.rows[:, 0].max())
        self.ids = sorted({int(i) for i in self.rows[:, 1]})

    @property
    def intrinsics(self) -> Intrinsics | None:
        return None

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def frame_count(self) -> int:
        return self.last_frame - self.first_frame + 1

    @property
    def duration_s(self) -> float:
        return round(self.frame_count / self._fps, 6)

    @property
    def modality(self) -> str:
        return "tracks"

    def streams(self) -> dict[str, dict[str, Any]]:
        d: dict[str, Any] = {"ids": self.ids, "detections": int(len(self.rows))}
        if self._size[0]:
            d["width"], d["height"] = self._size
        return {"tracks": d}

    def extra_info(self) -> dict[str, Any]:
        return {"device": "MOT16 track file", "first_frame": self.first_frame}

    def __iter__(self) -> Iterator[Frame]:
        rows = self.rows[np.argsort(self.rows[:, 0], kind="stable")]
        frames = rows[:, 0].astype(np.int64)
        centres = np.stack(
            [rows[:, 1], rows[:, 2] + rows[:, 4] / 2.0, rows[:, 3] + rows[:, 5] / 2.0], axis=1
        )
        starts = np.searchsorted(frames, np.arange(self.first_frame, self.last_frame + 2))
        for k, n in enumerate(range(self.first_frame, self.last_frame + 1)):
            tracks = centres[starts[k] : starts[k + 1]]
            yield Frame(
                index=k,
                timestamp_us=int(round((n - 1) * 1e6 / self._fps)),
                intrinsics=None,
                source=self.name,
                extras={"tracks": tracks.copy(), "mot_frame": n},
            )
