"""Association: identities survive crossings and short disappearances."""

from __future__ import annotations

import numpy as np

from edge_juggler.tracking.association import (
    Associator,
    Detection,
    StaticFilter,
    window_gravity,
)
from edge_juggler.tracking.flights import TrackSamples


def _arc(t, x0, vx, y0=400.0, vy=-600.0, g=2000.0):
    return x0 + vx * t, y0 + vy * t + 0.5 * g * t * t


def test_crossing_balls_keep_identity():
    a = Associator()
    ids_a, ids_b = set(), set()
    for i in range(18):  # two arcs crossing in the middle
        t = i / 30
        xa, ya = _arc(t, 100, 300)
        xb, yb = _arc(t - 0.1, 310, -300)  # thrown three frames later, as in a cascade
        seen = a.step(t, i, [Detection(xa, ya, 6.0), Detection(xb, yb, 6.0)])
        for tr in seen:
            if abs(tr.x[-1] - xa) < 1 and abs(tr.y[-1] - ya) < 1:
                ids_a.add(tr.id)
            else:
                ids_b.add(tr.id)
    assert len(ids_a) == 1 and len(ids_b) == 1 and ids_a != ids_b


def test_ball_reappears_after_hand_with_same_id():
    a = Associator()
    for i in range(10):
        a.step(i / 30, i, [Detection(100.0, 300.0 + i, 6.0)])
    first = next(iter(a.all))
    for i in range(10, 25):  # hidden in the hand
        a.step(i / 30, i, [])
    seen = a.step(25 / 30, 25, [Detection(110.0, 290.0, 6.0)])
    assert [tr.id for tr in seen] == [first]


def test_balls_thrown_out_of_the_top_come_back_with_their_ids():
    """High throws leave the picture at the top: one parabola joins both ends of each."""
    a = Associator()
    a.g_px = 2000.0
    starts = {0.0: 100.0, 0.2: 300.0}  # two crossing throws, 0.2 s apart
    first_ids: dict[float, int] = {}
    last_ids: dict[float, int] = {}
    for i in range(60):
        t = i / 30
        dets, owner = [], []
        for t0, x0 in starts.items():
            s = t - t0
            if s < 0:
                continue
            x, y = _arc(s, x0, 120.0 if x0 < 200 else -120.0, y0=400.0, vy=-1500.0)
            if 0 <= y <= 420:  # the top of the picture is y = 0
                dets.append(Detection(x, y, 6.0))
                owner.append(t0)
        seen = a.step(t, i, dets)
        for d, t0 in zip(dets, owner, strict=True):
            tr = next(tr for tr in seen if tr.x[-1] == d.x and tr.y[-1] == d.y)
            first_ids.setdefault(t0, tr.id)
            last_ids[t0] = tr.id
    assert first_ids == last_ids and len(set(last_ids.values())) == 2


def test_static_filter_drops_clutter_keeps_movers():
    f = StaticFilter(cell_px=10)
    kept_moving = 0
    for i in range(80):
        out = f([Detection(50.0, 50.0, 5.0), Detection(100.0 + 7 * i, 200.0, 5.0)])
        if i > 40:
            assert all(d.x != 50.0 for d in out)
            kept_moving += sum(d.x != 50.0 for d in out)
    assert kept_moving == 39
    assert np.isfinite(kept_moving)


def test_gravity_from_arc_flanks_without_apex():
    """High throws leave the picture at the top: g still shows in the flanks' curvature."""
    rng = np.random.default_rng(1)
    tracks = []
    for k in range(4):
        t = np.arange(0, 0.8, 1 / 30)
        x, y = _arc(t, 100 + 50 * k, 80, y0=400.0, vy=-1900.0, g=2400.0)
        keep = y > 10  # the apex (about y = -350) is outside the image
        xy = np.stack([x, y], 1)[keep] + rng.normal(0, 0.3, (int(keep.sum()), 2))
        tracks.append(TrackSamples(k, t[keep], xy, np.arange(int(keep.sum()))))
    g = window_gravity(tracks, prior=2000.0)
    assert g is not None and abs(g - 2400.0) < 0.05 * 2400.0
    assert window_gravity(tracks, prior=200.0) is None  # outside the prior's bounds


def test_gravity_from_short_flanks_of_a_close_camera():
    """Close to the camera a flank crosses the picture in five or six frames, held
    between catch and throw: no seven-sample stretch is free flight, five are."""
    rng = np.random.default_rng(2)
    tracks = []
    for k in range(6):
        t = np.arange(0, 0.2, 1 / 30)  # six frames of a ball falling in from the top
        y = 10.0 + 900.0 * t + 0.5 * 5000.0 * t * t
        x = 200.0 + 40 * k + 100.0 * t
        th = np.arange(0.2, 0.5, 1 / 30)  # then held: the hand dips and rises
        yh = y[-1] + 20.0 * np.sin(np.pi * (th - 0.2) / 0.3)
        xy = np.concatenate([np.stack([x, y], 1), np.stack([np.full_like(th, x[-1]), yh], 1)])
        tt = np.concatenate([t, th])
        xy += rng.normal(0, 0.3, xy.shape)
        tracks.append(TrackSamples(k, tt, xy, np.arange(len(tt))))
    assert window_gravity(tracks, prior=5000.0) is None
    g = window_gravity(tracks, prior=5000.0, window=5)
    assert g is not None and abs(g - 5000.0) < 0.1 * 5000.0


