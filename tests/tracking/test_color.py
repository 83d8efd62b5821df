"""Colour learner pieces: free-fall stretches, white ranges, adding colours later."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import cv2
import numpy as np
import pytest

from edge_juggler.tracking.color import ColorLearner, ColorModel, ColorRange, _Cand
from tests.tracking.helpers import assert_thread_ended

G = 3000.0  # image gravity, px/s^2


def _arc(n: int, vy: float = -900.0, r: float = 8.0, edge_at: int | None = None) -> list[_Cand]:
    out = []
    for i in range(n):
        t = i / 30.0
        y = 400.0 + vy * t + 0.5 * G * t * t
        out.append(
            _Cand(i, t, 300.0 + 60.0 * t, y, r, 60.0, 200.0, 200.0, 150.0, 150.0, edge=i == edge_at)
        )
    return out


def test_short_stretch_falling_with_gravity_is_a_flight():
    assert len(ColorLearner._fixed_g(_arc(4), G)) == 4
    # the same blobs moving at constant speed (a hand's swing) do not fall
    line = [
        _Cand(c.frame, c.t, c.x, 400.0 - 900.0 * c.t, c.r, 60, 200, 200, 150, 150) for c in _arc(4)
    ]
    assert ColorLearner._fixed_g(line, G) == []
    # a blob cut by the picture's border breaks the stretch
    assert ColorLearner._fixed_g(_arc(4, edge_at=2), G) == []


def test_a_low_arc_falling_with_gravity_over_eight_blobs_is_a_flight():
    """A low throw seen from afar rises 2.5 ball radii: no four blobs span two
    diameters, eight at the known gravity do (531 wide colour s21: the white
    ball, which throws only the 3s, was learned at 8 s instead of 5.5 s)."""
    rng = np.random.default_rng(1)
    run = [replace(c, y=c.y + float(rng.normal(0, 1.0))) for c in _arc(8, vy=-0.5 * G * 7 / 30.0)]
    assert 2 * 8.0 <= max(c.y for c in run) - min(c.y for c in run) < 4 * 8.0
    assert len(ColorLearner._fixed_g(run, G)) == 8
    # the same height as a steady swing does not fall
    swing = [replace(c, y=400.0 - 90.0 * c.t) for c in run]
    assert ColorLearner._fixed_g(swing, G) == []


def test_windows_skip_a_stray_first_blob():
    run = _arc(8)
    run[0] = _Cand(0, 0.0, 250.0, 330.0, 20.0, 60, 200, 200, 150, 150)  # the hand it left
    accs = [a for a, _ in ColorLearner._windows(run)]
    assert accs and all(abs(a / G - 1.0) < 0.05 for a in accs[1:])


def test_white_range_joins_a_model_with_a_moving_colour():
    model = ColorModel([ColorRange(15, 35, 200, 80, moving=True)])
    white = ColorRange(0, 179, 0, 200, s_hi=90, moving=True)
    assert white.is_grey and not model.ranges[0].is_grey
    assert model.add_new([white, ColorRange(30, 40, 100, 100), ColorRange(100, 110, 100, 100)]) == 2
    assert model.ranges[1] is white and model.ranges[2].h_lo == 100
    assert model.add_new([ColorRange(0, 179, 0, 150, s_hi=60, moving=True)]) == 0


def test_a_colour_learned_from_more_flights_replaces_its_first_guess():
    first = ColorRange(47, 67, 126, 58, n=6)  # a green centred 10 off from a few blobs
    model = ColorModel([first, ColorRange(0, 179, 0, 200, s_hi=90, moving=True, n=20)])
    assert model.add_new([ColorRange(54, 74, 120, 58, n=10)]) == 0  # not twice the blobs
    assert model.add_new([ColorRange(54, 74, 120, 58, n=30)]) == 1
    assert model.ranges[0].h_lo == 54 and len(model.ranges) == 2  # same colour id
    # ranges set by hand (n unknown) are never replaced
    fixed = ColorModel([ColorRange(47, 67, 126, 58)])
    assert fixed.add_new([ColorRange(54, 74, 120, 58, n=300)]) == 0


def test_an_orange_next_to_a_wide_red_range_is_a_new_colour():
    model = ColorModel([ColorRange(172, 12, 190, 130, n=66)])
    assert model.add_new([ColorRange(11, 25, 164, 141, n=12)]) == 1
    assert len(model.ranges) == 2 and model.ranges[0].h_hi == 12


def _wall(h: int = 240, w: int = 320) -> np.ndarray:
    img = np.empty((h, w, 3), np.uint8)
    img[:] = (190, 215, 205)  # pale cyan wall
    return img


def test_a_moving_blob_that_looks_like_the_wall_is_no_ball():
    """The wall a ball just left (a lag trail) changes for two frames; it is not a colour."""
    red = (220, 30, 30)
    f0, f1, f2 = _wall(), _wall(), _wall()
    cv2.circle(f0, (100, 120), 9, (205, 122, 118), -1)  # fading trail of the ball
    cv2.circle(f1, (100, 120), 9, red, -1)
    cv2.circle(f2, (200, 80), 9, red, -1)  # the ball, now elsewhere
    learner = ColorLearner()
    for f in (f0, f1, f2):
        learner.add(f)
    assert len(learner.cands) == 1
    c = learner.cands[0]
    assert abs(c.x - 200) < 3 and abs(c.y - 80) < 3 and c.sat > 150


def test_a_low_arc_seen_from_afar_is_a_flight_over_a_longer_window():
    # apex at the middle of 9 blobs, 3.3 ball radii high: too low for the 6-blob
    # windows, a clean parabola over nine
    run = _arc(9, vy=-0.5 * G * 8 / 30.0, r=8.0)
    assert 2 * 8.0 <= max(c.y for c in run) - min(c.y for c in run) < 4 * 8.0
    accs = [a for a, _ in ColorLearner._windows(run)]
    assert accs and all(abs(a / G - 1.0) < 0.05 for a in accs)
    # a hand carrying a ball down and up (a scoop) curves the other way
    scoop = [_Cand(c.frame, c.t, c.x, 800.0 - c.y, c.r, 60, 200, 200, 150, 150) for c in run]
    assert all(a < 0 for a, _ in ColorLearner._windows(scoop))


def _high(ts: list[float], hue: float = 60.0, shift: float = 0.0) -> list[_Cand]:
    """Blobs of a throw that leaves the top of the picture (apex at y = -660)."""
    out = []
    for t in ts:
        y = 300.0 - 2400.0 * (t - shift) + 0.5 * G * (t - shift) ** 2
        out.append(_Cand(int(round(t * 30)), t, 300.0 + 40.0 * t, y, 8.0, hue, 200, 200, 150, 150))
    return out


def test_a_throw_out_of_the_top_joins_its_way_up_and_down():
    up = _high([0.0, 1 / 30, 2 / 30, 3 / 30])
    down = _high([1.5, 1.5 + 1 / 30, 1.5 + 2 / 30])
    pairs = ColorLearner._out_of_top([up, down], set(), G)
    assert [(i, j, len(cs)) for i, j, cs, _ in pairs] == [(0, 1, 7)]
    # back far too early for that speed (1.75 g), or another colour: two things
    early = _high([0.9, 0.9 + 1 / 30, 0.9 + 2 / 30], shift=-0.6)
    assert ColorLearner._out_of_top([up, early], set(), G) == []
    assert ColorLearner._out_of_top([up, _high([1.5, 1.533, 1.567], hue=100.0)], set(), G) == []
    # a hand rising slowly at y 300 cannot reach the top
    slow = [
        _Cand(k, k / 30, 300.0, 300.0 - 10.0 * k, 8.0, 60, 200, 200, 150, 150) for k in range(4)
    ]
    assert ColorLearner._out_of_top([slow, down], set(), G) == []


def test_a_way_down_is_cut_where_the_association_went_on_to_specks():
    up = _high([0.0, 1 / 30, 2 / 30, 3 / 30])
    down = _high([1.5, 1.5 + 1 / 30])
    down += [
        _Cand(47, 1.5 + 2 / 30, 100.0, 380.0, 2.0, 60, 120, 120, 90, 90),
        _Cand(48, 1.6, 420.0, 250.0, 2.5, 60, 120, 120, 90, 90),
    ]
    pairs = ColorLearner._out_of_top([up, down], set(), G)
    assert [(i, j, len(cs)) for i, j, cs, _ in pairs] == [(0, 1, 6)]


def test_gravity_from_throws_out_of_the_top_alone():
    # every throw leaves the top (close webcam, high throws): 4 blobs up, 4 down,
    # no whole arc; with g unknown the pair is held to its blobs' size (r 8: ~2300)
    up = _high([0.0, 1 / 30, 2 / 30, 3 / 30])
    down = _high([1.5, 1.5 + 1 / 30, 1.5 + 2 / 30, 1.5 + 3 / 30])
    pairs = ColorLearner._out_of_top([up, down], set(), None)
    assert [(i, j, len(cs)) for i, j, cs, _ in pairs] == [(0, 1, 8)]
    assert abs(pairs[0][3] / G - 1.0) < 0.02
    votes = [(a, cs) for _, _, cs, a in pairs]
    # shirt specks fall in more, but short, windows: the flights' height outvotes them
    specks = [_win(900.0 * (1 + 0.02 * k), 2.5, 20.0) for k in range(-6, 7)]
    for wins in ([], specks):
        g = ColorLearner._run_gravity([up, down], wins, votes)
        assert g is not None and abs(g / G - 1.0) < 0.02


def test_a_speck_the_association_took_in_the_balls_place_is_passed_over():
    # the ball's blob merged with a moving head behind it for a frame: the way up
    # reads ball, speck, ball, ball from the top down
    up = _high([0.0, 1 / 30, 2 / 30, 3 / 30])
    up[2] = _Cand(2, 2 / 30, 303.0, 150.0, 2.0, 5.0, 80, 160, 60, 140)
    down = _high([1.5, 1.5 + 1 / 30, 1.5 + 2 / 30])
    pairs = ColorLearner._out_of_top([up, down], set(), G)
    assert [(i, j, len(cs)) for i, j, cs, _ in pairs] == [(0, 1, 6)]


def _grey(run: list[_Cand]) -> list[_Cand]:
    return [_Cand(c.frame, c.t, c.x, c.y, c.r, 0, 20, 200, 10, 180) for c in run]


def _tinted(run: list[_Cand], sat: float = 62.0, val: float = 242.0) -> list[_Cand]:
    return [_Cand(c.frame, c.t, c.x, c.y, c.r, 6, sat, val, sat - 5, val - 10) for c in run]


def _learner() -> ColorLearner:
    """A learner that has seen a plain wall (the reference its colours are judged by)."""
    learner = ColorLearner()
    learner._recent, learner._recent_idx = [_wall()] * 3, [0, 3, 6]
    return learner


@pytest.mark.parametrize("whiten", [_grey, _tinted], ids=["grey", "tinted"])
def test_two_whole_white_flights_make_a_white_ball(whiten):
    """Two whole flights of grey blobs, or of a white ball under a tinted light
    (S ~61: not a pale red colour), make a white ball."""
    learner = _learner()
    colour = [_arc(6) for _ in range(3)]
    learner.cands = [c for run in colour for c in run]  # every moving blob seen
    model = learner._flight_model([*colour, whiten(_arc(6)), whiten(_arc(6))], [])
    assert [r.is_grey for r in model.ranges] == [False, True]
    # as many such blobs in 4-blob stretches (specks falling on a coloured ball fit
    # gravity too; a pale wall an arm uncovered) are neither white nor a colour
    learner._short = [whiten(_arc(4)) for _ in range(3)]
    model = learner._flight_model([*colour, *learner._short], [])
    assert [r.is_grey for r in model.ranges] == [False]


def test_three_short_white_flights_away_from_the_colours_make_a_white_ball():
    """Three 4-blob grey flights where no coloured blob is (a white ball seen in
    short stretches: 531 webcam s54) are a white ball; the same stretches on the
    coloured flights are their rims and highlights. (Tinted 4-blob stretches stay
    no white: a pale wall just uncovered falls for 4 frames too.)"""
    whiten = _grey
    learner = _learner()
    colour = [_arc(6) for _ in range(3)]
    learner.cands = [c for run in colour for c in run]  # every moving blob seen
    away = [
        [replace(c, frame=c.frame + 40 * k, t=c.t + 1.3 * k, x=c.x - 150) for c in whiten(_arc(4))]
        for k in range(1, 4)
    ]
    learner._short = away
    model = learner._flight_model([*colour, *away], [])
    assert [r.is_grey for r in model.ranges] == [False, True]
    # two are not enough
    learner._short = away[:2]
    model = learner._flight_model([*colour, *away[:2]], [])
    assert [r.is_grey for r in model.ranges] == [False]


@pytest.mark.parametrize("whiten", [_grey, _tinted], ids=["grey", "tinted"])
def test_one_white_flight_out_of_the_top_makes_a_white_ball(whiten):
    """A white ball whose high throws leave the top: one flight in the first seconds,
    4 blobs up and 4 down joined over the gap, is a whole flight of a white ball."""
    learner = _learner()
    colour = [_arc(6) for _ in range(3)]
    up = _high([0.0, 1 / 30, 2 / 30, 3 / 30])
    pair = whiten(up + _high([1.5, 1.5 + 1 / 30, 1.5 + 2 / 30, 1.5 + 3 / 30]))
    learner._pairs = [pair]
    model = learner._flight_model([*colour, pair], [])
    assert [r.is_grey for r in model.ranges] == [False, True]
    # the same 8 grey blobs as two 4-blob stretches: no white ball
    learner._pairs, learner._short = [], [pair[:4], pair[4:]]
    model = learner._flight_model([*colour, *learner._short], [])
    assert [r.is_grey for r in model.ranges] == [False]


def test_a_flight_the_association_carried_on_to_another_ball_is_split_by_hue():
    learner = _learner()
    run = _arc(16)
    mixed = [  # an orange ball, then (the balls crossed) a green one
        _Cand(c.frame, c.t, c.x, c.y, c.r, 15.0 if i < 8 else 67.0, 220, 230, 180, 180)
        for i, c in enumerate(run)
    ]
    model = learner._flight_model([mixed], [])
    centres = sorted((r.h_lo + (r.h_hi - r.h_lo) % 180 // 2) % 180 for r in model.ranges)
    assert centres == [15, 67]  # not one range at the mixed mean hue (H 41)


def test_a_blob_of_mixed_hue_where_balls_overlap_starts_no_colour():
    learner = _learner()
    red = [  # a red ball that passed in front of a blue one twice (H 140: both mixed)
        _Cand(c.frame, c.t, c.x, c.y, c.r, 140.0 if i in (3, 11) else 0.0, 210, 230, 180, 180)
        for i, c in enumerate(_arc(16))
    ]
    blue = [_Cand(c.frame, c.t, c.x, c.y, c.r, 112, 210, 230, 180, 180) for c in _arc(16)]
    model = learner._flight_model([red, blue, [*red], [*blue]], [])
    assert len(model.ranges) == 2


def _win(acc: float, r: float, span: float) -> tuple[float, list[_Cand]]:
    ys = np.linspace(0.0, span, 6)
    return acc, [
        _Cand(k, k / 30, 300.0, 200.0 + y, r, 30, 200, 200, 150, 150) for k, y in enumerate(ys)
    ]


def test_gravity_is_the_balls_not_that_of_many_falling_specks():
    # one ball (radius 26 px: its size says ~7500 px/s^2) before a patterned shirt
    # whose specks (radius 2.5) make more, but short, windows near 900 px/s^2
    ball = [_win(a, 26.0, 130.0) for a in (7700, 8000, 7900, 8200, 7750, 8100, 6000, 7800, 8300)]
    specks = [_win(900.0 * (1 + 0.02 * k), 2.5, 20.0) for k in range(-6, 7)]
    g = ColorLearner._gravity(ball + specks)
    assert g is not None and 7500 <= g <= 8300


def test_specks_that_fall_beside_the_balls_are_no_ball_colour():
    learner = _learner()
    balls = [_arc(6, r=6.0) for _ in range(3)]  # H 60
    specks = [
        [_Cand(c.frame, c.t, c.x, c.y, 2.3, 100.0, 120, 190, 100, 180) for c in _arc(6, r=2.3)]
        for _ in range(2)
    ]
    model = learner._flight_model([*balls, *specks], [])
    assert [(r.h_lo, r.h_hi) for r in model.ranges] == [(53, 67)]


def test_a_less_saturated_thing_of_the_ball_hue_lifts_its_floor_but_specks_do_not():
    """Something ball-sized of the ball's hue that moves without flying (a sleeve,
    a hand) lifts the range's saturation floor above it; a few specks far smaller
    than the ball (rim pieces of the ball itself in the hand: 633 wfov s17, r 2
    beside balls of r 6) do not, or the blurred ball in flight is lost."""
    learner = _learner()
    balls = [_arc(6, r=6.0) for _ in range(3)]  # H 60, S 200

    def moving(r: float) -> list[_Cand]:
        return [replace(c, x=c.x - 120, r=r, sat=150.0, sat_lo=130.0) for c in _arc(5, vy=-200)]

    floor = learner._flight_model(balls, [moving(7.0)]).ranges[0].s_lo
    assert floor >= 170  # halfway between 150 and 200
    floor = learner._flight_model(balls, [moving(2.0)]).ranges[0].s_lo
    assert floor < 150


def test_gravity_from_nine_blob_windows_where_there_are_enough():
    # 6-blob windows of crescent-shaped blobs scatter (here all read 6000); four
    # clean 12-blob flights give six or more 9-blob windows at the true 3000
    runs = [_arc(12, vy=-1000.0) for _ in range(4)]
    noisy = [_win(6000.0, 8.0, 100.0) for _ in range(20)]
    assert abs(ColorLearner._run_gravity(runs, noisy) / G - 1.0) < 0.02
    # too few long windows (short flights): the 6-blob windows decide
    assert ColorLearner._run_gravity([_arc(9, vy=-1000.0)], noisy) == 6000.0


def test_the_ball_radius_is_held_to_what_gravity_implies():
    """A poster of the ball's colour the balls fly past is not the ball's size."""
    magenta = (200, 40, 170)
    learner = ColorLearner()
    learner._g = 4.0 * 9.81 / 0.035  # balls of radius 4 px
    frames, flying = [], []
    for k in range(6):
        img = _wall()
        cv2.circle(img, (100, 100), 14, magenta, -1)  # the poster
        cv2.circle(img, (100 + k, 122), 4, magenta, -1)  # the ball just below it
        frames.append(img)
        # moving blobs read larger than the ball (its blur trail)
        flying.append(_Cand(3 * k, k / 10, 100.0 + k, 122.0, 10.0, 155, 200, 200, 150, 150))
    learner._recent, learner._recent_idx = frames, [3 * k for k in range(6)]
    model = learner._vet([ColorRange(145, 165, 100, 80)], [200.0], 6.0, flying)
    assert model.ball_radius_px is not None and 3.0 <= model.ball_radius_px <= 5.5


def test_a_ball_seen_partly_as_its_highlight_is_no_speck():
    """Most of a red ball's moving blobs were its highlight (it crossed a red object)."""
    learner = _learner()
    orange = [
        [_Cand(c.frame, c.t, c.x, c.y, 16.0, 18, 250, 238, 200, 200) for c in _arc(12)]
        for _ in range(3)
    ]
    red = [
        [
            _Cand(c.frame, c.t, c.x, c.y, 4.0 if i < 5 else 14.0, 179, 215, 205, 150, 150)
            for i, c in enumerate(_arc(8))
        ]
        for _ in range(2)
    ]
    model = learner._flight_model([*orange, *red], [])
    assert len(model.ranges) == 2


