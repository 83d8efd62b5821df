"""The 27-class catalogue shared by the simulator, the classifier and fusion.

This module is the one place that spells the class names (``models/labels.json``
is written from it). The prefix carries the ball count: ``bg_`` = no juggling,
``0b_`` = pretending without objects, ``1b_``..``3b_`` = that many balls.
"""

from __future__ import annotations

from dataclasses import dataclass

CLASSES: tuple[str, ...] = (
    # background: nobody juggling
    "bg_empty",
    "bg_standing",
    "bg_entering",
    "bg_leaving",
    "bg_reaching",
    # pretending to juggle, no objects
    "0b_pretend",
    # one ball: toss from hand to hand
    "1b_toss_good",
    "1b_toss_too_high",
    "1b_toss_too_low",
    "1b_toss_drop",
    # two balls: the exchange
    "2b_exchange_good",
    "2b_exchange_too_high",
    "2b_exchange_together",
    "2b_exchange_drop",
    # three balls: the cascade, its mistakes and first tricks
    "3b_cascade_good",
    "3b_cascade_too_high",
    "3b_cascade_too_low",
    "3b_cascade_unsteady",
    "3b_cascade_hands_close",
    "3b_cascade_hands_high",
    "3b_cascade_walking",
    "3b_cascade_together",
    "3b_cascade_drop",
    "3b_trick_flash",
    "3b_trick_shower",
    "3b_trick_reverse",
    "3b_trick_columns",
)

MISTAKES: dict[str, str] = {
    "too_high": "throws too high: aim for eye height",
    "too_low": "throws too low: give the balls time, aim a bit above the head",
    "unsteady": "uneven rhythm: count the throws out loud, keep the beat even",
    "hands_close": "hands too close together: keep them at hip width",
    "hands_high": "hands too high: drop the elbows, catch at waist height",
    "walking": "walking forward: throws drift away from you, throw straighter up",
    "together": "two balls thrown at once: throw the second when the first peaks",
    "drop": "a ball was dropped: slow down, fewer balls until it is steady",
}

TRICKS: dict[str, str] = {
    "flash": "flash: all balls in the air at once",
    "shower": "shower: one hand throws high, the other passes across",
    "reverse": "reverse cascade: throws from outside over the top",
    "columns": "columns: balls rise and fall in vertical lines",
}

BACKGROUND: dict[str, str] = {
    "empty": "nobody in view",
    "standing": "someone standing still",
    "entering": "someone entering the view",
    "leaving": "someone leaving the view",
    "reaching": "someone reaching towards the camera",
}


@dataclass(frozen=True)
class ClassInfo:
    """What a class name tells: ball count, kind, pattern and the detail."""

    name: str
    index: int
    ball_count: int | None  # None for background (nobody juggling)
    kind: str  # "background" | "pretend" | "good" | "mistake" | "trick"
    pattern: str | None  # "toss" | "exchange" | "cascade" | trick name | None
    detail: str | None  # mistake or trick key, background key, or None for good

    @property
    def description(self) -> str:
        if self.kind == "background":
            return BACKGROUND[self.detail or ""]
        if self.kind == "pretend":
            return "juggling motion without balls"
        if self.kind == "mistake":
            return MISTAKES[self.detail or ""]
        if self.kind == "trick":
            return TRICKS[self.detail or ""]
        return f"good {self.ball_count}-ball {self.pattern}"


def parse_class(name: str) -> ClassInfo:
    """Read ball count, pattern and mistake/trick off a catalogue class name."""
    if name not in CLASSES:
        raise KeyError(f"unknown class {name!r}")
    index = CLASSES.index(name)
    prefix, rest = name.split("_", 1)
    if prefix == "bg":
        return ClassInfo(name, index, None, "background", None, rest)
    count = int(prefix[:-1])
    if rest == "pretend":
        return ClassInfo(name, index, count, "pretend", None, None)
    pattern, detail = rest.split("_", 1)
    if pattern == "trick":
        return ClassInfo(name, index, count, "trick", detail, detail)
    if detail == "good":
        return ClassInfo(name, index, count, "good", pattern, None)
    return ClassInfo(name, index, count, "mistake", pattern, detail)


def ball_count_of(name: str) -> int:
    """Balls implied by a class (background counts as 0)."""
    return parse_class(name).ball_count or 0


def class_index(name: str) -> int:
    return CLASSES.index(name)


NUM_CLASSES = len(CLASSES)
assert NUM_CLASSES == 27, NUM_CLASSES
