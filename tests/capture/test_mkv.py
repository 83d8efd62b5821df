"""Azure Kinect .mkv through PyAV: the real k4arecorder file, calibration, damage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from edge_juggler.capture import open_source
from edge_juggler.capture.mkv import K4aMkvSource, open_mkv, parse_calibration
from edge_juggler.capture.video import VideoSource
from edge_juggler.errors import InputError


@pytest.fixture(scope="module")
def real_mkv(shared_data: Path) -> Path:
    return shared_data / "pyk4a" / "recording.mkv"


@pytest.fixture(scope="module")
def real_frames(real_mkv: Path):
    with open_source(real_mkv) as src:
        return src, list(src)


def test_real_recording_depth_and_colour(real_frames) -> None:
    src, frames = real_frames
    assert isinstance(src, K4aMkvSource)
    assert len(frames) == 1
    f = frames[0]
    assert f.modality == "rgbd"
    d = f.depth
    assert d.dtype == np.uint16 and d.shape == (576, 640)
    # big-endian b16g decoded exactly once: plausible millimetres, not byte-swapped garbage
    assert float(np.median(d[d > 0])) == 1491.0
    assert (d == 0).mean() == pytest.approx(0.235, abs=0.005)
    assert int(d.max()) == 3690
    assert f.color.shape == (720, 1280, 3) and f.color.dtype == np.uint8
    # a mug on a desk under room light: not a flat or black image
    assert 60 < f.color.mean() < 200 and f.color.std() > 10
    assert f.timestamp_us == 463945  # container pts in microseconds


def test_real_recording_intrinsics_match_sdk_formula(real_frames, shared_data: Path) -> None:
    src, frames = real_frames
    cal = json.loads((shared_data / "pyk4a" / "calibration.json").read_text())
    cams = {c["Purpose"]: c for c in cal["CalibrationInformation"]["Cameras"]}
    p = cams["CALIBRATION_CameraPurposeDepth"]["Intrinsics"]["ModelParameters"]
    # NFOV unbinned: 1024x1024 calibration, crop (192, 180), pixel centres at +0.5
    intr = src.intrinsics
    assert (intr.width, intr.height) == (640, 576)
    assert intr.cx == pytest.approx(p[0] * 1024 - 192 - 0.5)
    assert intr.cy == pytest.approx(p[1] * 1024 - 180 - 0.5)
    assert intr.fx == pytest.approx(p[2] * 1024)
    assert intr.fy == pytest.approx(p[3] * 1024)
    pc = cams["CALIBRATION_CameraPurposePhotoVideo"]["Intrinsics"]["ModelParameters"]
    ci = src.color_intrinsics
    assert (ci.width, ci.height) == (1280, 720)
    assert ci.cy == pytest.approx(pc[1] * 960 - 120 - 0.5)
    assert ci.fx == pytest.approx(pc[2] * 1280)
    assert frames[0].intrinsics == intr and frames[0].color_intrinsics == ci


def test_describe_reports_mode_sizes_and_one_capture(real_mkv: Path) -> None:
    with open_source(real_mkv) as src:
        d = src.describe()
    assert d["streams"]["depth"]["width"] == 640 and d["streams"]["depth"]["height"] == 576
    assert d["streams"]["depth"]["mode"] == "NFOV_UNBINNED"
    assert (d["streams"]["color"]["width"], d["streams"]["color"]["height"]) == (1280, 720)
    assert d["frames"] == 1
    assert d["fps"] == 5
    assert d["calibration"] == "calibration.json attachment"
    assert d["depth_range_m"] == [0.5, 3.86]


def test_parse_calibration_modes(shared_data: Path) -> None:
    text = (shared_data / "pyk4a" / "calibration.json").read_text()
    unb = parse_calibration(text, "NFOV_UNBINNED", "1080P")
    binned = parse_calibration(text, "NFOV_2X2BINNED", None)["depth"]
    wfov = parse_calibration(text, "WFOV_2X2BINNED", None)["depth"]
    assert (binned.width, binned.height) == (320, 288)
    assert binned.fx == pytest.approx(unb["depth"].fx / 2)
    # binning halves pixel-centre coordinates: (c + 0.5) / 2 - 0.5
    assert binned.cx == pytest.approx((unb["depth"].cx + 0.5) / 2 - 0.5, abs=1e-3)
    assert (wfov.width, wfov.height) == (512, 512)
    assert wfov.cx - binned.cx == pytest.approx(96) and wfov.cy - binned.cy == pytest.approx(90)
    c1080 = unb["color"]
    assert (c1080.width, c1080.height) == (1920, 1080)
    assert c1080.fx == pytest.approx(parse_calibration(text, None, "720P")["color"].fx * 1.5)
    with pytest.raises(ValueError):
        parse_calibration("{}", "NFOV_UNBINNED", None)


def test_legacy_16_9_colour_calibration_is_converted(shared_data: Path) -> None:
    text = (shared_data / "pyk4a" / "calibration.json").read_text()
    doc = json.loads(text)
    for cam in doc["CalibrationInformation"]["Cameras"]:
        if cam["Purpose"].endswith("PhotoVideo"):
            p = cam["Intrinsics"]["ModelParameters"]
            # express the 4:3 calibration as a 4096x2304 (16:9) one, as old firmware did
            p[1] = (p[1] * 3072 - 384) / 2304
            p[3] = p[3] * 3072 / 2304
            cam["SensorHeight"] = 2304
    legacy = parse_calibration(doc, None, "720P")["color"]
    modern = parse_calibration(text, None, "720P")
    assert legacy.cy == pytest.approx(modern["color"].cy, abs=1e-3)
    assert legacy.fy == pytest.approx(modern["color"].fy, abs=1e-3)


def test_multi_capture_pairs_by_timestamp(k4a_multi: Path) -> None:
    src = open_source(k4a_multi)
    assert isinstance(src, K4aMkvSource)
    frames = list(src)
    assert src.frame_count == 6 and len(frames) == 6
    ts = [f.timestamp_us for f in frames]
    assert np.all(np.diff(ts) == pytest.approx(200_000, abs=1000))
    assert all(f.modality == "rgbd" for f in frames)
    assert [f.index for f in frames] == list(range(6))
    assert np.array_equal(frames[0].depth, frames[5].depth)


def test_include_ir_adds_ir_image(real_mkv: Path) -> None:
    with open_source(f"{real_mkv}?include_ir=1") as src:
        f = next(iter(src))
    ir = f.extras["ir"]
    assert ir.dtype == np.uint16 and ir.shape == (576, 640)
    assert float(np.median(ir[ir > 0])) == 357.0


@pytest.mark.parametrize("frac", [0.3, 0.55, 0.8])
def test_truncated_recording_yields_whole_captures(
    k4a_multi: Path, tmp_path: Path, frac: float, caplog: pytest.LogCaptureFixture
) -> None:
    data = k4a_multi.read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: int(len(data) * frac)])
    whole = list(open_source(k4a_multi))
    frames = list(open_source(cut))
    assert 1 <= len(frames) < 6
    for a, b in zip(frames, whole, strict=False):
        assert a.modality == "rgbd"
        assert a.timestamp_us == b.timestamp_us
        assert np.array_equal(a.depth, b.depth) and np.array_equal(a.color, b.color)


def test_truncated_inside_first_capture_is_input_error(k4a_multi: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(k4a_multi.read_bytes()[:20_000])
    with pytest.raises(InputError, match=r"cut\.mkv: .*(no whole capture|not a readable)"):
        list(open_source(cut))


def test_garbage_file_is_input_error_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "garbage.mkv"
    # (fixed bytes: about 1 in 150 random ones parse far enough to say "no video stream")
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(InputError, match=r"garbage\.mkv: not a readable video/Matroska file"):
        open_mkv(bad)


def test_plain_mkv_falls_back_to_video(tmp_path: Path) -> None:
    from tests.capture.conftest import make_video

    path = tmp_path / "phone.mkv"
    make_video(path, frames=5)
    src = open_source(path)
    assert isinstance(src, VideoSource)
    frames = list(src)
    assert len(frames) == 5 and frames[0].depth is None and frames[0].color.shape == (48, 64, 3)
