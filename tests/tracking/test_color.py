"""Colour learner pieces: free-fall stretches, white ranges, adding colours later."""

from __future__ import annotations

from edge_juggler.tracking.color import ColorLearner, ColorModel, ColorRange, _Cand

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
