"""Hand-made tracker/fusion streams for the coach tests (no simulator, no model)."""

from __future__ import annotations

import numpy as np

from edge_juggler import catalogue
from edge_juggler.fusion import Advice, Claim, JugglingState, fuse
from edge_juggler.neural.types import ClassScores
from edge_juggler.tracking.types import Event, TrackState

FPS = 30.0


def juggle_stream(
    *,
    balls: int,
    siteswap: str,
    throw_times: list[float],
    apex_m: float = 0.42,
    seconds: float | None = None,
    drops: tuple[float, ...] = (),
    period_cv: float | None = 0.05,
    flight_s: float = 0.6,
    scores_label: str | None = None,
    scores_conf: float = 0.8,
):
    """(state, track) pairs from fusing a hand-made TrackState stream, one per frame.

    Each throw at t gets a peak at t + flight/2 (height ``apex_m``) and a catch
    at t + flight, reported by the tracker in the frame they happen, unless a
    drop is listed at about that catch time (then a drop event instead).
    """
    end = seconds if seconds is not None else (max(throw_times) + flight_s + 0.5)
    events: list[Event] = []
    for t in throw_times:
        events.append(Event(t, "throw", 0, "right"))
        events.append(Event(t + flight_s / 2, "peak", 0, None, apex_m))
        tc = t + flight_s
        if any(abs(tc - d) < 1e-6 for d in drops):
            events.append(Event(tc, "drop", 0))
        else:
            events.append(Event(tc, "catch", 0, "left"))
    events.sort(key=lambda e: e.t_s)
    scores = None
    if scores_label is not None:
        probs = np.zeros(catalogue.NUM_CLASSES, np.float32)
        probs[catalogue.class_index(scores_label)] = scores_conf
        rest = (1.0 - scores_conf) / (catalogue.NUM_CLASSES - 1)
        probs[probs == 0] = rest
        scores = ClassScores(0, 0.0, probs, scores_label, scores_conf)
    out = []
    prev = None
    i = 0
    n = int(round(end * FPS)) + 1
    for k in range(n):
        t = k / FPS
        new = []
        while i < len(events) and events[i].t_s <= t + 1e-9:
            new.append(events[i])
            i += 1
        seen = sum(1 for e in events[:i] if e.type == "throw")
        metrics = {
            "siteswap": siteswap if seen >= 3 else None,
            "period_cv": period_cv if seen >= 3 else None,
            "mean_apex_height_m": apex_m if seen else None,
            "throws_per_second": None,
        }
        track = TrackState(
            frame_index=k,
            t_s=t,
            events=tuple(new),
            ball_count=balls if seen >= 2 else None,
            metrics=metrics,
        )
        prev = fuse(track, scores, previous=prev)
        out.append((prev, track))
    return out


def state(
    t: float,
    *,
    balls: int | None = None,
    pattern: str | None = None,
    trick: str | None = None,
    conf: float = 0.8,
    mistakes: tuple[str, ...] = (),
    throws_seen: int = 0,
    drops_seen: int = 0,
) -> JugglingState:
    """A JugglingState written by hand (classifier-like claims)."""
    advice = tuple(
        Advice(k, "mistake", catalogue.MISTAKES[k], "classifier", conf) for k in mistakes
    )
    return JugglingState(
        frame_index=int(round(t * FPS)),
        t_s=t,
        ball_count=Claim(balls, "classifier", conf) if balls is not None else Claim(None),
        pattern=Claim(pattern, "classifier", conf) if pattern else Claim(None),
        trick=Claim(trick, "classifier", conf) if trick else Claim(None),
        advice=advice,
        throws_seen=throws_seen,
        drops_seen=drops_seen,
    )


def even(start: float, period: float, n: int) -> list[float]:
    return [start + i * period for i in range(n)]
