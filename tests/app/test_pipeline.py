"""The pipeline runner: stages, timings, optional tracker/classifier, source failures."""

from __future__ import annotations

import dataclasses

import pytest

from edge_juggler.app.pipeline import JugglerBox, Notices, Pipeline
from edge_juggler.app.timing import StageTimer
from edge_juggler.errors import DeviceError
from tests.app.fakes import (
    FPS,
    ParabolaSource,
    ScriptedAsyncClassifier,
    ScriptedTracker,
    class_scores,
    track_state,
)


def test_steps_run_every_stage_and_time_it():
    tracker, clf = ScriptedTracker(), ScriptedAsyncClassifier(stride=4)
    timer = StageTimer(keep_all=True)
    pipe = Pipeline(
        ParabolaSource(24), tracker=tracker, classifier=clf, timer=timer, notices=Notices(False)
    )
    out = list(pipe.steps())
    pipe.close()
    assert len(out) == 24 and tracker.calls == 24 and clf.pushes == 24
    assert clf.closed
    assert out[0].scores is None and out[3].scores is not None and out[3].new_scores
    last = out[-1].state
    assert last.ball_count.value == 3 and last.ball_count.source == "both"
    assert last.throws_seen == 3  # throws at frames 0, 10, 20
    stats = timer.percentiles(recent=False)
    for stage in ("source", "track", "classify", "fuse"):
        assert stats[stage]["n"] == 24 and stats[stage]["p50"] >= 0
    assert stats["model"]["p50"] == pytest.approx(3.0)  # the classifier's own latency
    assert set(out[-1].times_ms) == {"source", "track", "classify", "fuse"}


def test_limits_by_frames_and_seconds():
    pipe = Pipeline(ParabolaSource(None), tracker=None, classifier=None, notices=Notices(False))
    assert len(list(pipe.steps(max_frames=7))) == 7
    pipe = Pipeline(ParabolaSource(None), tracker=None, classifier=None, notices=Notices(False))
    assert len(list(pipe.steps(max_seconds=1.0))) == int(FPS)


def test_missing_stages_are_announced_once(capsys):
    def no_tracker(frame, source):
        raise ImportError("cannot import name 'Tracker'")

    def no_model():
        from edge_juggler.errors import InputError

        raise InputError("models/juggle_int8.xml: model file missing")

    pipe = Pipeline(ParabolaSource(5), tracker_factory=no_tracker, classifier_factory=no_model)
    out = list(pipe.steps())
    assert len(out) == 5 and all(s.track is None and s.scores is None for s in out)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert any("tracker unavailable" in ln and "Tracker" in ln for ln in err)
    assert any("classifier unavailable" in ln and "juggle_int8.xml" in ln for ln in err)
    assert len(pipe.notices) == 2


def test_tracker_crash_mid_run_keeps_the_demo_going(capsys):
    class Flaky(ScriptedTracker):
        def update(self, frame):
            if frame.index == 3:
                raise ValueError("bad blob")
            return super().update(frame)

    pipe = Pipeline(ParabolaSource(6), tracker=Flaky(), classifier=None)
    out = list(pipe.steps())
    assert len(out) == 6 and out[2].track is not None and out[5].track is None
    assert "tracker failed at frame 3" in capsys.readouterr().err


def test_sync_classifier_is_adapted():
    class Sync:
        def push(self, frame, roi=None):
            return class_scores("1b_toss_good", 0.9, frame.index) if frame.index == 2 else None

    pipe = Pipeline(ParabolaSource(5), tracker=None, classifier=Sync(), notices=Notices(False))
    out = list(pipe.steps())
    assert out[1].scores is None and out[4].scores.label == "1b_toss_good"
    assert out[4].state.ball_count.value == 1


def test_disconnect_is_a_device_error():
    pipe = Pipeline(ParabolaSource(50, fail_after=4), tracker=None, classifier=None)
    got = []
    with pytest.raises(DeviceError, match="disconnected"):
        for s in pipe.steps():
            got.append(s)
    assert len(got) == 4


def test_driver_crash_becomes_one_line_device_error(monkeypatch):
    monkeypatch.delenv("EDGE_JUGGLER_DEBUG", raising=False)
    src = ParabolaSource(50, fail_after=2, error=RuntimeError, name="kinect:0")
    pipe = Pipeline(src, tracker=None, classifier=None, notices=Notices(False))
    with pytest.raises(DeviceError) as info:
        list(pipe.steps())
    msg = str(info.value)
    assert msg.startswith("kinect:0: source stopped delivering frames") and "\n" not in msg


