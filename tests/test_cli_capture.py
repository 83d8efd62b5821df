"""CLI for capture: `edge-juggler info` and `record`, and every bad input -> one line, exit 2."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_juggler.cli import main
from tests.capture.conftest import make_video, remux_k4a


def run_cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc: int, err: str, *needles: str) -> None:
    assert rc == 2, err
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("edge-juggler: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], lines[0]


def test_info_real_mkv_human(capsys: pytest.CaptureFixture, shared_data: Path) -> None:
    rc, out, err = run_cli(capsys, "info", shared_data / "pyk4a" / "recording.mkv")
    assert rc == 0, err
    assert "640x576" in out and "NFOV unbinned" in out
    assert "1280x720" in out
    assert "1 capture," in out
    assert "fx=504.608 fy=504.733 cx=332.781 cy=348.830" in out
    assert "from calibration.json attachment" in out
    assert "depth median 1491 mm" in out


def test_info_json(capsys: pytest.CaptureFixture, shared_data: Path) -> None:
    rc, out, _ = run_cli(capsys, "info", "--json", shared_data / "pyk4a" / "recording.mkv")
    assert rc == 0
    d = json.loads(out)
    assert d["frames"] == 1 and d["modality"] == "rgbd"
    assert d["streams"]["depth"]["mode"] == "NFOV_UNBINNED"
    assert d["intrinsics"]["width"] == 640 and d["color_intrinsics"]["height"] == 720
    assert d["first_frame"]["depth_median_mm"] == 1491.0


def test_info_default_source_is_synthetic(capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("edge_juggler.sim.source")
    rc, out, err = run_cli(capsys, "info", "--json", "--no-probe")
    assert rc == 0, err
    assert json.loads(out)["source"].startswith("synthetic")


# -- bad input: one line naming the file, exit code 2, no traceback -------------------------


def test_missing_file(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    rc, _, err = run_cli(capsys, "info", tmp_path / "gone.mkv")
    assert_one_line_error(rc, err, "gone.mkv", "no such file")


def test_unknown_format(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    p = tmp_path / "model.stl"
    p.write_text("solid")
    rc, _, err = run_cli(capsys, "info", p)
    assert_one_line_error(rc, err, "model.stl", "unknown format")


def test_garbage_mkv(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    p = tmp_path / "garbage.mkv"
    p.write_bytes(os.urandom(3000))
    rc, _, err = run_cli(capsys, "info", p)
    assert_one_line_error(rc, err, "garbage.mkv", "not a readable")


def test_truncated_mkv(capsys: pytest.CaptureFixture, tmp_path: Path, shared_data: Path) -> None:
    p = tmp_path / "cut.mkv"
    p.write_bytes((shared_data / "pyk4a" / "recording.mkv").read_bytes()[:300_000])
    rc, _, err = run_cli(capsys, "info", p)
    assert_one_line_error(rc, err, "cut.mkv", "truncated")


def test_truncated_mkv_keeps_whole_captures(
    capsys: pytest.CaptureFixture, tmp_path: Path, shared_data: Path
) -> None:
    k4a_multi = remux_k4a(shared_data / "pyk4a" / "recording.mkv", tmp_path / "m.mkv", copies=6)
    p = tmp_path / "cut.mkv"
    p.write_bytes(k4a_multi.read_bytes()[: int(k4a_multi.stat().st_size * 0.55)])
    rc, out, err = run_cli(capsys, "record", p, tmp_path / "rec", "--quiet")
    assert rc == 0, err
    assert "recorded 3 frames" in out
    assert "truncated or corrupt recording" in err


def test_corrupt_png(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    p = tmp_path / "shot.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    rc, _, err = run_cli(capsys, "info", p)
    assert_one_line_error(rc, err, "shot.png", "not a readable image")


def test_corrupt_video(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    good = tmp_path / "good.mp4"
    make_video(good, frames=5)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(good.read_bytes()[:200])  # header cut: no moov atom
    rc, _, err = run_cli(capsys, "info", bad)
    assert_one_line_error(rc, err, "bad.mp4", "not a readable video file")


def test_tum_folder_with_missing_frames(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    root = tmp_path / "tum"
    root.mkdir()
    (root / "depth.txt").write_text("# d\n1.0 depth/1.png\n2.0 depth/2.png\n")
    rc, _, err = run_cli(capsys, "info", root)
    assert_one_line_error(rc, err, "tum", "none of the 2 listed frames is readable")
    # some present: the readable ones are used, the rest counted in a warning
    (root / "depth").mkdir()
    cv2.imwrite(str(root / "depth" / "2.png"), np.full((4, 4), 5000, np.uint16))
    rc, out, err = run_cli(capsys, "record", root, tmp_path / "rec", "--quiet")
    assert rc == 0, err
    assert "recorded 1 frame" in out and "skipped 1 of 2 listed frames" in err


def test_mot_garbage_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    p = tmp_path / "balls.txt"
    p.write_text("1,1,10,10,50,50,1,-1,-1,-1\n2,1,oops\n")
    rc, _, err = run_cli(capsys, "info", p)
    assert_one_line_error(rc, err, "balls.txt", "line 2")


def test_kinect_without_pyk4a(capsys: pytest.CaptureFixture, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pyk4a", None)
    rc, _, err = run_cli(capsys, "info", "kinect:0")
    assert_one_line_error(rc, err, "pip install edge-juggler[kinect]", "Azure Kinect Sensor SDK")


# -- record -----------------------------------------------------------------------------------


def test_record_real_mkv_then_read_back(
    capsys: pytest.CaptureFixture, tmp_path: Path, shared_data: Path
) -> None:
    out = tmp_path / "rec"
    rc, stdout, err = run_cli(capsys, "record", shared_data / "pyk4a" / "recording.mkv", out)
    assert rc == 0, err
    assert "recorded 1 frame" in stdout
    meta = json.loads((out / "meta.json").read_text())
    assert meta["intrinsics"]["width"] == 640 and meta["device"] == "Azure Kinect"
    assert meta["depth_range_m"] == [0.5, 3.86]
    rc, info, _ = run_cli(capsys, "info", out)
    assert rc == 0 and "depth median 1491 mm" in info and "fx=504.608" in info


def test_record_limits(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    make_video(video, frames=30, fps=25)
    rc, out, _ = run_cli(capsys, "record", video, tmp_path / "a", "--seconds", "0.4", "--quiet")
    assert rc == 0 and "recorded 10 frames" in out
    rc, out, _ = run_cli(capsys, "record", video, tmp_path / "b", "--frames", "4", "--quiet")
    assert rc == 0 and "recorded 4 frames" in out
    rc, _, err = run_cli(capsys, "record", video, tmp_path / "b", "--quiet")
    assert_one_line_error(rc, err, "exists and is not empty")


def test_record_dataset_mode(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    make_video(video, frames=20, fps=25)
    ds = tmp_path / "dataset"
    for _ in range(2):
        rc, _, err = run_cli(
            capsys, "record", video, "--label", "3b_cascade_good", "--seconds", "0.2",
            "--countdown", "0", "--quiet", ds,
        )  # fmt: skip
        assert rc == 0, err
    clips = sorted(p.name for p in (ds / "3b_cascade_good").iterdir())
    assert clips == ["clip_0001", "clip_0002"]
    meta = json.loads((ds / "3b_cascade_good" / "clip_0002" / "meta.json").read_text())
    assert meta["label"] == "3b_cascade_good" and meta["frames"] == 5
    rc, _, err = run_cli(
        capsys, "record", video, ds, "--label", "juggling_fire", "--seconds", "1",
        "--countdown", "0",
    )  # fmt: skip
    assert_one_line_error(rc, err, "juggling_fire", "not a catalogue class")
    rc, _, err = run_cli(
        capsys, "record", video, ds, "--label", "juggling_fire", "--any-label",
        "--frames", "2", "--countdown", "0", "--quiet",
    )  # fmt: skip
    assert rc == 0, err
    assert (ds / "juggling_fire" / "clip_0001" / "rgb.txt").exists()


def test_record_track_file_is_input_error(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text("1,1,0,0,2,2\n")
    rc, _, err = run_cli(capsys, "record", p, tmp_path / "out")
    assert_one_line_error(rc, err, "t.txt", "no images to record")


def test_record_keeps_frames_when_camera_disconnects(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch
) -> None:
    from edge_juggler.capture.tum import TumSource
    from tests.capture.test_k4a import fake_pyk4a

    monkeypatch.setitem(sys.modules, "pyk4a", fake_pyk4a(captures=3))
    out = tmp_path / "take"
    rc, stdout, err = run_cli(capsys, "record", "kinect:0", out, "--quiet")
    assert_one_line_error(rc, err, "kinect:0: camera stopped delivering frames after 3")
    assert "recorded 3 frames" in stdout
    frames = list(TumSource(out))
    assert [int(f.depth[0, 0]) for f in frames] == [1000, 1001, 1002]
    assert frames[0].intrinsics.fx == 504.6


def test_mocap_not_a_tsv_export(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    p = tmp_path / "capture.tsv"
    p.write_text("time,x,y\n0,1,2\n")
    rc, _, err = run_cli(capsys, "analyze", p)
    assert_one_line_error(rc, err, "capture.tsv", "not a Qualisys TSV")
