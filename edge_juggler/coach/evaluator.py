"""Judge a stream of fused states against one lesson's criteria, frame by frame.

The evaluator reads what fusion says (``JugglingState``: ball count, pattern,
trick, advice, the running throw and drop counts) and, when it has them, the
tracker's events of the same frame (throw, catch and peak times, apex heights).
Counts are kept per *run*: a drop, or a mistake the lesson says breaks a run,
starts a new one, so "20 throws without a drop" means 20 in a row. Events can
arrive late (the tracker finalises a flight after the catch), so a reset at
time t discards everything that happened up to t, whenever it is reported.

Fusion has no tracker rule for two balls thrown at once, so the evaluator
adds one from the throw times it already reads: two throws of different balls
from different hands within ``TOGETHER_S`` are the catalogue's 'together'
mistake (tip and run break), with or without the classifier.

Nothing here guesses: a check whose evidence is missing (no heights, too few
throws for a rhythm) is ``None`` (unknown) and a lesson only passes when every
check is ``True``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from edge_juggler import catalogue
from edge_juggler.fusion import Advice, JugglingState
from edge_juggler.tracking.types import Event, TrackState

from .lessons import Lesson

#: intervals of the most recent throws used for the rhythm CV
RHYTHM_WINDOW = 20
#: intervals needed before the rhythm is judged at all
MIN_INTERVALS = 4
#: peaks needed before the height is judged from the run's own apexes
MIN_PEAKS = 2
#: peaks averaged for the height (the most recent ones)
HEIGHT_WINDOW = 10
#: two throws of different balls from different hands closer than this were thrown
#: 'together': under half the shortest beat of real juggling (<= 5.5 beats/s, DESIGN.md);
#: a good exchange puts a third of a second between them
TOGETHER_S = 0.1
#: how long a mistake the coach saw in the throw times keeps its tip on screen
OWN_TIP_S = 2.0
#: confidence of that tip (it rests on two tracker throw times)
OWN_TIP_CONFIDENCE = 0.8


@dataclass(frozen=True)
class Check:
    """One criterion now: ``ok`` is True/False, or None while the evidence is missing."""

    name: str
    ok: bool | None
    text: str
    fraction: float = 0.0  # how far along (counts), 0..1

    @property
    def mark(self) -> str:
        return "ok" if self.ok else "?" if self.ok is None else "no"


@dataclass(frozen=True)
class Feedback:
    """What the coach says after one frame."""

    lesson_id: str
    t_s: float
    checks: tuple[Check, ...]
    passed: bool  # the criteria held at some moment of this session
    just_passed: bool  # ... and this is that moment
    tip_key: str | None  # the most confident watched mistake seen now
    tip: str | None  # its catalogue text (via fusion's Advice)
    tip_source: str | None
    run_throws: int
    run_catches: int
    best_run: int

    @property
    def progress(self) -> float:
        """Mean fulfilment of the checks, 0..1 (1 once passed)."""
        if self.passed:
            return 1.0
        if not self.checks:
            return 0.0
        return sum(c.fraction for c in self.checks) / len(self.checks)

    def line(self, prefix: str = "") -> str:
        """One line for a log or a terminal."""
        parts = [f"{prefix}t {self.t_s:6.1f}s"]
        parts += [f"{c.text} [{c.mark}]" for c in self.checks]
        parts.append(f"{self.progress * 100:3.0f}%")
        if self.passed:
            parts.append("PASSED")
        if self.tip:
            parts.append(f"tip: {self.tip}")
        return " | ".join(parts)


def _known(claim, min_conf: float) -> bool:
    return claim.known and claim.confidence >= min_conf


def rhythm_cv(times: Sequence[float], is_sorted: bool = False) -> float | None:
    """Coefficient of variation of the intervals between successive throws (None if < 4)."""
    ts = list(times[-(RHYTHM_WINDOW + 1) :]) if is_sorted else sorted(times)[-(RHYTHM_WINDOW + 1) :]
    iv = [b - a for a, b in zip(ts, ts[1:], strict=False)]
    if len(iv) < MIN_INTERVALS:
        return None
    mean = sum(iv) / len(iv)
    if mean <= 0:
        return None
    var = sum((x - mean) ** 2 for x in iv) / len(iv)
    return math.sqrt(var) / mean


class LessonEvaluator:
    """Feed it ``update(state, track)`` once per frame; read the returned ``Feedback``."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.crit = lesson.criteria
        self.run_start_t = -math.inf
        self.throw_times: list[float] = []
        self.catch_times: list[float] = []
        self.peaks: list[tuple[float, float]] = []
        self.best_run = 0
        self.runs_broken = 0
        self.drops = 0
        self.passed_at_s: float | None = None
        self.mistake_onsets: dict[str, int] = {}  # watched mistakes, times they appeared
        self.first_t: float | None = None
        self.last_t: float | None = None
        self._prev_throws = 0
        self._prev_drops = 0
        self._prev_mistakes: frozenset[str] = frozenset()
        self._trick_since: float | None = None
        self._fallback_apex: float | None = None
        self._recent_throws: list[Event] = []  # all recent throw events, any run
        self._own: dict[str, float] = {}  # mistake key -> when the coach last saw it
        self.last: Feedback | None = None

    # ------------------------------------------------------------------ the run
    @property
    def passed(self) -> bool:
        return self.passed_at_s is not None

    @property
    def practice_s(self) -> float:
        if self.first_t is None or self.last_t is None:
            return 0.0
        return max(0.0, self.last_t - self.first_t)

    def _reset(self, t: float) -> None:
        """Start a new run after ``t`` (a drop or a run-breaking mistake at ``t``)."""
        if t <= self.run_start_t:
            return
        if self.throw_times and self.throw_times[0] <= t:
            self.runs_broken += 1
        self.run_start_t = t
        self.throw_times = [x for x in self.throw_times if x > t]
        self.catch_times = [x for x in self.catch_times if x > t]
        self.peaks = [p for p in self.peaks if p[0] > t]

    def _add(self, seq: list, t: float, item) -> None:
        if t > self.run_start_t:
            seq.append(item)

    def _ingest(self, state: JugglingState, track: TrackState | None) -> None:
        t = state.t_s
        events = track.events if track is not None else ()
        ev_throws = sorted(e.t_s for e in events if e.type == "throw")
        ev_drops = sorted(e.t_s for e in events if e.type == "drop")
        # fusion's running counts are the reference; events give the exact times
        if state.throws_seen < self._prev_throws or state.drops_seen < self._prev_drops:
            self._prev_throws, self._prev_drops = 0, 0  # a new pipeline: re-baseline
        new_drops = max(state.drops_seen - self._prev_drops, len(ev_drops))
        drop_times = ev_drops + [t] * (new_drops - len(ev_drops))
        self._prev_drops = state.drops_seen
        new_throws = max(state.throws_seen - self._prev_throws, len(ev_throws))
        throw_times = ev_throws + [t] * (new_throws - len(ev_throws))
        self._prev_throws = state.throws_seen
        for d in drop_times:
            self.drops += 1
            self._reset(d)
        for e in sorted((e for e in events if e.type == "throw"), key=lambda e: e.t_s):
            self._check_together(e)
        for x in throw_times:
            if x > self.run_start_t:
                bisect.insort(self.throw_times, x)  # kept sorted: late events arrive too
        for e in events:
            if e.type == "catch":
                self._add(self.catch_times, e.t_s, e.t_s)
            elif e.type == "peak" and e.height_m is not None and math.isfinite(e.height_m):
                self._add(self.peaks, e.t_s, (e.t_s, float(e.height_m)))
        if track is not None:
            apex = track.metrics.get("mean_apex_height_m")
            self._fallback_apex = float(apex) if isinstance(apex, int | float) else None
        # mistakes the lesson watches: count onsets, let the run-breaking ones restart the run
        watched = set(self.lesson.watch)
        fused = {
            a.key
            for a in state.mistakes
            if a.confidence >= self.crit.min_confidence and a.key in watched
        }
        now = fused | (set(self._own_now(t)) & watched)
        for key in now - self._prev_mistakes:
            self.mistake_onsets[key] = self.mistake_onsets.get(key, 0) + 1
        self._prev_mistakes = frozenset(now)
        if fused & set(self.lesson.breaks_run):
            self._reset(t)  # the coach's own mistakes reset at their exact time instead

    def _check_together(self, e: Event) -> None:
        """Two balls thrown at once, seen in the tracker's throw times."""
        for other in self._recent_throws:
            if abs(other.t_s - e.t_s) >= TOGETHER_S:
                continue
            same_ball = e.ball is not None and other.ball == e.ball
            same_hand = e.hand is not None and other.hand == e.hand
            if not same_ball and not same_hand:
                when = max(e.t_s, other.t_s)
                self._own["together"] = max(self._own.get("together", when), when)
                if "together" in self.lesson.breaks_run:
                    self._reset(when)
                break
        self._recent_throws.append(e)
        del self._recent_throws[:-8]

    def _own_now(self, t: float) -> dict[str, float]:
        """The coach's own mistakes still on screen at ``t`` (key -> when seen)."""
        return {k: w for k, w in self._own.items() if -1.0 <= t - w <= OWN_TIP_S}

    # ------------------------------------------------------------------ checks
    def _checks(self, state: JugglingState) -> list[Check]:
        c = self.crit
        out: list[Check] = []
        if c.ball_count is not None:
            claim = state.ball_count
            if _known(claim, c.min_confidence):
                ok = claim.value == c.ball_count
                out.append(Check("balls", ok, f"balls {claim.value}/{c.ball_count}", float(ok)))
            else:
                out.append(Check("balls", None, f"balls ?/{c.ball_count}"))
        if c.patterns:
            claim = state.pattern
            want = "/".join(c.patterns)
            if _known(claim, c.min_confidence):
                ok = claim.value in c.patterns
                out.append(Check("pattern", ok, f"pattern {claim.value} ({want})", float(ok)))
            else:
                out.append(Check("pattern", None, f"pattern ? ({want})"))
        if c.min_throws:
            n = len(self.throw_times)
            out.append(
                Check(
                    "throws",
                    n >= c.min_throws,
                    f"throws {n}/{c.min_throws}",
                    min(1.0, n / c.min_throws),
                )
            )
        if c.min_catches:
            n = len(self.catch_times)
            out.append(
                Check(
                    "catches",
                    n >= c.min_catches,
                    f"catches {n}/{c.min_catches}",
                    min(1.0, n / c.min_catches),
                )
            )
        if c.max_rhythm_cv is not None:
            cv = rhythm_cv(self.throw_times, is_sorted=True)
            if cv is None:
                out.append(Check("rhythm", None, f"rhythm ? (cv<{c.max_rhythm_cv:.2f})"))
            else:
                ok = cv <= c.max_rhythm_cv
                out.append(
                    Check("rhythm", ok, f"rhythm cv {cv:.2f} (<{c.max_rhythm_cv:.2f})", float(ok))
                )
        if c.apex_range_m is not None:
            lo, hi = c.apex_range_m
            heights = [h for _, h in self.peaks[-HEIGHT_WINDOW:]]
            apex = sum(heights) / len(heights) if len(heights) >= MIN_PEAKS else None
            if apex is None and self.throw_times:
                apex = self._fallback_apex  # the tracker's window mean, when the run is young
            if apex is None:
                out.append(Check("height", None, f"height ? ({lo:.2f}-{hi:.2f} m)"))
            else:
                ok = lo <= apex <= hi
                out.append(
                    Check("height", ok, f"height {apex:.2f} m ({lo:.2f}-{hi:.2f})", float(ok))
                )
        if c.tricks:
            claim = state.trick
            if _known(claim, c.min_confidence) and claim.value in c.tricks:
                if self._trick_since is None:
                    self._trick_since = state.t_s
                held = state.t_s - self._trick_since
                ok = held >= c.hold_s - 1e-9
                frac = 1.0 if c.hold_s <= 0 else min(1.0, held / c.hold_s)
                out.append(
                    Check("trick", ok, f"trick {claim.value} {held:.1f}/{c.hold_s:.1f}s", frac)
                )
            else:
                self._trick_since = None
                out.append(Check("trick", False, "trick - (" + "/".join(c.tricks) + ")"))
        return out

    def _tip(self, state: JugglingState) -> Advice | None:
        watched = set(self.lesson.watch)
        best: Advice | None = None
        own = [
            Advice(k, "mistake", catalogue.MISTAKES[k], "tracker", OWN_TIP_CONFIDENCE)
            for k in self._own_now(state.t_s)
        ]
        for a in (*state.mistakes, *own):
            if a.key in watched and a.confidence >= self.crit.min_confidence:
                if best is None or a.confidence > best.confidence:
                    best = a
        return best

    # ------------------------------------------------------------------ public
    def update(self, state: JugglingState, track: TrackState | None = None) -> Feedback:
        """Take one fused state (and the tracker's view of the same frame, if any)."""
        if self.first_t is None:
            self.first_t = state.t_s
        self.last_t = state.t_s
        self._ingest(state, track)
        checks = self._checks(state)
        self.best_run = max(self.best_run, len(self.throw_times))
        just = False
        if checks and all(ch.ok is True for ch in checks) and self.passed_at_s is None:
            self.passed_at_s = state.t_s
            just = True
        tip = self._tip(state)
        self.last = Feedback(
            lesson_id=self.lesson.id,
            t_s=state.t_s,
            checks=tuple(checks),
            passed=self.passed,
            just_passed=just,
            tip_key=tip.key if tip else None,
            tip=tip.text if tip else None,
            tip_source=tip.source if tip else None,
            run_throws=len(self.throw_times),
            run_catches=len(self.catch_times),
            best_run=self.best_run,
        )
        return self.last


def evaluate(
    lesson: Lesson, stream: Iterable[JugglingState | tuple[JugglingState, TrackState | None]]
) -> tuple[LessonEvaluator, list[Feedback]]:
    """Run a whole stream (states, or (state, track) pairs) through a fresh evaluator."""
    ev = LessonEvaluator(lesson)
    out = []
    for item in stream:
        if isinstance(item, tuple):
            out.append(ev.update(item[0], item[1]))
        else:
            out.append(ev.update(item))
    return ev, out
