"""Juggling physics: throw schedules with Juggling Lab timing, hand paths, ball paths.

Coordinates: a world frame with x to the camera's right, y up, z away from the
camera, origin on the floor below the camera, metres and seconds. Hand 0 is
the juggler's right hand; the juggler faces the camera, so it sits at -x.

Timing (DESIGN.md, Juggling Lab defaults): a throw of value n leaves its hand
on beat j and its ball is thrown again on beat j + n; the ball is caught
``dwell`` beats before that, so it flies T = (n - dwell) / bps seconds and
peaks g T^2 / 8 above the release point (throw and catch heights are equal).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

G = 9.8
DWELL_BEATS = 1.3
BALL_RADIUS_M = 0.034
#: throw value -> beats per second (Juggling Lab's table)
BPS_TABLE: tuple[tuple[float, float], ...] = (
    (3, 2.90),
    (4, 3.40),
    (5, 4.10),
    (6, 4.25),
    (7, 5.0),
    (8, 5.0),
    (9, 5.5),
)
GRAVITY = np.array([0.0, -G, 0.0])
RIGHT, LEFT = 0, 1
HAND_NAMES = ("right", "left")


def beats_per_second(values: list[int] | tuple[int, ...]) -> float:
    """Juggling Lab's beat rate: table lookup of the mean throw value over throws > 2."""
    big = [v for v in values if v > 2]
    if not big:
        return 2.0
    mean = sum(big) / len(big)
    xs, ys = zip(*BPS_TABLE, strict=True)
    return float(np.interp(mean, xs, ys))


def dwell_for(value: int, dwell: float = DWELL_BEATS) -> float:
    """Beats a ball rests in the hand before its next throw (short throws need less)."""
    return min(dwell, max(value - 0.5, 0.2))


def apex_height(flight_s: float) -> float:
    """Apex above the release point of a flight of ``flight_s`` seconds (equal heights)."""
    return G * flight_s**2 / 8.0


# ----------------------------------------------------------------------------- schedule


@dataclass
class ThrowEvent:
    """One throw slot of the schedule: a hand throwing on a beat (ball -1 = empty hand)."""

    beat: int
    hand: int
    value: int
    catch_hand: int
    t: float = 0.0
    t_catch: float = 0.0
    ball: int = -1
    throw_local: np.ndarray = field(default_factory=lambda: np.zeros(3))
    catch_local: np.ndarray = field(default_factory=lambda: np.zeros(3))
    dropped: bool = False
    # filled when the world is built
    p0: np.ndarray | None = None
    v0: np.ndarray | None = None


#: a throw source: beat -> list of (hand, value, catch_hand) thrown on that beat
ThrowFn = Callable[[int], list[tuple[int, int, int]]]


def async_throws(pattern: tuple[int, ...] | list[int]) -> ThrowFn:
    """Vanilla siteswap: beat j is thrown by hand j % 2; odd throws cross."""
    p = tuple(pattern)

    def fn(j: int) -> list[tuple[int, int, int]]:
        v = p[j % len(p)]
        if v <= 0:
            return []
        return [(j % 2, v, (j + v) % 2)]

    return fn


def sequence_throws(seq: dict[int, int], base: ThrowFn) -> ThrowFn:
    """Async throws with some beats overridden (e.g. a flash ``55500`` inside a ``3``)."""

    def fn(j: int) -> list[tuple[int, int, int]]:
        if j in seq:
            v = seq[j]
            return [(j % 2, v, (j + v) % 2)] if v > 0 else []
        return base(j)

    return fn