def test_a_fast_ball_the_association_missed_is_chained_with_gravity():
    """Four blobs a frame apart that keep to the parabola g predicts are a flight."""
    learner = ColorLearner()
    learner.cands = _arc(4, vy=-1800.0, r=8.0)  # 60 px a frame
    # clutter: a hand blob in each frame, and a blob of the ball's hue that does not fall
    learner.cands += [
        _Cand(k, k / 30, 100.0 + 5 * k, 300.0, 20.0, 15, 120, 180, 100, 150) for k in range(4)
    ]
    learner.cands += [
        _Cand(k, k / 30, 500.0, 400.0 - 60.0 * k, 8.0, 60, 200, 200, 150, 150) for k in range(4)
    ]
    chains = learner._chains(G, set())
    assert [len(c) for c in chains] == [4] and all(c.x < 400 for c in chains[0])
    assert learner._chains(G, {id(c) for c in learner.cands[:4]}) == []
    # specks far smaller than the balls seen flying do not chain
    assert learner._chains(G, set(), r_min=10.0) == []


def test_a_fast_close_ball_blurred_into_a_streak_is_a_candidate():
    """A ball 60 cm away thrown high streaks over ~2.4 ball areas: still a ball blob."""
    green = (30, 170, 60)
    frames = [_wall(), _wall(), _wall()]
    cv2.circle(frames[0], (250, 200), 12, green, -1)
    cv2.circle(frames[1], (250, 120), 12, green, -1)
    cv2.line(frames[2], (100, 60), (100, 90), green, 24)  # motion blur
    cv2.circle(frames[2], (100, 90), 12, green, -1)
    assert np.count_nonzero(np.any(frames[2] != _wall(), axis=2)) > 0.01 * 320 * 240
    learner = ColorLearner()
    for f in frames:
        learner.add(f)
    assert [(round(c.x / 10), round(c.y / 10)) for c in learner.cands] == [(10, 8)]


