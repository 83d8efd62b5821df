"""Fusion: one ``JugglingState`` from the tracker's ``TrackState`` and the classifier's scores.

The two paths see different things well. The tracker counts balls and reads the
siteswap exactly once it has watched a few throws, but it cannot tell a reverse
cascade from a cascade; the classifier names patterns, tricks and mistakes from
the first clip but guesses. So every claim records where it came from
(``"tracker"``, ``"classifier"``, ``"both"`` or ``"none"``) and a confidence in
[0, 1]; when the two disagree the louder one wins and its confidence drops.

``fuse`` is pure: the same inputs give the same state. What must persist from one
frame to the next (throws seen, the time of the last drop) travels in the
previous state passed back in. It costs a few microseconds (budget 0.5 ms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from edge_juggler import catalogue
from edge_juggler.neural.types import ClassScores
from edge_juggler.tracking.types import TrackState

SOURCES = ("tracker", "classifier", "both", "none")

#: catalogue info of every class, in probability order (parse once, not per frame)
_INFOS = tuple(catalogue.parse_class(name) for name in catalogue.CLASSES)
#: mistakes that mean the pattern is breaking down (the others are form faults)
_UNSTABLE_MISTAKES = frozenset({"unsteady", "drop", "walking", "together"})
#: tracker pattern -> classifier patterns it cannot tell apart (siteswap "3" is both)
_COMPATIBLE = {
    "cascade": frozenset({"cascade", "reverse", "columns"}),
    "fountain": frozenset({"fountain", "columns"}),
    "shower": frozenset({"shower"}),
    "flash": frozenset({"flash"}),
}
_GRAVITY = 9.8
_DWELL = 1.3


@dataclass(frozen=True)
class Claim:
    """One statement about the juggling, who makes it and how sure it is."""

    value: Any
    source: str = "none"  # "tracker" | "classifier" | "both" | "none"
    confidence: float = 0.0

    @property
    def known(self) -> bool:
        return self.source != "none" and self.value is not None


@dataclass(frozen=True)
class Advice:
    """Something to fix (a catalogue mistake) or to enjoy (a trick), with its source."""

    key: str  # a catalogue.MISTAKES or catalogue.TRICKS key
    kind: str  # "mistake" | "trick"
    text: str
    source: str
    confidence: float


@dataclass(frozen=True)
class FusionConfig:
    """Thresholds of the fusion rules (physical or statistical, not per-clip tuning)."""

    min_throws: int = 6  # throws the tracker must see before its count outranks the classifier
    # beat-period CV (robust: scaled MAD / median, tracking.analysis.rhythm_cv). Tuning
    # seeds 5-8, 10 s RGB-D: 3b_cascade_good 0.01-0.04, 3b_cascade_unsteady 0.10-0.24
    stable_cv: float = 0.06  # at or below: the pattern is steady
    unsteady_cv: float = 0.09  # above: the rhythm is uneven
    drop_memory_s: float = 3.0  # how long a drop keeps the pattern 'unstable'
    # apex / expected apex above which throws are too high, and below which too low
    # (physical: the coach's lesson bands and its ground-truth oracle tests sit inside
    # them). The tracker measured 3-ball classes (seed 1) at: good 0.83, too_low 0.34,
    # too_high 1.72; on synthetic:3 (seed 0) it reads 0.5-0.55, at the low edge
    high_ratio: float = 1.6
    low_ratio: float = 0.5
    min_advice_confidence: float = 0.35
    min_classifier_confidence: float = 0.25  # below: the classifier has no opinion (27 classes)
    # hands too close from the tracker's hand separation: off (0) by default. It is the
    # distance between median throw points, and it did not separate a good cascade
    # (0.015-0.04 m on synthetic:3) from hands_close (0.021 m); the classifier still says it
    close_hands_m: float = 0.0
    walking_drift_m: float = 0.5  # pattern centre moved this far: walking


_DEFAULT = FusionConfig()


@dataclass(frozen=True)
class JugglingState:
    """What is happening now, fused from both paths; read by display, report and coach."""

    frame_index: int
    t_s: float
    juggling: Claim = field(default_factory=lambda: Claim(None))  # bool
    ball_count: Claim = field(default_factory=lambda: Claim(None))  # int
    pattern: Claim = field(default_factory=lambda: Claim(None))  # cascade, shower, ...
    label: Claim = field(default_factory=lambda: Claim(None))  # a catalogue class name
    siteswap: Claim = field(default_factory=lambda: Claim(None))  # tracker only
    stable: Claim = field(default_factory=lambda: Claim(None))  # bool
    trick: Claim = field(default_factory=lambda: Claim(None))  # a catalogue.TRICKS key
    advice: tuple[Advice, ...] = ()
    throws_per_second: float | None = None
    agree: bool | None = None  # tracker and classifier agree on the ball count
    # carried from frame to frame so fuse() can stay pure
    throws_seen: int = 0
    drops_seen: int = 0
    last_drop_t_s: float | None = None

    @property
    def mistakes(self) -> tuple[Advice, ...]:
        return tuple(a for a in self.advice if a.kind == "mistake")

    def to_dict(self) -> dict:
        """JSON-friendly view (for reports and logs)."""

        def c(claim: Claim) -> dict:
            return {
                "value": claim.value,
                "source": claim.source,
                "confidence": round(claim.confidence, 3),
            }

        return {
            "frame_index": self.frame_index,
            "t_s": self.t_s,
            "juggling": c(self.juggling),
            "ball_count": c(self.ball_count),
            "pattern": c(self.pattern),
            "label": c(self.label),
            "siteswap": c(self.siteswap),
            "stable": c(self.stable),
            "trick": c(self.trick),
            "advice": [
                {
                    "key": a.key,
                    "kind": a.kind,
                    "text": a.text,
                    "source": a.source,
                    "confidence": round(a.confidence, 3),
                }
                for a in self.advice
            ],
            "throws_per_second": self.throws_per_second,
            "agree": self.agree,
        }


# --------------------------------------------------------------------------- helpers


def _either(a: float, b: float) -> float:
    """Confidence that two independent, agreeing witnesses are right."""
    return 1.0 - (1.0 - a) * (1.0 - b)


def _clip01(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def _num(metrics: dict, key: str) -> float | None:
    v = metrics.get(key)
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def canonical_siteswap(siteswap: str) -> str:
    """Smallest rotation of the shortest repeating unit: ``531`` -> ``153``, ``33`` -> ``3``."""
    s = siteswap.strip()
    n = len(s)
    for p in range(1, n + 1):
        if n % p == 0 and s[:p] * (n // p) == s:
            s = s[:p]
            break
    return min(s[i:] + s[:i] for i in range(len(s))) if s else s


def pattern_of_siteswap(siteswap: str | None) -> str | None:
    """The pattern a siteswap shows in catalogue words, or None when it has no name here.

    1 ball is a toss and 2 balls an exchange (the catalogue's words for beginners);
    from 3 balls: ``n`` is a cascade (odd) or fountain (even), ``51``/``71`` a
    shower, and equal throws followed by empty beats (``55500``) a flash.
    """
    if not siteswap or not siteswap.isdigit():
        return None
    s = canonical_siteswap(siteswap)
    digits = [int(ch) for ch in s]
    total = sum(digits)
    if total == 0 or total % len(digits):
        return None
    balls = total // len(digits)
    if balls == 1:
        return "toss"
    if balls == 2:
        return "exchange"
    if len(digits) == 1:
        return "cascade" if balls % 2 else "fountain"
    if len(digits) == 2 and 1 in digits and max(digits) % 2 == 1:
        return "shower"
    nonzero = {d for d in digits if d}
    if 0 in digits and len(nonzero) == 1 and sum(1 for d in digits if d) == balls:
        return "flash"
    return None


def expected_apex_m(ball_count: int) -> float | None:
    """Juggling Lab apex height above the hands for a cascade of ``ball_count`` balls."""
    if ball_count < 1:
        return None
    n = max(ball_count, 3)
    bps = {3: 2.90, 4: 3.40, 5: 4.10, 6: 4.25}.get(n, 5.0 if n <= 8 else 5.5)
    flight = (n - _DWELL) / bps
    return _GRAVITY * flight * flight / 8.0


def count_marginals(probs: Any) -> dict[int | None, float]:
    """Probability of each ball count (None = nobody juggling) summed over the classes."""
    out: dict[int | None, float] = {}
    for info, p in zip(_INFOS, probs, strict=False):
        key = info.ball_count
        out[key] = out.get(key, 0.0) + float(p)
    return out


# --------------------------------------------------------------------------- the rules


def _tracker_count(
    track: TrackState | None, throws: int, cfg: FusionConfig
) -> tuple[int | None, float]:
    if track is None or track.ball_count is None:
        return None, 0.0
    # trust grows with the throws watched; half-trust before min_throws
    conf = 0.5 + 0.45 * min(1.0, throws / (2.0 * cfg.min_throws))
    cv = _num(track.metrics, "period_cv")
    if cv is not None and cv > cfg.unsteady_cv:
        conf *= 0.85
    return int(track.ball_count), conf


def _classifier_label(scores: ClassScores | None, cfg: FusionConfig) -> catalogue.ClassInfo | None:
    if scores is None or scores.label not in catalogue.CLASSES:
        return None
    if not scores.confidence >= cfg.min_classifier_confidence:
        return None  # a guess barely above chance (1/27) is not a claim
    return _INFOS[catalogue.CLASSES.index(scores.label)]


def _fuse_count(
    t_count: int | None,
    t_conf: float,
    t_trusted: bool,
    scores: ClassScores | None,
    c_info: catalogue.ClassInfo | None,
) -> tuple[Claim, bool | None]:
    c_count: int | None = None
    c_conf = 0.0
    if scores is not None and c_info is not None:
        marg = count_marginals(scores.probs)
        c_count = c_info.ball_count if c_info.ball_count is not None else 0
        key = c_info.ball_count
        c_conf = _clip01(marg.get(key, scores.confidence))
    has_c = scores is not None and c_info is not None
    if t_count is None and not has_c:
        return Claim(None), None
    if t_count is None:
        return Claim(c_count, "classifier", c_conf), None
    if not has_c:
        return Claim(t_count, "tracker", t_conf), None
    if t_count == c_count:
        return Claim(t_count, "both", _either(t_conf, c_conf)), True
    # disagreement: the tracker outranks once it has seen enough throws
    if t_trusted:
        return Claim(t_count, "tracker", t_conf * (1.0 - 0.5 * c_conf)), False
    return Claim(c_count, "classifier", c_conf * (1.0 - 0.5 * t_conf)), False


def _fuse_pattern(
    siteswap: str | None,
    t_trusted: bool,
    t_conf: float,
    c_info: catalogue.ClassInfo | None,
    c_conf: float,
) -> Claim:
    t_pat = pattern_of_siteswap(siteswap) if siteswap else None
    c_pat = c_info.pattern if c_info is not None else None
    if t_pat is None and c_pat is None:
        return Claim(None)
    if t_pat is None:
        return Claim(c_pat, "classifier", c_conf)
    if c_pat is None:
        if c_info is not None and c_info.kind == "background":
            # the classifier sees nobody juggling while the tracker reads a pattern
            return Claim(t_pat, "tracker", t_conf * (1.0 - 0.5 * c_conf))
        return Claim(t_pat, "tracker", t_conf)
    if c_pat in _COMPATIBLE.get(t_pat, frozenset({t_pat})):
        # the classifier's name is the finer one (siteswap 3 is a cascade and a reverse)
        return Claim(c_pat, "both", _either(t_conf, c_conf))
    if t_trusted:
        return Claim(t_pat, "tracker", t_conf * (1.0 - 0.5 * c_conf))
    return Claim(c_pat, "classifier", c_conf * (1.0 - 0.5 * t_conf))


def _tracker_mistakes(
    track: TrackState,
    count: int | None,
    drop_recent: bool,
    t_conf: float,
    cfg: FusionConfig,
) -> dict[str, float]:
    out: dict[str, float] = {}
    if drop_recent:
        out["drop"] = 0.9
    m = track.metrics
    cv = _num(m, "period_cv")
    if cv is not None and cv > cfg.unsteady_cv:
        out["unsteady"] = _clip01(0.5 + (cv - cfg.unsteady_cv) * 2.0) * t_conf
    apex = _num(m, "mean_apex_height_m")
    expected = expected_apex_m(count) if count else None
    sep = _num(m, "hand_separation_m")
    if sep is not None and 0.0 < sep < cfg.close_hands_m:
        out["hands_close"] = 0.7 * t_conf
    drift = _num(m, "drift_m")
    if drift is not None and drift > cfg.walking_drift_m:
        out["walking"] = 0.6 * t_conf
    if apex is not None and expected:
        ratio = apex / expected
        if ratio > cfg.high_ratio:
            out["too_high"] = _clip01(0.5 + (ratio - cfg.high_ratio)) * t_conf
        elif ratio < cfg.low_ratio:
            out["too_low"] = _clip01(0.5 + (cfg.low_ratio - ratio) * 2.0) * t_conf
    return out


def fuse(
    track: TrackState | None,
    scores: ClassScores | None,
    *,
    previous: JugglingState | None = None,
    config: FusionConfig | None = None,
) -> JugglingState:
    """Combine the tracker's and the classifier's view of the same moment.

    Rules: the ball count comes from the tracker once it has seen
    ``config.min_throws`` throws, from the class name before; agreement raises
    confidence, disagreement lowers it. The siteswap only comes from the tracker;
    the pattern name from both (the classifier's finer name wins when they are
    compatible); advice joins the mistakes both report.
    """
    cfg = config or _DEFAULT
    frame_index = track.frame_index if track is not None else (scores.frame_index if scores else 0)
    t_s = track.t_s if track is not None else (scores.t_s if scores else 0.0)

    # ---- persistent facts carried through `previous`
    throws = previous.throws_seen if previous is not None else 0
    drops = previous.drops_seen if previous is not None else 0
    last_drop = previous.last_drop_t_s if previous is not None else None
    if track is not None:
        new_drops = 0
        for ev in track.events:
            if ev.type == "throw":
                throws += 1
            elif ev.type == "drop":
                new_drops += 1
                last_drop = ev.t_s if last_drop is None else max(last_drop, ev.t_s)
        reported = _num(track.metrics, "throws")
        if reported is not None:
            throws = max(throws, int(reported))
        reported = _num(track.metrics, "drops")
        if reported is not None and int(reported) > drops + new_drops:
            last_drop = t_s  # the running count grew without a drop event: it is news now
            new_drops = int(reported) - drops
        drops += new_drops
    drop_recent = last_drop is not None and 0.0 <= t_s - last_drop <= cfg.drop_memory_s

    # ---- ball count
    t_count, t_conf = _tracker_count(track, throws, cfg)
    t_trusted = t_count is not None and throws >= cfg.min_throws
    c_info = _classifier_label(scores, cfg)
    c_conf = _clip01(float(scores.confidence)) if scores is not None and c_info else 0.0
    ball_count, agree = _fuse_count(t_count, t_conf, t_trusted, scores, c_info)

    # ---- juggling at all
    t_jug: bool | None = None
    if track is not None:
        in_flight = any(b.in_flight for b in track.balls)
        t_jug = bool(in_flight or (t_count or 0) > 0 and throws > 0)
    c_jug = None if c_info is None else c_info.kind not in ("background", "pretend")
    if t_jug is None and c_jug is None:
        juggling = Claim(None)
    elif c_jug is None:
        juggling = Claim(t_jug, "tracker", t_conf if t_count is not None else 0.5)
    elif t_jug is None:
        juggling = Claim(c_jug, "classifier", c_conf)
    elif t_jug == c_jug:
        juggling = Claim(t_jug, "both", _either(max(t_conf, 0.5), c_conf))
    elif t_jug:  # balls seen flying outweigh a 'nobody juggling' guess
        juggling = Claim(True, "tracker", 0.5 * (1.0 - 0.5 * c_conf) + 0.25)
    else:
        juggling = Claim(c_jug, "classifier", c_conf * 0.5)

    # ---- siteswap and pattern
    siteswap_val = track.metrics.get("siteswap") if track is not None else None
    siteswap_val = str(siteswap_val) if siteswap_val not in (None, "") else None
    siteswap = Claim(siteswap_val, "tracker", t_conf) if siteswap_val else Claim(None)
    pattern = _fuse_pattern(siteswap_val, t_trusted, t_conf, c_info, c_conf)
    label = Claim(c_info.name, "classifier", c_conf) if c_info is not None else Claim(None)

    trick = Claim(None)
    if pattern.value in catalogue.TRICKS:
        trick = Claim(pattern.value, pattern.source, pattern.confidence)

    # ---- mistakes and advice
    t_mis = (
        _tracker_mistakes(track, ball_count.value, drop_recent, max(t_conf, 0.5), cfg)
        if track is not None
        else {}
    )
    c_mis: dict[str, float] = {}
    if c_info is not None and c_info.kind == "mistake" and c_info.detail:
        c_mis[c_info.detail] = c_conf
    advice: list[Advice] = []
    for key in catalogue.MISTAKES:  # catalogue order keeps the display steady
        tc, cc = t_mis.get(key), c_mis.get(key)
        if tc is None and cc is None:
            continue
        if tc is not None and cc is not None:
            src, conf = "both", _either(tc, cc)
        elif tc is not None:
            src, conf = "tracker", tc
        else:
            src, conf = "classifier", cc or 0.0
        if conf >= cfg.min_advice_confidence:
            advice.append(Advice(key, "mistake", catalogue.MISTAKES[key], src, conf))
    advice.sort(key=lambda a: -a.confidence)
    if trick.value is not None:
        advice.append(
            Advice(
                trick.value, "trick", catalogue.TRICKS[trick.value], trick.source, trick.confidence
            )
        )

    # ---- stable or not
    t_stable: bool | None = None
    t_stab_conf = 0.0
    if track is not None and t_count:
        cv = _num(track.metrics, "period_cv")
        if drop_recent:
            t_stable, t_stab_conf = False, 0.9
        elif cv is not None and throws >= cfg.min_throws:
            if cv <= cfg.stable_cv:
                t_stable, t_stab_conf = True, t_conf
            elif cv > cfg.unsteady_cv:
                t_stable, t_stab_conf = False, t_conf
    c_stable: bool | None = None
    if c_info is not None and c_info.kind in ("good", "trick"):
        c_stable = True
    elif c_info is not None and c_info.kind == "mistake":
        c_stable = c_info.detail not in _UNSTABLE_MISTAKES
    if t_stable is None and c_stable is None:
        stable = Claim(None)
    elif c_stable is None:
        stable = Claim(t_stable, "tracker", t_stab_conf)
    elif t_stable is None:
        stable = Claim(c_stable, "classifier", c_conf)
    elif t_stable == c_stable:
        stable = Claim(t_stable, "both", _either(t_stab_conf, c_conf))
    elif t_stab_conf >= c_conf:
        stable = Claim(t_stable, "tracker", t_stab_conf * (1.0 - 0.5 * c_conf))
    else:
        stable = Claim(c_stable, "classifier", c_conf * (1.0 - 0.5 * t_stab_conf))

    tps = _num(track.metrics, "throws_per_second") if track is not None else None
    return JugglingState(
        frame_index=frame_index,
        t_s=t_s,
        juggling=juggling,
        ball_count=ball_count,
        pattern=pattern,
        label=label,
        siteswap=siteswap,
        stable=stable,
        trick=trick,
        advice=tuple(advice),
        throws_per_second=tps,
        agree=agree,
        throws_seen=throws,
        drops_seen=drops,
        last_drop_t_s=last_drop,
    )
