"""The simulator against real data: 5-ball mocap statistics and a real Azure Kinect frame."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from edge_juggler.sim.scenarios import ScenarioSpec, World
from edge_juggler.sim.source import open_synthetic
from edge_juggler.sim.stats import flight_stats, link_tracks, read_qtm_tsv

MOCAP = Path("jugglebot_mocap") / "5_ball_juggling_cut.tsv"
AZURE = Path("pyk4a") / "recording.mkv"


def test_five_ball_cascade_matches_real_mocap(shared_data: Path) -> None:
    t, pts, header = read_qtm_tsv(shared_data / MOCAP)
    assert header["FREQUENCY"] == "300"
    # which axis is up: the one along which the balls move most
    spread = np.nanpercentile(pts, 99, axis=(0, 1)) - np.nanpercentile(pts, 1, axis=(0, 1))
    up = int(np.argmax(spread))
    assert up == 2
    # unlabelled markers: link them and read the arcs (tolerance ~3x the marker noise)
    real = flight_stats(link_tracks(t, pts), up_axis=up, tol_m=0.015)
    # ours: the simulator knows its throws and apexes exactly (apex above the release)
    spec = ScenarioSpec(label=None, pattern="5", jitter_beats=0.0)  # Juggling Lab timing
    world = World.build(spec, seed=0, duration=12.0)
    throws = [e["t_s"] for e in world.events if e["type"] == "throw"]
    ours = {
        "throws": len(throws),
        "throws_per_second": (len(throws) - 1) / (throws[-1] - throws[0]),
        "apex_above_hands_m": float(
            np.median([e["height_m"] for e in world.events if e["type"] == "peak"])
        ),
    }
    for stats in (real, ours):
        assert stats["throws"] > 30
        assert 4.0 <= stats["throws_per_second"] <= 5.5, stats
        assert 0.5 <= stats["apex_above_hands_m"] <= 1.0, stats
    # the same estimator on our sampled trajectories agrees with the truth to 3 cm
    ts = np.arange(0.0, 6.0, 1.0 / 100)
    pos = np.array([world.state(x).balls for x in ts])
    est = flight_stats([np.column_stack([ts, pos[:, b]]) for b in range(5)], 1, tol_m=0.015)
    assert est["throws_per_second"] == pytest.approx(ours["throws_per_second"], rel=0.02)
    assert est["apex_above_hands_m"] == pytest.approx(ours["apex_above_hands_m"], abs=0.03)


def _missing_and_noise(depth: np.ndarray, lo: int = 1200, hi: int = 2800) -> tuple[float, float]:
    """Fraction of zero pixels, and robust pixel noise (mm) on smooth surfaces in [lo, hi]."""
    zeros = float((depth == 0).mean())
    x = depth.astype(np.float32)
    med = cv2.medianBlur(depth, 5).astype(np.float32)
    kernel = np.ones((5, 5), np.uint8)
    span = cv2.dilate(depth, kernel).astype(np.float32) - cv2.erode(depth, kernel)
    ok = (depth > lo) & (depth < hi) & (med > lo) & (med < hi) & (span < 60)
    r = (x - med)[ok]
    return zeros, float(1.4826 * np.median(np.abs(r - np.median(r))))


def test_depth_looks_like_a_real_azure_kinect_frame(shared_data: Path) -> None:
    av = pytest.importorskip("av")
    with av.open(str(shared_data / AZURE)) as container:
        stream = next(s for s in container.streams.video if s.codec_context.name == "rawvideo")
        packet = next(p for p in container.demux(stream) if p.size)
        real = np.frombuffer(bytes(packet), dtype=">u2").reshape(576, 640).astype(np.uint16)
    assert np.median(real[real > 0]) == pytest.approx(1491, abs=5)
    src = open_synthetic("3?seconds=1&seed=4&distance=2.0&profile=azure_nfov&modality=depth")
    frame = next(iter(src))
    assert frame.color is None and frame.depth.dtype == np.uint16
    real_zero, real_noise = _missing_and_noise(real)
    sim_zero, sim_noise = _missing_and_noise(frame.depth)
    assert 0.2 < real_zero < 0.3
    # same order of magnitude: within a factor of three
    assert real_zero / 3 < sim_zero < real_zero * 3, (sim_zero, real_zero)
    assert real_noise / 3 < sim_noise < real_noise * 3, (sim_noise, real_noise)
    # the juggler at ~2 m is measured there, with values quantised to whole mm
    person = frame.depth[(frame.depth > 1700) & (frame.depth < 2300)]
    assert person.size > 2000


def _median_step(depth_mm: np.ndarray, lo: float, hi: float) -> float:
    values = np.unique(depth_mm[(depth_mm > lo) & (depth_mm < hi)])
    return float(np.median(np.diff(values)))


def test_kinect_v1_depth_steps_match_a_real_kinect_frame(shared_data: Path) -> None:
    real_png = cv2.imread(
        str(shared_data / "open3d_testdata_kinect1" / "TUM_depth.png"), cv2.IMREAD_UNCHANGED
    )
    real = real_png.astype(np.float64) / 5.0  # TUM: value / 5 = mm
    src = open_synthetic("3?seconds=1&seed=8&profile=kinect_v1&modality=depth")
    sim = next(iter(src)).depth.astype(np.float64)
    for lo in (1950.0, 2900.0):
        real_step = _median_step(real, lo, lo + 150)
        sim_step = _median_step(sim, lo, lo + 150)
        assert sim_step == pytest.approx(real_step, rel=0.25), (lo, sim_step, real_step)
    assert _median_step(sim, 2900, 3050) > 2 * _median_step(sim, 1950, 2100)
