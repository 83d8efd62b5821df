"""The lesson evaluator on hand-made fused streams: passes, failures, resets and tips."""

from __future__ import annotations

import pytest

from edge_juggler import catalogue
from edge_juggler.coach.evaluator import LessonEvaluator, evaluate, rhythm_cv
from edge_juggler.coach.lessons import LADDER, lesson_at

from .helpers import even, juggle_stream, state

TOSS, EXCHANGE, FIRST, STABLE, TRICK = LADDER


def _passed_at(feedbacks):
    just = [fb.t_s for fb in feedbacks if fb.just_passed]
    assert len(just) <= 1, "a lesson passes once per session"
    return just[0] if just else None


def test_rhythm_cv_measures_interval_spread():
    assert rhythm_cv(even(0.0, 0.5, 10)) == pytest.approx(0.0, abs=1e-9)
    uneven = [0.0, 0.3, 1.0, 1.3, 2.0, 2.3, 3.0]  # 0.3 / 0.7 alternating
    assert rhythm_cv(uneven) == pytest.approx(0.4, abs=0.01)
    assert rhythm_cv([0.0, 1.0, 2.0]) is None  # too few intervals to judge


def test_toss_passes_with_even_eye_height_throws():
    stream = juggle_stream(balls=1, siteswap="300", throw_times=even(0.5, 1.0, 8), apex_m=0.45)
    ev, fbs = evaluate(TOSS, stream)
    at = _passed_at(fbs)
    assert at is not None and ev.passed
    # the 6th throw is at 5.5 s; it needs 5 catches (the 5th at 5.1 s) and a 5th interval
    assert 5.5 <= at < 6.0
    assert fbs[-1].passed and fbs[-1].progress == 1.0
    assert {c.name for c in fbs[-1].checks} == {
        "balls",
        "pattern",
        "throws",
        "catches",
        "rhythm",
        "height",
    }


def test_toss_too_high_fails_and_shows_the_catalogue_tip():
    stream = juggle_stream(balls=1, siteswap="300", throw_times=even(0.5, 1.0, 10), apex_m=1.3)
    ev, fbs = evaluate(TOSS, stream)
    assert not ev.passed
    last = fbs[-1]
    height = next(c for c in last.checks if c.name == "height")
    assert height.ok is False
    assert last.tip_key == "too_high"
    assert last.tip == catalogue.MISTAKES["too_high"]
    assert ev.mistake_onsets.get("too_high") == 1
    assert "tip: " + catalogue.MISTAKES["too_high"] in last.line()


def test_toss_uneven_rhythm_fails():
    times = []
    t = 0.5
    for i in range(10):
        times.append(t)
        t += 0.5 if i % 2 else 1.5
    ev, fbs = evaluate(TOSS, juggle_stream(balls=1, siteswap="300", throw_times=times))
    assert not ev.passed
    rhythm = next(c for c in fbs[-1].checks if c.name == "rhythm")
    assert rhythm.ok is False


def test_a_drop_restarts_the_run():
    throws = even(0.5, 1.0, 9)
    drop_t = throws[3] + 0.6  # the 4th throw is not caught
    stream = juggle_stream(balls=1, siteswap="300", throw_times=throws, drops=(drop_t,))
    ev, fbs = evaluate(TOSS, stream)
    assert ev.drops == 1
    assert ev.runs_broken == 1
    # 5 throws after the drop (4.5 .. 8.5 s): not yet 6 in a row
    assert fbs[-1].run_throws == 5
    assert not ev.passed
    assert ev.best_run == 5  # 4 before the drop, 5 after
    # 3 more throws and it passes
    stream = juggle_stream(balls=1, siteswap="300", throw_times=even(0.5, 1.0, 12), drops=(drop_t,))
    ev, fbs = evaluate(TOSS, stream)
    assert ev.passed and _passed_at(fbs) > drop_t + 5


