"""From flights to juggling: hands, the beat grid, events, siteswap and summary metrics.

Why this works without ball identities: in vanilla (async) siteswap the hands
alternate beats, so once every throw sits on an integer beat with the right
hand's parity, a flight caught by hand H was thrown with value n where beat
``throw_beat + n`` is the first beat of H after the catch (a hand holds a ball
for less than two beats). Beats without a flight are 2 (a ball is waiting in
that hand) or 0 (empty hand). The pattern is then the shortest repeating unit
of that beat sequence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from itertools import product

import numpy as np
from scipy import stats

from edge_juggler.siteswap import canonical_throws, is_valid, throw_symbol
from edge_juggler.tracking.flights import Flight, G
from edge_juggler.tracking.types import Event


@dataclass
class Scale:
    """How pixels become metres: from depth (per flight) or from image gravity."""

    g_px: float | None  # image gravity, px/s^2
    fy: float | None = None  # focal length when depth is known

    @property
    def px_per_m(self) -> float | None:
        return self.g_px / G if self.g_px else None

    def metres(self, dy_px: float, z_m: float | None) -> float | None:
        if z_m is not None and self.fy:
            return dy_px * z_m / self.fy
        if self.g_px:
            return dy_px / self.px_per_m
        return None


def clean_flights(flights: list[Flight], scale: Scale) -> list[Flight]:
    """Drop arcs that are hand motion, not throws.

    A throw either rises (>= 5 cm) and lasts a fair part of a typical flight,
    or crosses to the other hand (a low pass such as a 1 travels >= 25 cm; a held
    ball carried sideways travels less).
    """
    if not flights:
        return []
    # a typical real flight: hand wiggles can outnumber throws, so a high percentile
    # (the lowest throw of a pattern, a 3 among 6s, still flies over a third of it)
    med = float(np.percentile([f.duration for f in flights], 90))
    out = []
    for f in flights:
        travel = abs(f.catch_xy[0] - f.throw_xy[0])
        rise = scale.metres(f.rise_px, f.z_m)
        trav = scale.metres(travel, f.z_m)
        if rise is None or trav is None:
            out.append(f)
            continue
        # a few samples always fit some parabola: a rising throw needs a real arc
        # (capped: where high throws dominate, the p90 is theirs and a 3 among 6s
        # still flies 0.4-0.5 s, seen for a little less)
        # (an arc across a hidden apex is one: its halves, far apart in time, agree
        # on when the apex was; a 6 out of a webcam's top is seen for 2-3 frames a side,
        # and its halves in two tracks, by the top edge, may have two samples each)
        need = 3 if "stitched" in f.extra else 4 if "hidden_apex" in f.extra else 5
        arc = f.i1 - f.i0 >= need
        tall = rise >= 0.05 and f.duration >= min(0.3 * med, 0.25) and arc
        crossing = trav >= 0.25 and f.duration >= 0.06 and f.i1 - f.i0 >= 3
        if tall or crossing:
            out.append(f)
    return out


SCOOP_LAND_S = 0.1  # a scoop's arc may end up to three frames before the throw leaves
SCOOP_DIP_S = 0.15  # ... and begin this soon after a catch (a 2 rests over a beat)


def drop_scoops(flights: list[Flight], scale: Scale) -> list[Flight]:
    """Drop the hand's scoop before a throw, seen as a little arc of its own.

    A hand lifting a held ball into a throw moves it on a curve that a few
    samples fit as a low arc (a few cm, same hand), which then "lands" where and
    when the real throw of that ball leaves. No catch overlaps a throw from the
    same place, so a low arc that ends after another, taller flight has left from
    its end (within 20 cm, up to three frames later) was the hand around that
    ball; so was one that starts where and just after a taller flight was
    caught (the hand's dip after the catch). A ball thrown as a 2 rests over a
    beat before and after its low arc, so it stays. A low arc of any length
    that leaves with a taller flight, from its throw point (within 10 cm) at its
    moment, is the throwing hand swinging on (645 binned depth s28: three such
    "passes" at 5 m/s read the pattern as 96181).
    """
    if not scale.px_per_m:
        return flights
    near = 0.2 * scale.px_per_m
    out = []
    for f in flights:
        rise = scale.metres(f.rise_px, f.z_m)
        flat = rise is not None and rise < 0.15
        low = flat and abs(f.catch_xy[0] - f.throw_xy[0]) < near
        if flat and any(
            o is not f
            and o.rise_px > 2 * f.rise_px
            and abs(o.t_throw - f.t_throw) <= SCOOP_LAND_S
            and np.hypot(o.throw_xy[0] - f.throw_xy[0], o.throw_xy[1] - f.throw_xy[1]) < 0.5 * near
            for o in flights
        ):
            continue
        if low and any(
            o is not f
            and o.rise_px > 2 * f.rise_px
            and (
                (
                    f.t_throw < o.t_throw <= f.t_catch + SCOOP_LAND_S
                    and abs(o.throw_xy[0] - f.catch_xy[0]) < near
                    and o.throw_xy[1] - f.catch_xy[1] < near  # first seen there or higher
                )
                or (
                    f.t_throw - SCOOP_DIP_S <= o.t_catch < f.t_catch
                    and abs(o.catch_xy[0] - f.throw_xy[0]) < near
                    and o.catch_xy[1] - f.throw_xy[1] < near  # last seen there or higher
                )
            )
            for o in flights
        ):
            continue
        out.append(f)
    return out


PASS_S = 0.25  # a flight this short rises 8 cm at most: a pass from hand to hand ...
PASS_SHARE = 0.35  # ... when also this short against the tall flights (75th percentile)


def _pass_s(durations: np.ndarray | list[float]) -> float:
    """Flights shorter than this (s) are passes against the pattern's tall ones."""
    return min(PASS_S, PASS_SHARE * float(np.percentile(durations, 75)))


def count_from_air(flights: list[Flight]) -> int:
    """Balls from how many fly at once: the most in the air, plus one held.

    A lone ball (300) is the exception: while it flies no hand holds one, and
    between its flights nothing flies for as long as a flight or longer (it
    waits in a hand); a second ball would fill those gaps (31 with its low
    passes unseen leaves gaps of half a flight).

    A flight far shorter than the pattern's tall ones (a 1 passed between the
    hands, a 2 hopped) is a ball on its way from hand to hand, i.e. one of the
    held ones: while a 51's 1 crosses, both 5s fly and no hand holds a ball, so
    counting it as airborne plus one held read 4 balls.
    """
    if not flights:
        return 0
    ts = np.array([[f.t_throw, f.t_catch] for f in flights])
    grid = np.linspace(ts[:, 0].min(), ts[:, 1].max(), 200)

    def flying(spans: np.ndarray) -> np.ndarray:
        """How many of these (throw, catch) spans are in the air at each grid time."""
        return ((spans[:, :1].T <= grid[:, None]) & (spans[:, 1:].T >= grid[:, None])).sum(1)

    dur = ts[:, 1] - ts[:, 0]
    tall = ts[dur >= _pass_s(dur)]
    air = flying(tall)
    peak = int(np.percentile(air, 95))
    if peak == 1:
        # runs of empty air between the tall flights, in seconds (a hand's little
        # lift of the resting ball halfway through its wait is no second ball: 300
        # wide colour s7512 read 2)
        empty = np.r_[0, (air == 0).astype(int), 0]
        starts, ends = np.nonzero(np.diff(empty) == 1)[0], np.nonzero(np.diff(empty) == -1)[0]
        gaps = (ends - starts) * (grid[1] - grid[0])
        if len(gaps) >= 2 and np.median(gaps) >= 0.8 * np.median(np.diff(ts, axis=1)):
            return 1
    return peak + 1


def hands_level(flights: list[Flight], q: float = 90) -> float | None:
    """Image y of the hands (where arcs begin and end), pixels.

    Arcs are seen from a little above the hand up (the ball is lost among the
    hands at both ends, most at the throw), never below it unless dropped, so
    the low tail of the observed ends is the hands' level, not their median.
    """
    ends = [y for f in flights if not f.dropped for y in (f.throw_xy[1], f.catch_xy[1])]
    return float(np.percentile(ends, q)) if ends else None


BOUNCE_BELOW_M = 0.12  # an arc whose apex is this far below the hands is no throw
BOUNCE_DEEP_M = 0.3  # ... and one of its ends this far
BOUNCE_MIN_S = 0.2  # ... and it lasts this long
BOUNCE_AFTER_S = 0.8  # ... it began at most this long after the arc it fell from ended
BOUNCE_FROM_M = 0.5  # ... that far to either side at most


WIGGLE_TOP_M = 0.05  # an arc that peaks less than this above the hands ...
WIGGLE_TRAVEL_M = 0.25  # ... and travels less than this sideways stays at one hand


def _at_the_hands(f: Flight, level: float, scale: Scale) -> bool:
    """Whether an arc is a hand's wiggle: it peaks at the hands' level and stays
    at one hand. A hand rising into a throw or bobbing between throws carries its
    ball on a little curve that a few samples fit as an arc (300 wide depth s12:
    two of 5-8 cm at the hands among ten throws read two balls, 2). Every throw
    peaks above the hands, and a pass at their level (a 1) crosses to the other."""
    top = scale.metres(level - f.apex_xy[1], f.z_m)
    travel = scale.metres(abs(f.catch_xy[0] - f.throw_xy[0]), f.z_m)
    return (
        top is not None and travel is not None and top < WIGGLE_TOP_M and travel < WIGGLE_TRAVEL_M
    )


def _lift(f: Flight, short: float, scale: Scale) -> bool:
    """Whether an arc is shorter than a pass (``short`` s) and stays at one hand."""
    travel = scale.metres(abs(f.catch_xy[0] - f.throw_xy[0]), f.z_m)
    return f.duration < short and travel is not None and travel < WIGGLE_TRAVEL_M


def _without_wiggles(
    flights: list[Flight], level: float, scale: Scale, balls: int, sep: float
) -> tuple[list[Flight], Reading | None]:
    """The flights less the hands' wiggles, when those alone make the pattern
    read more or fewer balls than the air holds.

    A tossed 2 looks just like a wiggle (5-9 cm over 0.2 s at one hand, 423
    narrow depth s12), but it sits on the pattern's beats, so the pattern's
    reading with it agrees with the balls in the air; a wiggle between a 300's
    throws reads an extra ball (300 wide depth s12: 2). Also returns the reading
    of the flights returned when one was made (the pattern's, with no drop).
    """
    # (and the short lifts that stay at one hand, peaking higher: a 300's hand lifts
    # its resting ball halfway through the wait, 7 cm in 0.16 s, 300 wide colour
    # s7512 read 330 with 2 balls)
    short = _pass_s([f.duration for f in flights]) if flights else 0.0
    wiggles = [
        not f.dropped and (_at_the_hands(f, level, scale) or _lift(f, short, scale))
        for f in flights
    ]
    # (marked: a 0 of the reading that only such arcs fill is no ball the camera
    # missed, see missed_ball_unit)
    for f, w in zip(flights, wiggles, strict=True):
        if w:
            f.extra["wiggle"] = True
    rest = [f for f, w in zip(flights, wiggles, strict=True) if not w]
    if not any(wiggles) or any(f.dropped for f in flights) or len(rest) < 6:
        return flights, None
    r = best_timing_reading(flights, None, sep, balls)
    if r is not None and r.balls == balls:
        return flights, r
    r_rest = best_timing_reading(rest, None, sep, balls)
    # (and reads clearly: 423 narrow depth s16 without its 2s read 403023 at 0.64)
    if r_rest is not None and r_rest.balls == balls and r_rest.agree >= 0.8:
        return rest, r_rest
    return flights, r


def split_bounces(flights: list[Flight], level: float, scale: Scale) -> list[Flight]:
    """Take out arcs that are a dropped ball's bounce, and mark the arc it fell from.

    Every throw rises above the hands; an arc whose apex stays well below them
    is a dropped ball bouncing off the floor (or deflected off a knee). It is
    no throw, and the drop happened where the ball should have been caught: at
    the end of the last arc that ended before the bounce began, near where it
    began (the same track if possible). A bounce with no such arc stays, as a
    drop of its own. Returns the flights without the attributed bounces.
    """
    keep: list[Flight] = []
    bounces: list[Flight] = []
    taken: set[int] = set()
    for f in flights:
        below = scale.metres(f.apex_xy[1] - level, f.z_m)
        # (it starts or ends on the floor, not at a hand dipping into a catch, and
        # flies a while, unlike a hand's or a body's twitch down there; its apex is
        # seen: a hidden one is out of sight above, and halves joined over a gap
        # down there are a track that jumped onto a hand's pass, 71 binned depth s2)
        deep = scale.metres(max(f.throw_xy[1], f.catch_xy[1]) - level, f.z_m)
        bounce = (
            below is not None
            and deep is not None
            and below > BOUNCE_BELOW_M
            and deep > BOUNCE_DEEP_M
            and f.t_catch - f.t_throw >= BOUNCE_MIN_S
            and not f.extra.get("hidden_apex")
        )
        (bounces if bounce else keep).append(f)
    for b in bounces:
        b.dropped = True
        b.extra["bounce"] = True
        cands = [
            f
            for f in keep
            if b.t_throw - BOUNCE_AFTER_S <= f.t_catch <= b.t_throw + 0.05
            and (scale.metres(abs(f.catch_xy[0] - b.throw_xy[0]), b.z_m) or 0.0) <= BOUNCE_FROM_M
        ]
        if not cands:
            continue  # nothing it fell from: the bounce is the drop
        # the same track if it still holds the ball, else the nearest arc end
        src = min(cands, key=lambda f: (f.ball != b.ball, abs(f.catch_xy[0] - b.throw_xy[0])))
        src.dropped = True
        src.extra["bounced"] = True
        taken.add(id(b))
    return [f for f in flights if id(f) not in taken]


def _rotation(r: Reading, beats: dict, lo: int) -> int:
    """The rotation of the reading's unit that its flights' values follow, where
    flight ``i`` is on beat ``beats[i]`` (``lo``: the first beat)."""
    return _rotation_on(r.unit, [(b, r.values.get(i)) for i, b in beats.items()], lo)


def _rotation_on(unit: tuple[int, ...], seen: Iterable[tuple[int, int | None]], lo: int) -> int:
    """The rotation of ``unit`` (starting at beat ``lo``) that the values seen on
    beats follow best (``seen``: (beat, value) pairs, value None where unseen)."""
    p = len(unit)
    pairs = list(seen)
    return max(range(p), key=lambda k: sum(v == unit[(b - lo + k) % p] for b, v in pairs))


def _steady_beats(flights: list[Flight], r: Reading) -> tuple[dict, dict] | None:
    """The reading's flights on a steady clock through its beats: (beat, how far
    off it in beats) per flight index, or None when that clock does not run on.

    A doubled arc or a beat counted twice shifts the reading's own numbering of
    every later beat; Siegel's repeated medians fit the clock past them.
    """
    idx = sorted(r.beats, key=lambda i: _t_beat(flights[i]))
    t = np.array([_t_beat(flights[i]) for i in idx])
    slope, icept = stats.siegelslopes(t, np.array([r.beats[i] for i in idx], dtype=float))[:2]
    if slope <= 0:
        return None
    x = (t - icept) / slope
    beat = {i: round(v) for i, v in zip(idx, x, strict=True)}
    return beat, {i: abs(v - beat[i]) for i, v in zip(idx, x, strict=True)}


def _orbit(c: int, hi: int, value: Callable[[int], int]) -> list[int]:
    """The beats after ``c`` up to ``hi`` that the ball thrown on beat ``c`` is
    thrown on again, by the unit's values (up to an empty beat)."""
    out: list[int] = []
    c += value(c)
    while c <= hi and value(c) > 0:
        out.append(c)
        c += value(c)
    return out


LOST_MIN_BEATS = 2  # a lost ball: at least this many of its beats in a row stay empty
LOST_CHANCE = 0.05  # ... where missed throws would leave them so at most this likely


def lost_ball(flights: list[Flight], r: Reading) -> int | None:
    """The throw after which its ball never came back while the juggling went on.

    A drop the camera did not see (the ball fell behind the juggler or below
    the picture) still shows in the pattern: every beat that ball would have
    been thrown on after it stays empty, while the other balls' beats go on
    being seen. Index of that throw in ``flights`` (the reading's), or None.
    (In the sequence the drop cannot be told from a ball put away on purpose;
    both end that ball's part in the pattern.)
    """
    if not r.unit or not r.beats or (r.balls or 0) < 2:
        return None
    p = len(r.unit)
    idx = sorted(r.beats, key=lambda i: _t_beat(flights[i]))
    if len({r.beats[i] for i in idx}) < 8:
        return None
    # on a steady clock through the reading's beats (a doubled arc or a shifted
    # beat must not fill a beat that stayed empty)
    steady = _steady_beats(flights, r)
    if steady is None:
        return None
    beat = steady[0]
    seen = set(beat.values())
    lo, hi = min(seen), max(seen)
    rot = _rotation(r, beat, lo)

    def value(b: int) -> int:
        return r.unit[(b - lo + rot) % p]

    for i in idx:
        b0 = beat[i]
        if value(b0) <= 0:
            continue
        chain = _orbit(b0, hi, value)
        if len(chain) < LOST_MIN_BEATS or seen.intersection(chain):
            continue
        # a ball seen on few of its beats before (a dim one) says little by staying
        # unseen after (40 wide depth s0: one ball seen on 2 of its first 6 beats)
        before = [c for c in range(lo, b0) if value(c) > 0 and b0 in _orbit(c, b0, value)]
        shown = sum(c in seen for c in before)
        if before and shown < 0.5 * len(before):
            continue
        others = [b for b in range(b0 + 1, hi + 1) if value(b) > 0 and b not in chain]
        rate = sum(b in seen for b in others) / max(len(others), 1)
        # how often this ball's own throws were seen before: a shiny ball the depth
        # camera sees on 3 of its 5 throws misses three in a row often enough (3 wide
        # depth s13); a ball seen on all of them rarely does
        own = shown / len(before) if before else 1.0
        if rate >= 0.6 and (1 - min(rate, own)) ** len(chain) * len(idx) <= LOST_CHANCE:
            return i
    # A drop early on: the juggling after it is the longer part, so the reading is
    # already the pattern without that ball (3 reads 330). Its empty beats were
    # thrown on before the drop, and the last of those throws is the lost one.
    zeros = [b for b in range(lo, hi + 1) if value(b) == 0]
    filled = [b for b in zeros if b in seen]
    if len(filled) >= LOST_MIN_BEATS:
        rate = len(filled) / sum(b <= filled[-1] for b in zeros)
        empty = sum(b > filled[-1] for b in zeros)
        if (
            rate >= 0.6
            and empty >= LOST_MIN_BEATS
            and (1 - rate) ** empty * len(idx) <= LOST_CHANCE
        ):
            return max((i for i in idx if beat[i] == filled[-1]), key=lambda i: _t_beat(flights[i]))
    return None


LATE_MIN_THROWS = 3  # a ball learned late: its beats thrown on at least this often since
DROPPED_MIN_THROWS = 2  # a ball dropped early: its beats thrown on at least this often before


def late_ball_unit(flights: list[Flight], r: Reading, since: float) -> tuple[int, ...] | None:
    """The unit with a ball whose colour was learned only at ``since``.

    Before that its throws were not seen, so the reading over the whole clip has a
    0 on its beats (423 reads 420); after it, flights are thrown on exactly those
    beats. None unless some 0 of the unit was never thrown on before ``since``
    and since then at least three times, one value mostly, and the unit so
    filled is a valid siteswap (in its canonical rotation).
    """
    return _one_sided_ball_unit(flights, r, since, LATE_MIN_THROWS, after=True)


def dropped_ball_unit(flights: list[Flight], r: Reading, t_drop: float) -> tuple[int, ...] | None:
    """The unit before a drop early in the clip, read over the juggling after it.

    The juggler went on without the ball, longer than before the drop, so the
    whole clip reads a 0 on its beats (3 reads 330); before the drop flights
    were thrown on exactly those beats, and never after. As ``late_ball_unit``,
    the other way round in time (at least ``DROPPED_MIN_THROWS`` before).
    """
    return _one_sided_ball_unit(flights, r, t_drop, DROPPED_MIN_THROWS, after=False)


def _one_sided_ball_unit(
    flights: list[Flight], r: Reading, t: float, min_throws: int, *, after: bool
) -> tuple[int, ...] | None:
    """The unit with each 0 filled that was thrown on only after (before) ``t``:
    at least ``min_throws`` times, one value mostly, never on the other side.
    (A 0 can also be thrown on by a dropped throw, which has no value.)"""
    if not r.unit or 0 not in r.unit or not r.beats:
        return None
    p = len(r.unit)
    lo = min(r.beats.values())
    rot = _rotation(r, r.beats, lo)
    unit = list(r.unit)

    def side(i: int) -> bool:  # (the dropped throw itself is on the "before" side)
        tb = _t_beat(flights[i])
        return tb >= t if after else tb <= t

    for q, v in enumerate(r.unit):
        on = [i for i, b in r.beats.items() if (b - lo + rot) % p == q]
        got = [x for x in (r.values.get(i) for i in on if side(i)) if x]
        # (the dropped throw itself counts, though it has no value)
        thrown = len(got) + sum(side(i) and flights[i].dropped for i in on)
        if v != 0 or not got or thrown < min_throws or not all(side(i) for i in on):
            continue
        value, n = Counter(got).most_common(1)[0]
        if n >= 0.6 * len(got):
            unit[q] = value
    if unit == list(r.unit) or not is_valid(unit):
        return None
    return canonical_throws(unit)


MISSED_MIN_THROWS = 2  # a ball mostly missed: thrown on at least this many of its beats
MISSED_MIN_SHARE = 0.15  # ... and at least this share of them
MISSED_LATE = 0.25  # ... each this close to its beat on a steady clock (of a beat)


def _one_ball_refill(unit: list[int]) -> dict[int, int]:
    """The 0s of a unit that repeats a shorter pattern but for them, each with the
    value that pattern has there, when they are one ball's throws (their values
    add up to the unit's length): 633033 is 633 twice with one 6 missing, 515001
    51 three times with one ball's 5 and 1 missing. (300 as 3 would be two balls.)"""
    p = len(unit)
    for d in range(2, p // 2 + 1):
        if p % d:
            continue
        at: dict[int, int] = {}
        if any(v and at.setdefault(i % d, v) != v for i, v in enumerate(unit)) or len(at) < d:
            continue
        fill = {q: at[q % d] for q, v in enumerate(unit) if v == 0}
        if sum(fill.values()) == p:
            return fill
    return {}


def missed_ball_unit(flights: list[Flight], r: Reading) -> tuple[int, ...] | None:
    """The unit with a ball the camera mostly misses, read as a 0 (3 reads 330).

    A shiny ball in front of dark hair, or one whose colour hides in the room,
    is seen on a few of its throws only: its beats read 0 on most of the
    clip, yet now and then a flight of one value is thrown on them, on time
    and all through the clip. A real 0 (40, 55550) is an empty hand: nothing
    is thrown on it, though a beat counted twice can shift the reading's
    numbering of every later beat onto it, so the beats are re-counted on a
    steady clock (``_steady_beats``). A ball dropped unseen leaves its beats
    empty from the drop on: filled only while its empty beats at the end are
    as likely as those anywhere else. A ball never seen at all is filled where
    the unit repeats a shorter pattern but for its 0s (633033: 633 with the ball
    that throws every other 6 unseen; see ``_one_ball_refill``).
    """
    if not r.unit or 0 not in r.unit or len(r.beats) < 8:
        return None
    p = len(r.unit)
    steady = _steady_beats(flights, r)
    if steady is None:
        return None
    beat, off = steady
    on_time = {i for i, o in off.items() if o <= MISSED_LATE}
    lo, hi = min(beat.values()), max(beat.values())
    rot = _rotation(r, beat, lo)
    unit = list(r.unit)
    refill = _one_ball_refill(unit)
    for q, v in enumerate(r.unit):
        if v != 0:
            continue
        slots = [b for b in range(lo, hi + 1) if (b - lo + rot) % p == q]
        on = {
            b: r.values.get(i)
            for i, b in beat.items()
            if (b - lo + rot) % p == q and i in on_time and not flights[i].extra.get("wiggle")
        }
        seen = [x for x in on.values() if x]
        # a unit that is a shorter pattern over and over but for its 0s: they are a
        # ball never (or seldom) seen (its colour never learned, a shiny ball),
        # confined to its beats (633 read 633033 on wide depth s13 with one 6 seen
        # on 5 beats, on webcam s10 with none; 645045; 51 read 515001)
        if q in refill and (not seen or Counter(seen).most_common(1)[0][0] == refill[q]):
            unit[q] = refill[q]
            continue
        if not seen:
            continue
        value, n = Counter(seen).most_common(1)[0]
        hits = [b for b, x in on.items() if x == value]
        share = n / len(slots)
        tail = sum(b > max(hits) for b in slots)
        if n < MISSED_MIN_THROWS or share < MISSED_MIN_SHARE or (1 - share) ** tail < LOST_CHANCE:
            continue
        unit[q] = value
    if unit == list(r.unit) or not is_valid(unit):
        return None
    return canonical_throws(unit)


def hand_level_endpoints(flights: list[Flight], q: float = 90) -> None:
    """Where each arc meets the hands' level: extrapolated throw and catch moments.

    Arc ends are the least reliable samples (the ball is among hands and other
    balls); the apex and the parabola are not. The level used for timing is the
    low tail of all observed arc ends (``q``: 75th percentile of image y where
    tracks include the held phases, as annotated ones do; 90th where detection
    loses the ball near the hands and arcs are cut above them).
    """
    if not flights:
        return
    ends = [f.throw_xy[1] for f in flights] + [f.catch_xy[1] for f in flights]
    level = float(np.percentile(ends, q))
    for f in flights:
        g = f.accel_px
        drop = level - f.apex_xy[1]
        half = float(np.sqrt(2 * drop / g)) if drop > 0 and g > 0 else 0.0
        dur = max(f.t_catch - f.t_throw, 1e-3)
        vx = (f.catch_xy[0] - f.throw_xy[0]) / dur
        tb = min(f.t_throw, f.t_apex - half)
        tl = f.t_catch if f.open_end or f.dropped else max(f.t_catch, f.t_apex + half)
        f.t_beat, f.t_land = tb, tl
        f.x_beat = f.apex_xy[0] - vx * (f.t_apex - tb)
        f.x_land = f.apex_xy[0] + vx * (tl - f.t_apex)


def dedupe_flights(flights: list[Flight], scale: Scale) -> list[Flight]:
    """One arc seen twice (two track fragments of one ball) counts once: same apex
    moment and place (within 0.1 s and 10 cm), or, for arcs whose apex was out of
    sight and only extrapolated, the same release (within two frames and 10 cm)
    and landing moment; the longer observation wins. Two balls never leave one
    place at one moment (a sync throw leaves from both hands)."""
    if not scale.px_per_m:
        return flights
    near = 0.1 * scale.px_per_m

    def same(f: Flight, o: Flight) -> bool:
        # an apex above the picture is extrapolated from a few samples: two
        # fragments of one high throw put it at heights a third apart
        both_above = f.apex_xy[1] < 0 and o.apex_xy[1] < 0
        near_y = max(near, -0.5 * min(f.apex_xy[1], o.apex_xy[1])) if both_above else near
        if (
            abs(f.t_apex - o.t_apex) < 0.1
            and abs(f.apex_xy[0] - o.apex_xy[0]) < near
            and abs(f.apex_xy[1] - o.apex_xy[1]) < near_y
        ):
            return True
        return (
            abs(f.t_throw - o.t_throw) <= 0.07
            and abs(f.t_catch - o.t_catch) <= 0.15
            and float(np.hypot(f.throw_xy[0] - o.throw_xy[0], f.throw_xy[1] - o.throw_xy[1])) < near
        )

    def same_hidden(f: Flight, o: Flight) -> bool:
        # one track's two arcs over one hidden apex are one flight, however far
        # apart their extrapolated apexes (71 nfov colour s10: 52 px sideways)
        return (
            f.apex_xy[1] < 0
            and o.apex_xy[1] < 0
            and abs(f.t_apex - o.t_apex) < 0.1
            and min(abs(f.t_throw - o.t_throw), abs(f.t_catch - o.t_catch)) <= 0.07
        )

    # a track's own arc over a hidden apex outranks a stitch of that track's halves
    # (the stitch may have taken a sample of the hand or of the next flight)
    own = [f for f in flights if "stitched" not in f.extra]
    flights = [
        f
        for f in flights
        if "stitched" not in f.extra
        or not any(
            o.ball in (f.ball, f.extra["stitched"]) and (same(f, o) or same_hidden(f, o))
            for o in own
        )
    ]
    out: list[Flight] = []
    for f in sorted(flights, key=lambda f: -f.duration):
        k = next((k for k, o in enumerate(out) if same(f, o)), None)
        if k is None:
            out.append(f)
        else:
            out[k] = _union(out[k], f)
    return sorted(out, key=lambda f: f.t_throw)


UNION_S = 0.05  # a fragment's end counts when it saw the ball this much longer


def _union(o: Flight, f: Flight) -> Flight:
    """One arc seen as two fragments: the longer one (``o``), with the throw or the
    catch of the other where that saw it earlier or later.

    A ball whose track broke at the apex (a second detection of it there started
    another track) gave a rising fragment and a falling one that began with that
    stray sample: the longer, falling one won, with a "throw" at the apex, and
    was then dropped as a hand's scoop (4 narrow colour s9 lost a 4 this way).
    """
    if f.t_throw < o.t_throw - UNION_S:
        o = replace(
            o,
            t_throw=f.t_throw,
            throw_xy=f.throw_xy,
            frame_throw=f.frame_throw,
            rise_px=f.throw_xy[1] - o.apex_xy[1],
            extra={**o.extra, "joined": f.ball},
        )
    if f.t_catch > o.t_catch + UNION_S:
        o = replace(
            o,
            t_catch=f.t_catch,
            catch_xy=f.catch_xy,
            frame_catch=f.frame_catch,
            open_end=f.open_end,
            extra={**o.extra, "joined": f.ball},
        )
    return o


def _two_means(x: np.ndarray) -> tuple[float, float, float]:
    """Best 1-D split into two groups: (mean_lo, mean_hi, separation in pooled std)."""
    xs = np.sort(x)
    n = len(xs)
    if n < 4:
        m = float(np.mean(xs)) if n else 0.0
        return m, m, 0.0
    # within-group sum of squares of every split from prefix sums (one pass, not n)
    c1 = np.cumsum(xs)
    c2 = np.cumsum(xs * xs)
    k = np.arange(1, n)
    left = c2[:-1] - c1[:-1] ** 2 / k
    right = (c2[-1] - c2[:-1]) - (c1[-1] - c1[:-1]) ** 2 / (n - k)
    cost = np.maximum(left + right, 0.0)
    j = int(np.argmin(cost))  # first minimum, as the loop it replaces
    k = j + 1
    a, b = xs[:k], xs[k:]
    pooled = np.sqrt(cost[j] / n) + 1e-9
    return float(a.mean()), float(b.mean()), float((b.mean() - a.mean()) / pooled)


def grid_period(t: np.ndarray, lo: float = 0.08, hi: float = 1.0) -> float | None:
    """Beat period of throw times: an approximate GCD of consecutive intervals.

    The coarsest period that puts (nearly) every interval on a whole number of
    beats; near-simultaneous detections (interval ~0) do not count.
    """
    if len(t) < 3:
        return None
    d = np.diff(np.sort(t))
    d = d[d > 0.04]
    if len(d) < 2:
        return None
    med = float(np.median(d))
    taus = np.geomspace(lo, min(hi, 1.25 * med), 300)
    best_tau, best_err = None, np.inf
    for tau in taus[::-1]:  # coarsest first
        r = d / tau
        k = np.maximum(1, np.round(r))
        err = float(np.sqrt(np.mean(((r - k) / np.maximum(1.0, k) ** 0.5) ** 2)))
        if err <= 0.12:
            return float(tau)
        if err < best_err:
            best_tau, best_err = float(tau), err
    return best_tau


# a throw (or an interval between throws) this far off whole beats, of a beat, sets
# no period or clock: a fragment, a low 1 timed early
OFF_BEAT = 0.3


def refine_period(t: np.ndarray, tau: float | None) -> float | None:
    """Least-squares period of the intervals, each a whole number of beats of ~tau.

    ``grid_period`` accepts the coarsest period within a tolerance, which can be
    10 % off; fitting every interval to its whole number of beats is not.
    """
    if tau is None:
        return None
    d = np.diff(np.sort(t))
    d = d[d > 0.04]
    for _ in range(3):
        # an interval of no whole beat is a stray flight between two beats (a hand's
        # scoop, a fragment): counted as one beat it pulled a 300 clock 10 % short.
        # Nor do intervals far off whole beats count (a low 1 whose throw time is
        # 0.2 s early: 0.46 s counted as two beats of 0.29 pulled a 531 clock 3 %
        # short, a beat over 10 s)
        r = d / tau
        k = np.round(r)
        ok = k >= 1
        if not ok.any():
            break
        on = ok & (np.abs(r - k) <= OFF_BEAT)
        if on.sum() >= max(3, 0.5 * ok.sum()):
            ok = on
        tau = float(np.sum(d[ok] * k[ok]) / np.sum(k[ok] * k[ok]))
    return tau


def median_period(t: np.ndarray, tau: float) -> float:
    """Median period of the intervals, each a whole number of beats of ~tau.

    Unlike ``refine_period`` (least squares, every interval at least one beat),
    a stray flight's short interval (rounding to 0 beats) is left out and one
    odd interval does not pull the period: counting 30 beats needs it to ~1 %.
    """
    d = np.diff(np.sort(t))
    for _ in range(2):
        k = np.round(d / tau)
        ok = k >= 1
        if ok.sum() >= 3:
            tau = float(np.median(d[ok] / k[ok]))
    return tau


@dataclass
class BeatGrid:
    """Integer beats of the throws; each hand keeps its own clock (even/odd beats)."""

    beats: np.ndarray  # integer beat per flight (same order as flights)
    tau: float  # mean beat period, s
    two_handed: bool
    anchors: dict  # parity -> (beats, times) of that hand's throws
    hand_of_parity: dict = field(default_factory=dict)  # parity -> "left"/"right"

    def slot_time(self, m: int) -> float:
        """When beat m happens: on the clock of the hand that owns it."""
        p = m % 2
        if p not in self.anchors:
            p = 1 - p
            m = m - 1
        am, at = self.anchors[p]
        if len(am) == 1:
            return float(at[0] + (m - am[0]) * self.tau)
        if m <= am[0]:
            return float(at[0] + (m - am[0]) * self.tau)
        if m >= am[-1]:
            return float(at[-1] + (m - am[-1]) * self.tau)
        return float(np.interp(m, am, at))


def _side(x: float, mid: float) -> str:
    # The camera faces the juggler: their right hand appears on the image left.
    return "right" if x < mid else "left"


def local_midline(t: np.ndarray, x: np.ndarray, fallback: float, half_s: float = 2.5) -> np.ndarray:
    """The line between the two hands near each throw (jugglers sway and walk)."""
    mid = np.full(len(t), fallback, dtype=np.float64)
    for k in range(len(t)):
        sel = np.abs(t - t[k]) <= half_s
        if sel.sum() >= 6:
            lo, hi, _ = _two_means(x[sel])
            if hi > lo:
                mid[k] = 0.5 * (lo + hi)
    return mid


def hand_positions(flights: list[Flight], use_identity: bool = True) -> np.ndarray:
    """Where the throwing hand is: throw point, averaged with the ball's last catch
    when ball identities are trustworthy (annotated tracks)."""
    last_catch: dict[int, float] = {}
    hx = np.empty(len(flights))
    for k, f in enumerate(flights):
        c = last_catch.get(f.ball)
        xb = f.x_beat if f.x_beat is not None else f.throw_xy[0]
        hx[k] = xb if c is None or not use_identity else 0.5 * (xb + c)
        last_catch[f.ball] = f.x_land if f.x_land is not None else f.catch_xy[0]
    return hx


def build_beat_grid(
    flights: list[Flight], min_sep_px: float = 0.0, use_identity: bool = True
) -> tuple[BeatGrid | None, np.ndarray | None]:
    """Put every throw on an integer beat. Returns (grid, midline_x or None).

    Async juggling alternates hands beat by beat, but real rhythms are uneven
    (a shower's pass follows its high throw almost at once), so beats come
    from the hand sequence, not from a global metronome: two throws in a row
    from one hand have the other hand's (empty or holding) beat between them,
    and each hand's own cycle time tells how many of its beats were skipped.
    """
    if len(flights) < 3:
        return None, None
    t = np.array([f.t_beat if f.t_beat is not None else f.t_throw for f in flights])
    hx = hand_positions(flights, use_identity)
    lo_m, hi_m, sep = _two_means(hx)
    mid = local_midline(t, hx, 0.5 * (lo_m + hi_m))
    side = (hx >= mid).astype(int)
    frac = float(np.mean(side))
    two = sep >= 3.0 and 0.15 <= frac <= 0.85 and (hi_m - lo_m) >= min_sep_px
    if not two:
        side = np.zeros(len(t), dtype=int)
    # consecutive throws: +1 beat when the hand changes, +2 when it does not,
    # more only when the pause is far longer than usual (missed throws)
    dt = np.diff(t)
    typ = float(np.median(dt[dt > 0.06])) if (dt > 0.06).any() else 0.0
    if typ <= 0:
        return None, None
    m = np.zeros(len(t), dtype=int)
    for k in range(1, len(t)):
        par = int(side[k] != side[k - 1])
        base = 1 if par else 2
        r = dt[k - 1] / typ
        step = base
        while step + 2 <= r + 0.5 * base:
            step += 2
        m[k] = m[k - 1] + step
    anchors = {}
    for p in (0, 1):
        sel = m % 2 == p
        if sel.any():
            um = np.unique(m[sel])
            anchors[p] = (um, np.array([np.median(t[m == b]) for b in um]))
    hop = {}
    if two:
        for p in (0, 1):
            if p in anchors:
                sel = m % 2 == p
                hop[p] = "right" if np.mean(hx[sel] < mid[sel]) >= 0.5 else "left"
        if len(set(hop.values())) < 2:
            hop = {0: "right", 1: "left"}
    else:
        hand = "right"
        hop = {0: hand, 1: "left"}
    tau = float((t[-1] - t[0]) / max(1, m[-1] - m[0]))
    grid = BeatGrid(beats=m, tau=tau, two_handed=two, anchors=anchors, hand_of_parity=hop)
    return grid, (mid if two else None)


def build_metronome_grid(flights: list[Flight], mid: np.ndarray | None) -> BeatGrid | None:
    """Beats from a steady clock (approximate GCD of the throw intervals).

    The hand-sequence grid breaks when throws are missed (a low 1 hidden by the
    hands); a steady juggler's clock does not. Each parity of the clock is the
    hand that throws on it most often.
    """
    if len(flights) < 4:
        return None
    t = np.array([f.t_beat if f.t_beat is not None else f.t_throw for f in flights])
    tau = grid_period(t)
    if tau is None:
        return None
    m = np.round((t - t[0]) / tau).astype(int)
    for _ in range(2):  # follow slow tempo drift
        if m[-1] > m[0]:
            a, b = np.polyfit(m, t, 1)
            tau = float(a)
            m = np.round((t - b) / tau).astype(int)
    m -= m.min()
    anchors = {}
    for p in (0, 1):
        sel = m % 2 == p
        if sel.any():
            um = np.unique(m[sel])
            anchors[p] = (um, np.array([np.median(t[m == k]) for k in um]))
    hop = {0: "right", 1: "left"}
    if mid is not None:
        hx = np.array([f.x_beat if f.x_beat is not None else f.throw_xy[0] for f in flights])
        r0 = np.mean(hx[m % 2 == 0] < mid[m % 2 == 0]) if (m % 2 == 0).any() else 0.5
        hop = {0: "right", 1: "left"} if r0 >= 0.5 else {0: "left", 1: "right"}
    return BeatGrid(
        beats=m, tau=tau, two_handed=mid is not None, anchors=anchors, hand_of_parity=hop
    )


def throw_values(flights: list[Flight], grid: BeatGrid, mid: np.ndarray | None) -> list[int | None]:
    """Siteswap value of each flight from its catch time and catching hand."""
    vals: list[int | None] = []
    for k, (f, b) in enumerate(zip(flights, grid.beats, strict=True)):
        if f.dropped or f.open_end:
            vals.append(None)
            continue
        if mid is None:
            crossing = False
        else:
            xb = f.x_beat if f.x_beat is not None else f.throw_xy[0]
            xl = f.x_land if f.x_land is not None else f.catch_xy[0]
            crossing = _side(xb, mid[k]) != _side(xl, mid[k])
        n = 1 if crossing else 2
        limit = (f.t_land if f.t_land is not None else f.t_catch) + 0.05 * grid.tau
        while grid.slot_time(b + n) <= limit and n < 16:
            n += 2
        vals.append(n if n < 16 else None)  # longer than any real throw: a tracking error
    return vals


def beat_sequence(flights: list[Flight], grid: BeatGrid, vals: list[int | None]) -> list[int]:
    """Value on every beat from the first to the last throw (2 = held, 0 = empty)."""
    m0, m1 = int(grid.beats.min()), int(grid.beats.max())
    by_beat: dict[int, tuple[int, float]] = {}
    for f, b, v in zip(flights, grid.beats, vals, strict=True):
        if v is None:
            continue
        if b not in by_beat or f.rise_px > by_beat[b][1]:
            by_beat[int(b)] = (v, f.rise_px)
    arrivals: Counter = Counter()
    seq = []
    for b in range(m0, m1 + 1):
        if b in by_beat:
            v = by_beat[b][0]
        elif arrivals[b] > 0:
            v = 2
        else:
            v = 0
        if v > 0:
            arrivals[b + v] += 1
        seq.append(v)
    return seq


def _complete(unit: list[int | None], max_value: int = 9) -> tuple[int, ...] | None:
    """Fill unseen beats (None) so the unit is a valid siteswap: the lowest throws
    that work (a throw we could not see is a low one: a 1, a held 2)."""
    holes = [i for i, v in enumerate(unit) if v is None]
    if not holes:
        return tuple(unit)  # type: ignore[arg-type]
    if len(holes) > 3:
        return None
    best = None
    for vals in product(range(1, max_value + 1), repeat=len(holes)):
        u = list(unit)
        for i, v in zip(holes, vals, strict=True):
            u[i] = v
        if sum(u) % len(u) == 0 and is_valid(u):  # type: ignore[arg-type]
            key = (sum(vals), vals)
            if best is None or key < best[0]:
                best = (key, tuple(u))
    return best[1] if best else None  # type: ignore[return-value]


def _period_in(core: list, max_period: int) -> tuple[tuple[int, ...] | None, float]:
    """Best unit of a window; None entries are unseen throws: they do not vote, and
    count against a unit that puts a high (visible) throw on their beat. An empty
    beat where the unit has an empty hand weighs half a seen throw: a clock twice
    as fine as the pattern's finds every beat in between empty (31 wide depth s12,
    its 1s mostly missed, read 5300 at half its beat)."""
    known = sum(v is not None for v in core)
    if known < 0.5 * len(core) or known == 0:
        return None, 0.0
    results = []
    for p in range(1, min(max_period, len(core) // 3) + 1):  # each beat seen 3+ times
        unit: list[int | None] = []
        hits = 0
        empty = 0  # empty beats where the unit has an empty hand (half the evidence)
        unseen: list[int] = []  # per beat of the unit: its turns no throw was seen on
        for r in range(p):
            counts: dict[int, int] = {}
            col = core[r::p]
            for v in col:
                if v is not None:
                    counts[v] = counts.get(v, 0) + 1
            unseen.append(len(col) - sum(counts.values()))
            # a beat mostly unseen stays unseen: one stray flight does not name it
            if counts and 3 * sum(counts.values()) >= len(col):
                val = max(counts, key=counts.__getitem__)  # first seen wins ties
                unit.append(val)
                if val == 0:
                    empty += counts[val]
                else:
                    hits += counts[val]
            else:
                unit.append(None)
        full = _complete(unit)
        if full is None:
            continue
        # a beat whose value is a throw high enough to be seen pays for its unseen
        # turns, whether a seen value named it or the completion did (otherwise a
        # window without the seen 6s of a 633 read 3 on them for free: 633 Kinect v1
        # s11, 3 at 0.91 in a window, 633 at 0.81 over the whole)
        missed = sum(u for u, w in zip(unseen, full, strict=True) if w >= 3)
        agree = (hits + 0.5 * empty) / (known - 0.5 * empty + missed)
        if sum(full) > 0 and sum(full) % p == 0 and is_valid(full):
            results.append((p, full, agree))
    if not results:
        return None, 0.0
    best = max(a for _, _, a in results)
    for _p, unit_, a in results:  # shortest that is nearly as good as the best
        if a >= best - 0.04:
            return canonical_throws(unit_), a
    return None, 0.0


def find_period(seq: list, max_period: int = 9) -> tuple[tuple[int, ...] | None, float]:
    """Shortest valid repeating unit of a noisy beat sequence (see ``_find_period``)."""
    return _find_period(tuple(seq), max_period)


@lru_cache(maxsize=4096)
def _find_period(seq: tuple, max_period: int = 9) -> tuple[tuple[int, ...] | None, float]:
    """Shortest valid repeating unit of a noisy beat sequence, with its agreement.

    Jugglers start and stop a pattern (and sometimes start with something else),
    so besides the whole sequence, windows without up to a quarter at either end
    are tried; the window where the pattern repeats best wins (ties: the longest).
    """
    s = list(seq)
    trim = min(3, len(s) // 6)
    core = s[trim : len(s) - trim] if len(s) - 2 * trim >= 6 else s
    if len(core) < 3:
        return None, 0.0
    n = len(core)
    unit, agree = _period_in(core, max_period)
    if agree >= 0.9 or n < 16:
        return (unit, agree) if unit is not None else (None, 0.0)
    best: tuple[float, int, tuple[int, ...] | None] = (agree, n, unit)
    cuts = sorted({0, n // 8, n // 4})
    for a in cuts:
        for b in cuts:
            if a == b == 0:
                continue
            win = core[a : n - b]
            unit, agree = _period_in(win, max_period)
            if unit is not None and (agree, len(win)) > best[:2]:
                best = (agree, len(win), unit)
    return (best[2], best[0]) if best[2] is not None else (None, 0.0)


def gap_sequence(flights: list[Flight]) -> list[int]:
    """Siteswap from ball identities alone: flights until the same ball flies again.

    Exact for patterns where every beat is a throw (3, 531, 441, 744...), robust
    to uneven rhythm; needs identities that survive the hands (annotated tracks).
    """
    ids = [f.ball for f in flights]
    nxt: dict[int, int] = {}
    gaps = [0] * len(ids)
    for k in range(len(ids) - 1, -1, -1):
        gaps[k] = nxt[ids[k]] - k if ids[k] in nxt else -1
        nxt[ids[k]] = k
    return [g for g in gaps if g > 0]


# ----------------------------------------------------------------------------- readings
# A "reading" of the throws: a beat period, an integer beat for every throw and a
# throw value for every beat. Several readings fit the same throw times (the beat
# could be half the interval between seen throws, a low pass may be hidden), so
# candidates are scored by physics: the siteswap must repeat, its average must be
# the number of balls, and the hands must hold each ball for a plausible part of
# the beat (the dwell, about 1-1.5 beats: Juggling Lab uses 1.3).

DWELL_PRIOR = 1.25  # beats a hand holds a ball before throwing it again (typical)
# async: a hand must throw before its next catch, 2 beats on; flights are measured
# between the arcs' crossings of the hands' level, which sits a little above the
# real release where arcs are lost among the hands, so the apparent dwell runs longer
DWELL_RANGE = (0.2, 2.6)
# Cascades throw from near the middle: the two hands' throw points are only
# 8-20 cm apart in the real recordings; one hand's own throws scatter ~5 cm.
HAND_APART_M = 0.07
# Beats per second of human juggling: Juggling Lab's defaults go from 2 (no throws
# above 2) to 5.5 (9 balls and more); a beat shorter than 0.15 s or longer than
# 0.8 s is a wrong reading of the rhythm.
BEAT_RANGE_S = (0.15, 0.8)
# A rough count (balls seen flying at once plus one in a hand) leans the choice
# between readings that fit equally (a ball never detected makes 3 look like 330).
# a reading whose beats miss the clock by more than TIMING_SLACK beats (rms) pays
# TIMING_WEIGHT per beat: an uneven rhythm (a held 2 taking no time) stays within it
TIMING_SLACK = 0.3
TIMING_WEIGHT = 0.3
COUNT_HINT_WEIGHT = 0.15
FLOOR_BELOW_HANDS_M = 0.45  # an arc that ends this far below the hands: on the floor
FELL_TO_FLOOR_M = 0.7  # a ball followed falling on past its catch this far below them
DROP_PAST_HANDS_M = 0.15  # a ball last seen this far below the hands, falling out: dropped
OCCAM_PER_BEAT = 0.01  # between readings that explain the flights as well: the shorter unit
CLOCK_SHIFT = 0.01  # beats whose period is this far off the unit's are re-clocked
RECLOCK_WORSE = 3.0  # ... unless the new clock keeps time this many times worse
CLOCK_COUNT_AGREE = 0.8  # seen values that must follow the unit on a re-fitted clock
LATER_RISE_SHARE = 0.4  # after a drop, a flight on the lost ball's beat rose this share of the rest
CATCH_APART_M = 0.2  # hands catch wide: two catching hands are 20+ cm apart
MIN_HAND_SHARE = 0.15  # each of two catching hands takes at least this share of catches
SCOOP_M = 0.22  # one hand throws and catches at most this far apart
DWELLS = np.arange(0.3, 2.65, 0.1)  # dwell guesses (beats) that set n = flight / tau + dwell


@dataclass
class Reading:
    """One interpretation of the flights as a siteswap."""

    unit: tuple[int, ...] | None
    agree: float
    tau: float
    dwell: float  # implied dwell in beats (catch to next throw of that ball)
    beats: dict  # flight index -> beat
    values: dict  # flight index -> throw value
    score: float = 0.0
    unexplained: float = 0.0  # share of seen passes the reading has no unseen throw for
    source: str = ""  # which beat assignment
    hand_agree: float | None = None  # beat parity vs the side each throw starts from
    cross_agree: float | None = None  # throw/catch sides vs the hands of the beats
    line: list = field(default_factory=list)  # value per beat (None: unseen throw)

    @property
    def balls(self) -> int | None:
        return sum(self.unit) // len(self.unit) if self.unit else None


def pass_mask(flights: list[Flight]) -> np.ndarray:
    """Low hand-to-hand passes (1s, tossed 2s) among much higher throws.

    Their timing is the least regular of all throws (a shower's 1 leaves as soon
    as the ball arrives, almost a beat early), so beats come from the real
    throws and a pass is read from the ball's identity instead. Passes are the
    flights below a clear gap in height (the next flight at least twice as high)
    that all stay within ~30 cm of the hands.
    """
    h = np.array([f.height_m if f.height_m is not None else np.nan for f in flights])
    out = np.zeros(len(flights), dtype=bool)
    if len(h) < 6 or not np.isfinite(h).all():
        return out
    hs = np.sort(np.maximum(h, 0.01))
    best, cut = 2.0, None
    for k in range(1, int(0.6 * len(hs)) + 1):
        if hs[k - 1] >= 0.3:
            break
        if hs[k] / hs[k - 1] >= best:
            best, cut = hs[k] / hs[k - 1], 0.5 * (hs[k - 1] + hs[k])
    return h < cut if cut is not None else out


def base_period(t: np.ndarray, tol: float = 0.25, share: float = 0.8) -> float | None:
    """The coarsest beat period that puts most throw intervals on whole beats.

    Real rhythms are uneven (a 1 or a held 2 shifts its neighbours), so it is
    enough that ``share`` of the intervals are within ``tol`` beats of a whole
    number; the answer is then least-squares refined.
    """
    d = np.diff(np.sort(t))
    d = d[d > 0.04]
    if len(d) < 3:
        return None

    def on_beats(tau: float) -> float:
        r = d / tau
        return float(((np.abs(r - np.round(r)) <= tol) & (np.round(r) >= 1)).mean())

    taus = np.geomspace(min(1.2, 1.1 * float(np.max(d))), 0.1, 400)
    for i, tau in enumerate(taus):
        if on_beats(tau) >= share:
            # the coarsest period that passes can still be a loose one: throws 1.04 s
            # apart pass at 1.2 s, each 15 % off, while a gap of four beats fails (a
            # 300 read on a 0.42 s clock). Within 30 % below it, the coarsest period
            # that puts the most intervals on whole beats.
            band = [float(x) for x in taus[i:] if x >= tau / 1.3]
            score = [on_beats(x) for x in band]
            return refine_period(t, band[score.index(max(score))])
    return None


def sides_from_travel(flights: list[Flight], idx: list[int]) -> np.ndarray:
    """Throwing hand (0 = image left) of each flight, if every throw crossed.

    Odd throws (3, 5, 1) land in the other hand, so the direction a ball flies
    tells which hand threw it even when both hands throw from the middle.
    """
    out = np.zeros(len(idx), dtype=int)
    for j, i in enumerate(idx):
        f = flights[i]
        xb = f.x_beat if f.x_beat is not None else f.throw_xy[0]
        xl = f.x_land if f.x_land is not None else f.catch_xy[0]
        out[j] = 0 if xl >= xb else 1
    return out


def sides_from_position(
    flights: list[Flight], idx: list[int], min_sep_px: float = 0.0
) -> np.ndarray | None:
    """Throwing hand from where the throw starts (two clusters of throw points,
    clearly apart and at least ``min_sep_px``: one hand's throws scatter too)."""
    x = np.array([_x_beat(flights[i]) for i in idx])
    lo, hi, sep = _two_means(x)
    if sep < 3.0 or hi - lo < min_sep_px:
        return None
    share = float(np.mean(x >= 0.5 * (lo + hi)))
    if not 0.2 <= share <= 0.8:  # a few stray throw points are not a second hand
        return None
    return (x >= 0.5 * (lo + hi)).astype(int)


def _period_of_intervals(d: np.ndarray, tol: float = 0.25, share: float = 0.8) -> float | None:
    """Coarsest period with ``share`` of the intervals within ``tol`` of whole multiples."""
    d = d[d > 0.04]
    if len(d) < 2:
        return None
    for tau in np.geomspace(min(2.4, 1.1 * float(np.max(d))), 0.1, 400):
        r = d / tau
        ok = (np.abs(r - np.round(r)) <= tol) & (np.round(r) >= 1)
        if ok.mean() >= share:
            for _ in range(3):
                k = np.maximum(1, np.round(d / tau))
                tau = float(np.sum(d * k) / np.sum(k * k))
            return tau
    return None


def beats_from_sides(t: np.ndarray, side: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Beats from the hand sequence: (beats, beat period).

    Async juggling alternates hands every beat, so each hand throws on every
    other beat, and a hand keeps its own steady clock even when the rhythm
    between the hands is uneven (a held 2, a quick 1). A throw sits a whole
    number of hand cycles after that hand's previous throw, and always after
    the throw before it.
    """
    d = np.concatenate([np.diff(t[side == s]) for s in (0, 1) if (side == s).sum() > 1] or [[]])
    cycle = _period_of_intervals(np.asarray(d, dtype=float))
    if cycle is None:
        return None
    m = np.zeros(len(t), dtype=int)
    last: dict[int, tuple[int, float]] = {int(side[0]): (0, float(t[0]))}
    for k in range(1, len(t)):
        s_ = int(side[k])
        if s_ in last:
            mb, tb = last[s_]
            cand = mb + 2 * max(1, int(round((t[k] - tb) / cycle)))
        else:
            cand = m[k - 1] + 1
        while cand <= m[k - 1]:
            cand += 2
        m[k] = cand
        last[s_] = (cand, float(t[k]))
    return m, cycle / 2.0


def assign_beats(t: np.ndarray, tau: float) -> np.ndarray:
    """Integer beat of each (sorted) throw time on a steady clock of period ~tau.

    The clock may drift slowly (real jugglers speed up and slow down): beat
    times are a low-order polynomial of the beat index, refitted twice. Two
    throws on one beat (async: at most one throw per beat) move one of them to a
    free neighbouring beat when there is one.
    """
    m = np.round((t - t[0]) / tau).astype(int)
    for deg in (1, 2):
        if len(np.unique(m)) <= deg + 2:
            break
        c = np.polyfit(m, t, deg)
        grid_m = np.arange(m.min() - 2, m.max() + 3)
        gt = np.polyval(c, grid_m)
        m = grid_m[np.argmin(np.abs(t[:, None] - gt[None, :]), axis=1)]
    c = np.polyfit(m, t, 1) if len(np.unique(m)) >= 2 else np.array([tau, t[0]])
    pos = (t - c[1]) / max(c[0], 1e-6)  # fractional beat of each throw
    m = m.astype(int).copy()
    n = len(m)
    for k in range(1, n):
        if m[k] != m[k - 1]:
            continue
        # two throws on one beat: move one to a free neighbouring beat if it leans
        # that way; never push the rest of the sequence (a stray flight would
        # shift every later beat)
        nxt_free = k + 1 >= n or m[k + 1] > m[k] + 1
        prv_free = k < 2 or m[k - 2] < m[k - 1] - 1
        late = pos[k] - m[k]
        early = m[k - 1] - pos[k - 1]
        if nxt_free and late >= early and late > 0:
            m[k] += 1
        elif prv_free and early > 0:
            m[k - 1] -= 1
        elif nxt_free:
            m[k] += 1
    return m


def _implied_dwell(dur_beats: list[float], vals: list[int]) -> float | None:
    d = [v - x for v, x in zip(vals, dur_beats, strict=True) if v >= 3]
    if not d:
        d = [v - x for v, x in zip(vals, dur_beats, strict=True)]
    return float(np.median(d)) if d else None


def identity_reading(
    flights: list[Flight], tall: list[int], m: np.ndarray, tau: float, dwell: float
) -> Reading | None:
    """Read the siteswap from ball identities on a beat grid (annotated tracks).

    A throw of value n is thrown again n beats later, so each ball's next seen
    throw gives the value directly, unless the flight was far shorter than that
    gap: then the ball made an unseen throw on landing (a pass, a held 2) whose
    value is the rest of the gap.
    """
    if len(tall) < 4:
        return None
    beat = dict(zip(tall, [int(v) for v in m], strict=True))
    by_ball: dict[int, list[int]] = {}
    for i in tall:
        by_ball.setdefault(flights[i].ball, []).append(i)
    seq: dict[int, int] = {}
    vals: dict[int, int] = {}
    hidden: dict[int, int] = {}
    direct_x: list[float] = []
    direct_v: list[int] = []
    hidden_after: set[int] = set()
    for idx in by_ball.values():
        for a, b in zip(idx, idx[1:] + [None], strict=True):
            f = flights[a]
            x = _duration(f) / tau
            est = max(1, int(round(x + dwell)))
            if b is None:
                if f.open_end or f.dropped:
                    continue
                vals[a] = est
                continue
            gap = beat[b] - beat[a]
            if gap <= 0:
                continue
            if est < gap:  # landed well before its next throw: an unseen throw in between
                vals[a] = est
                hidden[beat[a] + est] = gap - est
                hidden_after.add(a)
            else:
                vals[a] = gap
                direct_x.append(x)
                direct_v.append(gap)
    for a, v in vals.items():
        seq[beat[a]] = v
    for b, v in hidden.items():
        seq.setdefault(b, v)
    if not seq:
        return None
    lo, hi = min(beat.values()), max(beat.values())
    line = [seq.get(b, 0) for b in range(lo, hi + 1)]
    unit, agree = find_period(line)
    d = _implied_dwell(direct_x, direct_v)
    # a seen pass must be one of the reading's unseen throws: its ball must have
    # landed well before that ball's next real throw
    tall_set = set(tall)
    bad = n_pass = 0
    for i, f in enumerate(flights):
        if i in tall_set:
            continue
        before = [a for a in by_ball.get(f.ball, []) if _t_beat(flights[a]) < _t_beat(f)]
        after = [a for a in by_ball.get(f.ball, []) if _t_beat(flights[a]) > _t_beat(f)]
        if not before or not after:
            continue
        n_pass += 1
        bad += before[-1] not in hidden_after
    r = Reading(unit, agree, tau, d if d is not None else dwell, beat, vals)
    r.line = line
    r.unexplained = bad / n_pass if n_pass else 0.0
    return r


def _x_beat(f: Flight) -> float:
    return f.x_beat if f.x_beat is not None else f.throw_xy[0]


def _t_beat(f: Flight) -> float:
    return f.t_beat if f.t_beat is not None else f.t_throw


def _duration(f: Flight) -> float:
    t0 = _t_beat(f)
    t1 = f.t_land if f.t_land is not None else f.t_catch
    return max(t1 - t0, 0.0)


def score_reading(r: Reading, balls: int | None) -> float:
    """Periodic agreement, minus implausible dwell; -inf when physics says no."""
    if r.unit is None or r.agree < 0.6:
        return -np.inf
    if balls is not None and r.balls != balls:
        return -np.inf
    if not DWELL_RANGE[0] <= r.dwell <= DWELL_RANGE[1]:
        return -np.inf
    if not BEAT_RANGE_S[0] <= r.tau <= BEAT_RANGE_S[1]:
        return -np.inf
    hand = 0.0 if r.hand_agree is None else 1.0 - r.hand_agree
    hand += 0.0 if r.cross_agree is None else 1.0 - r.cross_agree
    # Occam: a finer beat always fits, at the price of empty beats (zeros)
    empty = r.unit.count(0) / len(r.unit)
    longer = OCCAM_PER_BEAT * (len(r.unit) - 1)
    return (
        r.agree
        - 0.3 * abs(r.dwell - DWELL_PRIOR)
        - 0.5 * r.unexplained
        - hand
        - 0.2 * empty
        - longer
    )


def beat_candidates(
    flights: list[Flight],
    tall: list[int],
    min_sep_px: float = 0.0,
    use_identity: bool = True,
    two_hands: bool = True,
) -> list[tuple[str, np.ndarray, float]]:
    """Ways to put the (time-sorted) throws on beats: (name, beats, beat period).

    A steady clock at the base period and its halves and thirds (a hand that
    throws every other beat, unseen passes); and the hand sequence, with hands
    told apart by where throws start (not when ``two_hands`` is False: one hand
    catches everything) or by which way crossing throws fly.
    """
    t = np.array([_t_beat(flights[i]) for i in tall])
    out = []
    tau0 = base_period(t)
    if tau0 is not None:
        for k in (1, 2, 3):
            if tau0 / k >= 0.08:
                out.append((f"clock/{k}", assign_beats(t, tau0 / k), tau0 / k))
    # the hand sequence with each throw's hand placed between its throw point and
    # where that ball was last caught (with identities: the catching hand threw it)
    grid, _mid = build_beat_grid([flights[i] for i in tall], use_identity=use_identity)
    if grid is not None and grid.beats[-1] > grid.beats[0]:
        out.append(("hand-seq", grid.beats, grid.tau))
    sides = [("travel", sides_from_travel(flights, tall))]
    pos = sides_from_position(flights, tall, min_sep_px) if two_hands else None
    if pos is not None:
        sides.append(("hands", pos))
    for name, side in sides:
        got = beats_from_sides(t, side)
        if got is not None:
            out.append((name, got[0], got[1]))
        m = beats_from_order(t, side)
        if m[-1] > m[0]:
            out.append((name + "-order", m, float((t[-1] - t[0]) / (m[-1] - m[0]))))
    # the same beats from several routes (and nearly the same period) are one candidate
    uniq: dict[tuple, tuple[str, np.ndarray, float]] = {}
    for name, m, tau in out:
        key = (tuple(int(v) - int(m[0]) for v in m), round(float(np.log(tau)) / 0.02))
        uniq.setdefault(key, (name, m, tau))
    return list(uniq.values())


def beats_from_order(t: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Beats from the hand order alone: +1 when the hand changes, +2 when it does
    not; a pause far longer than usual (a missed throw) adds a hand cycle.

    Unlike ``beats_from_sides`` this ignores how long each hand waited, which is
    right when the rhythm is very uneven (423 juggled as evenly spaced throws:
    the held 2 takes no time at all)."""
    dt = np.diff(t)
    typ = float(np.median(dt[dt > 0.06])) if (dt > 0.06).any() else 0.0
    m = np.zeros(len(t), dtype=int)
    for k in range(1, len(t)):
        base = 1 if side[k] != side[k - 1] else 2
        r = dt[k - 1] / typ if typ > 0 else 0.0
        step = base
        while step + 2 <= r + 0.5 * base:
            step += 2
        m[k] = m[k - 1] + step
    return m


def best_identity_reading(
    flights: list[Flight], balls: int | None, min_sep_px: float = 0.0
) -> Reading | None:
    """The most plausible identity reading over beat assignments and dwell guesses."""
    if len(flights) < 6:
        return None
    passes = pass_mask(flights)
    tall = sorted(
        (i for i in range(len(flights)) if not passes[i]), key=lambda i: _t_beat(flights[i])
    )
    return _search_readings(flights, tall, min_sep_px, balls, identity_reading, True)


def beat_timing(t: np.ndarray, m: np.ndarray, tau: float) -> float:
    """How far throws sit from their beats' clock, in beats (rms about a slowly
    drifting clock). Even rhythm: ~0.0-0.25; beats from hand order alone that
    put evenly spaced throws on an uneven grid: 0.5 and more."""
    if len(t) < 4 or len(np.unique(m)) < 3 or tau <= 0:
        return 0.0
    c = np.polyfit(m, t, 2 if len(np.unique(m)) > 4 else 1)
    return float(np.sqrt(np.mean((t - np.polyval(c, m)) ** 2)) / tau)


def _search_readings(
    flights: list[Flight],
    idx: list[int],
    min_sep_px: float,
    balls: int | None,
    read: Callable[[list[Flight], list[int], np.ndarray, float, float], Reading | None],
    use_identity: bool,
    balls_hint: int | None = None,
) -> Reading | None:
    """Best-scoring reading over beat assignments x dwell guesses (``read`` builds one)."""
    best: Reading | None = None
    sides = catch_sides(flights, CATCH_APART_M / HAND_APART_M * min_sep_px)
    # every catch in one hand, close to its throws: one hand does everything (40),
    # and throw points that scatter into two groups are no two hands (40 wide
    # colour s47: a white ball first seen well above the hand it left)
    two_hands = sides is None or sides[0] is None or bool(sides[0].any() or sides[1].any())
    pos = sides_from_position(flights, idx, min_sep_px) if two_hands else None
    t = np.array([_t_beat(flights[i]) for i in idx])
    cands = beat_candidates(
        flights, idx, min_sep_px, use_identity=use_identity, two_hands=two_hands
    )
    for name, m, tau in cands:
        # beats that ignore the clock (hand order) must still roughly keep time
        late = max(0.0, beat_timing(t, np.asarray(m, dtype=float), tau) - TIMING_SLACK)
        # where the hands are visibly apart, each hand owns every other beat
        hand_agree = None
        if pos is not None:
            same = float(np.mean((m % 2) == pos))
            hand_agree = max(same, 1.0 - same)
        xs = [_duration(flights[i]) / tau for i in idx]
        done = set()
        for dwell in DWELLS:
            # dwell guesses that round every flight to the same values read the same
            key = tuple(max(1, int(round(x + dwell))) for x in xs)
            if key in done:
                continue
            done.add(key)
            r = read(flights, idx, m, tau, float(dwell))
            if r is None or r.unit is None:
                continue
            r.source = name
            r.hand_agree = hand_agree
            r.cross_agree = side_agreement(r, sides)
            r.score = score_reading(r, balls) - TIMING_WEIGHT * late
            if balls_hint is not None and r.balls is not None:
                r.score -= COUNT_HINT_WEIGHT * abs(r.balls - balls_hint)
            if best is None or r.score > best.score:
                best = r
    if best is None or not np.isfinite(best.score):
        return None
    return best


def timing_reading(
    flights: list[Flight],
    idx: list[int],
    m: np.ndarray,
    tau: float,
    dwell: float,
    passes: tuple[np.ndarray, np.ndarray | None] | None = None,
) -> Reading | None:
    """Read the siteswap from flight times alone (no ball identities).

    A throw of value n flies (n - dwell) beats, so n = flight/tau + dwell. A beat
    where a ball lands but no throw was seen had an unseen throw (a low pass, a
    held 2: unknown value, filled in when the pattern is completed); a beat with
    neither is an empty hand (0).
    """
    if len(idx) < 4:
        return None
    # a low pass is held far shorter than the others (a 1 leaves as soon as it
    # arrives): flight + dwell reads it as a 2. Its value is whether it crossed
    low, cross = passes if passes is not None else _passes(flights)
    beat: dict[int, int] = {}
    vals: dict[int, int] = {}
    by_beat: dict[int, tuple[int, float]] = {}
    xs, vs = [], []
    for i, b in zip(idx, m, strict=True):
        f = flights[i]
        beat[i] = int(b)
        if f.dropped or f.open_end:
            continue
        x = _duration(f) / tau
        n = max(1, int(round(x + dwell)))
        if low[i] and n <= 2:
            n = 1 if cross is None or cross[i] else 2
        vals[i] = n
        xs.append(x)
        vs.append(n)
        if int(b) not in by_beat or f.rise_px > by_beat[int(b)][1]:
            by_beat[int(b)] = (n, f.rise_px)
    if not by_beat:
        return None
    lo, hi = min(beat.values()), max(beat.values())
    # A beat with no throw seen and no ball landing on it is empty (0) when every
    # throw that could land on it was seen; within the highest throw's reach after
    # an unseen throw (a missed 7, the 1s around it) it may hold one too, and is
    # read as unknown when the pattern then repeats with a ball more in a unit no
    # longer (71 with a few 7s missed read its gaps as 0s and fitted 51 or 71717001).
    landing: set[int] = set()
    top = max(v for v, _ in by_beat.values())
    unknown_to = lo - 1
    line: list[int | None] = []
    open_line: list[int | None] = []
    for b in range(lo, hi + 1):
        if b in by_beat:
            v: int | None = by_beat[b][0]
            landing.add(b + v)
        elif b in landing:
            v = None
        else:
            v = 0
        line.append(v)
        if v is None:  # (an unseen throw's own beats are no sign of another one)
            unknown_to = max(unknown_to, b + top)
        elif v == 0 and b <= unknown_to:
            v = None
        open_line.append(v)
    unit, agree = find_period(line)
    if open_line != line:
        # (the unknown beats are to undo false 0s, not to let a longer unit or one
        # with as many balls fill them at will: 40 read 414030, 423 42423423)
        wide, wide_agree = find_period(open_line)
        if wide is not None and (
            unit is None
            or (sum(wide) * len(unit) > sum(unit) * len(wide) and len(wide) <= len(unit))
        ):
            unit, agree, line = wide, wide_agree, open_line
    d = _implied_dwell(xs, vs)
    r = Reading(unit, agree, tau, d if d is not None else dwell, beat, vals)
    r.line = line
    return r


def best_timing_reading(
    flights: list[Flight],
    balls: int | None = None,
    min_sep_px: float = 0.0,
    balls_hint: int | None = None,
) -> Reading | None:
    """The most plausible timing reading over beat assignments and dwell guesses."""
    if len(flights) < 4:
        return None
    idx = sorted(range(len(flights)), key=lambda i: _t_beat(flights[i]))
    # the passes depend on the flights alone: found once, not per beat and dwell guess
    read = partial(timing_reading, passes=_passes(flights))
    return _search_readings(flights, idx, min_sep_px, balls, read, False, balls_hint)


def _passes(flights: list[Flight]) -> tuple[np.ndarray, np.ndarray | None]:
    """(low passes, whether each flight crossed; None where the sides are unclear)."""
    low = pass_mask(flights)
    return low, crossings(flights) if low.any() else None


def side_agreement(r: Reading, sides: tuple[np.ndarray | None, np.ndarray] | None) -> float | None:
    """How well a reading's hands match where throws leave and catches arrive.

    Beat m belongs to one hand, which throws from its side; the hand that
    catches a throw n from beat m owns beat m + n. Throw sides may be unknown
    (None): then the catches alone.
    """
    if sides is None or not r.values:
        return None
    ks = list(r.values)
    pt = np.array([r.beats[i] % 2 for i in ks])
    pc = np.array([(r.beats[i] + r.values[i]) % 2 for i in ks])
    st, sc = sides
    agree = [pc == sc[ks]] if st is None else [pt == st[ks], pc == sc[ks]]
    same = float(np.mean(np.concatenate(agree)))
    return max(same, 1.0 - same)


def catch_sides(
    flights: list[Flight], min_sep_px: float
) -> tuple[np.ndarray | None, np.ndarray] | None:
    """Which side each flight is thrown from and caught on (0/1 arrays).

    Catches are wide (a cascade throws from near the middle and catches
    outside), so the two hands' catch points are clearly apart and the line
    between them (following the juggler, ``local_midline``) splits throws and
    catches into hands. Catch points closer than ``min_sep_px`` are one hand
    doing everything (40, a one-handed column): all zeros. Where the throws'
    side is unclear, the throw sides are None: the catches still all land in
    one hand, which rules out readings whose catches alternate hands.
    """
    if not min_sep_px:
        return None
    t = np.array([_t_beat(f) for f in flights])
    xb = np.array([_x_beat(f) for f in flights])
    xl = np.array([f.x_land if f.x_land is not None else f.catch_xy[0] for f in flights])
    lo, hi, sep = _two_means(xl)
    # a stray catch point (a false flight's end) is no second hand: each hand
    # catches a fair share (40 wide colour s40 split 17 catches from one)
    right = float(np.mean(xl >= 0.5 * (lo + hi)))
    if sep < 3.0 or hi - lo < min_sep_px or min(right, 1.0 - right) < MIN_HAND_SHARE:
        # one catching place: one hand doing everything (its throw and catch points
        # differ by its scoop, ~10-20 cm), or one hand throwing to the other (31's
        # visible 3s): tell them apart by how far the throws start from the catches
        z = np.zeros(len(flights), dtype=int)
        gap = abs(float(np.median(xb) - np.median(xl))) / (min_sep_px / CATCH_APART_M)
        if gap < SCOOP_M:
            return z, z
        if gap >= CATCH_APART_M * 1.5:
            return z, z + 1
        # a wide scoop or two hands close together (a 40 read as a 3 cascade,
        # whose catches would alternate hands, at a gap of 0.223 m)
        return None, z
    mid = local_midline(t, xl, 0.5 * (lo + hi))
    return (xb >= mid).astype(int), (xl >= mid).astype(int)


def crossings(flights: list[Flight], min_sep_px: float = 0.0) -> np.ndarray | None:
    """Whether each flight ends on the other side of the pattern than it started.

    Odd throws (1, 3, 5) land in the other hand, even ones in the same hand, so
    where the two hands are clearly apart this checks every throw value's parity.
    """
    xb = np.array([_x_beat(f) for f in flights])
    xl = np.array([f.x_land if f.x_land is not None else f.catch_xy[0] for f in flights])
    lo, hi, sep = _two_means(np.concatenate([xb, xl]))
    if sep < 3.0 or hi - lo < max(min_sep_px, 1e-9) * 2:
        return None
    mid = 0.5 * (lo + hi)
    return (xb < mid) != (xl < mid)


def _hands_from_reading(flights: list[Flight], r: Reading, min_sep_px: float) -> None:
    """Throwing and catching hand of each flight from the chosen reading.

    Each beat parity is one hand; which one is told by where that parity's
    throws leave and catches arrive (image left is the juggler's right: the
    camera faces them). Without two clearly separate sides nothing changes.
    """
    sides = catch_sides(flights, CATCH_APART_M / HAND_APART_M * min_sep_px)
    if sides is None or sides[0] is None or not r.values:
        return  # (throw sides unclear: no hand to name)
    st, sc = sides
    if st.min() == st.max() and sc.min() == sc.max() and st[0] == sc[0]:
        return  # one hand does everything: no side to name
    ks = list(r.values)
    par = np.array([r.beats[i] % 2 for i in ks] + [(r.beats[i] + r.values[i]) % 2 for i in ks])
    side = np.concatenate([st[ks], sc[ks]])
    flip = float(np.mean(par == side)) < 0.5  # parity 0 is side 1, not side 0
    name = {0: "right", 1: "left"}  # side 0 = image left = the juggler's right

    def hand(p: int) -> str:
        return name[(p + int(flip)) % 2]

    for i, b in r.beats.items():
        flights[i].throw_hand = hand(b % 2)
    for i, v in r.values.items():
        flights[i].catch_hand = hand((r.beats[i] + v) % 2)


@dataclass
class Analysis:
    """The tracker's final word: report summary, events, tracks."""

    summary: dict
    events: list[Event]
    tracks: list[dict]
    flights: list[Flight] = field(default_factory=list)


def _median_or_none(v: list[float]) -> float | None:
    return float(np.median(v)) if v else None


def rhythm_cv(periods: np.ndarray) -> float:
    """Spread of the beat period relative to its size, robust to a few bad beats.

    Scaled median absolute deviation over the median (equal to std/mean for a
    normal spread), so one doubled or missed throw detection does not make a
    steady juggler "unsteady" while a juggler whose every beat wanders still is.
    """
    p = np.asarray(periods, dtype=np.float64)
    med = float(np.median(p))
    if med <= 0:
        return float("nan")
    return float(1.4826 * np.median(np.abs(p - med)) / med)


def analyse_flights(
    flights: list[Flight],
    scale: Scale,
    *,
    duration_s: float,
    fallback_ball_count: int | None = None,
    identities: bool = False,
    span: tuple[float, float] | None = None,
    complete_from: float | None = None,
) -> tuple[dict, list[Event]]:
    """Summary metrics and events from all flights of a recording.

    ``span``: first and last frame time; with a clear periodic reading the
    throw count then includes the throws no flight showed (see
    ``pattern_throw_count``). ``complete_from``: the moment since which every
    ball could be seen (a ball colour learned late); the pattern is read from
    the flights after it when they are enough.
    """
    hand_level_endpoints(flights, 75 if identities else 90)
    flights = sorted(flights, key=lambda f: f.t_beat if f.t_beat is not None else f.t_throw)
    # drops: a flight that ends far below the hands. Their level is the low tail of
    # arc ends, not the median: where arcs are cut short among the hands, the median
    # end lies well above them and every arc followed into a hand looked dropped.
    level = hands_level(flights)
    if level is not None:
        flights = split_bounces(flights, level, scale)
        for f in flights:
            below = scale.metres(f.catch_xy[1] - level, f.z_m)
            if below is not None and below > FLOOR_BELOW_HANDS_M:  # not a low catch
                f.dropped = True
            # or it was seen falling on along its arc to the floor
            if f.fell_to_y is not None:
                deep = scale.metres(f.fell_to_y - level, f.z_m)
                if deep is not None and deep > FELL_TO_FLOOR_M:
                    f.dropped = True
            # or it fell on past the hands and out of the picture (hands well above
            # the bottom edge: no catch happens there)
            fell = f.fell_out_y
            deep = scale.metres(fell - level, f.z_m) if fell is not None else None
            if deep is not None and deep > DROP_PAST_HANDS_M:
                f.dropped = True
    for f in flights:
        # Apex above the release point. The first samples of an arc are usually lost
        # among the hands (the ball is found a few frames after it left the hand), so
        # the first seen sample sits well above the release point; the hands' level
        # (where balls are thrown and caught) does not.
        rise = f.rise_px
        y_rel = f.throw_xy[1]
        # where it left the hand: seen by the depth hands, else the hands' level (a
        # release seen below either still counts)
        hand_y = f.release_y if f.release_y is not None else level
        if hand_y is not None:
            y_rel = max(hand_y, f.throw_xy[1])
            rise = y_rel - f.apex_xy[1]
        if f.metric is not None:  # seen with depth: metres at one reference depth
            h = f.metric.height_above(y_rel)
        elif f.i1 - f.i0 + 1 >= 8 and f.accel_px > 0 and scale.g_px:
            # the arc's own pixel gravity is its scale: right where the ball flew,
            # whatever its depth did on the way (g T^2 / 8 without the end points)
            h = G * rise / f.accel_px
        else:
            h = scale.metres(rise, f.z_m)
        f.height_m = None if h is None else float(h)
    # throw points of the two hands: apart by more than one hand's scatter
    sep = HAND_APART_M * scale.px_per_m if scale.px_per_m else 0.0
    read: Reading | None = None  # the pattern's reading, where the wiggle check made it
    for f in flights:  # (marks of an earlier analysis of these flights)
        f.extra.pop("wiggle", None)
    if level is not None and fallback_ball_count is not None and not identities:
        # (read with their heights, as the pattern is below: they tell low passes)
        flights, read = _without_wiggles(flights, level, scale, fallback_ball_count, sep)
    # two hands are at least ~8 cm apart; closer clusters are one hand's jitter
    grid, mid = build_beat_grid(
        flights, 0.08 * scale.px_per_m if scale.px_per_m else 0.0, use_identity=identities
    )
    ss = None
    seq: list[int] = []
    agree = 0.0
    if grid is not None:
        hop = grid.hand_of_parity
        for k, (f, b) in enumerate(zip(flights, grid.beats, strict=True)):
            f.throw_hand = hop.get(int(b) % 2)
            if mid is not None:
                xl = f.x_land if f.x_land is not None else f.catch_xy[0]
                f.catch_hand = _side(xl, mid[k])
            else:
                f.catch_hand = f.throw_hand
        vals = throw_values(flights, grid, mid)
        seq = beat_sequence(flights, grid, vals)
        ss, agree = find_period(seq)
        # a steady clock may explain the throws better (missed throws break hand order)
        mgrid = build_metronome_grid(flights, mid)
        if mgrid is not None and (ss is None or agree < 0.9):
            mvals = throw_values(flights, mgrid, mid)
            mss, magree = find_period(beat_sequence(flights, mgrid, mvals))
            if mss is not None and magree > agree + 0.05:
                ss, agree, grid = mss, magree, mgrid
                for f, b in zip(flights, grid.beats, strict=True):
                    f.throw_hand = grid.hand_of_parity.get(int(b) % 2)
    if len(flights) < 6:
        # too few throws to read a pattern from (a shiny ball seen on 5 of its 10
        # throws of a 300 read 2, two balls): the balls in the air say how many
        ss, agree, seq = None, 0.0, []
    reading: Reading | None = None
    # after a drop the juggler goes on with a ball less (or stops): the pattern is
    # what was juggled before it, when that lasted long enough to read
    drops = [_t_beat(f) for f in flights if f.dropped]
    before = sum(_t_beat(f) < min(drops) for f in flights) if drops else len(flights)
    head = flights[:before] if before >= 12 else flights
    pattern = head
    if not identities and len(pattern) >= 6:
        # (the wiggle check read these very flights when there was no drop)
        if read is None or drops:
            read = best_timing_reading(pattern, None, sep, fallback_ball_count)
        r = read
        lost = lost_ball(flights, r) if r is not None and not drops else None
        if lost is not None:  # a drop no arc showed: the pattern is what came before
            flights[lost].dropped = True
            flights[lost].extra["lost"] = True
            drops, before = [_t_beat(flights[lost])], lost
            if before >= 12:
                head = pattern = flights[:before]
                r = best_timing_reading(pattern, None, sep, fallback_ball_count)
        if len(head) == len(flights) and 6 <= before < len(flights):
            # a drop after only a few throws: what came before it is the pattern when
            # it reads clearly, with no fewer balls than the juggling after the drop
            r_head = best_timing_reading(flights[:before], None, sep, fallback_ball_count)
            if (
                r_head is not None
                and r_head.agree >= 0.8
                and (r is None or (r_head.balls or 0) >= (r.balls or 0))
            ):
                r, head = r_head, flights[:before]
                pattern = head
        if complete_from is not None:
            # before a ball's colour was learned its flights are missing: the pattern
            # lacks a ball there (a 633 reads 633033). A learned colour only adds
            # balls: a later reading with fewer balls had too few flights to go on
            # (633 s35 read 3 from 13 flights when the colour came 0.1 s later)
            late = [f for f in head if _t_beat(f) >= complete_from]
            if 12 <= len(late) < len(head):
                r_late = best_timing_reading(late, None, sep, fallback_ball_count)
                # (and it must be a clear reading itself: fewer flights fit looser
                # ones, 423 s85 read 53 with 4 balls at agreement 0.62)
                # (nor one that agrees with them clearly less than the whole clip's
                # reading does with all of them: 55550 nfov colour s10 read 55550 at
                # agreement 1.0, its last 13 flights 5 at 0.83)
                if r_late is not None and (
                    r is None
                    or (
                        (r_late.balls or 0) >= (r.balls or 0)
                        and r_late.agree >= max(0.8, r.agree - 0.1)
                    )
                ):
                    r, pattern = r_late, late
            # (too few flights after it to read alone, or no clear reading there:
            # the late ball's own beats, read 0 before its colour was known, are
            # thrown on since)
            if r is not None and pattern is not late:
                if unit := late_ball_unit(pattern, r, complete_from):
                    r = replace(r, unit=unit)
        # (after a drop the ball's beats are empty: only a pattern read before it)
        clear = not drops or all(_t_beat(f) < min(drops) for f in pattern)
        if r is not None and clear and (unit := missed_ball_unit(pattern, r)):
            r = replace(r, unit=unit)
        if r is not None and drops and pattern is flights:
            # a drop too early to read what came before it alone (3b drop wide depth
            # s15: 330 with two balls)
            if unit := dropped_ball_unit(pattern, r, min(drops)):
                r = replace(r, unit=unit)
        if r is not None:
            ss, agree, reading = r.unit, r.agree, r
    if identities and len(flights) >= 6:
        # annotated tracks: every ball keeps its id, so the number of balls is known
        # and each ball's next throw tells its throw value
        n_ids = len({f.ball for f in flights})
        r = best_identity_reading(flights, n_ids, sep)
        if r is not None:
            ss, agree, reading = r.unit, r.agree, r

    if reading is not None and reading.agree >= 0.8:
        _hands_from_reading(pattern, reading, sep)
    events: list[Event] = []
    for f in flights:
        events.append(Event(f.t_throw, "throw", f.ball, f.throw_hand, None, f.frame_throw))
        events.append(Event(f.t_apex, "peak", f.ball, None, f.height_m, f.frame_apex))
        if f.dropped:
            events.append(Event(f.t_catch, "drop", f.ball, None, None, f.frame_catch))
        elif not f.open_end:
            events.append(Event(f.t_catch, "catch", f.ball, f.catch_hand, None, f.frame_catch))
    events.sort(key=lambda e: (e.t_s, e.type))

    n_throws = len(flights)
    n_total = n_throws
    clock_rate = None
    if reading is not None and reading.agree >= 0.6 and span is not None:
        # the clock counts while the pattern ran; after a drop, the flights seen
        cut = len(head) < len(flights)
        # (a drop after too few throws to read the pattern alone: it was read with
        # the juggling after the drop, and the count still stops the ball's beats
        # there; 3b drop binned s18 counted 29 throws of 22-23)
        early = bool(drops) and not cut
        since = _t_beat(head[0]) if pattern is not head else None
        until = (span[0], min(drops) - 0.5 * reading.tau) if cut or early else span
        est = pattern_throw_count(pattern, reading, until, since=since)
        if est is not None:
            n_total, clock_rate = est
            if cut or early:
                tail = (
                    flights[len(head) :] if cut else [f for f in flights if _t_beat(f) > min(drops)]
                )
                n_total += len(tail)
                # unless the juggling went on without the dropped ball: then the
                # clock goes on too, and that ball's beats stay empty (its flights
                # seen after the drop are most of those the clock expects, up to
                # the end)
                on = pattern_throw_count(
                    pattern, reading, span, since=since, lost_at=min(drops), after=tail
                )
                if on is not None:
                    expect = on[0] - est[0]
                    ends = span[1] - _t_beat(tail[-1]) <= max(reading.unit) * reading.tau
                    if ends and len(tail) >= 0.6 * expect:
                        n_total = on[0]
    n_drops = sum(f.dropped for f in flights)
    n_catches = sum(1 for f in flights if not f.dropped and not f.open_end)
    tps = None
    cv = None
    if n_throws >= 3:
        t = np.array([f.t_beat if f.t_beat is not None else f.t_throw for f in flights])
        seen_span = t[-1] - t[0]
        if seen_span > 0:
            tps = float((n_throws - 1) / seen_span)
        if reading is not None and len(reading.beats) >= 4:
            # the rhythm on the beats of the reading that was chosen
            ks = sorted(reading.beats, key=lambda i: _t_beat(pattern[i]))
            dm = np.diff([reading.beats[i] for i in ks])
            dt = np.diff([_t_beat(pattern[i]) for i in ks])
            ok = dm > 0
            if ok.sum() >= 3:
                cv = rhythm_cv(dt[ok] / dm[ok])
        elif grid is not None:
            dm = np.diff(grid.beats)
            dt = np.diff(t)
            ok = dm > 0
            if ok.sum() >= 3:
                cv = rhythm_cv(dt[ok] / dm[ok])
    if clock_rate is not None:  # every throw of the pattern, seen or not
        tps = clock_rate
    heights = [f.height_m for f in flights if f.height_m is not None and not f.dropped]
    ball_count = None
    siteswap = None
    if ss is not None and agree >= 0.6:
        siteswap = "".join(throw_symbol(v) for v in ss)
        ball_count = int(sum(ss) // len(ss))
    elif len(seq) >= 8:
        # no clean period, but the average throw is still the number of balls
        core = seq[len(seq) // 8 : len(seq) - len(seq) // 8]
        ball_count = int(round(float(np.mean(core))))
    elif fallback_ball_count is not None:
        ball_count = fallback_ball_count
    if not flights:
        ball_count = 0

    hands = _hand_metrics(flights, scale)
    summary = {
        "ball_count": ball_count,
        "throws": n_total,
        "throws_seen": n_throws,
        "catches": n_catches,
        "drops": n_drops,
        "throws_per_second": _round(tps, 3),
        "siteswap": siteswap,
        "siteswap_agreement": _round(agree if ss is not None else None, 3),
        "beat_period_s": _round(reading.tau if reading else grid.tau if grid else None, 4),
        "mean_apex_height_m": _round(float(np.mean(heights)) if heights else None, 4),
        "apex_height_std_m": _round(float(np.std(heights)) if len(heights) > 1 else None, 4),
        "median_apex_height_m": _round(_median_or_none(heights), 4),
        "period_cv": _round(cv, 4),
        "gravity_px_s2": _round(scale.g_px, 1),
        **hands,
        "duration_s": _round(duration_s, 3),
    }
    return summary, events


def _unit_period(t: np.ndarray, m: np.ndarray, p: int) -> float | None:
    """Beat period from throws one unit (``p`` beats) apart: the median of their
    time differences over ``p``. Neighbouring throws of an uneven pattern sit
    unevenly (a 6 leaves later than a 4), and a stray beat shifts only the pairs
    across it; None with fewer than 4 such pairs."""
    at = {int(b): float(x) for b, x in zip(m, t, strict=True)}
    d = [(at[b + p] - at[b]) / p for b in at if b + p in at]
    return float(np.median(d)) if len(d) >= 4 else None


def _steady_clock(
    t: np.ndarray, tau: float, idx: list[int], r: Reading
) -> tuple[float, float, np.ndarray, dict[int, int]] | None:
    """A steady clock through throw times ``t`` (of flights ``idx``) from period
    ``tau``: (period, offset, beats, seen value per beat), or None when it does
    not keep time or the seen values do not follow the reading's unit on it.

    When the period given does not make one, the period the throws lock onto
    best within +-6 % (the mean resultant of their phases) gets a try: a period
    3 % off, rounded over 40 beats, drifts more than a beat and the fit that
    follows cannot recover (55550 nfov s2 took 0.252 s for 0.244 and counted the
    flights instead). Only then: over a real juggler's drifting tempo the best
    lock is not the mean period (a 5-ball mocap read 4.49 throws/s, not 4.58).
    """
    clock = _clock_at(t, tau, idx, r)
    if clock is None:
        taus = tau * np.linspace(0.94, 1.06, 121)
        lock = np.abs(np.exp(2j * np.pi * t[None, :] / taus[:, None]).mean(axis=1))
        clock = _clock_at(t, float(taus[int(np.argmax(lock))]), idx, r)
    return clock


def _clock_at(
    t: np.ndarray, tau: float, idx: list[int], r: Reading
) -> tuple[float, float, np.ndarray, dict[int, int]] | None:
    """``_steady_clock`` from one starting period."""
    c0 = float(t[0])
    on = np.ones(len(t), bool)
    for _ in range(3):
        m = np.round((t - c0) / tau)
        if len(np.unique(m)) < 4:
            return None
        tau, c0 = (float(v) for v in np.polyfit(m[on], t[on], 1))
        # a throw half a beat off (a fragment at the end of 51 wide depth s16) tilts
        # the clock enough to count a beat past the recording's end: left out
        near = np.abs(t - (c0 + tau * np.round((t - c0) / tau))) <= OFF_BEAT * tau
        if near.sum() >= max(4, 0.8 * len(t)):
            on = near
    if tau <= 0 or beat_timing(t, m, tau) > TIMING_SLACK:
        return None
    p = len(r.unit)
    seen = [(int(b), r.values[i]) for i, b in zip(idx, m, strict=True) if i in r.values]
    best = max(sum(v == r.unit[(b + k) % p] for b, v in seen) / max(len(seen), 1) for k in range(p))
    if best < CLOCK_COUNT_AGREE:
        return None
    return tau, c0, m, dict(seen)


UNSEEN_RUN_P = 0.05  # chance below which a run of unseen throws at an edge is a stop


def pattern_throw_count(
    flights: list[Flight],
    r: Reading,
    span: tuple[float, float],
    since: float | None = None,
    lost_at: float | None = None,
    after: list[Flight] | None = None,
) -> tuple[int, float] | None:
    """Throws made while the recording ran, and throws per second, read off a
    periodic siteswap reading.

    Flights miss throws that never leave the hand (a held 2) or hide among the
    hands (a quick 1), and those at the very start or end of the recording. The
    reading's beat clock and pattern count them all: every beat inside the
    recording whose value is not 0 was a throw. Beats before the first (after
    the last) seen throw count only when juggling was already (still) going:
    the gap to the recording's edge is shorter than the pattern's longest
    throw, or its throws would often all go unseen at the rates seen. None when
    the reading has no per-beat line or too few beats, or neither its beats nor
    a steady clock at its period keep time. ``since``: the
    first throw seen at all, when the reading's flights start later (juggling
    went on before them). ``lost_at``: the throw of a ball that was then
    dropped; the juggling went on without it to the end of the recording, so
    the beats its orbit would have been thrown on after it hold no throw, unless
    half of them hold one of the flights seen ``after`` the drop.
    """
    if not r.unit or not r.line or not r.beats:
        return None
    idx = sorted(r.beats, key=lambda i: _t_beat(flights[i]))
    t = np.array([_t_beat(flights[i]) for i in idx])
    m = np.array([r.beats[i] for i in idx], dtype=float)
    p = len(r.unit)
    line = {int(b): v for b, v in zip(range(int(m.min()), int(m.max()) + 1), r.line, strict=False)}
    if len(np.unique(m)) < 4:
        return None
    # a flight whose beat is plainly wrong (an arc that began before the recording,
    # a stray) would tilt the clock: fit it robustly and leave such flights out
    slope, icept = stats.siegelslopes(t, m)[:2]
    keep = np.abs(t - (icept + slope * m)) <= 0.4 * slope
    seen_from, seen_to = float(t.min()), float(t.max())
    if since is not None:
        seen_from = min(seen_from, since)
    if slope > 0 and keep.sum() >= max(0.85 * len(t), 4) and len(np.unique(m[keep])) >= 4:
        idx = [i for i, k in zip(idx, keep, strict=True) if k]
        t, m = t[keep], m[keep]
    tau, c0 = (float(v) for v in np.polyfit(m, t, 1))
    if tau > 0 and 0 in r.unit and beat_timing(t, m, tau) <= TIMING_SLACK:
        # a flight on a beat the unit leaves empty is a stray, no throw of the
        # pattern, and keeps no time (40 binned depth s6: a hand's twitch a third of
        # a beat early tilted the clock onto a beat 1 ms inside the recording's end)
        lo = int(m.min())
        rot = _rotation_on(r.unit, line.items(), lo)
        on = np.array([r.unit[(int(b) - lo + rot) % p] != 0 for b in m])
        if on.sum() >= max(4, 0.8 * len(m)) and len(np.unique(m[on])) >= 4:
            idx = [i for i, k in zip(idx, on, strict=True) if k]
            t, m = t[on], m[on]
            tau, c0 = (float(v) for v in np.polyfit(m, t, 1))
    if tau <= 0 or beat_timing(t, m, tau) > TIMING_SLACK:
        # The reading's beats (from hand order or travel) do not keep time, yet its
        # unit may be right (a cascade reads 3 on any beats). Count on a steady clock
        # at the reading's period instead when the seen values follow the unit there.
        # (a stray flight shares a beat here instead of pushing its neighbours along)
        clock = _steady_clock(t, median_period(t, r.tau), idx, r)
        if clock is None:
            return None
        tau, c0, m, line = clock
    elif (tau_p := _unit_period(t, m, p)) is not None and abs(tau_p - tau) > CLOCK_SHIFT * tau:
        # the beats keep time, but not the pattern's period: a stray flight on a
        # beat of its own pushed every later beat one along (645 binned depth s22:
        # a beat too many at 4.1 s, a period 4 % short, 43 throws of 40-41)
        # (unless it keeps time several times worse: a 5's neighbouring throws, 2-3 %
        # apart in period, re-clocked 40 beats 0.24 of a beat off against 0.04, two
        # throws on one beat, a throw lost; a real juggler's drifting tempo fits any
        # steady clock worse, by less: 5-ball mocap 0.21 against 0.12, and right)
        clock = _steady_clock(t, tau_p, idx, r)
        if clock is not None and beat_timing(t, clock[2], clock[0]) <= RECLOCK_WORSE * max(
            beat_timing(t, m, tau), 0.02
        ):
            tau, c0, m, line = clock
    # the clock at the end of the recording: after a drop, the flights that went on
    # followed beat by beat (the clock before the drop alone, a tempo 1 % off,
    # drifts a beat in six seconds)
    c_end, tau_end = c0, tau
    later: set[int] = set()
    thrown: set[int] = set()  # ... of those that rose like the pattern's throws
    if lost_at is not None and after:
        tt, mm = list(t), list(m)
        rise = float(np.median([flights[i].rise_px for i in idx]))
        for f in sorted(after, key=_t_beat):
            tb = _t_beat(f)
            k = round((tb - c_end) / tau_end)
            if abs(tb - (c_end + tau_end * k)) <= OFF_BEAT * tau_end:
                tt.append(tb)
                mm.append(k)
                later.add(k)
                if f.rise_px >= LATER_RISE_SHARE * rise:
                    thrown.add(k)
                fit = np.polyfit(mm[-12:], tt[-12:], 1)
                if fit[0] > 0:
                    tau_end, c_end = float(fit[0]), float(fit[1])
    lo, hi = int(m.min()), int(m.max())
    # the rotation of the unit that the seen beats follow
    rot = _rotation_on(r.unit, line.items(), lo)
    longest = max(r.unit) * tau
    t0, t1 = span

    def pos(b: int) -> int:
        return (b - lo + rot) % p  # the beat's place in the unit

    def value(b: int) -> int:
        return r.unit[pos(b)]

    # an edge gap says the juggling had not begun (had stopped) only where its
    # throws would rarely all go unseen, at the rate each throw of the unit was
    # seen (300 wide depth s5 saw 7 of the 9 3s before its last, 1.6 s before the
    # end: one more 3 unseen is no stop; a 31 whose 1s never show and every 3
    # did stopped where two 3s went unseen: the real 31 of tfg_siteswap_tracks)
    seen_beats = {int(b) for b in m}
    inside = range(lo, hi + 1)
    rate = [
        sum(b in seen_beats for b in inside if pos(b) == k)
        / max(1, sum(pos(b) == k for b in inside))
        for k in range(p)
    ]

    def unseen(bs: range) -> bool:
        miss = [1.0 - rate[pos(b)] for b in bs if value(b) != 0]
        return float(np.prod(miss)) >= UNSEEN_RUN_P

    first = lo
    start = int(np.ceil((t0 - c0) / tau - 1e-9))
    if seen_from - t0 <= longest or unseen(range(start, lo)):
        first = start
    last = hi
    end = int(np.floor((t1 - c_end) / tau_end + 1e-9))
    if t1 - seen_to <= longest or lost_at is not None or unseen(range(hi + 1, end + 1)):
        last = end

    lost: set[int] = set()
    if lost_at is not None:
        b = round((lost_at - c0) / tau)
        while value(b) > 0 and b <= last:
            b += value(b)
            lost.add(b)
        # (unless flights seen after it fill those beats: the ball was not lost; a
        # hand's wiggle at its level is no throw of it, 3b drop wide depth s12)
        due = sum(b <= max(later) for b in lost) if later else 0
        if due and len(lost & thrown) >= 0.5 * due:
            lost = set()
    count = sum(1 for b in range(first, last + 1) if value(b) != 0 and b not in lost)
    return count, sum(v != 0 for v in r.unit) / p / tau


def _round(v: float | None, nd: int) -> float | None:
    return None if v is None else round(float(v), nd)


def _hand_metrics(flights: list[Flight], scale: Scale) -> dict:
    """Hand separation/height from throw points, and drift of the pattern centre."""
    out: dict = {
        "hand_separation_m": None,
        "hand_height_difference_m": None,
        "drift_m": None,
        "drift_px": None,
    }
    if len(flights) < 4:
        return out
    z = _median_or_none([f.z_m for f in flights if f.z_m is not None])
    pts = {h: [f.throw_xy for f in flights if f.throw_hand == h] for h in ("left", "right")}
    if pts["left"] and pts["right"]:
        lm = np.median(np.array(pts["left"]), axis=0)
        rm = np.median(np.array(pts["right"]), axis=0)
        sep = scale.metres(float(abs(lm[0] - rm[0])), z)
        dh = scale.metres(float(rm[1] - lm[1]), z)  # left higher than right -> positive
        out["hand_separation_m"] = _round(sep, 4)
        out["hand_height_difference_m"] = _round(dh, 4)
    xy = np.array([f.throw_xy for f in flights])
    q = max(1, len(xy) // 4)
    d_px = float(np.linalg.norm(xy[-q:].mean(0) - xy[:q].mean(0)))
    out["drift_px"] = _round(d_px, 1)
    out["drift_m"] = _round(scale.metres(d_px, z), 4)
    return out