class _BlockingLearner:
    """A learner whose re-learns wait for the test and must not run on its thread.

    The first learn (nothing is tracked before it) is synchronous and returns a
    red model at once; later ``model()`` calls fail on the main thread and wait
    for ``release`` elsewhere.
    """

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.finished = threading.Event()

    def add(self, rgb: np.ndarray, t_s: float | None = None) -> None:
        pass

    def model(self) -> ColorModel:
        self.calls += 1
        if self.calls == 1:
            return ColorModel([ColorRange(0, 10, 100, 100, n=20)], None)
        if threading.current_thread() is threading.main_thread():
            raise AssertionError("a re-learn ran on the tracking thread")
        self.started.set()
        assert self.release.wait(10.0), "the test never released the re-learn"
        self.finished.set()
        return ColorModel([ColorRange(100, 110, 100, 100, n=20)], 6.0)


def _relearning_tracker(learner: _BlockingLearner):
    """A colour tracker at 10 fps: learns at 3.0 s, re-learns at 4.0 s, due at 4.5 s."""
    from edge_juggler.frames import Frame
    from edge_juggler.tracking.tracker import Tracker, TrackerConfig

    cfg = TrackerConfig(relearn_every_s=1.0, relearn_apply_after_s=0.5, relearn_until_s=100.0)
    tr = Tracker(None, "color", cfg)
    tr.learner = learner
    img = np.zeros((48, 64, 3), np.uint8)

    def step(i: int) -> None:
        tr.update(Frame(i, i * 100_000, color=img))

    for i in range(41):  # the first learn at frame 30, the re-learn starts at frame 40
        step(i)
    return tr, step


