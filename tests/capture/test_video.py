"""Video files, image folders and webcams: colour-only sources."""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_juggler.capture import open_source
from edge_juggler.capture.video import ImageFolderSource, VideoSource, WebcamSource, open_webcam
from edge_juggler.errors import DeviceError, InputError
from tests.capture.conftest import make_video


def test_video_timestamps_from_container(video_file: Path) -> None:
    src = open_source(video_file)
    assert isinstance(src, VideoSource) and src.modality == "color"
    assert src.fps == 25 and src.intrinsics is None
    frames = list(src)
    assert len(frames) == 12
    ts = np.array([f.timestamp_us for f in frames])
    assert np.allclose(np.diff(ts), 40_000, atol=1)
    f = frames[3]
    assert f.color.shape == (48, 64, 3) and f.color.dtype == np.uint8 and f.depth is None
    # the flat right half carries the frame number through the lossy codec
    assert abs(int(f.color[:, 40:].mean()) - 21) <= 8
    assert abs(int(frames[9].color[:, 40:].mean()) - 63) <= 8


def test_video_fps_option_overrides_container(video_file: Path) -> None:
    frames = list(open_source(f"{video_file}?fps=10"))
    assert [f.timestamp_us for f in frames[:3]] == [0, 100_000, 200_000]


def test_unknown_path_option_is_input_error(video_file: Path) -> None:
    with pytest.raises(InputError, match=r"unknown option\(s\) \['speed'\]"):
        open_source(f"{video_file}?speed=2")


def test_corrupt_video_is_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(InputError, match=r"broken\.mp4: not a readable video file"):
        open_source(bad)


def test_truncated_video_yields_intact_frames(tmp_path: Path) -> None:
    path = tmp_path / "long.avi"
    make_video(path, frames=40, size=(64, 48))
    whole = list(open_source(path))
    cut = tmp_path / "cut.avi"
    cut.write_bytes(path.read_bytes()[: int(path.stat().st_size * 0.5)])
    frames = list(open_source(cut))
    assert 5 < len(frames) < 40
    for a, b in zip(frames[:-1], whole, strict=False):  # the last may be partially decoded
        assert np.array_equal(a.color, b.color)


def test_image_folder_natural_order_and_skip(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for i in (1, 2, 10):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), np.full((6, 5, 3), (0, 0, i), np.uint8))
    (tmp_path / "img3.png").write_bytes(b"not a png")
    src = open_source(f"{tmp_path}?fps=10")
    assert isinstance(src, ImageFolderSource) and src.frame_count == 4
    with caplog.at_level(logging.WARNING, logger="edge_juggler"):
        frames = list(src)
    assert [int(f.color[0, 0, 0]) for f in frames] == [1, 2, 10]  # red channel: BGR -> RGB
    assert [f.timestamp_us for f in frames] == [0, 100_000, 300_000]
    assert "skipped 1 of 4 images" in caplog.text


def test_single_corrupt_png_is_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "frame.png"
    good = tmp_path / "ok.png"
    cv2.imwrite(str(good), np.zeros((8, 8, 3), np.uint8))
    bad.write_bytes(good.read_bytes()[:40])  # truncated PNG
    with pytest.raises(InputError, match=r"frame\.png: not a readable image"):
        open_source(bad)


class FakeCapture:
    """cv2.VideoCapture stand-in: delivers ``frames`` images, then 'unplugs'."""

    def __init__(self, device: object, frames: int = 3, opened: bool = True) -> None:
        self.left = frames
        self.opened = opened
        self.released = False

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.opened

    def read(self):
        if self.left <= 0:
            return False, None
        self.left -= 1
        img = np.zeros((480, 640, 3), np.uint8)
        img[..., 2] = 200  # BGR red
        return True, img

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FRAME_WIDTH: 640, cv2.CAP_PROP_FRAME_HEIGHT: 480}.get(prop, 30.0)

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        self.released = True


def test_webcam_disconnect_raises_device_error_after_frames() -> None:
    src = WebcamSource(0, capture_factory=FakeCapture)
    assert src.intrinsics is not None and src.intrinsics.width == 640
    got = []
    with pytest.raises(DeviceError, match=r"webcam:0: camera stopped .* after 3 frames"):
        for f in src:
            got.append(f)
    assert len(got) == 3 and got[0].color[0, 0].tolist() == [200, 0, 0]
    assert got[2].timestamp_us >= got[0].timestamp_us
    src.close()
    assert src._cap.released


def test_webcam_that_cannot_open() -> None:
    with pytest.raises(DeviceError, match=r"webcam:7: cannot open camera"):
        WebcamSource(7, capture_factory=lambda d: FakeCapture(d, opened=False))
    with pytest.raises(InputError, match=r"unknown option"):
        open_webcam("0?zoom=2")


@pytest.mark.device
def test_real_webcam_delivers_frames() -> None:
    with open_webcam("0") as src:
        frame = next(iter(src))
    assert frame.color.ndim == 3


def test_phone_rotation_is_applied(tmp_path: Path) -> None:
    import av

    path = tmp_path / "portrait.mp4"
    out = av.open(str(path), "w")
    s = out.add_stream("mpeg4", rate=25)
    s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
    s.set_display_rotation(90)  # stored landscape, shown turned 90 deg counter-clockwise
    img = np.zeros((48, 64, 3), np.uint8)
    img[:12] = 255  # bright band along the stored top edge
    for _ in range(3):
        for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            out.mux(pkt)
    for pkt in s.encode():
        out.mux(pkt)
    out.close()
    src = open_source(path)
    assert src.streams()["color"]["width"] == 48 and src.streams()["color"]["height"] == 64
    f = next(iter(src))
    assert f.color.shape == (64, 48, 3)
    assert f.color[:, :8].mean() > 200 and f.color[:, 20:].mean() < 50  # band now on the left
    raw = next(iter(open_source(f"{path}?autorotate=0")))
    assert raw.color.shape == (48, 64, 3)


def test_profile_option_gives_intrinsics(video_file: Path) -> None:
    src = open_source(f"{video_file}?profile=webcam")
    intr = src.intrinsics
    assert (intr.width, intr.height) == (64, 48)
    assert intr.fx == pytest.approx(554.3 * 64 / 640)
    assert next(iter(src)).intrinsics == intr
