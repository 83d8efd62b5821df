"""Ground truth of a synthetic recording: per-frame positions and the event list.

It lives beside the frames (``SyntheticSource.truth``, ``render_clip``'s second
value, ``groundtruth.json``), never inside a ``Frame``: the tracker must not be
able to see it. Positions are in the camera frame (x right, y down, z forward,
metres) and in pixels of the rendered stream.

Events: ``throw`` and ``catch`` carry ``height_m`` = height above the floor;
``peak`` carries ``height_m`` = apex above the release point (Juggling Lab's
g T^2 / 8) and ``y_m`` = apex above the floor; ``drop`` is the first floor
impact (``missed_catch_t`` says when the hand missed it).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from edge_juggler.errors import InputError
from edge_juggler.sim.physics import HAND_NAMES


@dataclass
class FrameTruth:
    index: int
    t_s: float
    balls_m: np.ndarray  # (n, 3) camera frame
    balls_px: np.ndarray  # (n, 2)
    ball_visible: np.ndarray  # (n,) bool: in the image, centre not hidden by a hand/arm
    ball_in_depth: np.ndarray  # (n,) bool: visible and measurable (mask, range, not shiny)
    held_by: list[str | None]
    ball_phase: list[str]  # held | flight | falling | rolling | rest
    hands_m: np.ndarray  # (2, 3) right, left
    hands_px: np.ndarray  # (2, 2)
    person: bool

    def to_dict(self) -> dict:
        return {
            "index": self.index,
            "t_s": round(self.t_s, 6),
            "balls_m": np.round(self.balls_m, 4).tolist(),
            "balls_px": np.round(self.balls_px, 2).tolist(),
            "ball_visible": [bool(v) for v in self.ball_visible],
            "ball_in_depth": [bool(v) for v in self.ball_in_depth],
            "held_by": self.held_by,
            "ball_phase": self.ball_phase,
            "hands_m": np.round(self.hands_m, 4).tolist() if self.person else None,
            "hands_px": np.round(self.hands_px, 2).tolist() if self.person else None,
            "person": self.person,
        }


@dataclass
class GroundTruth:
    """What really happened in a synthetic recording."""

    label: str | None
    siteswap: str | None
    ball_count: int
    seed: int
    fps: float
    duration_s: float | None
    profile: str
    bps: float
    events: list[dict]
    params: dict
    ball_colours: list[tuple[int, int, int]]
    ball_shiny: list[bool] = field(default_factory=list)  # True: depth holes on that ball
    frames: list[FrameTruth] = field(default_factory=list)

    @property
    def throws(self) -> list[dict]:
        return [e for e in self.events if e["type"] == "throw"]

    def events_until(self, t_s: float) -> list[dict]:
        return [e for e in self.events if e["t_s"] <= t_s]

    def to_dict(self, frames: bool = True) -> dict:
        d = {
            "schema": "edge_juggler.groundtruth/1",
            "label": self.label,
            "siteswap": self.siteswap,
            "ball_count": self.ball_count,
            "seed": self.seed,
            "fps": self.fps,
            "duration_s": self.duration_s,
            "profile": self.profile,
            "beats_per_second": self.bps,
            "hands": list(HAND_NAMES),
            "coordinates": "camera frame: x right, y down, z forward, metres; pixels of the "
            "rendered stream",
            "params": self.params,
            "ball_colours_rgb": [list(c) for c in self.ball_colours],
            "ball_shiny": self.ball_shiny,
            "events": self.events,
        }
        if frames:
            d["frames"] = [f.to_dict() for f in self.frames]
        return d

    def write(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=None, separators=(",", ":")))


def read_groundtruth(path: str | Path) -> dict:
    """Load a ``groundtruth.json`` written by ``edge-juggler simulate`` (a recording folder
    or the file itself); InputError naming the file when it is missing or not one."""
    p = Path(path)
    if p.is_dir():
        p = p / "groundtruth.json"
    try:
        d = json.loads(p.read_text())
    except OSError as exc:
        raise InputError(f"{p}: cannot read ground truth ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise InputError(f"{p}: not valid JSON ({exc})") from None
    if not isinstance(d, dict) or d.get("schema") != "edge_juggler.groundtruth/1":
        raise InputError(f"{p}: not an edge_juggler ground-truth file")
    return d


def spec_params(spec) -> dict:  # noqa: ANN001
    d = asdict(spec)
    d.pop("extras", None)
    return d
