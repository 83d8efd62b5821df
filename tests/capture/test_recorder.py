"""RecordingWriter: exact round trip, meta.json, and survival of SIGKILL mid-recording."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from edge_juggler.capture import open_source
from edge_juggler.capture.recorder import RecordingWriter, format_timestamp
from edge_juggler.capture.tum import TumSource
from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics
from tests.capture.conftest import make_video

REPO = Path(__file__).resolve().parents[2]
DEPTH_INTR = Intrinsics(504.6, 504.7, 332.8, 348.8, 64, 48)
COLOR_INTR = Intrinsics(611.8, 611.9, 639.3, 365.9, 80, 60)


def _frames(n: int, seed: int = 0) -> list[Frame]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        depth = rng.integers(0, 13000, (48, 64), dtype=np.uint16)
        depth[:4] = 0
        out.append(
            Frame(
                index=i,
                timestamp_us=1_234_567 + i * 33_367,
                color=rng.integers(0, 256, (60, 80, 3), dtype=np.uint8),
                depth=depth,
                intrinsics=DEPTH_INTR,
                color_intrinsics=COLOR_INTR,
            )
        )
    return out


def test_round_trip_is_exact_and_restores_intrinsics(tmp_path: Path) -> None:
    frames = _frames(5)
    out = tmp_path / "rec"
    with RecordingWriter(
        out,
        intrinsics=DEPTH_INTR,
        fps=30,
        device="unit test",
        color_intrinsics=COLOR_INTR,
        extra_meta={"label": "3b_cascade_good"},
    ) as w:
        for f in frames:
            w.write(f)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["frames"] == 5 and meta["device"] == "unit test" and meta["fps"] == 30
    assert meta["label"] == "3b_cascade_good"
    src = open_source(out)
    assert isinstance(src, TumSource)
    assert src.intrinsics == DEPTH_INTR and src.color_intrinsics == COLOR_INTR
    assert src.fps == 30 and src.modality == "rgbd"
    back = list(src)
    assert len(back) == 5
    for a, b in zip(back, frames, strict=True):
        assert a.timestamp_us == b.timestamp_us
        assert np.array_equal(a.depth, b.depth) and np.array_equal(a.color, b.color)
        assert a.intrinsics == DEPTH_INTR and a.color_intrinsics == COLOR_INTR


def test_depth_png_is_tum_scaled(tmp_path: Path) -> None:
    import cv2

    f = _frames(1)[0]
    with RecordingWriter(tmp_path / "r", intrinsics=None, fps=None, device="t") as w:
        w.write(f)
    (png,) = (tmp_path / "r" / "depth").glob("*.png")
    raw = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    assert raw.dtype == np.uint16 and np.array_equal(raw, f.depth.astype(np.uint32) * 5)


def test_refuses_non_empty_folder_and_bad_frames(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match=r"x: exists and is not empty"):
        RecordingWriter(tmp_path / "x", intrinsics=None, fps=None, device="t")
    w = RecordingWriter(tmp_path / "y", intrinsics=None, fps=None, device="t")
    f = _frames(2)
    w.write(f[1])
    with pytest.raises(ValueError, match="timestamps must increase"):
        w.write(f[0])
    tracks = Frame(index=0, timestamp_us=9_999_999, extras={"tracks": np.zeros((0, 3))})
    with pytest.raises(InputError, match="no colour or depth to record"):
        w.write(tracks)
    w.close()
    w.close()  # idempotent


def test_format_timestamp_is_exact() -> None:
    assert format_timestamp(1305031102175304) == "1305031102.175304"
    assert format_timestamp(5) == "0.000005"


def test_sigkill_mid_recording_keeps_every_whole_frame(tmp_path: Path) -> None:
    """Record a video in a subprocess, kill -9 it mid-way, read back what it wrote."""
    video = tmp_path / "long.mp4"
    make_video(video, frames=400, size=(320, 240), fps=30, seed=3)
    out = tmp_path / "rec"
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge_juggler", "record", str(video), str(out), "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            idx = out / "rgb.txt"
            if idx.exists() and idx.read_text().count(" rgb/") >= 8:
                break
            if proc.poll() is not None:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "recording finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    meta = json.loads((out / "meta.json").read_text())
    assert "complete" not in meta  # never closed
    back = list(TumSource(out))
    assert 8 <= len(back) < 400
    with open_source(video) as src:
        original = [f for _, f in zip(range(len(back)), src, strict=False)]
    for a, b in zip(back, original, strict=True):
        assert a.timestamp_us == b.timestamp_us
        assert np.array_equal(a.color, b.color)


def test_sigint_stops_cleanly_and_keeps_everything(tmp_path: Path) -> None:
    video = tmp_path / "long.mp4"
    make_video(video, frames=400, size=(320, 240), fps=30, seed=4)
    out = tmp_path / "rec"
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge_juggler", "record", str(video), str(out), "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            idx = out / "rgb.txt"
            if idx.exists() and idx.read_text().count(" rgb/") >= 5:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "recording finished before Ctrl-C"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert "stopped by Ctrl-C" in stdout and "Traceback" not in stderr
    meta = json.loads((out / "meta.json").read_text())
    assert meta["complete"] is True
    assert meta["frames"] == len(list(TumSource(out))) >= 5
