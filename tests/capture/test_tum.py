"""TUM RGB-D folders: depth PNG / 5 -> mm, association by timestamp, damaged folders."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_juggler.capture import open_source
from edge_juggler.capture.images import read_depth_png
from edge_juggler.capture.tum import TumSource, associate, read_index
from edge_juggler.errors import InputError


def write_list(path: Path, entries: list[tuple[str, str]], header: bool = True) -> None:
    lines = ["# list", "# timestamp filename"] if header else []
    lines += [f"{t} {f}" for t, f in entries]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture()
def kinect1_folder(shared_data: Path, tmp_path: Path) -> Path:
    """A one-frame TUM folder listing the real Kinect v1 frame by absolute path."""
    k1 = shared_data / "open3d_testdata_kinect1"
    write_list(tmp_path / "rgb.txt", [("1305031102.175304", str(k1 / "TUM_color.png"))])
    write_list(tmp_path / "depth.txt", [("1305031102.160407", str(k1 / "TUM_depth.png"))])
    return tmp_path


def test_kinect_v1_frame_in_millimetres(kinect1_folder: Path, shared_data: Path) -> None:
    src = open_source(kinect1_folder)
    assert isinstance(src, TumSource) and src.modality == "rgbd"
    (frame,) = list(src)
    d = frame.depth
    assert d.dtype == np.uint16 and d.shape == (480, 640)
    raw = cv2.imread(str(shared_data / "open3d_testdata_kinect1" / "TUM_depth.png"), -1)
    med = float(np.median(d[d > 0]))
    assert med == pytest.approx(2400, abs=100)  # metres = value / 5000 -> mm = value / 5
    assert med == pytest.approx(np.median(raw[raw > 0]) / 5, abs=1)
    assert (d == 0).mean() == pytest.approx(0.19, abs=0.02)
    assert frame.color.shape == (480, 640, 3)
    # colour is RGB: the PNG read through OpenCV is BGR, so channels come back reversed
    bgr = cv2.imread(str(shared_data / "open3d_testdata_kinect1" / "TUM_color.png"))
    assert np.array_equal(frame.color, bgr[:, :, ::-1])
    assert frame.timestamp_us == 1305031102160407  # depth time, exact microseconds
    # no meta.json: 640x480 falls back to the kinect_v1 profile
    assert frame.intrinsics is not None and frame.intrinsics.fx == 525.0


def test_depth_png_loader_directly(shared_data: Path) -> None:
    d = read_depth_png(shared_data / "open3d_testdata_kinect1" / "TUM_depth.png")
    assert np.median(d[d > 0]) == pytest.approx(2400, abs=100)


def test_depth_png_must_be_16_bit(tmp_path: Path) -> None:
    p = tmp_path / "d.png"
    cv2.imwrite(str(p), np.zeros((4, 4), np.uint8))
    with pytest.raises(InputError, match=r"d\.png: depth PNG must be single-channel 16-bit"):
        read_depth_png(p)


def test_associate_nearest_one_to_one() -> None:
    depth = [(1_000_000, "d1"), (1_033_000, "d2"), (1_066_000, "d3"), (2_000_000, "d4")]
    rgb = [(1_004_000, "r1"), (1_030_000, "r2"), (1_070_000, "r3"), (1_071_000, "r4")]
    pairs = associate(depth, rgb, max_dt_us=20_000)
    assert pairs == [
        (1_000_000, "r1", "d1"),
        (1_033_000, "r2", "d2"),
        (1_066_000, "r3", "d3"),
    ]  # d4 has no colour within 20 ms; r4 lost to the closer r3


def test_read_index_ignores_half_written_tail(tmp_path: Path) -> None:
    (tmp_path / "rgb").mkdir()
    (tmp_path / "rgb" / "1.000000.png").write_bytes(b"x")
    idx = tmp_path / "rgb.txt"
    idx.write_text("# h\n1.000000 rgb/1.000000.png\n2.0000")
    assert read_index(idx) == [(1_000_000, "rgb/1.000000.png")]
    # a complete last line without newline whose file exists is kept (hand-made lists)
    idx.write_text("# h\n1.000000 rgb/1.000000.png")
    assert read_index(idx) == [(1_000_000, "rgb/1.000000.png")]
    idx.write_text("# h\nnot a line\n1.000000 rgb/1.000000.png\n")
    with pytest.raises(InputError, match=r"rgb\.txt: line 2: expected '<timestamp> <file>'"):
        read_index(idx)


def _tum_folder(tmp_path: Path, n: int) -> Path:
    root = tmp_path / "tum"
    (root / "rgb").mkdir(parents=True)
    (root / "depth").mkdir()
    rgb, depth = [], []
    for i in range(n):
        t = f"{100 + i / 30:.6f}"
        cv2.imwrite(str(root / "rgb" / f"{t}.png"), np.full((8, 8, 3), i, np.uint8))
        cv2.imwrite(str(root / "depth" / f"{t}.png"), np.full((8, 8), 5000 + i * 5, np.uint16))
        rgb.append((t, f"rgb/{t}.png"))
        depth.append((t, f"depth/{t}.png"))
    write_list(root / "rgb.txt", rgb)
    write_list(root / "depth.txt", depth)
    return root


def test_missing_and_corrupt_frames_are_skipped_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _tum_folder(tmp_path, 5)
    (root / "depth" / sorted(p.name for p in (root / "depth").iterdir())[1]).unlink()
    (root / "rgb" / sorted(p.name for p in (root / "rgb").iterdir())[3]).write_bytes(b"\x89PNG bad")
    with caplog.at_level(logging.WARNING, logger="edge_juggler"):
        frames = list(TumSource(root))
    assert [int(f.depth[0, 0]) for f in frames] == [1000, 1002, 1004]
    assert [int(f.color[0, 0, 0]) for f in frames] == [0, 2, 4]
    assert "skipped 2 of 5 listed frames" in caplog.text


def test_folder_with_nothing_readable_is_input_error(tmp_path: Path) -> None:
    root = _tum_folder(tmp_path, 3)
    shutil.rmtree(root / "depth")
    with pytest.raises(InputError, match=r"tum: none of the 3 listed frames is readable"):
        TumSource(root)


def test_depth_only_and_fps_from_timestamps(tmp_path: Path) -> None:
    root = _tum_folder(tmp_path, 4)
    (root / "rgb.txt").unlink()
    src = open_source(root)
    assert src.modality == "depth"
    assert src.fps == pytest.approx(30, rel=1e-3)
    assert src.frame_count == 4 and src.intrinsics is None  # 8x8 matches no profile


def test_profile_option_sets_intrinsics(tmp_path: Path) -> None:
    root = _tum_folder(tmp_path, 2)
    src = open_source(f"{root}?profile=azure_nfov")
    # the 640x576 profile resampled to these 8x8 test images
    assert (src.intrinsics.width, src.intrinsics.height) == (8, 8)
    assert src.intrinsics.fx == pytest.approx(504.608 * 8 / 640, rel=1e-4)
    assert src.color_intrinsics.fx == pytest.approx(611.795 * 8 / 1280, rel=1e-4)
    with pytest.raises(InputError, match="camera profile 'nope' not found"):
        open_source(f"{root}?profile=nope")


def test_depth_and_colour_pngs_told_apart_by_name(shared_data: Path) -> None:
    """Open3D's Kinect v1 test frame: TUM_depth.png + TUM_color.png, no rgb.txt/depth.txt."""
    src = open_source(shared_data / "open3d_testdata_kinect1")
    assert isinstance(src, TumSource) and src.modality == "rgbd"
    frames = list(src)
    assert len(frames) == 1
    f = frames[0]
    assert f.depth.shape == (480, 640) and f.color.shape == (480, 640, 3)
    assert 2300 <= np.median(f.depth[f.depth > 0]) <= 2500  # metres x 5000 -> mm


def test_named_pairs_need_matching_counts(tmp_path: Path) -> None:
    from edge_juggler.capture.tum import named_pairs

    for n in ("a_depth.png", "b_depth.png", "a_color.png"):
        (tmp_path / n).write_bytes(b"")
    assert named_pairs(tmp_path) is None  # 2 depth, 1 colour: no pairing by name