def test_late_drop_event_discards_throws_before_it():
    """The tracker reports a drop after later throws arrived: only throws after it count."""
    lesson = lesson_at(1)
    ev = LessonEvaluator(lesson)
    from edge_juggler.fusion import fuse
    from edge_juggler.tracking.types import Event, TrackState

    prev = None
    for k, t in enumerate(even(0.0, 1.0, 4)):
        track = TrackState(k, t, events=(Event(t, "throw", 0),), ball_count=1)
        prev = fuse(track, None, previous=prev)
        ev.update(prev, track)
    assert len(ev.throw_times) == 4
    track = TrackState(4, 4.0, events=(Event(2.5, "drop", 0),), ball_count=1)
    prev = fuse(track, None, previous=prev)
    fb = ev.update(prev, track)
    assert fb.run_throws == 1  # only the throw at 3.0 s is after the drop at 2.5 s


def test_exchange_together_breaks_the_run_and_tips():
    lesson = EXCHANGE
    ev = LessonEvaluator(lesson)
    fb = None
    for i in range(5):  # 5 throws, counted from fusion's running total
        fb = ev.update(state(0.5 * i, balls=2, pattern="exchange", throws_seen=i + 1))
    assert fb.run_throws == 5
    fb = ev.update(state(3.0, balls=2, pattern="exchange", mistakes=("together",), throws_seen=5))
    assert fb.run_throws == 0
    assert fb.tip_key == "together"
    assert fb.tip == catalogue.MISTAKES["together"]
    assert not fb.passed
    # a mistake the lesson does not watch gives no tip
    fb = ev.update(state(3.5, balls=2, pattern="exchange", mistakes=("walking",), throws_seen=6))
    assert fb.tip is None and fb.run_throws == 1


def test_exchange_passes_after_clean_exchanges():
    times = []
    for k in range(4):  # pairs: throw, throw 0.35 s later, then a rest
        times += [0.5 + 1.2 * k, 0.85 + 1.2 * k]
    stream = juggle_stream(balls=2, siteswap="330", throw_times=times, apex_m=0.42)
    ev, fbs = evaluate(EXCHANGE, stream)
    assert ev.passed
    assert fbs[-1].run_catches >= 5


def test_first_cascade_needs_three_balls_and_six_catches():
    times = even(0.5, 1 / 2.9, 8)
    ok, fbs = evaluate(FIRST, juggle_stream(balls=3, siteswap="3", throw_times=times))
    assert ok.passed
    # the same throws read as 2 balls do not count for the 3-ball lesson
    two, fbs = evaluate(FIRST, juggle_stream(balls=2, siteswap="3", throw_times=times))
    assert not two.passed
    balls = next(c for c in fbs[-1].checks if c.name == "balls")
    assert balls.ok is False


def test_stable_cascade_pass_and_its_failures():
    period = 1 / 2.9
    good = juggle_stream(balls=3, siteswap="3", throw_times=even(0.3, period, 26))
    ev, fbs = evaluate(STABLE, good)
    assert ev.passed
    at = _passed_at(fbs)
    assert at >= 0.3 + 19 * period  # not before the 20th throw

    # too few throws
    short, _ = evaluate(
        STABLE, juggle_stream(balls=3, siteswap="3", throw_times=even(0.3, period, 15))
    )
    assert not short.passed

    # jittery rhythm: every other beat 40 % late
    jit = [0.3 + i * period + (0.4 * period if i % 2 else 0.0) for i in range(26)]
    ev, fbs = evaluate(STABLE, juggle_stream(balls=3, siteswap="3", throw_times=jit))
    assert not ev.passed
    assert next(c for c in fbs[-1].checks if c.name == "rhythm").ok is False

    # a drop in the middle: 26 throws but no 20 in a row
    throws = even(0.3, period, 26)
    drop = throws[10] + 0.6
    ev, _ = evaluate(
        STABLE, juggle_stream(balls=3, siteswap="3", throw_times=throws, drops=(drop,))
    )
    assert not ev.passed and ev.drops == 1

    # too low (peaks 0.12 m): height check fails and fusion's too_low tip shows
    ev, fbs = evaluate(
        STABLE, juggle_stream(balls=3, siteswap="3", throw_times=throws, apex_m=0.12)
    )
    assert not ev.passed
    assert fbs[-1].tip == catalogue.MISTAKES["too_low"]


