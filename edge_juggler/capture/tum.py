"""TUM RGB-D folders and folders written by ``edge-juggler record``.

``rgb.txt`` and ``depth.txt`` list ``<seconds> <relative or absolute path>`` per
image; depth PNG16 values are metres x 5000, i.e. millimetres x 5. Colour and
depth are associated by nearest timestamp (within ``max_dt_s``, one-to-one,
closest pairs first, as TUM's ``associate.py`` does). A ``meta.json`` written by
the recorder supplies intrinsics; otherwise a 640x480 folder falls back to the
``kinect_v1`` camera profile (the TUM benchmark's recommended defaults).

A folder without list files whose PNGs are named ``*depth*`` and ``*color*`` /
``*rgb*`` is read the same way, pairs in name order (``named_pairs``).

Listed files that are missing or corrupt are skipped and counted (one warning at
the end); a folder where nothing is readable is an InputError.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from edge_juggler.capture.base import Source
from edge_juggler.capture.images import read_color_image, read_depth_png
from edge_juggler.capture.recorder import META_NAME
from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics

log = logging.getLogger("edge_juggler")

Entry = tuple[int, str]  # (timestamp_us, file as listed)


def read_index(path: Path) -> list[Entry]:
    """Parse a TUM list file; a half-written trailing line (no newline) is ignored.

    A trailing line without a newline is kept only when it parses and its file
    exists: the recorder appends a line only after its image is durable, so a
    line cut short by a kill never names a whole file.
    """
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    lines = text.split("\n")
    complete = lines[:-1]  # the piece after the last newline is unterminated
    tail = lines[-1]
    entries: list[Entry] = []
    for lineno, line in enumerate(complete, start=1):
        entry = _parse_line(line)
        if entry is _SKIP:
            continue
        if entry is None:
            raise InputError(
                f"{path}: line {lineno}: expected '<timestamp> <file>', got {line.strip()[:60]!r}"
            )
        entries.append(entry)
    if tail.strip():
        entry = _parse_line(tail)
        if isinstance(entry, tuple) and (path.parent / entry[1]).is_file():
            entries.append(entry)
    entries.sort(key=lambda e: e[0])
    return entries


_SKIP = object()


def _parse_line(line: str) -> Any:
    s = line.strip()
    if not s or s.startswith("#"):
        return _SKIP
    parts = s.split()
    if len(parts) < 2:
        return None
    try:
        ts = int((Decimal(parts[0]) * 1_000_000).to_integral_value())
    except InvalidOperation:
        return None
    if ts < 0:
        return None
    return ts, parts[1]


def associate(
    depth: list[Entry], rgb: list[Entry], max_dt_us: int
) -> list[tuple[int, str | None, str | None]]:
    """One-to-one nearest-timestamp pairs (depth, colour), closest first; sorted by time."""
    if not depth or not rgb:
        return []
    rgb_ts = np.array([e[0] for e in rgb], dtype=np.int64)
    candidates: list[tuple[int, int, int]] = []
    for i, (t, _) in enumerate(depth):
        j = int(np.searchsorted(rgb_ts, t))
        for k in (j - 1, j, j + 1):
            if 0 <= k < len(rgb) and abs(int(rgb_ts[k]) - t) <= max_dt_us:
                candidates.append((abs(int(rgb_ts[k]) - t), i, k))
    candidates.sort()
    used_d: set[int] = set()
    used_r: set[int] = set()
    pairs = []
    for _, i, k in candidates:
        if i in used_d or k in used_r:
            continue
        used_d.add(i)
        used_r.add(k)
        pairs.append((depth[i][0], rgb[k][1], depth[i][1]))
    pairs.sort(key=lambda p: p[0])
    return pairs


def named_pairs(folder: Path, fps: float = 30.0) -> tuple[list[Entry], list[Entry]] | None:
    """Colour/depth PNG pairs told apart by name (``*depth*.png`` with ``*color*``/``*rgb*``).

    Single RGB-D frames are often shared so (TUM's and Open3D's test data), without
    list files; sorted by name they pair up one to one, ``1/fps`` apart.
    """
    pngs = sorted(p.name for p in folder.iterdir() if p.suffix.lower() == ".png")
    depth = [n for n in pngs if "depth" in n.lower()]
    rgb = [n for n in pngs if n not in depth and ("color" in n.lower() or "rgb" in n.lower())]
    if not depth or len(rgb) not in (0, len(depth)):
        return None
    step = int(round(1e6 / fps))
    return [(k * step, n) for k, n in enumerate(rgb)], [(k * step, n) for k, n in enumerate(depth)]


class TumSource(Source):
    """Frames from a TUM RGB-D folder or a ``record`` folder (see module doc)."""

    def __init__(
        self, path: str | Path, *, max_dt_s: float = 0.02, profile: str | None = None
    ) -> None:
        self.path = Path(path)
        self.name = str(path)
        self._profile_name = profile
        if not self.path.is_dir():
            raise InputError(f"{self.path}: not a folder")
        rgb_txt, depth_txt = self.path / "rgb.txt", self.path / "depth.txt"
        if rgb_txt.exists() or depth_txt.exists():
            rgb = read_index(rgb_txt) if rgb_txt.exists() else []
            depth = read_index(depth_txt) if depth_txt.exists() else []
        else:
            named = named_pairs(self.path)
            if named is None:
                raise InputError(f"{self.path}: no rgb.txt or depth.txt (not a TUM/record folder)")
            rgb, depth = named
        self.meta = self._read_meta()
        self.unpaired = 0
        if rgb and depth:
            self._modality = "rgbd"
            self._items = associate(depth, rgb, int(round(max_dt_s * 1e6)))
            self.unpaired = len(rgb) + len(depth) - 2 * len(self._items)
            if not self._items:
                raise InputError(
                    f"{self.path}: no colour image within {max_dt_s * 1000:.0f} ms of any "
                    "depth image (cannot associate rgb.txt with depth.txt)"
                )
        elif depth:
            self._modality = "depth"
            self._items = [(t, None, f) for t, f in depth]
        elif rgb:
            self._modality = "color"
            self._items = [(t, f, None) for t, f in rgb]
        else:
            raise InputError(f"{self.path}: rgb.txt/depth.txt list no frames")
        self.skipped = 0
        self._first: tuple[np.ndarray | None, np.ndarray | None] | None = None
        self._first_index = 0
        self._probe()
        self._intr, self._cintr = self._intrinsics()

    # -- setup ------------------------------------------------------------------------------
    def _read_meta(self) -> dict[str, Any] | None:
        p = self.path / META_NAME
        if not p.exists():
            return None
        try:
            meta = json.loads(p.read_text())
            if not isinstance(meta, dict):
                raise ValueError("not a JSON object")
            for key in ("intrinsics", "color_intrinsics"):
                if meta.get(key):
                    Intrinsics.from_dict(meta[key])
            return meta
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{p}: not a valid recording meta.json ({exc})") from None

    def _load(self, item: tuple[int, str | None, str | None]):
        _, rgb_file, depth_file = item
        color = read_color_image(self.path / rgb_file) if rgb_file else None
        depth = read_depth_png(self.path / depth_file) if depth_file else None
        return color, depth

    def _probe(self) -> None:
        """Load the first readable frame: sizes for info, and fail early when nothing reads."""
        first_error = None
        for i, item in enumerate(self._items):
            try:
                self._first = self._load(item)
                self._first_index = i
                self._probe_error = str(first_error) if first_error else None
                return
            except InputError as exc:
                first_error = first_error or exc
        raise InputError(
            f"{self.path}: none of the {len(self._items)} listed frames is readable "
            f"(first problem: {first_error})"
        )

    def _intrinsics(self) -> tuple[Intrinsics | None, Intrinsics | None]:
        color, depth = self._first or (None, None)
        if self._profile_name:  # explicit ?profile= wins over meta.json and guesses
            from edge_juggler.capture.profiles import load_profile

            prof = load_profile(self._profile_name)
            intr = cintr = None
            if depth is not None and prof.depth is not None:
                intr = prof.depth.scaled(depth.shape[1], depth.shape[0])
            if color is not None and prof.color is not None:
                cintr = prof.color.scaled(color.shape[1], color.shape[0])
            if intr is None:
                intr, cintr = cintr, None
        elif self.meta is not None:
            intr = self.meta.get("intrinsics")
            cintr = self.meta.get("color_intrinsics")
            intr = Intrinsics.from_dict(intr) if intr else None
            cintr = Intrinsics.from_dict(cintr) if cintr else None
        else:
            intr = cintr = None
            from edge_juggler.capture.profiles import load_profile

            prof = load_profile("kinect_v1")
            ref = depth if depth is not None else color
            if ref is not None and ref.shape[:2] == (prof.depth.height, prof.depth.width):
                intr = prof.depth if depth is not None else prof.color
        if cintr is not None and cintr == intr:
            cintr = None
        return intr, cintr

    # -- Source API -------------------------------------------------------------------------
    @property
    def intrinsics(self) -> Intrinsics | None:
        return self._intr

    @property
    def color_intrinsics(self) -> Intrinsics | None:
        return self._cintr

    @property
    def fps(self) -> float | None:
        if self.meta is not None and self.meta.get("fps"):
            return float(self.meta["fps"])
        if len(self._items) < 2:
            return None
        dt = np.diff([it[0] for it in self._items])
        med = float(np.median(dt))
        return round(1e6 / med, 3) if med > 0 else None

    @property
    def frame_count(self) -> int:
        return len(self._items)

    @property
    def duration_s(self) -> float | None:
        fps = self.fps
        if len(self._items) < 2:
            return round(1.0 / fps, 6) if fps else None
        span = (self._items[-1][0] - self._items[0][0]) * 1e-6
        return round(span + (1.0 / fps if fps else 0.0), 6)

    @property
    def modality(self) -> str:
        return self._modality

    def streams(self) -> dict[str, dict[str, Any]]:
        color, depth = self._first or (None, None)
        out: dict[str, dict[str, Any]] = {}
        if depth is not None:
            h, w = depth.shape
            out["depth"] = {"width": w, "height": h, "format": "PNG16 mm x 5 -> uint16 mm"}
        if color is not None:
            h, w = color.shape[:2]
            out["color"] = {"width": w, "height": h, "format": "RGB uint8"}
        return out

    def extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {}
        if self.meta is not None:
            info["device"] = self.meta.get("device")
            for key in ("depth_range_m", "depth_mask", "label"):
                if self.meta.get(key) is not None:
                    info[key] = self.meta[key]
            info["recorded_by"] = "edge-juggler record"
        if self.unpaired:
            info["unpaired_images"] = self.unpaired
        return info

    def __iter__(self) -> Iterator[Frame]:
        self.skipped = 0
        first_problem = self._probe_error
        yielded = 0
        for i, item in enumerate(self._items):
            if i < self._first_index:
                self.skipped += 1
                continue
            try:
                color, depth = self._first if i == self._first_index else self._load(item)
            except InputError as exc:
                self.skipped += 1
                first_problem = first_problem or str(exc)
                continue
            yield Frame(
                index=yielded,
                timestamp_us=item[0],
                color=color,
                depth=depth,
                intrinsics=self._intr,
                source=self.name,
                color_intrinsics=self._cintr,
            )
            yielded += 1
        if self.skipped:
            log.warning(
                "%s: skipped %d of %d listed frames (missing or corrupt files%s)",
                self.path,
                self.skipped,
                len(self._items),
                f"; first: {first_problem}" if first_problem else "",
            )
