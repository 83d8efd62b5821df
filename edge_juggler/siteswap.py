"""Pure juggling math: vanilla siteswap parsing, validity, ball count, rotation.

Used by the simulator (to generate throw schedules) and by the tracker (to name
what it saw). No numpy needed: patterns are short.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from edge_juggler.errors import InputError

_DIGITS = string.digits + string.ascii_lowercase  # 0-9 then a=10 ... z=35


def throw_symbol(value: int) -> str:
    """One throw value as a siteswap character (10 -> 'a')."""
    if not 0 <= value < len(_DIGITS):
        raise ValueError(f"throw value {value} out of range 0..35")
    return _DIGITS[value]


@dataclass(frozen=True)
class Siteswap:
    """A valid vanilla (asynchronous) siteswap."""

    throws: tuple[int, ...]

    @property
    def period(self) -> int:
        return len(self.throws)

    @property
    def balls(self) -> int:
        return sum(self.throws) // len(self.throws)

    @property
    def max_throw(self) -> int:
        return max(self.throws)

    def __str__(self) -> str:
        return "".join(throw_symbol(t) for t in self.throws)

    def canonical(self) -> Siteswap:
        """Shortest repeating unit in its greatest rotation (531, 315, 153 -> 531)."""
        return Siteswap(canonical_throws(self.throws))

    def landing_beats(self) -> tuple[int, ...]:
        """For each throw position i, the beat (mod period) where that ball lands."""
        p = self.period
        return tuple((i + t) % p for i, t in enumerate(self.throws))

    def state(self) -> tuple[bool, ...]:
        """Landing schedule right before beat 0: which future beats have a ball due."""
        h = self.max_throw
        due = [False] * h
        # Look back over enough beats so every ball in the air is accounted for.
        for back in range(1, h + 1):
            t = self.throws[(-back) % self.period]
            land = t - back
            if 0 <= land < h and t > 0:
                due[land] = True
        return tuple(due)


def canonical_throws(throws: tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """Shortest repeating unit, rotated to its lexicographically greatest form."""
    seq = tuple(throws)
    n = len(seq)
    unit = seq
    for p in range(1, n + 1):
        if n % p == 0 and seq == seq[:p] * (n // p):
            unit = seq[:p]
            break
    rotations = [unit[i:] + unit[:i] for i in range(len(unit))]
    return max(rotations)


def is_valid(throws: tuple[int, ...] | list[int]) -> bool:
    """A sequence is jugglable when (i + s[i]) mod p is a permutation."""
    p = len(throws)
    if p == 0 or any(t < 0 for t in throws):
        return False
    return len({(i + t) % p for i, t in enumerate(throws)}) == p


def parse(text: str) -> Siteswap:
    """Parse and validate a vanilla siteswap such as ``531`` or ``b97531``.

    Raises InputError with a one-line reason for anything that cannot be juggled.
    """
    s = text.strip().lower()
    if not s:
        raise InputError("siteswap: empty pattern")
    try:
        throws = tuple(_DIGITS.index(ch) for ch in s)
    except ValueError:
        bad = next(ch for ch in s if ch not in _DIGITS)
        raise InputError(f"siteswap {text!r}: {bad!r} is not a throw (use 0-9 and a-z)") from None
    if sum(throws) % len(throws):
        raise InputError(
            f"siteswap {text!r}: invalid, the average throw {sum(throws) / len(throws):.2f} "
            "is not a whole number of balls"
        )
    if not is_valid(throws):
        raise InputError(f"siteswap {text!r}: invalid, two throws land on the same beat")
    if sum(throws) == 0:
        raise InputError(f"siteswap {text!r}: has no balls")
    return Siteswap(throws)


def ball_count(text: str) -> int:
    return parse(text).balls


# ----------------------------------------------------------------------------- synchronous


@dataclass(frozen=True)
class SyncSiteswap:
    """A valid synchronous siteswap such as ``(4,4)`` or ``(6x,4)*``.

    ``pairs`` holds one ((right value, crosses), (left value, crosses)) per
    sync beat; ``*`` is expanded (the mirrored repeat), so ``(6x,4)*`` has two.
    """

    pairs: tuple[tuple[tuple[int, bool], tuple[int, bool]], ...]

    @property
    def balls(self) -> int:
        return sum(v for pair in self.pairs for v, _ in pair) // (2 * len(self.pairs))

    @property
    def max_throw(self) -> int:
        return max(v for pair in self.pairs for v, _ in pair)

    def __str__(self) -> str:
        def one(v: int, x: bool) -> str:
            return throw_symbol(v) + ("x" if x else "")

        return "".join(f"({one(*r)},{one(*left)})" for r, left in self.pairs)


def _sync_throw(text: str, whole: str) -> tuple[int, bool]:
    t = text.strip()
    cross = t.endswith("x")
    core = t[:-1] if cross else t
    if len(core) != 1 or core not in _DIGITS:
        raise InputError(f"siteswap {whole!r}: {text!r} is not a synchronous throw")
    value = _DIGITS.index(core)
    if value % 2:
        raise InputError(f"siteswap {whole!r}: synchronous throws must be even, got {text!r}")
    return value, cross and value > 0


def parse_sync(text: str) -> SyncSiteswap:
    """Parse and validate a synchronous siteswap (``(4,4)``, ``(6x,4)*``, ``(4,2x)(2x,4)``)."""
    s = text.strip().lower().replace(" ", "")
    mirror = s.endswith("*")
    if mirror:
        s = s[:-1]
    if not s.startswith("(") or not s.endswith(")"):
        raise InputError(f"siteswap {text!r}: synchronous beats look like (4,4)")
    pairs = []
    for chunk in s[1:-1].split(")("):
        parts = chunk.split(",")
        if len(parts) != 2:
            raise InputError(f"siteswap {text!r}: ({chunk}) needs two throws, right and left")
        pairs.append((_sync_throw(parts[0], text), _sync_throw(parts[1], text)))
    if mirror:
        pairs += [(left, right) for right, left in pairs]
    n = len(pairs)
    throws_from = {(k, h) for k in range(n) for h in range(2) if pairs[k][h][0] > 0}
    landings = []
    for k in range(n):
        for h in range(2):
            v, x = pairs[k][h]
            if v > 0:
                landings.append(((k + v // 2) % n, (1 - h) if x else h))
    if len(set(landings)) != len(landings) or set(landings) != throws_from:
        raise InputError(f"siteswap {text!r}: invalid, two throws land in one hand at once")
    if not landings:
        raise InputError(f"siteswap {text!r}: has no balls")
    return SyncSiteswap(tuple(pairs))


def parse_any(text: str) -> Siteswap | SyncSiteswap:
    """A vanilla or synchronous siteswap, whichever ``text`` is."""
    return parse_sync(text) if text.strip().startswith("(") else parse(text)