def test_a_stale_track_does_not_push_a_flying_ball_off_its_own():
    """A ball flies on its parabola; a blob seen for three frames near where the ball
    is going (an arm piece) still coasts; then a hand piece shows below the ball. The
    ball's track keeps the ball: a rectangular assignment gave every detection a
    partner, so the stale track took the ball and the ball's track the hand piece."""
    a = Associator(coast_s=0.3, miss_cost=0.5)
    a.g_px = 2000.0
    xb, yb = _arc(8 / 30, 100, 150)
    ball = None
    for i in range(8):
        t = i / 30
        x, y = _arc(t, 100, 150)
        dets = [Detection(x, y, 8.0)]
        if 1 <= i <= 3:  # seen (not falling), then gone
            dets.append(Detection(xb - 10.0, yb - (35.0, 20.0, 20.0)[i - 1], 6.0))
        seen = a.step(t, i, dets)
        if i == 0:
            ball = seen[0].id
    seen = a.step(8 / 30, 8, [Detection(xb, yb, 8.0), Detection(xb + 3.0, yb + 28.0, 12.0)])
    mine = next(tr for tr in seen if tr.id == ball)
    assert abs(mine.x[-1] - xb) < 1 and abs(mine.y[-1] - yb) < 1


def _fast_throw_after_a_hold(launch_cone: bool) -> set[int]:
    """Tracks that hold a close camera's fast throw: held, hidden, re-found, thrown.

    The ball is seen in the hand, hidden for half a second, seen again at the
    hand (re-linked to its track), then leaves upward at 75 px a frame.
    """
    a = Associator(miss_cost=0.5, launch_cone=launch_cone)
    a.g_px = 4500.0
    for i in range(8):  # held
        a.step(i / 30, i, [Detection(300.0, 280.0 + i % 2, 11.0)])
    for i in range(8, 24):  # hidden in the hand
        a.step(i / 30, i, [])
    ids = set()
    t0 = 24 / 30
    for i in range(24, 28):  # re-found at the hand, then thrown up
        s = i / 30 - t0
        x, y = _arc(s, 302.0, 270.0, y0=276.0, vy=-2300.0, g=4500.0)
        seen = a.step(i / 30, i, [Detection(x, y, 11.0)])
        ids |= {tr.id for tr in seen}
    return ids


def test_a_ball_thrown_right_after_it_was_re_found_keeps_one_track():
    """Its track's last two samples are half a second apart (no speed): the next
    position may be anywhere a throw reaches upward, not only near the hand."""
    assert len(_fast_throw_after_a_hold(launch_cone=True)) == 1
    assert len(_fast_throw_after_a_hold(launch_cone=False)) > 1  # what it fixes


def test_the_launch_cone_opens_only_upward():
    """A re-found ball does not jump sideways or down to a far blob."""
    a = Associator(miss_cost=0.5, launch_cone=True)
    a.g_px = 4500.0
    for i in range(8):
        a.step(i / 30, i, [Detection(300.0, 280.0, 11.0)])
    for i in range(8, 24):
        a.step(i / 30, i, [])
    (held,) = a.step(24 / 30, 24, [Detection(302.0, 276.0, 11.0)])
    seen = a.step(25 / 30, 25, [Detection(380.0, 300.0, 11.0)])  # 80 px aside, lower
    assert [tr.id for tr in seen] != [held.id]


def test_a_blob_far_behind_a_ball_on_its_path_is_not_that_ball():
    """Near its apex a ball flies past a shoulder's bump that the depth camera
    finds ball-sized, 0.27 m behind it (531 wide depth s5). The ball's track skips
    that frame rather than take the bump; a blob at the ball's own depth is taken.
    Colour detections (no depth) are matched as before."""
    for bump_z, taken in ((2.58, False), (2.33, True), (None, True)):
        a = Associator(miss_cost=0.5, launch_cone=True)
        for i in range(8):
            x, y = _arc(i / 30, 100, 60)
            a.step(i / 30, i, [Detection(x, y, 6.0, z_m=2.31)])
        (ball,) = a.active
        x, y = _arc(8 / 30, 100, 60)
        a.step(8 / 30, 8, [Detection(x + 2.0, y, 6.0, z_m=bump_z)])
        assert (ball.t[-1] == 8 / 30) == taken
