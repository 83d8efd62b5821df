"""Colour-only sources: video files (PyAV), image folders and webcams (OpenCV).

Video timestamps come from the container (phone videos have variable frame
rates) unless ``fps`` is given; image folders have no clock, so they use
``fps`` (default 30). A video that stops decoding part-way yields its intact
frames and stops with a warning; a file that is not a video is an InputError.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import av
import numpy as np

from edge_juggler.capture.base import Source
from edge_juggler.capture.images import read_color_image, to_rgb8
from edge_juggler.errors import DeviceError, InputError
from edge_juggler.frames import Frame, Intrinsics

log = logging.getLogger("edge_juggler")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}


def profile_intrinsics(profile: str | None, width: int, height: int) -> Intrinsics | None:
    """A camera profile's colour intrinsics resampled to ``width`` x ``height`` (or None)."""
    if not profile:
        return None
    from edge_juggler.capture.profiles import load_profile

    prof = load_profile(profile)
    return prof.color.scaled(width, height) if prof.color is not None else None


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


class VideoSource(Source):
    """A video file decoded with PyAV; RGB uint8 frames, container timestamps."""

    def __init__(
        self,
        path: str | Path,
        *,
        fps: float | None = None,
        autorotate: bool = True,
        profile: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.name = str(path)
        self._given_fps = float(fps) if fps else None
        self.autorotate = bool(autorotate)
        self._quarter_turns = 0
        self.truncated = False
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file")
        c = self._open()
        try:
            vs = c.streams.video
            if not vs:
                raise InputError(f"{self.path}: no video stream")
            s = vs[0]
            self._size = (s.codec_context.width, s.codec_context.height)
            rate = s.average_rate or s.guessed_rate
            self._container_fps = float(rate) if rate else None
            self._frames = int(s.frames) if s.frames else None
            dur = None
            if s.duration is not None and s.time_base is not None:
                dur = float(s.duration * s.time_base)
            elif c.duration:
                dur = c.duration / 1e6
            self._duration = dur
            self._codec = s.codec_context.name
            if self._frames is None and dur and self._container_fps:
                self._frames_estimate = int(round(dur * self._container_fps))
            else:
                self._frames_estimate = None
            if not self._size[0] or not self._size[1]:
                raise InputError(f"{self.path}: video stream has no frame size (corrupt header)")
            if self.autorotate:
                self._quarter_turns = self._probe_rotation(c)
        finally:
            c.close()
        w, h = self._size[::-1] if self._quarter_turns % 2 else self._size
        self._intr = profile_intrinsics(profile, w, h)

    def _probe_rotation(self, c: Any) -> int:
        """Phones store portrait video sideways plus a display matrix: honour it.

        Gravity must point down the image for the tracker, so frames are turned
        the way a player shows them (counter-clockwise quarter turns).
        """
        try:
            vf = next(c.decode(video=0))
        except (StopIteration, av.error.FFmpegError, OSError, ValueError):
            return 0
        return int(round(float(getattr(vf, "rotation", 0) or 0) / 90.0)) % 4

    def _open(self) -> Any:
        try:
            return av.open(str(self.path), mode="r")
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.path}: not a readable video file ({_short(exc)})") from None

    @property
    def intrinsics(self) -> Intrinsics | None:
        return self._intr  # None for a phone video unless ?profile= is given

    @property
    def fps(self) -> float | None:
        return self._given_fps or self._container_fps

    @property
    def frame_count(self) -> int | None:
        return self._frames

    @property
    def duration_s(self) -> float | None:
        return round(self._duration, 6) if self._duration else None

    def streams(self) -> dict[str, dict[str, Any]]:
        w, h = self._size
        if self._quarter_turns % 2:
            w, h = h, w
        return {"color": {"width": w, "height": h, "format": self._codec}}

    def extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"device": "video file"}
        if self._quarter_turns:
            info["rotated_deg_ccw"] = 90 * self._quarter_turns
        if self._frames is None and self._frames_estimate:
            info["frames_estimated"] = self._frames_estimate
        return info

    def __iter__(self) -> Iterator[Frame]:
        self.truncated = False
        c = self._open()
        index = 0
        last_ts = -1
        try:
            stream = c.streams.video[0]
            stream.thread_type = "AUTO"
            frames = c.decode(stream)
            while True:
                try:
                    vf = next(frames)
                except StopIteration:
                    break
                except (av.error.FFmpegError, OSError, ValueError) as exc:
                    self.truncated = True
                    log.warning(
                        "%s: video is truncated or corrupt, stopped after %d frames (%s)",
                        self.path,
                        index,
                        _short(exc),
                    )
                    break
                rgb = vf.to_ndarray(format="rgb24")
                if self._quarter_turns:
                    rgb = np.ascontiguousarray(np.rot90(rgb, self._quarter_turns))
                if self._given_fps:
                    ts = int(round(index * 1e6 / self._given_fps))
                elif vf.pts is not None and vf.time_base is not None:
                    ts = int(round(float(vf.pts * vf.time_base) * 1e6))
                else:
                    ts = int(round(index * 1e6 / (self._container_fps or 30.0)))
                if ts <= last_ts:  # keep time monotonic on odd containers
                    ts = last_ts + 1
                last_ts = ts
                yield Frame(
                    index=index, timestamp_us=ts, color=rgb, intrinsics=self._intr, source=self.name
                )
                index += 1
        finally:
            c.close()
        if index == 0:
            raise InputError(f"{self.path}: no decodable video frames (corrupt or truncated)")


def _natural_key(p: Path) -> list[Any]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


