"""Azure Kinect live capture and playback through pyk4a (optional ``kinect`` extra).

pyk4a is imported lazily: without it (or without Microsoft's Azure Kinect Sensor
SDK, which pyk4a loads) ``kinect:...`` fails with one line that says what to
install. Specs::

    kinect:0                                 device 0, NFOV unbinned depth + 720p colour, 30 fps
    kinect:0?depth_mode=WFOV_2X2BINNED&color=off&fps=15
    kinect:recording.mkv                     playback through the SDK (PyAV needs no SDK:
                                             just pass the .mkv path instead)

A camera that stops delivering frames mid-stream raises DeviceError (one line);
frames already yielded stay with the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from edge_juggler.capture.base import Source
from edge_juggler.capture.mkv import COLOR_MODES, DEPTH_MODES, MODE_PROFILES
from edge_juggler.capture.video import parse_options
from edge_juggler.errors import DeviceError, InputError
from edge_juggler.frames import Frame, Intrinsics

log = logging.getLogger("edge_juggler")

INSTALL_HINT = (
    "install it with `pip install edge-juggler[kinect]` plus Microsoft's Azure Kinect "
    "Sensor SDK (libk4a); or read .mkv recordings without the SDK by passing the file path"
)


def import_pyk4a() -> Any:
    """Import pyk4a or raise the one-line InputError users can act on."""
    try:
        import pyk4a
    except ImportError as exc:
        what = "pyk4a is not installed" if exc.name == "pyk4a" else "pyk4a cannot load the SDK"
        raise InputError(
            f"kinect: {what} ({str(exc).splitlines()[0][:80]}); {INSTALL_HINT}"
        ) from None
    except OSError as exc:  # the k4a shared library is missing
        raise InputError(
            f"kinect: Azure Kinect Sensor SDK not found ({str(exc).splitlines()[0][:80]}); "
            f"{INSTALL_HINT}"
        ) from None
    return pyk4a


def _intrinsics_from_matrix(m: Any, size: tuple[int, int]) -> Intrinsics:
    m = np.asarray(m, dtype=np.float64)
    return Intrinsics(
        fx=float(m[0, 0]),
        fy=float(m[1, 1]),
        cx=float(m[0, 2]),
        cy=float(m[1, 2]),
        width=int(size[0]),
        height=int(size[1]),
    )


def _enum_name(value: Any) -> str:
    return str(getattr(value, "name", value))


def _color_res_key(name: str) -> str | None:
    """pyk4a ColorResolution name ('RES_720P', 'OFF') -> our table key ('720P')."""
    key = name.replace("RES_", "").upper()
    return key if key in COLOR_MODES else None


def _decode_color(pyk4a: Any, img: Any, fmt: Any) -> np.ndarray | None:
    """pyk4a colour (BGRA32 array, or MJPG bytes in playback) -> RGB uint8."""
    if img is None:
        return None
    import cv2

    arr = np.asarray(img)
    if arr.ndim == 1:  # compressed (MJPG) buffer
        bgr = cv2.imdecode(arr.astype(np.uint8, copy=False), cv2.IMREAD_COLOR)
        if bgr is None:
            return None
        return np.ascontiguousarray(bgr[:, :, ::-1])
    if arr.ndim == 3 and arr.shape[2] == 4:
        return np.ascontiguousarray(arr[:, :, 2::-1])
    if arr.ndim == 3 and arr.shape[2] == 3:
        return np.ascontiguousarray(arr[:, :, ::-1])
    fname = _enum_name(fmt)
    if fname in {"COLOR_NV12", "COLOR_YUY2"}:
        code = cv2.COLOR_YUV2RGB_NV12 if fname == "COLOR_NV12" else cv2.COLOR_YUV2RGB_YUY2
        return cv2.cvtColor(arr, code)
    return None


class _K4aBase(Source):
    """Shared capture -> Frame conversion for the device and the playback."""

    _pyk4a: Any
    _depth_intr: Intrinsics | None = None
    _color_intr: Intrinsics | None = None
    _fps: float | None = None
    _depth_mode: str | None = None
    _color_res: str | None = None
    _color_format: Any = None

    def _setup_calibration(self, calibration: Any) -> None:
        ct = self._pyk4a.CalibrationType
        if self._depth_mode in DEPTH_MODES:
            size = DEPTH_MODES[self._depth_mode][2]
            self._depth_intr = _intrinsics_from_matrix(
                calibration.get_camera_matrix(ct.DEPTH), size
            )
        if self._color_res:
            size = COLOR_MODES[self._color_res][2]
            self._color_intr = _intrinsics_from_matrix(
                calibration.get_camera_matrix(ct.COLOR), size
            )

    @property
    def intrinsics(self) -> Intrinsics | None:
        return self._depth_intr or self._color_intr

    @property
    def color_intrinsics(self) -> Intrinsics | None:
        return self._color_intr if self._depth_intr is not None else None

    @property
    def fps(self) -> float | None:
        return self._fps

    @property
    def modality(self) -> str:
        has_d = self._depth_mode in DEPTH_MODES and self._depth_mode != "PASSIVE_IR"
        if has_d and self._color_res:
            return "rgbd"
        return "depth" if has_d else "color"

    def streams(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        if self._depth_mode in DEPTH_MODES:
            w, h = DEPTH_MODES[self._depth_mode][2]
            out["depth"] = {"width": w, "height": h, "mode": self._depth_mode}
        if self._color_res:
            w, h = COLOR_MODES[self._color_res][2]
            out["color"] = {"width": w, "height": h, "format": _enum_name(self._color_format)}
        return out

    def extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"device": "Azure Kinect", "depth_mode": self._depth_mode}
        prof = MODE_PROFILES.get(self._depth_mode or "")
        if prof:
            from edge_juggler.capture.profiles import load_profile

            rng = load_profile(prof).depth_range_m
            info["depth_range_m"] = list(rng) if rng else None
        return info

    def _to_frame(self, capture: Any, index: int) -> Frame | None:
        depth = capture.depth
        if depth is not None:
            depth = np.asarray(depth)
            if depth.dtype != np.uint16:
                depth = depth.astype(np.uint16)
        color = _decode_color(self._pyk4a, capture.color, self._color_format)
        if depth is None and color is None:
            return None
        if depth is not None:
            ts = int(capture.depth_timestamp_usec)
        else:
            ts = int(capture.color_timestamp_usec)
        return Frame(
            index=index,
            timestamp_us=ts,
            color=color,
            depth=depth,
            intrinsics=self._depth_intr if depth is not None else self._color_intr,
            source=self.name,
            color_intrinsics=self._color_intr if depth is not None else None,
        )


class KinectSource(_K4aBase):
    """A live Azure Kinect through pyk4a."""

    def __init__(
        self,
        device_id: int = 0,
        *,
        depth_mode: str = "NFOV_UNBINNED",
        color: str = "720P",
        fps: int = 30,
        timeout_ms: int = 2000,
    ) -> None:
        pyk4a = self._pyk4a = import_pyk4a()
        self.name = f"kinect:{device_id}"
        self.device_id = device_id
        self._timeout_ms = timeout_ms
        self._started = False
        depth_mode = depth_mode.upper()
        if depth_mode not in DEPTH_MODES and depth_mode != "OFF":
            raise InputError(
                f"{self.name}: unknown depth_mode {depth_mode!r}; use one of "
                f"{sorted(DEPTH_MODES) + ['OFF']}"
            )
        color = color.upper().replace("RES_", "")
        if color not in COLOR_MODES and color != "OFF":
            raise InputError(
                f"{self.name}: unknown color resolution {color!r}; use one of "
                f"{sorted(COLOR_MODES) + ['OFF']}"
            )
        if int(fps) not in (5, 15, 30):
            raise InputError(f"{self.name}: fps must be 5, 15 or 30, got {fps}")
        self._depth_mode = None if depth_mode == "OFF" else depth_mode
        self._color_res = None if color == "OFF" else color
        self._fps = float(fps)
        self._color_format = pyk4a.ImageFormat.COLOR_BGRA32
        config = pyk4a.Config(
            color_resolution=getattr(
                pyk4a.ColorResolution, "OFF" if color == "OFF" else f"RES_{color}"
            ),
            depth_mode=getattr(pyk4a.DepthMode, depth_mode),
            camera_fps=getattr(pyk4a.FPS, f"FPS_{int(fps)}"),
            color_format=self._color_format,
            synchronized_images_only=self._depth_mode is not None and self._color_res is not None,
        )
        try:
            self._k4a = pyk4a.PyK4A(config=config, device_id=device_id)
            self._k4a.start()
            self._started = True
            self._setup_calibration(self._k4a.calibration)
        except pyk4a.K4AException as exc:
            self.close()
            raise DeviceError(
                f"{self.name}: cannot start the Azure Kinect ({_short(exc)}); is it connected "
                "and not used by another program?"
            ) from None

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        k4a_exc = self._pyk4a.K4AException
        while self._started:
            try:
                capture = self._k4a.get_capture(timeout=self._timeout_ms)
            except k4a_exc as exc:
                raise DeviceError(
                    f"{self.name}: camera stopped delivering frames after {index} frames "
                    f"(disconnected? {_short(exc)})"
                ) from None
            frame = self._to_frame(capture, index)
            if frame is not None:
                yield frame
                index += 1

    def close(self) -> None:
        if self._started:
            self._started = False
            try:
                self._k4a.stop()
            except Exception as exc:  # a vanished device cannot be stopped cleanly
                log.debug("kinect stop failed: %s", exc)


class KinectPlaybackSource(_K4aBase):
    """A k4arecorder ``.mkv`` played through the SDK (pyk4a.PyK4APlayback)."""

    def __init__(self, path: str | Path) -> None:
        pyk4a = self._pyk4a = import_pyk4a()
        self.path = Path(path)
        self.name = f"kinect:{path}"
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such file")
        self._open = False
        try:
            self._pb = pyk4a.PyK4APlayback(str(self.path))
            self._pb.open()
            self._open = True
            cfg = self._pb.configuration
            self._depth_mode = _enum_name(cfg["depth_mode"])
            if self._depth_mode == "OFF":
                self._depth_mode = None
            self._color_res = _color_res_key(_enum_name(cfg["color_resolution"]))
            self._color_format = cfg.get("color_format")
            self._fps = float(_enum_name(cfg["camera_fps"]).replace("FPS_", ""))
            self._setup_calibration(self._pb.calibration)
        except pyk4a.K4AException as exc:
            self.close()
            raise InputError(
                f"{self.path}: the SDK cannot play this file ({_short(exc)})"
            ) from None

    @property
    def duration_s(self) -> float | None:
        length = getattr(self._pb, "length", None)
        return round(length * 1e-6, 6) if length else None

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        while self._open:
            try:
                capture = self._pb.get_next_capture()
            except EOFError:
                return
            except self._pyk4a.K4AException as exc:
                log.warning("%s: recording is corrupt, stopped: %s", self.path, _short(exc))
                return
            frame = self._to_frame(capture, index)
            if frame is not None:
                yield frame
                index += 1

    def close(self) -> None:
        if self._open:
            self._open = False
            self._pb.close()


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:100] if str(exc) else type(exc).__name__


def open_kinect(rest: str) -> Source:
    """``kinect:0[?depth_mode=..&color=..&fps=..]`` live, or ``kinect:<file.mkv>`` playback."""
    head, opts = parse_options(rest or "0")
    if head and not head.strip().isdigit():
        if opts:
            raise InputError(f"kinect:{rest}: playback takes no options")
        return KinectPlaybackSource(head)
    known = {"depth_mode", "color", "fps", "timeout_ms"}
    unknown = set(opts) - known
    if unknown:
        raise InputError(f"kinect:{rest}: unknown option(s) {sorted(unknown)}; use {sorted(known)}")
    try:
        return KinectSource(
            int(head or 0),
            depth_mode=opts.get("depth_mode", "NFOV_UNBINNED"),
            color=opts.get("color", "720P"),
            fps=int(opts.get("fps", 30)),
            timeout_ms=int(opts.get("timeout_ms", 2000)),
        )
    except ValueError as exc:
        raise InputError(f"kinect:{rest}: bad option value ({exc})") from None
