"""Azure Kinect through pyk4a: missing SDK message, and a fake device in pyk4a's shape."""

from __future__ import annotations

import enum
import sys
import types
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_juggler.capture import open_source
from edge_juggler.capture.k4a import KinectPlaybackSource, KinectSource
from edge_juggler.errors import DeviceError, InputError

DEPTH_K = np.array([[504.6, 0, 332.8], [0, 504.7, 348.8], [0, 0, 1]])
COLOR_K = np.array([[611.8, 0, 639.3], [0, 611.9, 365.9], [0, 0, 1]])


def fake_pyk4a(captures: int = 3) -> types.ModuleType:
    """A stand-in for the pyk4a module: same names, no hardware."""
    m = types.ModuleType("pyk4a")
    m.ColorResolution = enum.Enum("ColorResolution", "OFF RES_720P RES_1080P RES_1440P")
    m.DepthMode = enum.Enum(
        "DepthMode", "OFF NFOV_2X2BINNED NFOV_UNBINNED WFOV_2X2BINNED WFOV_UNBINNED PASSIVE_IR"
    )
    m.FPS = enum.Enum("FPS", "FPS_5 FPS_15 FPS_30")
    m.ImageFormat = enum.Enum("ImageFormat", "COLOR_MJPG COLOR_NV12 COLOR_YUY2 COLOR_BGRA32")
    m.CalibrationType = enum.Enum("CalibrationType", "DEPTH COLOR")

    class K4AException(Exception):
        pass

    m.K4AException = K4AException

    class Config:
        def __init__(self, **kw: object) -> None:
            self.__dict__.update(kw)

    m.Config = Config

    class Calibration:
        def get_camera_matrix(self, which: object) -> np.ndarray:
            return DEPTH_K if which is m.CalibrationType.DEPTH else COLOR_K

    def make_capture(i: int, mjpg: bool) -> types.SimpleNamespace:
        bgra = np.zeros((720, 1280, 4), np.uint8)
        bgra[..., 0] = 255  # blue
        color = bgra
        if mjpg:
            color = cv2.imencode(".jpg", bgra[..., :3])[1].reshape(-1)
        return types.SimpleNamespace(
            depth=np.full((576, 640), 1000 + i, np.uint16),
            color=color,
            depth_timestamp_usec=100_000 + i * 33_333,
            color_timestamp_usec=100_100 + i * 33_333,
        )

    class PyK4A:
        instances: list = []

        def __init__(self, config: Config, device_id: int = 0) -> None:
            self.config, self.device_id = config, device_id
            self.calibration = Calibration()
            self.n = 0
            self.stopped = False
            PyK4A.instances.append(self)

        def start(self) -> None:
            if self.device_id != 0:
                raise K4AException("Failed to open device")

        def stop(self) -> None:
            self.stopped = True

        def get_capture(self, timeout: int = -1) -> types.SimpleNamespace:
            if self.n >= captures:
                raise K4AException("Get capture failed: device disconnected")
            self.n += 1
            return make_capture(self.n - 1, mjpg=False)

    m.PyK4A = PyK4A

    class PyK4APlayback:
        def __init__(self, path: str) -> None:
            self.path, self.n = path, 0
            self.calibration = Calibration()
            self.length = captures * 33_333

        def open(self) -> None:
            self.configuration = {
                "color_resolution": m.ColorResolution.RES_720P,
                "depth_mode": m.DepthMode.NFOV_UNBINNED,
                "camera_fps": m.FPS.FPS_30,
                "color_format": m.ImageFormat.COLOR_MJPG,
            }

        def get_next_capture(self) -> types.SimpleNamespace:
            if self.n >= captures:
                raise EOFError
            self.n += 1
            return make_capture(self.n - 1, mjpg=True)

        def close(self) -> None:
            pass

    m.PyK4APlayback = PyK4APlayback
    return m


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    mod = fake_pyk4a()
    monkeypatch.setitem(sys.modules, "pyk4a", mod)
    return mod


def test_missing_pyk4a_one_line_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyk4a", None)  # import fails like an uninstalled package
    with pytest.raises(InputError) as err:
        open_source("kinect:0")
    msg = str(err.value)
    assert "\n" not in msg
    assert "pip install edge-juggler[kinect]" in msg and "Azure Kinect Sensor SDK" in msg


def test_live_device_frames_then_disconnect(fake: types.ModuleType) -> None:
    src = open_source("kinect:0")
    assert isinstance(src, KinectSource) and src.modality == "rgbd"
    intr = src.intrinsics
    assert intr.fx == 504.6 and (intr.width, intr.height) == (640, 576)
    assert src.color_intrinsics.cy == 365.9 and src.color_intrinsics.width == 1280
    got = []
    with pytest.raises(DeviceError, match=r"kinect:0: camera stopped delivering frames after 3"):
        for f in src:
            got.append(f)
    assert len(got) == 3  # frames before the disconnect are kept
    assert got[1].depth[0, 0] == 1001 and got[1].timestamp_us == 133_333
    assert got[0].color[0, 0].tolist() == [0, 0, 255]  # BGRA blue -> RGB blue
    src.close()
    dev = fake.PyK4A.instances[-1]
    assert dev.stopped and dev.config.depth_mode is fake.DepthMode.NFOV_UNBINNED
    assert dev.config.synchronized_images_only is True


def test_live_options_and_errors(fake: types.ModuleType) -> None:
    src = open_source("kinect:0?depth_mode=WFOV_2X2BINNED&color=off&fps=15")
    assert src.modality == "depth" and src.fps == 15
    assert (src.intrinsics.width, src.intrinsics.height) == (512, 512)
    assert fake.PyK4A.instances[-1].config.color_resolution is fake.ColorResolution.OFF
    with pytest.raises(DeviceError, match=r"kinect:1: cannot start the Azure Kinect"):
        open_source("kinect:1")
    with pytest.raises(InputError, match="unknown depth_mode"):
        open_source("kinect:0?depth_mode=HUGE")
    with pytest.raises(InputError, match="fps must be 5, 15 or 30"):
        open_source("kinect:0?fps=60")


def test_playback_decodes_mjpg(fake: types.ModuleType, tmp_path: Path) -> None:
    rec = tmp_path / "r.mkv"
    rec.write_bytes(b"placeholder")
    src = open_source(f"kinect:{rec}")
    assert isinstance(src, KinectPlaybackSource) and src.fps == 30
    frames = list(src)
    assert len(frames) == 3
    assert frames[0].color.shape == (720, 1280, 3)
    assert abs(int(frames[0].color[..., 2].mean()) - 255) < 3  # blue survives JPEG
    src.close()


@pytest.mark.device
def test_real_kinect_delivers_depth() -> None:
    with open_source("kinect:0") as src:
        frame = next(iter(src))
    assert frame.depth is not None and frame.depth.dtype == np.uint16
