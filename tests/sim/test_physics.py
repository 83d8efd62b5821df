"""Physics of the synthetic world: Juggling Lab timing, conservation, drops."""

from __future__ import annotations

import numpy as np
import pytest

from edge_juggler import catalogue
from edge_juggler.sim import physics as ph
from edge_juggler.sim.scenarios import ScenarioSpec, World, scenario_for


def _world(pattern: str, seconds: float = 8.0, **kw) -> World:
    spec = ScenarioSpec(label=None, pattern=pattern, jitter_beats=0.0, **kw)
    return World.build(spec, seed=3, duration=seconds)


def _sample(world: World, rate_hz: float = 240.0, t0: float = 0.0, t1: float | None = None):
    ts = np.arange(t0, world.duration if t1 is None else t1, 1.0 / rate_hz)
    states = [world.state(t) for t in ts]
    return ts, states


@pytest.mark.parametrize(("pattern", "bps", "apex"), [("3", 2.90, 0.42), ("5", 4.10, 1.00)])
def test_cascade_obeys_juggling_lab_timing(pattern: str, bps: float, apex: float) -> None:
    world = _world(pattern)
    n = int(pattern)
    flight = (n - ph.DWELL_BEATS) / bps
    expected_apex = ph.G * flight**2 / 8
    assert expected_apex == pytest.approx(apex, abs=0.01)  # the DESIGN.md facts
    throws = [e for e in world.events if e["type"] == "throw"]
    ts = np.array([e["t_s"] for e in throws])
    rate = (len(ts) - 1) / (ts[-1] - ts[0])
    assert rate == pytest.approx(bps, rel=0.01)
    assert len(throws) >= 5 * n
    # apex measured from the sampled ball trajectories, above each release point
    times, states = _sample(world, 480.0, 1.0, 5.0)
    heights = np.array([[s.balls[b, 1] for b in range(n)] for s in states])
    held = np.array([[s.held_by[b] >= 0 for b in range(n)] for s in states])
    measured = []
    for b in range(n):
        k = 0
        while k < len(times):
            if held[k, b]:
                k += 1
                continue
            start = k
            while k < len(times) and not held[k, b]:
                k += 1
            if start == 0 or k >= len(times):
                continue  # flight cut by the window
            release = heights[start - 1, b]
            measured.append(heights[start:k, b].max() - release)
    assert len(measured) >= 2 * n
    assert np.allclose(measured, expected_apex, atol=0.01), (min(measured), max(measured))


@pytest.mark.parametrize(
    "pattern", ["531", "441", "55550", "71", "51", "4", "(4,4)", "(6x,4)*", "(4,2x)(2x,4)"]
)
def test_any_valid_siteswap_flies_and_keeps_its_balls(pattern: str) -> None:
    world = _world(pattern, seconds=4.0)
    from edge_juggler.sim.scenarios import parse_pattern

    assert world.n_balls == parse_pattern(pattern)[2]
    _, states = _sample(world, 60.0)
    assert all(len(s.balls) == world.n_balls for s in states)
    assert all(np.all(s.balls[:, 1] > 0.3) for s in states)  # nothing falls without a drop


def _assert_conserved(world: World, rate: float = 120.0) -> list:
    ts, states = _sample(world, rate)
    n = world.n_balls
    positions = np.array([s.balls for s in states])
    assert positions.shape == (len(ts), n, 3)
    assert np.isfinite(positions).all()
    step = np.linalg.norm(np.diff(positions, axis=0), axis=2)
    # no ball jumps: the fastest thing is a high throw (< 15 m/s)
    assert step.max() < 15.0 / rate + 0.01, step.max()
    assert (positions[:, :, 1] >= world.spec.ball_radius - 1e-6).all()  # never under the floor
    for s in states:
        for b in range(n):
            if s.held_by[b] >= 0:
                d = np.linalg.norm(s.balls[b] - s.hands[s.held_by[b]])
                assert d < 0.06
    return states


@pytest.mark.parametrize("pattern", ["3", "5", "531", "51"])
def test_every_ball_is_conserved(pattern: str) -> None:
    _assert_conserved(_world(pattern, seconds=6.0))


def test_drop_falls_to_the_floor_rolls_and_stops() -> None:
    world = _world("3", seconds=10.0, drops=1)
    drops = [e for e in world.events if e["type"] == "drop"]
    assert len(drops) == 1
    ball = drops[0]["ball"]
    states = _assert_conserved(world)
    last = states[-1]
    assert last.phases[ball] == "rest"
    assert last.balls[ball, 1] == pytest.approx(world.spec.ball_radius, abs=1e-6)
    # the dropped ball is never caught again; the others keep juggling
    later = [e for e in world.events if e["t_s"] > drops[0]["t_s"] and e["ball"] == ball]
    assert not later
    others = [e for e in world.events if e["t_s"] > drops[0]["t_s"] and e["type"] == "throw"]
    assert len(others) > 5


def test_pretend_moves_hands_without_balls() -> None:
    world = _world("3", seconds=3.0, balls_real=False)
    assert world.n_balls == 0
    _, states = _sample(world, 30.0)
    xs = np.array([s.hands[0] for s in states])
    assert np.ptp(xs[:, 1]) > 0.04  # the scoop
    assert not world.events


def test_too_high_is_higher_and_slower_than_good() -> None:
    good, high = _world("3"), _world("3", height_scale=2.5)
    peak = lambda w: np.median([e["height_m"] for e in w.events if e["type"] == "peak"])  # noqa: E731
    assert peak(high) == pytest.approx(2.5 * peak(good), rel=0.02)
    assert high.bps < good.bps


def test_beats_per_second_table() -> None:
    assert ph.beats_per_second((3,)) == pytest.approx(2.9)
    assert ph.beats_per_second((5,)) == pytest.approx(4.1)
    assert ph.beats_per_second((7, 1)) == pytest.approx(5.0)
    assert ph.beats_per_second((2, 0)) == pytest.approx(2.0)
    assert ph.beats_per_second((9, 7, 5, 3, 1)) > ph.beats_per_second((5,))


@pytest.mark.parametrize(
    "label", [c for c in catalogue.CLASSES if c[0].isdigit() and c != "0b_pretend"]
)
def test_every_juggling_class_conserves_balls_and_moves_hands_humanly(label: str) -> None:
    world = World.build(scenario_for(label, np.random.default_rng([2, 1])), 2, 6.0)
    assert world.n_balls == catalogue.ball_count_of(label)
    _assert_conserved(world, rate=60.0)
    ts = np.arange(0.0, 6.0, 1 / 120)
    hands = np.array([[world.hand_world(h, t) for h in (0, 1)] for t in ts])
    speed = np.linalg.norm(np.diff(hands, axis=0), axis=2) * 120
    assert speed.max() < 6.0, speed.max()  # fast jugglers' hands peak around 3-4 m/s