class ImageFolderSource(Source):
    """A folder of images (sorted naturally: 2.png before 10.png) or one image file."""

    def __init__(self, path: str | Path, *, fps: float = 30.0, profile: str | None = None) -> None:
        self.path = Path(path)
        self.name = str(path)
        self._fps = float(fps)
        if self.path.is_dir():
            self.files = sorted(
                (p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES),
                key=_natural_key,
            )
            if not self.files:
                raise InputError(f"{self.path}: no images (.png, .jpg, .bmp) in folder")
        elif self.path.is_file():
            self.files = [self.path]
        else:
            raise InputError(f"{self.path}: no such file or folder")
        self.skipped = 0
        self._first_error: str | None = None
        self._first: np.ndarray | None = None
        self._first_i = 0
        for i, f in enumerate(self.files):
            try:
                self._first = read_color_image(f)
                self._first_i = i
                break
            except InputError as exc:
                self._first_error = self._first_error or str(exc)
        if self._first is None:
            if len(self.files) == 1:
                raise InputError(self._first_error or f"{self.path}: unreadable image")
            raise InputError(
                f"{self.path}: none of the {len(self.files)} images is readable "
                f"(first problem: {self._first_error})"
            )
        h, w = self._first.shape[:2]
        self._intr = profile_intrinsics(profile, w, h)

    @property
    def intrinsics(self) -> Intrinsics | None:
        return self._intr

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def frame_count(self) -> int:
        return len(self.files)

    @property
    def duration_s(self) -> float:
        return round(len(self.files) / self._fps, 6)

    def streams(self) -> dict[str, dict[str, Any]]:
        assert self._first is not None
        h, w = self._first.shape[:2]
        return {"color": {"width": w, "height": h, "format": "images"}}

    def __iter__(self) -> Iterator[Frame]:
        skipped = self._first_i
        problem = self._first_error
        index = 0
        for i, f in enumerate(self.files[self._first_i :], start=self._first_i):
            try:
                rgb = self._first if i == self._first_i else read_color_image(f)
            except InputError as exc:
                skipped += 1
                problem = problem or str(exc)
                continue
            ts = int(round(i * 1e6 / self._fps))  # keep the file's slot in time
            yield Frame(
                index=index, timestamp_us=ts, color=rgb, intrinsics=self._intr, source=self.name
            )
            index += 1
        self.skipped = skipped
        if skipped:
            log.warning(
                "%s: skipped %d of %d images (first problem: %s)",
                self.path,
                skipped,
                len(self.files),
                problem,
            )


def parse_options(rest: str) -> tuple[str, dict[str, str]]:
    """'0?fps=30&width=1280' -> ('0', {'fps': '30', 'width': '1280'})."""
    head, _, query = rest.partition("?")
    return head, dict(parse_qsl(query, keep_blank_values=True))


class WebcamSource(Source):
    """A camera through OpenCV ``VideoCapture``; timestamps from the monotonic clock."""

    def __init__(
        self,
        device: int | str = 0,
        *,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
        profile: str = "webcam",
        capture_factory: Any = None,
    ) -> None:
        import cv2

        self.device = device
        self.name = f"webcam:{device}"
        factory = capture_factory or cv2.VideoCapture
        self._cap = factory(device)
        if self._cap is None or not self._cap.isOpened():
            raise DeviceError(f"webcam:{device}: cannot open camera (not connected or busy)")
        if width:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, int(width))
        if height:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, int(height))
        if fps:
            self._cap.set(cv2.CAP_PROP_FPS, float(fps))
        self._w = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH) or 0)
        self._h = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT) or 0)
        self._fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0) or (float(fps) if fps else None)
        from edge_juggler.capture.profiles import load_profile

        prof = load_profile(profile)
        self._intr = None
        if prof.color is not None and self._w and self._h:
            self._intr = prof.color.scaled(self._w, self._h)
        self._closed = False

    @property
    def intrinsics(self) -> Intrinsics | None:
        return self._intr

    @property
    def fps(self) -> float | None:
        return self._fps

    def streams(self) -> dict[str, dict[str, Any]]:
        return {"color": {"width": self._w, "height": self._h, "format": "BGR -> RGB"}}

    def extra_info(self) -> dict[str, Any]:
        return {"device": f"webcam {self.device}", "intrinsics_from": "profile webcam"}

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        t0 = time.monotonic_ns()
        while not self._closed:
            ok, bgr = self._cap.read()
            if not ok or bgr is None:
                if index == 0:
                    raise DeviceError(f"{self.name}: camera opened but delivers no frames")
                raise DeviceError(
                    f"{self.name}: camera stopped delivering frames after {index} frames "
                    "(disconnected?)"
                )
            ts = (time.monotonic_ns() - t0) // 1000
            yield Frame(
                index=index,
                timestamp_us=int(ts),
                color=to_rgb8(bgr, bgr=True),
                intrinsics=self._intr,
                source=self.name,
            )
            index += 1

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._cap.release()


def open_webcam(rest: str) -> WebcamSource:
    """``webcam:0`` / ``webcam:/dev/video2?width=1280&height=720&fps=30``."""
    dev, opts = parse_options(rest or "0")
    device: int | str = int(dev) if dev.strip().isdigit() else dev
    known = {"width", "height", "fps", "profile"}
    unknown = set(opts) - known
    if unknown:
        raise InputError(f"webcam:{rest}: unknown option(s) {sorted(unknown)}; use {sorted(known)}")
    try:
        return WebcamSource(
            device,
            width=int(opts["width"]) if "width" in opts else None,
            height=int(opts["height"]) if "height" in opts else None,
            fps=float(opts["fps"]) if "fps" in opts else None,
            profile=opts.get("profile", "webcam"),
        )
    except ValueError as exc:
        raise InputError(f"webcam:{rest}: bad option value ({exc})") from None
