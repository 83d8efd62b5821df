"""Tracker plumbing: the once-a-second live analysis runs beside tracking."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from edge_juggler.frames import Frame, Intrinsics
from edge_juggler.tracking.depth import DepthSegmenter
from edge_juggler.tracking.flights import TrackSamples
from edge_juggler.tracking.tracker import Tracker, TrackerConfig
from edge_juggler.tracking.types import Event
from tests.tracking.helpers import assert_thread_ended


def _mot_frame(i: int) -> Frame:
    """One ball of ready-made tracks at 10 fps."""
    return Frame(i, i * 100_000, extras={"tracks": [[1, 100.0 + i, 200.0 - i]]})


def test_live_analysis_runs_beside_tracking_and_joins_when_due(monkeypatch):
    started, release = threading.Event(), threading.Event()
    threads: list[str] = []

    def blocking(self, tracks, scale, t_end, hands, duration_s):
        threads.append(threading.current_thread().name)
        started.set()
        assert release.wait(10.0), "the test never released the analysis"
        summary = {"ball_count": 3, "siteswap": "3", "throws": 4}
        return (summary, [Event(0.5, "throw", 1), Event(0.5, "throw", 1)]), 7.0

    monkeypatch.setattr(Tracker, "_live_analysis", blocking)
    tr = Tracker(None, "tracks", TrackerConfig(live_every_s=1.0, live_apply_after_s=0.3))
    states = [tr.update(_mot_frame(i)) for i in range(11)]  # t = 1.0 s: handed over
    assert started.wait(10.0)  # frame 10 returned while the analysis waits
    assert threads[0].startswith("live")
    states += [tr.update(_mot_frame(i)) for i in (11, 12)]  # not due: nothing yet
    assert all(s.ball_count is None and not s.metrics for s in states)
    release.set()
    s = tr.update(_mot_frame(13))  # t = 1.3 s: due, waited for if need be
    assert s.ball_count == 3 and s.metrics["siteswap"] == "3"
    assert [e.type for e in s.events] == ["throw"]  # each event once
    # (the worker's 7 ms and the image gravity's few on the tracking thread)
    assert len(tr.latency["analysis"]) == 1 and tr.latency["analysis"][0] >= 7.0
    assert tr.update(_mot_frame(14)).events == ()


def test_a_live_analysis_pending_at_the_end_is_dropped(monkeypatch):
    release = threading.Event()

    def blocking(self, tracks, scale, t_end, hands, duration_s):
        release.wait(10.0)
        return None, 1.0

    monkeypatch.setattr(Tracker, "_live_analysis", blocking)
    tr = Tracker(None, "tracks")
    for i in range(11):
        tr.update(_mot_frame(i))
    assert tr._live is not None
    release.set()
    tr.finish()
    assert tr._live is None and tr._live_worker is None
    assert_thread_ended("live")


def test_the_live_worker_ends_at_the_end_of_the_clip():
    tr = Tracker(None, "tracks")
    for i in range(25):  # two live analyses, both applied
        tr.update(_mot_frame(i))
    assert tr._live is None and tr._live_worker is not None
    tr.finish()
    assert tr._live_worker is None
    assert_thread_ended("live")


def _arcs(acc: float) -> list[TrackSamples]:
    """Four clean throws whose image arcs fall with ``acc`` (px/s^2), balls 1.5 m away."""
    tracks = []
    for k in range(4):
        t = np.arange(0.0, 0.8, 1 / 30) + 2.0 * k
        s = t - t[0]
        y = 400.0 - 0.4 * acc * s + 0.5 * acc * s * s
        xy = np.stack([np.full_like(t, 300.0 + 10 * k), y], axis=1)
        tracks.append(
            TrackSamples(k + 1, t, xy, np.round(t * 30).astype(int), np.full(len(t), 1.5))
        )
    return tracks


def test_measured_depth_bounds_the_image_gravity_tightly():
    """With depth, 9.81 m/s^2 at the balls' distance; arcs refine it a little (the
    ball's front surface, its way in depth) but arcs that curve 20 % harder (high
    throws close to the camera, 71 nfov depth s3) do not move it."""
    intr = Intrinsics(504.0, 504.0, 320.0, 288.0, 640, 576)
    tr = Tracker(intr, "depth")
    tr.depth_seg = DepthSegmenter(intr)
    g_depth = 9.81 * 504.0 / 1.5
    assert tr._scale(_arcs(1.2 * g_depth), None).g_px == pytest.approx(g_depth)
    assert tr._scale(_arcs(0.95 * g_depth), None).g_px == pytest.approx(0.95 * g_depth, rel=0.01)


def test_a_live_window_of_few_throws_still_counts_the_balls():
    """Fewer than six throws read no pattern; the live analysis then counts the
    balls in the air (one ball here), as the analysis of a whole clip does (the
    demo showed no ball count for a second longer without it)."""
    from edge_juggler.tracking.analysis import Scale

    tr = Tracker(None, "tracks")
    out, _ms = tr._live_analysis(_arcs(1000.0), Scale(1000.0), 8.0, [], 8.0)
    assert out is not None
    assert out[0]["siteswap"] is None and out[0]["ball_count"] == 1


def _track_colour_clip(pattern: str, seed: int):
    """(tracker, analysis) of a 10 s synthetic webcam clip, colour only."""
    from dataclasses import replace

    from edge_juggler.sim.clips import clip_source

    src = clip_source(pattern, seed, seconds=10.0, profile="webcam", modality="color")
    frames = list(src)
    tr = Tracker(frames[0].intrinsics, "color")
    for f in frames:
        tr.update(replace(f, depth=None))
    return tr, tr.finish()


def test_the_balls_of_colours_learned_late_are_tracked_from_the_start():
    """633 before a close webcam: the two 6-balls fly out of the top at 100 px a
    frame and their colours are learned only at a re-learn (6 s), too late to see
    their 6s. The learner saw their moving blobs all along; at the end those join
    and the clip is associated again, and it reads 633 with 4 balls (330 with 2
    before)."""
    tr, a = _track_colour_clip("633", 6349)
    assert tr._late and tr._late[0][0] > 3.0  # a colour came at a re-learn
    assert a.summary["ball_count"] == 4
    assert a.summary["siteswap"] == "633"


def test_a_ball_size_measured_on_flights_replaces_one_guessed_from_the_hue_histogram():
    """Without flights at first the model comes from the hue histogram of moving
    blobs, and its ball size may be a shirt speck's (71 webcam s5469: 5 px, and
    every ball of 20 px was "too big"); a re-learn that measured flights sets it."""
    from concurrent.futures import Future

    from edge_juggler.tracking.color import ColorModel, ColorRange, ColorSegmenter
    from edge_juggler.tracking.tracker import _Relearn

    def relearn(model: ColorModel) -> _Relearn:
        job: Future = Future()
        job.set_result(model)
        return _Relearn(5.5, 6.0, None, job)  # type: ignore[arg-type]

    guessed = ColorModel([ColorRange(61, 73, 128, 75, n=0)], ball_radius_px=5.0)
    tr = Tracker(Intrinsics(600.0, 600.0, 320.0, 240.0, 640, 480), "color")
    tr.color_seg = ColorSegmenter(guessed)
    tr._relearns.append(relearn(ColorModel([ColorRange(83, 97, 60, 90, n=5)], 14.3)))
    tr._apply_relearned(6.0)
    assert tr.color_seg.model.ball_radius_px == pytest.approx(14.3)
    assert len(tr.color_seg.model.ranges) == 2
    # a size from flights stays (a later re-learn's blobs may be blurred streaks)
    tr._relearns.append(relearn(ColorModel([ColorRange(0, 10, 60, 90, n=9)], 25.0)))
    tr._apply_relearned(8.0)
    assert tr.color_seg.model.ball_radius_px == pytest.approx(14.3)


def test_a_late_colour_whose_balls_never_flew_adds_nothing_before_it_came():
    """300 (one white ball) before a webcam: the learner took skin for a ball's
    colour at 6 s and something yellow at 8.5 s. Neither flew after it came, so
    their earlier blobs are not added: still 1 ball and 300 (2 balls and "2" when
    every late colour's blobs joined)."""
    tr, a = _track_colour_clip("300", 1129)
    assert len(tr._late) == 2  # two colours came late
    assert a.summary["ball_count"] == 1
    assert a.summary["siteswap"] == "300"
