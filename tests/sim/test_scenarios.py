"""Every catalogue class can be generated, and its ground truth says what it is."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edge_juggler import catalogue
from edge_juggler.sim.clips import render_clip
from edge_juggler.sim.scenarios import World, scenario_for


@pytest.mark.parametrize("label", catalogue.CLASSES)
def test_every_class_renders_with_its_label(label: str) -> None:
    frames, truth = render_clip(label, 5, seconds=1.0, fps=10, scale=0.25, modality="rgbd")
    assert truth.label == label
    assert len(frames) == 10 == len(truth.frames)
    assert frames[0].depth.shape == (144, 160) and frames[0].color.shape == (144, 160, 3)
    info = catalogue.parse_class(label)
    expected = 0 if info.kind in ("background", "pretend") else info.ball_count
    assert truth.ball_count == expected
    assert all(len(f.balls_m) == expected for f in truth.frames)
    assert truth.frames[0].person == (label != "bg_empty")
    assert not frames[0].extras  # no ground truth inside frames
    json.dumps(truth.to_dict(), allow_nan=False)  # groundtruth.json stays strict JSON


def _world(label: str, seed: int = 1, seconds: float = 8.0) -> World:
    return World.build(scenario_for(label, np.random.default_rng(seed)), seed, seconds)


def _hand_spread(world: World) -> float:
    return float(
        np.mean(
            [
                abs(world.hand_world(0, t)[0] - world.hand_world(1, t)[0])
                for t in np.arange(1, 4, 0.05)
            ]
        )
    )


def _peaks(w: World) -> float:
    return float(np.median([e["height_m"] for e in w.events if e["type"] == "peak"]))


def _hand_height(w: World) -> float:
    return float(np.mean([w.hand_world(0, t)[1] / w.body.height for t in np.arange(1, 4, 0.1)]))


def _gap_sd(w: World) -> float:
    return float(np.std(np.diff(sorted(e["t_s"] for e in w.events if e["type"] == "throw"))))


def test_mistakes_change_the_physics_they_name() -> None:
    good = _world("3b_cascade_good")
    assert _peaks(_world("3b_cascade_too_high")) > 1.5 * _peaks(good)
    assert _peaks(_world("3b_cascade_too_low")) < 0.6 * _peaks(good)
    assert _hand_spread(_world("3b_cascade_hands_close")) < 0.6 * _hand_spread(good)
    assert _hand_height(_world("3b_cascade_hands_high")) > _hand_height(good) + 0.08
    walk = _world("3b_cascade_walking")
    zs = [walk.origin_fn(t)[2] for t in np.arange(0, 8, 0.1)]
    assert np.ptp(zs) > 0.5
    drop = _world("3b_cascade_drop")
    assert sum(e["type"] == "drop" for e in drop.events) == 1
    together = _world("3b_cascade_together")
    ts = sorted(e["t_s"] for e in together.events if e["type"] == "throw")
    assert min(np.diff(ts)) < 0.02  # two balls leave at the same moment
    pair = _world("2b_exchange_together")
    ts = np.array(sorted(e["t_s"] for e in pair.events if e["type"] == "throw"))
    assert np.mean(np.diff(ts) < 0.02) > 0.4  # every exchange leaves both hands at once
    assert _gap_sd(_world("3b_cascade_unsteady")) > 2 * _gap_sd(good)


def test_tricks_use_their_patterns() -> None:
    shower = _world("3b_trick_shower")
    assert {e["value"] for e in shower.events if e["type"] == "throw"} == {5, 1}
    flash = _world("3b_trick_flash")
    values = [e["value"] for e in flash.events if e["type"] == "throw"]
    assert 5 in values and 3 in values
    cols = _world("3b_trick_columns")
    xs = [abs(e) for e in [t.throw_local[0] for t in cols.throws]]
    assert min(xs) < 0.01  # the middle column
    rev, good = _world("3b_trick_reverse"), _world("3b_cascade_good")
    # reverse: thrown from the outside, caught inside
    assert abs(rev.throws[10].throw_local[0]) > abs(rev.throws[10].catch_local[0])
    assert abs(good.throws[10].throw_local[0]) < abs(good.throws[10].catch_local[0])


def test_background_people_move_as_named() -> None:
    enter = _world("bg_entering", seconds=4.0)
    leave = _world("bg_leaving", seconds=4.0)
    assert abs(enter.origin_fn(0.0)[0]) > 1.0 > abs(enter.origin_fn(4.0)[0])
    assert abs(leave.origin_fn(0.0)[0]) < 1.0 < abs(leave.origin_fn(4.0)[0])
    reach = _world("bg_reaching", seconds=6.0)
    zs = [min(reach.hand_world(h, t)[2] for h in (0, 1)) for t in np.arange(0, 6, 0.1)]
    assert reach.origin_fn(0)[2] - min(zs) > 0.4  # a hand well in front of the body
    assert _world("bg_empty").body is None