def test_a_relearn_runs_in_the_worker_and_joins_the_model_when_due():
    learner = _BlockingLearner()
    tr, step = _relearning_tracker(learner)
    model = tr.color_seg.model
    assert learner.calls >= 1 and len(model.ranges) == 1  # the first learn: at once
    assert learner.started.wait(10.0)  # frame 40 returned while the re-learn waits
    learner.release.set()
    assert learner.finished.wait(10.0)
    for i in range(41, 45):  # done, but not due: the model stays as it was
        step(i)
        assert len(model.ranges) == 1 and model.ball_radius_px is None
    step(45)  # t = 4.5 s: 0.5 s after the re-learn began
    assert len(model.ranges) == 2 and model.ball_radius_px == 6.0
    assert tr._colours_complete_t == 4.0  # when the re-learn that found it began


def test_a_due_relearn_is_waited_for_and_one_pending_at_the_end_is_applied():
    learner = _BlockingLearner()
    tr, step = _relearning_tracker(learner)
    for i in range(41, 45):
        step(i)
    assert learner.started.wait(10.0) and not learner.finished.is_set()
    threading.Timer(0.05, learner.release.set).start()
    step(45)  # waits for the worker: the result joins at its fixed frame
    assert len(tr.color_seg.model.ranges) == 2

    learner = _BlockingLearner()
    tr, step = _relearning_tracker(learner)
    learner.release.set()
    tr.finish()  # the clip ends before the re-learn is due: it still counts
    assert len(tr.color_seg.model.ranges) == 2 and tr.color_seg.model.ball_radius_px == 6.0
    assert tr._worker is None and not tr._relearns
    assert_thread_ended("relearn")


