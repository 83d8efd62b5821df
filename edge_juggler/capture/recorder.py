"""RecordingWriter: frames -> a TUM-layout folder plus meta.json, safe against SIGKILL.

Layout (readable by TUM RGB-D tools and by :class:`edge_juggler.capture.tum.TumSource`)::

    OUT/meta.json          intrinsics, colour intrinsics, device, fps, format version
    OUT/rgb.txt            "# ..." header, then "<seconds> rgb/<seconds>.png" per frame
    OUT/depth.txt          same for depth
    OUT/rgb/*.png          RGB uint8, lossless
    OUT/depth/*.png        uint16, value = millimetres x 5 (TUM: metres = value / 5000)

Why it survives ``kill -9``: each PNG is written under a temporary name, fsynced and
renamed, and only then is its index line appended and fsynced. A reader therefore
sees whole images for every listed line, and at worst one half-written trailing
line, which it ignores.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from edge_juggler.capture.images import (
    encode_color_png,
    encode_depth_png,
    fsync_dir,
    write_file_durable,
)
from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics

FORMAT = "edge_juggler.recording/1"
META_NAME = "meta.json"


def format_timestamp(timestamp_us: int) -> str:
    """Microseconds -> TUM seconds string with exactly six decimals (no float rounding)."""
    if timestamp_us < 0:
        raise ValueError(f"timestamps must be >= 0, got {timestamp_us}")
    return f"{timestamp_us // 1_000_000}.{timestamp_us % 1_000_000:06d}"


class RecordingWriter:
    """Write frames to ``out_dir``; every frame is durable on disk once ``write`` returns.

    ``fsync=False`` skips the fsyncs (still atomic renames) for bulk data generation
    where power-loss safety does not matter; it is several times faster on slow disks.
    """

    def __init__(
        self,
        out_dir: str | Path,
        *,
        intrinsics: Intrinsics | None,
        fps: float | None,
        device: str,
        color_intrinsics: Intrinsics | None = None,
        extra_meta: dict[str, Any] | None = None,
        fsync: bool = True,
        compression: int = 1,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.fsync = fsync
        self.compression = compression
        self.frames_written = 0
        self._last_ts: int | None = None
        self._closed = False
        self._executor: ThreadPoolExecutor | None = None
        if self.out_dir.exists() and (not self.out_dir.is_dir() or any(self.out_dir.iterdir())):
            raise InputError(f"{self.out_dir}: exists and is not empty; choose a new folder")
        try:
            (self.out_dir / "rgb").mkdir(parents=True, exist_ok=True)
            (self.out_dir / "depth").mkdir(exist_ok=True)
        except OSError as exc:
            raise InputError(f"{self.out_dir}: cannot create ({exc.strerror or exc})") from None
        self.meta: dict[str, Any] = {
            "format": FORMAT,
            "device": device,
            "fps": fps,
            "intrinsics": intrinsics.to_dict() if intrinsics else None,
            "color_intrinsics": color_intrinsics.to_dict() if color_intrinsics else None,
            "depth_units": "PNG16 value = millimetres x 5 (TUM: metres = value / 5000)",
            "created_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        if extra_meta:
            self.meta.update(extra_meta)
        self._write_meta()
        self._rgb_index = self._open_index("rgb.txt", "color images")
        self._depth_index = self._open_index("depth.txt", "depth maps")
        fsync_dir(self.out_dir)

    # -- internals -------------------------------------------------------------------------
    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="png")
        return self._executor

    def _write_meta(self) -> None:
        data = (json.dumps(self.meta, indent=2) + "\n").encode()
        write_file_durable(self.out_dir / META_NAME, data, fsync=self.fsync)

    def _open_index(self, name: str, what: str) -> IO[str]:
        f = open(self.out_dir / name, "a", encoding="ascii")
        f.write(f"# {what}\n# file: '{self.out_dir.name}' (edge_juggler record)\n")
        f.write("# timestamp filename\n")
        self._sync(f)
        return f

    def _sync(self, f: IO[str]) -> None:
        f.flush()
        if self.fsync:
            os.fsync(f.fileno())

    # -- public API ------------------------------------------------------------------------
    def write(self, frame: Frame) -> None:
        """Append one frame (colour and/or depth); returns once it is durable."""
        if self._closed:
            raise ValueError("RecordingWriter is closed")
        if frame.color is None and frame.depth is None:
            raise InputError(
                f"{frame.source or 'source'}: frame {frame.index} has no colour or depth "
                "to record (track files cannot be recorded)"
            )
        ts = int(frame.timestamp_us)
        if self._last_ts is not None and ts <= self._last_ts:
            raise ValueError(f"timestamps must increase: {ts} after {self._last_ts}")
        stamp = format_timestamp(ts)
        lines: list[tuple[IO[str], str]] = []
        # PNG encoding releases the GIL: depth on a helper thread while colour encodes here
        depth_job = None
        if frame.depth is not None and frame.color is not None:
            depth_job = self._pool().submit(encode_depth_png, frame.depth, self.compression)
        if frame.color is not None:
            rel = f"rgb/{stamp}.png"
            data = encode_color_png(frame.color, self.compression)
            write_file_durable(self.out_dir / rel, data, fsync=self.fsync)
            lines.append((self._rgb_index, f"{stamp} {rel}\n"))
        if frame.depth is not None:
            rel = f"depth/{stamp}.png"
            if depth_job is not None:
                data = depth_job.result()
            else:
                data = encode_depth_png(frame.depth, self.compression)
            write_file_durable(self.out_dir / rel, data, fsync=self.fsync)
            lines.append((self._depth_index, f"{stamp} {rel}\n"))
        if self.fsync:
            fsync_dir(self.out_dir / "rgb")
            fsync_dir(self.out_dir / "depth")
        for f, line in lines:
            f.write(line)
            self._sync(f)
        self._last_ts = ts
        self.frames_written += 1

    def close(self) -> None:
        """Close the index files and note the frame count in meta.json; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        for f in (self._rgb_index, self._depth_index):
            try:
                self._sync(f)
            finally:
                f.close()
        self.meta["frames"] = self.frames_written
        self.meta["complete"] = True
        self._write_meta()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
