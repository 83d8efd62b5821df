"""What the classical tracker hands to fusion: frozen, small, per frame."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ball:
    """A tracked ball in this frame (image pixels, metres when depth or scale is known)."""

    id: int
    x_px: float
    y_px: float
    in_flight: bool
    position_m: tuple[float, float, float] | None = None  # camera frame, z forward
    held_by: str | None = None  # "left" | "right" | None


@dataclass(frozen=True)
class Hand:
    side: str  # "left" | "right" (the juggler's, as seen mirrored by the camera)
    x_px: float
    y_px: float
    position_m: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Event:
    """A juggling event; ``type`` is throw | catch | peak | drop (report schema)."""

    t_s: float
    type: str
    ball: int | None
    hand: str | None = None
    height_m: float | None = None
    frame_index: int | None = None


@dataclass(frozen=True)
class TrackState:
    """The tracker's view after one frame: balls, hands, new events, running metrics."""

    frame_index: int
    t_s: float
    balls: tuple[Ball, ...] = ()
    hands: tuple[Hand, ...] = ()
    events: tuple[Event, ...] = ()  # events finalised during this frame
    ball_count: int | None = None  # robust running estimate (flight + held)
    metrics: dict = field(default_factory=dict)  # throws_per_second, siteswap, ...
    latency_ms: float = 0.0