def test_trick_must_be_held():
    ev = LessonEvaluator(TRICK)
    fbs = [ev.update(state(i / 30, balls=3, trick="shower", conf=0.7)) for i in range(40)]
    assert ev.passed
    assert _passed_at(fbs) == pytest.approx(1.0, abs=1 / 30 + 1e-9)

    # flickering recognition never holds a second
    ev = LessonEvaluator(TRICK)
    for i in range(120):
        ev.update(state(i / 30, balls=3, trick="flash" if (i // 20) % 2 == 0 else None))
    assert not ev.passed

    # a trick the lesson does not accept, or a weak claim, does not count
    ev = LessonEvaluator(TRICK)
    for i in range(60):
        ev.update(state(i / 30, balls=3, trick="columns"))
        ev.update(state(i / 30 + 0.001, balls=3, trick="reverse", conf=0.3))
    assert not ev.passed


def test_trick_from_the_tracker_siteswap():
    """A shower read by the tracker (siteswap 51) reaches the trick lesson through fusion."""
    stream = juggle_stream(balls=3, siteswap="51", throw_times=even(0.3, 0.3, 14), period_cv=0.05)
    ev, fbs = evaluate(TRICK, stream)
    assert ev.passed
    assert fbs[-1].checks[0].text.startswith("trick shower")


def test_missing_evidence_never_passes():
    """Claims only (no tracker events): heights and catches are unknown, so no pass."""
    ev = LessonEvaluator(TOSS)
    fb = None
    for i in range(12):
        fb = ev.update(state(0.5 + i, balls=1, pattern="toss", throws_seen=i + 1))
    assert fb.run_throws == 12
    assert not fb.passed
    by = {c.name: c for c in fb.checks}
    assert by["height"].ok is None and by["catches"].ok is False
    assert by["rhythm"].ok is True
    assert 0.0 < fb.progress < 1.0


def test_together_seen_in_the_throw_times():
    """Two balls from two hands within 0.1 s: the catalogue's tip, and the run restarts."""
    from edge_juggler.fusion import fuse
    from edge_juggler.tracking.types import Event, TrackState

    ev = LessonEvaluator(EXCHANGE)
    throws = [(0.0, 0, "left"), (0.35, 1, "right"), (1.0, 0, "right"), (1.35, 1, "left")]
    throws += [(2.0, 0, "left"), (2.03, 1, "right")]  # together
    prev = None
    fb = None
    for k, (t, ball, hand) in enumerate(throws):
        track = TrackState(k, t, events=(Event(t, "throw", ball, hand),), ball_count=2)
        prev = fuse(track, None, previous=prev)
        fb = ev.update(prev, track)
        if k == 4:
            assert fb.run_throws == 5 and fb.tip is None
    assert fb.run_throws == 0 and ev.runs_broken == 1
    assert fb.tip_key == "together" and fb.tip == catalogue.MISTAKES["together"]
    # the same ball reported twice, or one hand, is not 'together'
    ev = LessonEvaluator(EXCHANGE)
    for k, (t, ball, hand) in enumerate([(0.0, 0, "left"), (0.04, 0, "right"), (1.0, 1, "left")]):
        track = TrackState(k, t, events=(Event(t, "throw", ball, hand),))
        fb = ev.update(fuse(track, None), track)
    track = TrackState(3, 1.05, events=(Event(1.05, "throw", 2, "left"),))
    fb = ev.update(fuse(track, None), track)
    assert fb.tip is None and ev.runs_broken == 0


def test_only_watched_mistakes_are_counted():
    ev = LessonEvaluator(EXCHANGE)  # watches together, too high/low, hands close, drop
    ev.update(state(0.0, balls=2, mistakes=("unsteady", "too_low")))
    ev.update(state(0.5, balls=2, mistakes=("unsteady",)))
    ev.update(state(1.0, balls=2, mistakes=("too_low",)))
    assert ev.mistake_onsets == {"too_low": 2}
