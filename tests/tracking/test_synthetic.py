"""Synthetic clips with ground truth, on test seeds never used while tuning.

A modest sample here (both modalities, several camera profiles); the full
table comes from ``python benchmarks/eval_tracking.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_EVAL = Path(__file__).resolve().parents[2] / "benchmarks" / "eval_tracking.py"
_spec = importlib.util.spec_from_file_location("eval_tracking", _EVAL)
eval_tracking = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(eval_tracking)

SAMPLE = [
    ("3", 5001, "depth", "azure_nfov"),
    ("4", 5002, "depth", "azure_nfov_binned"),
    ("531", 5003, "depth", "azure_wfov"),
    ("3", 5004, "color", "webcam"),
    ("441", 5005, "color", "azure_nfov"),
    ("5", 5006, "depth", "kinect_v1"),
]


@pytest.fixture(scope="module")
def rows():
    assert all(s >= eval_tracking.TEST_SEED_BASE for _, s, _, _ in SAMPLE)
    return [eval_tracking.evaluate_clip(*job, seconds=8.0) for job in SAMPLE]


# Regression guards at the level measured when this was written (see the final
# report of issue 4): the targets (98 % counts, 95 % siteswaps) are NOT met yet.


def test_ball_count_and_siteswap_on_sample(rows):
    balls = sum(r["balls"] == r["true_balls"] for r in rows)
    ss = sum(r["siteswap"] == r["true_siteswap"] for r in rows)
    assert balls >= 6, rows  # measured 6/6 (colour learned from free flights, depth gravity)
    assert ss >= 6, rows


def test_throw_count_close(rows):
    # throws counted on the reading's beat clock (held 2s and throws at the edges too)
    close = [r for r in rows if abs(r["throws"] - r["true_throws"]) <= 1]
    assert len(close) >= 6, rows  # measured 6/6 within +-1 (was 4/6 within +-10 %)
    # exact, up to a throw within half a frame of the first or last frame
    exact = [r for r in rows if eval_tracking.throw_error(r) == 0]
    assert len(exact) >= 6, rows  # measured 6/6 (3/6 exact against the strict count)


def test_throw_count_range_allows_only_edge_throws():
    # throws at the edges of a 0..9.9 s recording at 10 fps, and inside
    throws = [-0.2, -0.04, 0.03, 1.0, 5.0, 9.86, 9.93, 9.99]
    # inside: 0.03, 1.0, 5.0, 9.86 (4); within 0.05 s of an edge: -0.04 (out), 0.03 (in),
    # 9.93 (out: after the last frame); 9.86 is 0.04 s before it (in); 9.99 is too far
    assert eval_tracking.throw_count_range(throws, 0.0, 9.9, 0.1) == (2, 6)
    row = {"throws": 7, "true_throws": 4, "true_throws_range": [2, 6]}
    assert eval_tracking.throw_error(row) == 1


def test_world_knows_the_throws_outside_the_recording():
    from edge_juggler.sim.clips import clip_source

    src = clip_source("3", 5, seconds=2.0, profile="webcam", modality="color")
    list(src)
    truth = [e["t_s"] for e in src.truth.events if e["type"] == "throw"]
    every = src.world.throw_times(-1.0, 3.0)
    assert set(truth) <= set(every)
    assert any(t < 0 for t in every) and any(t > 2.0 for t in every)  # the truth has neither
    assert all(0 <= t for t in truth)


def test_apex_height_with_depth(rows):
    errs = sorted(e for r in rows if r["modality"] == "depth" for e in r["apex_errors_m"])
    assert errs, rows
    # measured 0.013 m (apex above where the depth hands let go; each apex matched to
    # the true peak of the ball that was there); 0.031 m above the arcs' ends' level
    assert errs[len(errs) // 2] <= 0.02


def test_a_31_whose_passes_are_mostly_missed_is_not_read_at_half_its_beat():
    """Depth sees few of a 31's low 1s (tuning clip 31 wide depth s12: 4 of 14).
    At half the beat the 3s read 5300, whose two empty hands every finer clock
    finds empty for free; an empty beat the unit explains weighs half a throw, and
    the clip reads 31 again."""
    r = eval_tracking.evaluate_clip("31", 12, "depth", "azure_wfov")
    assert r["siteswap"] == "31" and r["balls"] == 2