def test_the_worker_thread_ends_with_an_unfinished_tracker():
    import gc

    learner = _BlockingLearner()
    tr, step = _relearning_tracker(learner)
    assert learner.started.wait(10.0)
    learner.release.set()
    del tr, step  # dropped mid-clip, no finish(): the idle worker thread ends with it
    gc.collect()
    assert_thread_ended("relearn")


def test_a_fast_ball_streaked_by_motion_blur_is_still_a_ball():
    """A close ball thrown high smears along its path: longer, not wider, than a ball."""
    from edge_juggler.tracking.color import ColorSegmenter

    img = _wall(480, 640)
    red = (220, 30, 30)
    cv2.circle(img, (100, 300), 12, red, -1)  # a ball held still
    # the same ball at 75 px a frame: a solid streak 24 wide, 80 long (4.4 ball areas)
    cv2.rectangle(img, (300, 100), (323, 140), red, -1)
    cv2.circle(img, (312, 100), 12, red, -1)
    cv2.circle(img, (312, 140), 12, red, -1)
    # a hollow blob of the ball's colour, as long and no bigger (a ball merged with
    # what it passes: fill under 0.5) is not taken for a streak
    cv2.rectangle(img, (480, 100), (489, 190), red, -1)
    cv2.rectangle(img, (521, 100), (530, 190), red, -1)
    cv2.rectangle(img, (480, 181), (530, 190), red, -1)
    model = ColorModel([ColorRange(170, 10, 150, 100)], ball_radius_px=12.0)
    found = sorted((round(d.x), round(d.y)) for d in ColorSegmenter(model).process(img))
    assert len(found) == 2
    assert abs(found[0][0] - 100) <= 2 and abs(found[0][1] - 300) <= 2
    assert abs(found[1][0] - 312) <= 2 and abs(found[1][1] - 120) <= 2
    # a round blob of that area is no ball (a hand, a shirt of its colour)
    img2 = _wall(480, 640)
    cv2.circle(img2, (312, 120), 26, red, -1)
    assert ColorSegmenter(model).process(img2) == []


