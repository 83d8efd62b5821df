"""The ladder is consistent data: catalogue keys, demo sources, fusion's thresholds."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from edge_juggler import catalogue
from edge_juggler.coach.lessons import LADDER, lesson_at, lesson_number
from edge_juggler.errors import InputError
from edge_juggler.fusion import FusionConfig, expected_apex_m


def test_ladder_order_from_one_ball_to_a_trick():
    assert [lesson.id for lesson in LADDER] == [
        "toss",
        "exchange",
        "first_cascade",
        "stable_cascade",
        "first_trick",
    ]
    counts = [lesson.criteria.ball_count for lesson in LADDER[:4]]
    assert counts == [1, 2, 3, 3]
    assert set(LADDER[4].criteria.tricks) == {"flash", "reverse", "shower"}
    stable = LADDER[3].criteria
    assert stable.min_throws >= 20 and stable.max_rhythm_cv is not None
    assert LADDER[1].breaks_run == ("together",)


@pytest.mark.parametrize("lesson", LADDER, ids=lambda x: x.id)
def test_each_lesson_is_complete(lesson):
    assert lesson.goal and lesson.title
    assert set(lesson.watch) <= set(catalogue.MISTAKES)
    assert set(lesson.breaks_run) <= set(lesson.watch)  # what breaks a run also shows a tip
    assert "drop" in lesson.watch
    # the demo source is a synthetic juggler of this lesson's class
    spec = urlsplit(lesson.demo_spec.removeprefix("synthetic:")).path
    info = catalogue.parse_class(spec)
    if lesson.criteria.tricks:
        assert info.kind == "trick" and info.detail in lesson.criteria.tricks
    else:
        assert info.kind == "good" and info.ball_count == lesson.criteria.ball_count
        if lesson.criteria.patterns:
            assert info.pattern in lesson.criteria.patterns


@pytest.mark.parametrize(
    "lesson", [x for x in LADDER if x.criteria.apex_range_m], ids=lambda x: x.id
)
def test_height_ranges_sit_inside_fusions_band(lesson):
    """A lesson never passes on a height fusion calls too high or too low."""
    cfg = FusionConfig()
    lo, hi = lesson.criteria.apex_range_m
    ref = expected_apex_m(lesson.criteria.ball_count)
    assert lo < ref < hi
    assert lo >= cfg.low_ratio * ref and hi <= cfg.high_ratio * ref


def test_lesson_numbers_are_one_based():
    assert lesson_at(1).id == "toss" and lesson_number("first_trick") == len(LADDER)
    for bad in (0, len(LADDER) + 1, -1):
        with pytest.raises(InputError, match=f"--lesson {bad}"):
            lesson_at(bad)