def sync_throws(pairs: list[tuple[tuple[int, bool], tuple[int, bool]]]) -> ThrowFn:
    """Synchronous siteswap: both hands on even beats; ``x`` crosses."""

    def fn(j: int) -> list[tuple[int, int, int]]:
        if j % 2:
            return []
        right, left = pairs[(j // 2) % len(pairs)]
        out = []
        for hand, (v, x) in ((RIGHT, right), (LEFT, left)):
            if v > 0:
                out.append((hand, v, (1 - hand) if x else hand))
        return out

    return fn


def link_balls(
    throw_fn: ThrowFn, first_beat: int, last_beat: int, bps: float, dwell: float
) -> tuple[list[ThrowEvent], int]:
    """Make throw events for beats [first_beat, last_beat) and give each a ball id.

    A ball landing on (beat, hand) is the one thrown from that slot next; a throw
    from a slot nobody landed on starts a new ball (only during the pre-roll).
    Returns the events (sorted by beat) and the number of balls.
    """
    landing: dict[tuple[int, int], int] = {}
    events: list[ThrowEvent] = []
    n_balls = 0
    for j in range(first_beat, last_beat):
        for hand, value, catch_hand in throw_fn(j):
            ball = landing.pop((j, hand), None)
            if ball is None:
                ball = n_balls
                n_balls += 1
            key = (j + value, catch_hand)
            if key in landing:
                raise ValueError(f"two balls land on beat {j + value} in one hand")
            landing[key] = ball
            ev = ThrowEvent(beat=j, hand=hand, value=value, catch_hand=catch_hand, ball=ball)
            ev.t = j / bps
            ev.t_catch = (j + value - dwell_for(value, dwell)) / bps
            events.append(ev)
    return events, n_balls


# ----------------------------------------------------------------------------- hands


@dataclass
class HandPath:
    """A hand's path in the juggler's frame: scoops while holding, arcs while empty.

    Built from time-sorted keyframes (t, kind, position) with kind "catch",
    "throw" or "rest". Holding (catch -> throw) dips by ``dip``; moving empty
    rises by ``rise``; long gaps go to the rest pose.
    """

    times: np.ndarray
    kinds: list[str]
    points: np.ndarray  # (n, 3)
    rest: np.ndarray
    dip: float
    rise: float

    @classmethod
    def build(
        cls,
        keys: list[tuple[float, str, np.ndarray]],
        rest: np.ndarray,
        dip: float,
        rise: float,
        max_gap: float = 2.5,
        min_gap: float = 0.08,
    ) -> HandPath:
        keys = sorted(keys, key=lambda k: k[0])
        # a sloppy rhythm can put a catch and a throw of one hand a few ms apart; a real
        # hand does both in one sweep, so merge keys that close (no teleporting hands)
        merged: list[tuple[float, str, np.ndarray]] = []
        for k in keys:
            if merged and k[0] - merged[-1][0] < min_gap:
                t0, kind0, p0 = merged[-1]
                merged[-1] = (0.5 * (t0 + k[0]), kind0, 0.5 * (np.asarray(p0) + k[2]))
            else:
                merged.append(k)
        keys = merged
        out: list[tuple[float, str, np.ndarray]] = []
        for k in keys:
            if out and k[0] - out[-1][0] > max_gap:
                # idle between far-apart events: go to rest and come back
                out.append((out[-1][0] + 0.35, "rest", rest))
                out.append((k[0] - 0.35, "rest", rest))
            out.append(k)
        if not out:
            out = [(0.0, "rest", rest)]
        times = np.array([k[0] for k in out])
        return cls(times, [k[1] for k in out], np.array([k[2] for k in out]), rest, dip, rise)

    def at(self, t: float) -> np.ndarray:
        i = int(np.searchsorted(self.times, t, side="right")) - 1
        if i < 0:
            return self._blend(self.rest, self.points[0], t - (self.times[0] - 0.35), 0.35, 0)
        if i >= len(self.times) - 1:
            return self._blend(self.points[-1], self.rest, t - self.times[-1], 0.35, 0)
        t0, t1 = self.times[i], self.times[i + 1]
        k0, k1 = self.kinds[i], self.kinds[i + 1]
        if k0 == "catch" and k1 == "throw":
            bump = -self.dip
        elif k0 in ("catch", "throw") and k1 in ("catch", "throw"):
            bump = self.rise
        else:
            bump = 0.0
        return self._blend(self.points[i], self.points[i + 1], t - t0, t1 - t0, bump)

    @staticmethod
    def _blend(p0: np.ndarray, p1: np.ndarray, dt: float, span: float, bump: float) -> np.ndarray:
        s = min(max(dt / span, 0.0), 1.0) if span > 1e-9 else 1.0
        w = s * s * (3.0 - 2.0 * s)
        p = p0 + (p1 - p0) * w
        if bump:
            p = p.copy()
            p[1] += bump * np.sin(np.pi * s)
        return p


# ----------------------------------------------------------------------------- balls

HELD, FLIGHT = 0, 1


@dataclass
class BallPath:
    """One ball's whole life as time-sorted segments (held by a hand, or ballistic).

    A ballistic segment is p(t) = p + v dt + a dt^2 / 2 (flight, fall, roll, rest).
    """

    ball: int
    starts: list[float] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    hands: list[int] = field(default_factory=list)
    p: list[np.ndarray] = field(default_factory=list)
    v: list[np.ndarray] = field(default_factory=list)
    a: list[np.ndarray] = field(default_factory=list)
    phase: list[str] = field(default_factory=list)  # held|flight|falling|rolling|rest

    def add_held(self, t: float, hand: int) -> None:
        z = np.zeros(3)
        self._add(t, HELD, hand, z, z, z, "held")

    def add_ballistic(
        self, t: float, p: np.ndarray, v: np.ndarray, a: np.ndarray, phase: str
    ) -> None:
        self._add(t, FLIGHT, -1, p, v, a, phase)

    def _add(self, t, kind, hand, p, v, a, phase) -> None:  # noqa: ANN001
        self.starts.append(float(t))
        self.kinds.append(kind)
        self.hands.append(hand)
        self.p.append(np.asarray(p, float))
        self.v.append(np.asarray(v, float))
        self.a.append(np.asarray(a, float))
        self.phase.append(phase)

    def segment(self, t: float) -> int:
        return max(bisect.bisect_right(self.starts, t) - 1, 0)

    def state(
        self, t: float, hand_pos: Callable[[int, float], np.ndarray], offset: np.ndarray
    ) -> tuple[np.ndarray, int, str]:
        """(position, held_by hand or -1, phase) at time t."""
        i = self.segment(t)
        if self.kinds[i] == HELD:
            return hand_pos(self.hands[i], t) + offset, self.hands[i], "held"
        dt = t - self.starts[i]
        return self.p[i] + self.v[i] * dt + 0.5 * self.a[i] * dt * dt, -1, self.phase[i]


def drop_segments(
    path: BallPath,
    t: float,
    p: np.ndarray,
    v: np.ndarray,
    rng: np.random.Generator,
    radius: float = BALL_RADIUS_M,
) -> float:
    """Append fall, bounces, roll and rest from a missed catch; returns the first impact time."""
    restitution, friction, roll_decel = 0.35, 0.6, 1.2
    first_impact = None
    p = p.copy()
    v = v.copy()
    for _ in range(6):
        path.add_ballistic(t, p, v, GRAVITY, "falling")
        # solve p_y + v_y dt - g dt^2 / 2 = radius
        a, b, c = -0.5 * G, v[1], p[1] - radius
        disc = max(b * b - 4 * a * c, 0.0)
        dt = (-b - np.sqrt(disc)) / (2 * a)
        dt = max(float(dt), 1e-3)
        p = p + v * dt + 0.5 * GRAVITY * dt * dt
        p[1] = radius
        v = v + GRAVITY * dt
        t += dt
        if first_impact is None:
            first_impact = t
        v[1] = -v[1] * restitution
        v[0] *= friction
        v[2] *= friction
        if v[1] < 0.25:
            break
    v[1] = 0.0
    speed = float(np.hypot(v[0], v[2]))
    if speed > 0.02:
        direction = v / speed
        dur = speed / roll_decel
        path.add_ballistic(t, p, v, -direction * roll_decel, "rolling")
        p = p + v * dur - 0.5 * direction * roll_decel * dur * dur
        t += dur
    path.add_ballistic(t, p, np.zeros(3), np.zeros(3), "rest")
    return float(first_impact if first_impact is not None else t)


def flight_velocity(p0: np.ndarray, p1: np.ndarray, duration: float) -> np.ndarray:
    """Launch velocity that carries a ball from p0 to p1 in ``duration`` under gravity."""
    return (p1 - p0) / duration - 0.5 * GRAVITY * duration