def test_streaks_are_fast_upright_runs_of_one_colour():
    learner = ColorLearner()
    up = _high([0.0, 1 / 30, 2 / 30])  # 80 px a frame, r 8
    sideways = [
        _Cand(10 + k, (10 + k) / 30, 100.0 + 40.0 * k, 300.0, 8.0, 60, 200, 200, 150, 150)
        for k in range(3)
    ]
    slow = [
        _Cand(20 + k, (20 + k) / 30, 500.0, 300.0 - 8.0 * k, 8.0, 60, 200, 200, 150, 150)
        for k in range(3)
    ]
    other = _high([1.5, 1.5 + 1 / 30], hue=120.0)
    other[1] = replace(other[1], hue=60.0)  # a hue jump: two things, not one streak
    learner.cands = up + sideways + slow + other
    streaks = learner._streaks(set(), 0.0)
    assert [[c.frame for c in s] for s in streaks] == [[0, 1, 2]]
    # blobs already taken by another flight are left alone
    assert learner._streaks({id(c) for c in up}, 0.0) == []


def test_a_throw_out_of_the_top_seen_in_two_frames_each_way_is_learned():
    """633 from a close webcam: the 6s show two blobs up and two down, 1.5 s apart."""
    learner = ColorLearner()
    learner._recent, learner._recent_idx = [_wall()] * 3, [0, 3, 6]
    # one whole 3 of another colour sets the gravity; the 6s: two throws, 2 + 2 blobs each
    three = [replace(c, hue=120.0) for c in _arc(12, vy=-1500.0)]
    sixes = []
    for t0 in (0.0, 2.0):
        sixes += _high([t0, t0 + 1 / 30], shift=t0) + _high([t0 + 1.5, t0 + 1.5 + 1 / 30], shift=t0)
    learner.cands = sorted(three + sixes, key=lambda c: c.frame)
    flying, _ = learner._runs()
    assert learner._g is not None and abs(learner._g / G - 1.0) < 0.1
    assert len(learner._pairs) == 2 and all(len(p) == 4 for p in learner._pairs)
    assert all(abs(c.hue - 60.0) < 1 for p in learner._pairs for c in p)


