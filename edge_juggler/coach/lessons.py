"""The lesson ladder, as data: one ball to a stable cascade and a first trick.

Each rung says what to do (``goal``), when it counts as done (``Criteria`` over
the fused stream: counts from the tracker, pattern and mistakes from fusion),
which mistakes it watches (their tip is the catalogue's text, shown through
fusion's ``Advice``) and which of them break a run. Thresholds come from the
juggling physics of DESIGN.md (a 3-ball cascade peaks about 0.42 m above the
hands at about 2.9 throws/s), not from any one clip; height ranges sit inside
fusion's own too-low/too-high band, so a lesson never passes while fusion says
"too high".

Progress is stored by ``Lesson.id`` (stable), never by position, so the ladder
can grow without mixing up a learner's record.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_juggler import catalogue
from edge_juggler.errors import InputError


@dataclass(frozen=True)
class Criteria:
    """What must hold at one moment of the fused stream for a lesson to pass.

    Counts are over the current *run*: the throws and catches since the start,
    the last drop, or the last run-breaking mistake. ``None`` means "not checked".
    """

    ball_count: int | None = None  # the fused ball count must say this
    patterns: tuple[str, ...] = ()  # the fused pattern must be one of these (empty: any)
    min_throws: int = 0  # throws in the run
    min_catches: int = 0  # catches in the run (tracker events)
    max_rhythm_cv: float | None = None  # CV of the intervals between the run's throws
    apex_range_m: tuple[float, float] | None = None  # mean apex above the hands, run's peaks
    tricks: tuple[str, ...] = ()  # a catalogue.TRICKS key, recognised by fusion
    hold_s: float = 0.0  # the trick must be recognised this long without a break
    min_confidence: float = 0.4  # claims below this confidence do not count


@dataclass(frozen=True)
class Lesson:
    """One rung of the ladder."""

    id: str  # stable key in the progress file
    title: str
    goal: str  # what the learner is asked to do, one or two sentences
    criteria: Criteria
    watch: tuple[str, ...]  # catalogue.MISTAKES keys whose tip is shown in this lesson
    breaks_run: tuple[str, ...] = ()  # mistakes that restart the run (drops always do)
    demo_spec: str = "synthetic:3"  # the synthetic juggler that shows this lesson
    hint: str = ""  # a general coaching hint shown with the goal


LADDER: tuple[Lesson, ...] = (
    Lesson(
        id="toss",
        title="One-ball toss",
        goal="Toss one ball from hand to hand in an arc that peaks at eye height, "
        "6 throws in a row with an even rhythm.",
        criteria=Criteria(
            ball_count=1,
            patterns=("toss",),
            min_throws=6,
            min_catches=5,
            max_rhythm_cv=0.2,  # fusion calls a rhythm uneven above 0.22
            apex_range_m=(0.25, 0.65),
        ),
        watch=("too_high", "too_low", "unsteady", "hands_close", "hands_high", "drop"),
        demo_spec="synthetic:1b_toss_good?seed=1",
        hint="Throw from waist height, let the ball fall into the other hand.",
    ),
    Lesson(
        id="exchange",
        title="Two-ball exchange",
        goal="Two balls: throw the first, and when it peaks throw the second under it. "
        "3 clean exchanges (6 throws) without throwing both together.",
        criteria=Criteria(
            ball_count=2,
            patterns=("exchange",),
            min_throws=6,
            min_catches=5,
            apex_range_m=(0.22, 0.65),
        ),
        watch=("together", "too_high", "too_low", "hands_close", "drop"),
        breaks_run=("together",),
        demo_spec="synthetic:2b_exchange_good?seed=1",
        hint="Say 'throw ... throw' out loud: the second throw goes when the first ball peaks.",
    ),
    Lesson(
        id="first_cascade",
        title="Three-ball cascade: first throws",
        goal="Start with two balls in one hand: throw, throw, throw... and catch 6 in a row.",
        criteria=Criteria(ball_count=3, min_throws=6, min_catches=6),
        watch=("together", "too_high", "too_low", "drop"),
        breaks_run=("together",),
        demo_spec="synthetic:3b_cascade_good?seed=1",
        hint="Each throw goes when the previous ball peaks; it is the exchange, again and again.",
    ),
    Lesson(
        id="stable_cascade",
        title="Stable cascade",
        goal="A steady 3-ball cascade: 20 throws without a drop, even rhythm, "
        "peaks about at eye height.",
        criteria=Criteria(
            ball_count=3,
            patterns=("cascade",),
            min_throws=20,
            min_catches=18,
            # steady: the simulator's good cascade stays under 0.05 over any 20 throws,
            # its unsteady one never goes below 0.10 (8 seeds x 40 s); room for tracker noise
            max_rhythm_cv=0.1,
            apex_range_m=(0.25, 0.65),
        ),
        watch=(
            "unsteady",
            "too_high",
            "too_low",
            "hands_close",
            "hands_high",
            "walking",
            "together",
            "drop",
        ),
        breaks_run=("together", "walking"),
        demo_spec="synthetic:3b_cascade_good?seed=2",
        hint="Keep the elbows in and the throws in one plane in front of you.",
    ),
    Lesson(
        id="first_trick",
        title="First trick",
        goal="Out of the cascade, show a flash (all three in the air), a reverse cascade "
        "or a shower, held for a second.",
        criteria=Criteria(tricks=("flash", "reverse", "shower"), hold_s=1.0, min_confidence=0.5),
        watch=("unsteady", "too_low", "together", "drop"),
        demo_spec="synthetic:3b_trick_shower?seed=1",
        hint="Flash: throw three fast and high, clap, catch all three.",
    ),
)


def _check_ladder(ladder: tuple[Lesson, ...]) -> None:
    """The ladder only names catalogue mistakes and tricks, and ids are unique."""
    ids = [lesson.id for lesson in ladder]
    assert len(set(ids)) == len(ids), ids
    for lesson in ladder:
        for key in lesson.watch + lesson.breaks_run:
            assert key in catalogue.MISTAKES, (lesson.id, key)
        for key in lesson.criteria.tricks:
            assert key in catalogue.TRICKS, (lesson.id, key)


_check_ladder(LADDER)


def lesson_at(number: int) -> Lesson:
    """The lesson numbered ``number`` (1-based, as the user sees it)."""
    if not 1 <= number <= len(LADDER):
        raise InputError(f"--lesson {number}: no such lesson (1..{len(LADDER)})")
    return LADDER[number - 1]


def lesson_number(lesson_id: str) -> int:
    """1-based position of a lesson id on the ladder."""
    for i, lesson in enumerate(LADDER, 1):
        if lesson.id == lesson_id:
            return i
    raise KeyError(lesson_id)
