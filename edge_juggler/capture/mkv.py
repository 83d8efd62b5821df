"""Azure Kinect ``.mkv`` recordings (k4arecorder) read with PyAV, no Azure Kinect SDK.

What a k4arecorder file holds (checked against ../shared/data/pyk4a/recording.mkv):

- ``COLOR``: MJPG (or other colour formats) -> decoded to RGB uint8;
- ``DEPTH`` and ``IR``: rawvideo FourCC ``b16g`` = 16-bit **big-endian** pixels. We
  read the raw plane bytes as ``>u2`` exactly once and convert to native uint16,
  which preserves values (never a second byte swap);
- an ``IMU`` subtitle track (ignored here);
- a ``calibration.json`` attachment: per camera 14 Brown-Conrady parameters
  ``cx, cy, fx, fy, k1..k6, codx, cody, p2, p1`` normalised by the sensor size
  and 0-cornered. The SDK turns them into a mode's pixel intrinsics by scaling
  with the mode's binned calibration resolution, subtracting the crop offset and
  0.5 (0-centred pixels); we do the same (tables below).

The tracks of one capture share (nearly) the same pts; packets are grouped into
captures by pts and each capture becomes one Frame with ``timestamp_us`` = the
container pts of its depth image (colour when there is no depth). A truncated or
corrupt file yields its whole captures and then stops with a warning; a file
that is not a readable container at all is an InputError naming it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np

from edge_juggler.capture.base import Source
from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics

log = logging.getLogger("edge_juggler")

# depth mode -> (binned calibration resolution, crop offset, output resolution), as in the SDK
DEPTH_MODES: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "NFOV_2X2BINNED": ((512, 512), (96, 90), (320, 288)),
    "NFOV_UNBINNED": ((1024, 1024), (192, 180), (640, 576)),
    "WFOV_2X2BINNED": ((512, 512), (0, 0), (512, 512)),
    "WFOV_UNBINNED": ((1024, 1024), (0, 0), (1024, 1024)),
    "PASSIVE_IR": ((1024, 1024), (0, 0), (1024, 1024)),
}
# colour resolution -> same triple, relative to the 4:3 4096x3072 sensor
COLOR_MODES: dict[str, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    "720P": ((1280, 960), (0, 120), (1280, 720)),
    "1080P": ((1920, 1440), (0, 180), (1920, 1080)),
    "1440P": ((2560, 1920), (0, 240), (2560, 1440)),
    "1536P": ((2048, 1536), (0, 0), (2048, 1536)),
    "2160P": ((3840, 2880), (0, 360), (3840, 2160)),
    "3072P": ((4096, 3072), (0, 0), (4096, 3072)),
}
# depth mode -> camera profile (fallback intrinsics, depth range, mask)
MODE_PROFILES = {
    "NFOV_UNBINNED": "azure_nfov",
    "NFOV_2X2BINNED": "azure_nfov_binned",
    "WFOV_2X2BINNED": "azure_wfov",
    "WFOV_UNBINNED": "azure_wfov_unbinned",
}
PARAM_NAMES = (
    "cx",
    "cy",
    "fx",
    "fy",
    "k1",
    "k2",
    "k3",
    "k4",
    "k5",
    "k6",
    "codx",
    "cody",
    "p2",
    "p1",
)


def _mode_intrinsics(
    params: list[float], mode: tuple[tuple[int, int], tuple[int, int], tuple[int, int]]
) -> Intrinsics:
    (bw, bh), (ox, oy), (w, h) = mode
    cx, cy, fx, fy = params[:4]
    return Intrinsics(
        fx=fx * bw,
        fy=fy * bh,
        cx=cx * bw - ox - 0.5,
        cy=cy * bh - oy - 0.5,
        width=w,
        height=h,
    )


def parse_calibration(
    calib: str | bytes | dict, depth_mode: str | None, color_resolution: str | None
) -> dict[str, Any]:
    """Parse a k4a ``calibration.json`` into mode-specific intrinsics.

    Returns ``{"depth": Intrinsics|None, "color": Intrinsics|None, "depth_distortion":
    {...}, "color_distortion": {...}, "serial": str|None}``. Raises ValueError on a
    malformed document (callers add the file name).
    """
    try:
        return _parse_calibration(calib, depth_mode, color_resolution)
    except (KeyError, TypeError, IndexError, AttributeError, UnicodeDecodeError) as exc:
        raise ValueError(f"missing or malformed field {exc}") from None


def _parse_calibration(
    calib: str | bytes | dict, depth_mode: str | None, color_resolution: str | None
) -> dict[str, Any]:
    if isinstance(calib, (bytes, bytearray)):
        calib = calib.rstrip(b"\0").decode("utf-8")
    doc = json.loads(calib) if isinstance(calib, str) else calib
    info = doc["CalibrationInformation"]
    out: dict[str, Any] = {"depth": None, "color": None}
    out["serial"] = info.get("Metadata", {}).get("SerialId")
    for cam in info["Cameras"]:
        purpose = cam.get("Purpose", "")
        params = [float(p) for p in cam["Intrinsics"]["ModelParameters"]]
        if len(params) < 4:
            raise ValueError(f"camera {purpose}: {len(params)} model parameters")
        sw, sh = int(cam["SensorWidth"]), int(cam["SensorHeight"])
        dist = dict(zip(PARAM_NAMES[4:], params[4:14], strict=False))
        if purpose.endswith("Depth"):
            out["depth_distortion"] = dist
            out["depth_metric_radius"] = cam.get("MetricRadius")
            if depth_mode in DEPTH_MODES:
                if (sw, sh) != (1024, 1024):
                    raise ValueError(f"depth sensor {sw}x{sh}, expected 1024x1024")
                out["depth"] = _mode_intrinsics(params, DEPTH_MODES[depth_mode])
        elif purpose.endswith("PhotoVideo"):
            out["color_distortion"] = dist
            if sw * 9 // 16 == sh:  # legacy 16:9 calibration -> 4:3, still normalised
                params = list(params)
                params[1] = (params[1] * 2304 + 384) / 3072
                params[3] = params[3] * 2304 / 3072
            elif sw * 3 // 4 != sh:
                raise ValueError(f"colour sensor {sw}x{sh} is neither 4:3 nor 16:9")
            if color_resolution in COLOR_MODES:
                out["color"] = _mode_intrinsics(params, COLOR_MODES[color_resolution])
    return out


def _open_container(path: Path) -> av.container.InputContainer:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable video/Matroska file ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _title(stream: Any) -> str:
    return str(stream.metadata.get("title", "")).upper()


def _is_k4a(container: Any) -> bool:
    for s in container.streams.video:
        tag = str(getattr(s.codec_context, "codec_tag", "") or "")
        if tag == "b16g" or _title(s) in {"DEPTH", "IR"}:
            return True
    for a in container.streams.attachments:
        if getattr(a, "name", "") == "calibration.json":
            return True
    return any(k.startswith("K4A_") for k in container.metadata)


def open_mkv(
    path: str | Path, *, include_ir: bool = False, fps: float | None = None, autorotate: bool = True
) -> Source:
    """An Azure Kinect recording when the file has k4a tracks, else a plain video source.

    ``include_ir`` adds the IR image as ``extras["ir"]`` (Kinect files); ``fps``
    overrides container timestamps and ``autorotate`` honours a phone's display
    rotation (plain videos).
    """
    path = Path(path)
    container = _open_container(path)
    try:
        is_k4a = _is_k4a(container)
    finally:
        container.close()
    if is_k4a:
        return K4aMkvSource(path, include_ir=bool(include_ir))
    from edge_juggler.capture.video import VideoSource

    return VideoSource(path, fps=fps, autorotate=autorotate)


class K4aMkvSource(Source):
    """Frames from a k4arecorder ``.mkv``: depth uint16 mm, colour RGB, optional IR in extras."""

    def __init__(self, path: str | Path, *, include_ir: bool = False) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.include_ir = include_ir
        self.truncated = False
        self._warned: set[str] = set()
        self._count: int | None = None
        c = _open_container(self.path)
        try:
            self._inspect(c)
        except InputError:
            raise
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise InputError(f"{self.path}: unexpected Azure Kinect layout ({exc})") from None
        finally:
            c.close()

    def _inspect(self, c: Any) -> None:
        self._color_idx = self._depth_idx = self._ir_idx = None
        self._sizes: dict[str, tuple[int, int]] = {}
        self._formats: dict[str, str] = {}
        rates = []
        for s in c.streams.video:
            title = _title(s)
            tag = str(getattr(s.codec_context, "codec_tag", "") or "")
            key = None
            if title == "COLOR" or (title not in {"DEPTH", "IR"} and tag != "b16g"):
                key = "color"
                if self._color_idx is None:
                    self._color_idx = s.index
            elif title == "IR":
                key = "ir"
                self._ir_idx = s.index
            elif title == "DEPTH" or tag == "b16g":
                key = "depth"
                if self._depth_idx is None:
                    self._depth_idx = s.index
            if key:
                self._sizes[key] = (s.codec_context.width, s.codec_context.height)
                self._formats.setdefault(key, tag or s.codec_context.name)
                if s.average_rate:
                    rates.append(float(s.average_rate))
        if self._color_idx is None and self._depth_idx is None:
            raise InputError(f"{self.path}: Azure Kinect file without COLOR or DEPTH track")
        self._time_bases = {s.index: s.time_base for s in c.streams.video}
        md = {k: str(v) for k, v in c.metadata.items()}
        self.depth_mode = None
        self.color_mode = None
        for s in c.streams.video:
            self.depth_mode = self.depth_mode or s.metadata.get("K4A_DEPTH_MODE")
            self.color_mode = self.color_mode or s.metadata.get("K4A_COLOR_MODE")
        if self.depth_mode is None and "depth" in self._sizes:
            self.depth_mode = _guess_depth_mode(self._sizes["depth"])
        color_res = self.color_mode.split("_")[-1] if self.color_mode else None
        if color_res is None and "color" in self._sizes:
            color_res = f"{self._sizes['color'][1]}P"
        self._fps = max(rates) if rates else None
        self.device_serial = md.get("K4A_DEVICE_SERIAL_NUMBER")
        self.start_offset_us = int(md.get("K4A_START_OFFSET_NS", "0") or 0) // 1000
        self.calibration_source = None
        self.distortion: dict[str, Any] = {}
        depth_intr = color_intr = None
        att = next((a for a in c.streams.attachments if a.name == "calibration.json"), None)
        if att is not None:
            try:
                cal = parse_calibration(bytes(att.data), self.depth_mode, color_res)
            except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
                raise InputError(
                    f"{self.path}: calibration.json attachment is malformed ({_short(exc)})"
                ) from None
            depth_intr, color_intr = cal["depth"], cal["color"]
            self.distortion = {
                k: cal[k] for k in ("depth_distortion", "color_distortion") if k in cal
            }
            self.device_serial = self.device_serial or cal.get("serial")
            self.calibration_source = "calibration.json attachment"
        self._profile = None
        prof_name = MODE_PROFILES.get(self.depth_mode or "")
        if prof_name:
            from edge_juggler.capture.profiles import load_profile

            self._profile = load_profile(prof_name)
            if depth_intr is None and self._profile.depth is not None:
                depth_intr = self._profile.depth
                self.calibration_source = f"profile {prof_name} (no calibration attachment)"
            if color_intr is None and self._profile.color is not None and "color" in self._sizes:
                cw, ch = self._sizes["color"]
                color_intr = self._profile.color.scaled(cw, ch)
        self._depth_intr = depth_intr if self._depth_idx is not None else None
        self._color_intr = color_intr if self._color_idx is not None else None

    # -- Source API -------------------------------------------------------------------------
    @property
    def intrinsics(self) -> Intrinsics | None:
        return self._depth_intr if self._depth_idx is not None else self._color_intr

    @property
    def color_intrinsics(self) -> Intrinsics | None:
        return self._color_intr if self._depth_idx is not None else None

    @property
    def fps(self) -> float | None:
        return self._fps

    @property
    def modality(self) -> str:
        if self._depth_idx is not None and self._color_idx is not None:
            return "rgbd"
        return "depth" if self._depth_idx is not None else "color"

    @property
    def frame_count(self) -> int:
        """Number of captures (one demux pass over the file, no decoding; cached)."""
        if self._count is None:
            n = 0
            for _ in self._captures(decode=False):
                n += 1
            self._count = n
        return self._count

    @property
    def duration_s(self) -> float | None:
        n = self.frame_count
        return round(n / self._fps, 6) if self._fps else None

    def streams(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for key in ("depth", "color", "ir"):
            if key in self._sizes:
                w, h = self._sizes[key]
                d: dict[str, Any] = {"width": w, "height": h, "format": self._formats[key]}
                if key == "depth" and self.depth_mode:
                    d["mode"] = self.depth_mode
                if key == "color" and self.color_mode:
                    d["mode"] = self.color_mode
                out[key] = d
        return out

    def extra_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "device": "Azure Kinect",
            "device_serial": self.device_serial,
            "depth_mode": self.depth_mode,
            "color_mode": self.color_mode,
            "calibration": self.calibration_source,
            "start_offset_us": self.start_offset_us,
        }
        if self._profile is not None:
            info["depth_range_m"] = list(self._profile.depth_range_m or []) or None
            info["depth_mask"] = self._profile.depth_mask
        if self.distortion:
            info["distortion"] = self.distortion
        return info

    # -- decoding ---------------------------------------------------------------------------
    def _captures(self, decode: bool = True) -> Iterator[dict[int, Any]]:
        """Group packets into captures: {stream index: packet or decoded array, 'pts': us}."""
        wanted = [i for i in (self._color_idx, self._depth_idx) if i is not None]
        if self.include_ir and self._ir_idx is not None:
            wanted.append(self._ir_idx)
        c = _open_container(self.path)
        streams = [c.streams[i] for i in wanted]
        # packets of one capture lie within a fraction of a frame period of each other
        tol_us = int(0.5e6 / self._fps) if self._fps else 16_000
        group: dict[Any, Any] = {}
        try:
            packets = c.demux(streams)
            while True:
                try:
                    pkt = next(packets)
                except StopIteration:
                    break
                except (av.error.FFmpegError, OSError) as exc:
                    self._stop_truncated(f"demuxing failed ({_short(exc)})")
                    return
                if pkt.size == 0 or pkt.pts is None:
                    continue
                idx = pkt.stream.index
                pts_us = int(round(float(pkt.pts * self._time_bases[idx]) * 1e6))
                if group and (idx in group or abs(pts_us - group["pts"]) > tol_us):
                    yield group
                    group = {}
                try:
                    item = self._decode(pkt, idx) if decode else True
                except _Truncated as exc:
                    self._stop_truncated(str(exc))
                    return
                if not group:
                    group["pts"] = pts_us
                if idx == self._depth_idx:
                    group["pts"] = pts_us  # depth time is the frame time
                group[idx] = item
            if group:
                if not all(i in group for i in wanted):
                    # the file ends inside a capture: its other images were cut off
                    self._stop_truncated("the last capture is incomplete")
                    return
                yield group
        finally:
            c.close()

    def _stop_truncated(self, why: str) -> None:
        self.truncated = True
        if why not in self._warned:  # frame_count and iteration both hit it
            self._warned.add(why)
            log.warning("%s: truncated or corrupt recording, stopped: %s", self.path, why)

    def _decode(self, pkt: Any, idx: int) -> np.ndarray:
        w, h = (
            self._sizes["color"]
            if idx == self._color_idx
            else self._sizes["depth" if idx == self._depth_idx else "ir"]
        )
        if idx == self._color_idx:
            data = bytes(pkt)
            if data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[-64:]:
                raise _Truncated(f"colour image at pts {pkt.pts} has no JPEG end marker")
            try:
                frames = pkt.decode()
            except (av.error.FFmpegError, ValueError) as exc:
                raise _Truncated(f"colour image at pts {pkt.pts}: {_short(exc)}") from None
            if not frames:
                raise _Truncated(f"colour image at pts {pkt.pts} did not decode")
            rgb = frames[0].to_ndarray(format="rgb24")
            if rgb.shape != (h, w, 3):
                raise _Truncated(f"colour image at pts {pkt.pts} is {rgb.shape}")
            return rgb
        # b16g: big-endian 16-bit raw pixels, rows packed; read once as >u2
        data = bytes(pkt)
        if len(data) != w * h * 2:
            raise _Truncated(f"16-bit image at pts {pkt.pts} has {len(data)} of {w * h * 2} bytes")
        return np.frombuffer(data, dtype=">u2").reshape(h, w).astype(np.uint16)

    def __iter__(self) -> Iterator[Frame]:
        self.truncated = False
        index = 0
        for group in self._captures():
            color = group.get(self._color_idx) if self._color_idx is not None else None
            depth = group.get(self._depth_idx) if self._depth_idx is not None else None
            if color is None and depth is None:
                continue  # an IR-only capture
            extras = {}
            if self.include_ir and self._ir_idx in group:
                extras["ir"] = group[self._ir_idx]
            yield Frame(
                index=index,
                timestamp_us=group["pts"],
                color=color,
                depth=depth,
                intrinsics=self._depth_intr if depth is not None else self._color_intr,
                source=self.name,
                color_intrinsics=self._color_intr if depth is not None else None,
                extras=extras,
            )
            index += 1
        if index == 0:
            raise InputError(
                f"{self.path}: no whole capture in the recording (truncated or corrupt)"
            )
        if self._count is None and not self.truncated:
            self._count = index


class _Truncated(Exception):
    pass


def _guess_depth_mode(size: tuple[int, int]) -> str | None:
    for mode, (_, _, out) in DEPTH_MODES.items():
        if tuple(out) == tuple(size):
            return mode
    return None