class _SlowLearner:
    """Records what it is given and where; each add() after the first learn is slow."""

    def __init__(self) -> None:
        self.added: list[tuple[float, str]] = []
        self.seen_at_model: list[float] = []

    def add(self, rgb: np.ndarray, t_s: float | None = None) -> None:
        if self.seen_at_model:
            time.sleep(0.01)
        self.added.append((float(t_s), threading.current_thread().name))

    def model(self) -> ColorModel:
        self.seen_at_model.append(self.added[-1][0])
        return ColorModel([ColorRange(0, 10, 100, 100, n=20)], None)


def test_relearning_sees_every_frame_in_order_and_never_falls_far_behind():
    from edge_juggler.frames import Frame
    from edge_juggler.tracking.tracker import Tracker, TrackerConfig

    cfg = TrackerConfig(
        relearn_every_s=1.0, relearn_apply_after_s=0.5, relearn_until_s=100.0, learn_behind_frames=3
    )
    tr = Tracker(None, "color", cfg)
    learner = tr.learner = _SlowLearner()
    img = np.zeros((48, 64, 3), np.uint8)
    for i in range(61):  # 10 fps: the first learn at 3.0 s, re-learns at 4, 5 and 6 s
        tr.update(Frame(i, i * 100_000, color=img))
        assert len(tr._learning) <= 3  # a slow learner holds tracking back, a little
    tr.finish()
    assert [round(t, 1) for t in learner.seen_at_model] == [3.0, 4.0, 5.0, 6.0]
    later = [(t, th) for t, th in learner.added if t > 3.05]
    # every frame up to the last re-learn, in order, none on the tracking thread
    assert [round(t, 1) for t, _ in later][:30] == [round(0.1 * i, 1) for i in range(31, 61)]
    assert all(th.startswith("relearn") for _, th in later)
    assert_thread_ended("relearn")