def test_juggler_box_covers_the_last_clip_and_squares_it():
    box = JugglerBox(window_s=1.0, min_side=0.35, scale=1.0)
    frames = list(ParabolaSource(60))
    assert box.update(None, frames[0]) is None  # nothing seen yet: whole frame
    roi = None
    for i in range(30):
        roi = box.update(track_state(i), frames[i])
    x0, y0, x1, y1 = roi
    assert x1 - x0 == pytest.approx(y1 - y0, abs=1)  # square
    # hands at x 30 and 130, the ball between y 20 and 100 over the second
    assert x0 <= 31 and x1 >= 129 and y0 <= 25 and y1 >= 100
    assert (x0 + x1) / 2 == pytest.approx(80, abs=3)
    # a small pattern still gets 0.35 of the image height
    small = JugglerBox(min_side=0.35, scale=1.0)
    from edge_juggler.tracking.types import Hand, TrackState

    st = TrackState(0, 0.0, hands=(Hand("left", 70.0, 60.0), Hand("right", 74.0, 60.0)))
    sx0, sy0, sx1, sy1 = small.update(st, frames[0])
    assert sx1 - sx0 == pytest.approx(0.35 * 120, abs=1)
    # points older than the window are forgotten
    late = frames[59]
    assert box.update(None, late) is not None
    gone = dataclasses.replace(late, timestamp_us=10**8)
    assert box.update(None, gone) is None


def test_offloaded_classifier_feeds_from_its_own_thread():
    import threading

    from edge_juggler.app.pipeline import OffloadedClassifier

    threads = set()

    class Inner(ScriptedAsyncClassifier):
        def push(self, frame, roi=None):
            threads.add(threading.current_thread().name)
            super().push(frame, roi)

    inner = Inner(stride=2)
    clf = OffloadedClassifier(inner, queue_len=100)
    timer = StageTimer()
    pipe = Pipeline(
        ParabolaSource(10), tracker=None, classifier=clf, timer=timer, notices=Notices(False)
    )
    steps = list(pipe.steps())
    assert clf.wait_idle(5.0)
    assert inner.pushes == 10 and threads == {"classifier-feed"}
    assert clf.latest() is not None and clf.latest().label == "3b_cascade_good"
    pipe.process(steps[-1].frame)  # drains the feeder's times into the timer
    assert timer.percentiles()["prep"]["n"] >= 10
    pipe.close()
    assert inner.closed and not clf._thread.is_alive()


def test_offloaded_classifier_drops_oldest_and_reports_errors(capsys):
    import threading

    from edge_juggler.app.pipeline import OffloadedClassifier

    gate = threading.Event()

    class Slow(ScriptedAsyncClassifier):
        def push(self, frame, roi=None):
            gate.wait(5.0)
            if frame.index == 7:
                raise RuntimeError("preprocess exploded")
            super().push(frame, roi)

    clf = OffloadedClassifier(Slow(), queue_len=2)
    frames = list(ParabolaSource(8))
    for f in frames[:6]:
        clf.push(f)
    assert clf.dropped >= 3  # the feeder holds at most one, the queue two
    gate.set()
    clf.push(frames[7])
    assert clf.wait_idle(5.0)
    pipe = Pipeline(ParabolaSource(3), tracker=None, classifier=clf)
    out = list(pipe.steps())
    assert len(out) == 3 and pipe.classifier is None  # failed, the demo goes on
    assert (
        "classifier failed at frame 0 (RuntimeError: preprocess exploded)"
        in capsys.readouterr().err
    )


def test_juggler_box_ignores_a_hand_found_far_below_the_flights():
    """Depth 'hands' are the nearest part of a blob; on a hip or a knee that is no hand.
    With two balls flying, a hand well below every flight does not stretch the box."""
    from edge_juggler.tracking.types import Ball, Hand, TrackState
    from tests.app.fakes import ball_position

    frames = list(ParabolaSource(60))

    def state(i: int, hip: bool) -> TrackState:
        (x, y), (x2, y2) = ball_position(i), ball_position(i + 15)
        hands = [Hand("left", 30.0, 100.0), Hand("right", 130.0, 100.0)]
        if hip:
            hands[1] = Hand("right", 110.0, 118.0)  # every other frame: found on the hip
        balls = (Ball(1, x, y, True), Ball(2, x2, y2, True), Ball(3, 60.0, 119.0, False))
        return TrackState(i, i / 30.0, balls=balls, hands=tuple(hands))

    clean, hipped = JugglerBox(scale=1.0), JugglerBox(scale=1.0)
    for i in range(45):
        a = clean.update(state(i, False), frames[i])
        b = hipped.update(state(i, i % 2 == 1), frames[i])
    assert a is not None and b is not None
    assert abs(a[3] - b[3]) <= 2 and abs(a[1] - b[1]) <= 2  # same height: hip ignored
    # hands at y 100, balls up to y 20: the square box spans them, nothing lower (the
    # still "ball" at y 119, a shoe, is no flight either)
    assert b[3] <= 112 and b[1] <= 12, b