def test_a_white_balls_arc_may_curve_more_than_gravity():
    """The ends of a white ball's arc merge with the pale hands that throw and catch
    it, which pulls them down: its windows fit up to twice gravity (633 wide colour
    s57 at 1.7 g, its white ball never learned). A coloured arc that curves so is
    a hand's scoop, not a ball."""

    def arc(f0: int, x0: float, acc: float, sat: float, val: float) -> list[_Cand]:
        out = []
        for i in range(12):
            t = (f0 + i) / 30.0
            y = 400.0 - 550.0 * (i / 30.0) + 0.5 * acc * (i / 30.0) ** 2
            out.append(_Cand(f0 + i, t, x0 + 3.0 * i, y, 6.0, 60.0, sat, val, sat - 10, val - 20))
        return out

    learner = _learner()
    colour = [arc(20 * k, 100.0 + 150 * (k % 4), G, 200.0, 200.0) for k in range(8)]
    white = arc(180, 100.0, 1.7 * G, 20.0, 230.0)
    sharp = arc(220, 250.0, 1.7 * G, 200.0, 200.0)
    learner.cands = [c for run in [*colour, white, sharp] for c in run]
    flying, _ = learner._runs()
    assert learner._g is not None and abs(learner._g / G - 1.0) < 0.05
    # whole flights (parabola windows), not short stretches fitted at g: only whole
    # ones make a white ball (see test_two_whole_white_flights_make_a_white_ball)
    whole = {c.frame for run in flying if all(run is not s for s in learner._short) for c in run}
    assert white[5].frame in whole and sharp[5].frame not in whole
