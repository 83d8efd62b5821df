"""Scenarios: a class name or siteswap plus a seed -> a fully determined juggling world.

``scenario_for(name, rng)`` maps every catalogue class (and any siteswap) to a
``ScenarioSpec`` of physical parameters drawn from class-specific ranges;
``World.build(spec, seed, duration)`` turns it into hand and ball paths, a
body, a camera pose and the event list. ``World.state(t)`` is the ground truth
at any time; the renderer only draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

from edge_juggler import catalogue, siteswap
from edge_juggler.errors import InputError
from edge_juggler.sim import physics as ph
from edge_juggler.sim.juggler import Body, pose, yaw_matrix
from edge_juggler.sim.physics import LEFT, RIGHT, BallPath, HandPath, ThrowEvent

BALL_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "orange": (255, 140, 0),
    "yellow": (250, 220, 20),
    "green": (30, 170, 60),
    "blue": (30, 90, 220),
    "magenta": (200, 40, 170),
    "white": (240, 240, 240),
    "cyan": (20, 200, 200),
}


def parse_colours(text: str) -> list[tuple[int, int, int]]:
    """``red,orange`` or ``ff8800,00aa00`` -> RGB tuples (InputError otherwise)."""
    out = []
    for item in (x.strip().lower() for x in text.split(",") if x.strip()):
        if item in BALL_COLOURS:
            out.append(BALL_COLOURS[item])
        elif len(item) == 6 and all(c in "0123456789abcdef" for c in item):
            out.append((int(item[0:2], 16), int(item[2:4], 16), int(item[4:6], 16)))
        else:
            raise InputError(
                f"ball_colours: {item!r} is neither RRGGBB nor one of {', '.join(BALL_COLOURS)}"
            )
    if not out:
        raise InputError("ball_colours: no colour given")
    return out


@dataclass
class ScenarioSpec:
    """Everything that makes one scenario; all fields can be overridden from a spec query."""

    label: str | None  # catalogue class, or None for a bare siteswap
    pattern: str = "3"  # siteswap (vanilla or sync) driving the hands; "" = none
    person: str = "juggle"  # juggle | none | stand | enter | leave | reach
    balls_real: bool = True  # False: pretend (hands move, no balls)
    height_scale: float = 1.0  # apex height multiplier (too high / too low)
    jitter_beats: float = 0.02  # sd of throw timing, in beats
    width_scale: float = 1.0  # pattern width (hands close < 1)
    hand_raise: float = 0.0  # metres above the comfortable hand height
    walk_speed: float = 0.0  # m/s forward/back walking while juggling
    together_every: int = 0  # every n-th throw leaves with the previous one
    drops: int = 0
    stop_after_drop: bool = False
    reverse: bool = False
    columns: bool = False
    mirror: bool = False  # the left hand leads (throws the first beat, the 5s of a shower)
    flash_every_s: float = 0.0
    distance: float = 2.0  # metres from camera to the juggler's feet
    lateral: float = 0.0
    sway: float = 0.03  # metres of slow body drift
    camera_height: float = 1.1
    camera_pitch_deg: float = 0.0
    camera_roll_deg: float = 0.0
    ball_radius: float = ph.BALL_RADIUS_M
    shiny_balls: bool = False
    ball_colours: str = ""  # "red,orange,..." or "ff8800,..."; empty = drawn from the seed
    extras: dict = field(default_factory=dict)


SITESWAP_FOR = {"toss": "300", "exchange": "330", "cascade": "3"}


def parse_pattern(text: str) -> tuple[tuple[int, ...], ph.ThrowFn, int]:
    """(throw values, throw function, balls) of a vanilla or synchronous siteswap."""
    if text.strip().startswith("("):
        sync = siteswap.parse_sync(text)
        values = tuple(v for pair in sync.pairs for v, _ in pair)
        return values, ph.sync_throws(list(sync.pairs)), sync.balls
    ss = siteswap.parse(text)
    return ss.throws, ph.async_throws(ss.throws), ss.balls


def scenario_for(name: str, rng: np.random.Generator) -> ScenarioSpec:
    """The scenario of a catalogue class or siteswap, with parameters drawn from ``rng``."""
    distance = float(rng.uniform(1.2, 3.0))
    camera_height = float(rng.uniform(0.95, 1.35))
    # people aim the camera at the pattern (about 1.25 m up), give or take a few degrees
    aim = math.degrees(math.atan2(camera_height - 1.25, distance)) + float(rng.uniform(-4, 4))
    common = dict(
        distance=distance,
        lateral=float(rng.uniform(-0.25, 0.25)),
        sway=float(rng.uniform(0.0, 0.06)),
        camera_height=camera_height,
        camera_pitch_deg=aim,
        camera_roll_deg=float(rng.uniform(-3.0, 3.0)),
        ball_radius=float(rng.uniform(0.03, 0.04)),
        shiny_balls=bool(rng.random() < 0.3),
        jitter_beats=float(rng.uniform(0.0, 0.03)),
        mirror=bool(rng.random() < 0.5),
    )
    if name not in catalogue.CLASSES:
        if "_" in name:
            close = [c for c in catalogue.CLASSES if c.startswith(name.split("_")[0] + "_")]
            raise InputError(
                f"synthetic:{name}: not a catalogue class; classes like it: "
                f"{', '.join(close or catalogue.CLASSES[:6])}"
            )
        parse_pattern(name)  # validates, raises InputError
        return ScenarioSpec(label=None, pattern=name, **common)
    info = catalogue.parse_class(name)
    spec = ScenarioSpec(label=name, **common)
    if info.kind == "background":
        spec.pattern = ""
        spec.person = {
            "empty": "none",
            "standing": "stand",
            "entering": "enter",
            "leaving": "leave",
            "reaching": "reach",
        }[info.detail or "standing"]
        spec.balls_real = False
        return spec
    if info.kind == "pretend":
        return replace(spec, pattern="3", balls_real=False)
    if info.kind == "trick":
        trick = info.detail
        if trick == "shower":
            return replace(spec, pattern="51")
        if trick == "reverse":
            return replace(spec, pattern="3", reverse=True)
        if trick == "columns":
            return replace(
                spec, pattern="3", columns=True, height_scale=float(rng.uniform(0.6, 0.9))
            )
        if trick == "flash":
            return replace(spec, pattern="3", flash_every_s=float(rng.uniform(2.0, 3.5)))
    spec.pattern = SITESWAP_FOR[info.pattern or "cascade"]
    d = info.detail
    if d == "too_high":
        spec.height_scale = float(rng.uniform(1.8, 3.0))
    elif d == "too_low":
        spec.height_scale = float(rng.uniform(0.3, 0.5))
    elif d == "unsteady":
        spec.jitter_beats = float(rng.uniform(0.1, 0.18))
    elif d == "hands_close":
        spec.width_scale = float(rng.uniform(0.25, 0.45))
    elif d == "hands_high":
        spec.hand_raise = float(rng.uniform(0.2, 0.32))
    elif d == "walking":
        spec.walk_speed = float(rng.uniform(0.25, 0.45))
        spec.distance = float(rng.uniform(2.3, 2.8))
    elif d == "together":
        spec.together_every = int(rng.integers(2, 4)) if spec.pattern != "330" else 1
    elif d == "drop":
        spec.drops = 1
        spec.stop_after_drop = info.ball_count is not None and info.ball_count < 3
    return spec


def apply_overrides(spec: ScenarioSpec, params: dict[str, str], where: str) -> ScenarioSpec:
    """Override spec fields from query parameters (``?height_scale=2&distance=1.5``)."""
    types = {f.name: f.type for f in fields(ScenarioSpec)}
    changes: dict = {}
    for key, text in params.items():
        if key not in types or key in ("label", "extras"):
            raise InputError(f"{where}: unknown parameter {key!r}")
        t = str(types[key])
        try:
            if "bool" in t:
                changes[key] = text.lower() in ("1", "true", "yes", "on")
            elif "int" in t:
                changes[key] = int(text)
            elif "float" in t:
                changes[key] = float(text)
            else:
                changes[key] = text
        except ValueError:
            raise InputError(f"{where}: {key}={text!r} is not a number") from None
    if "pattern" in changes and changes["pattern"]:
        parse_pattern(changes["pattern"])
    if changes.get("ball_colours"):
        parse_colours(changes["ball_colours"])
    limits = {
        "height_scale": (0.05, 20.0),
        "distance": (0.4, 10.0),
        "ball_radius": (0.005, 0.2),
        "width_scale": (0.0, 4.0),
        "jitter_beats": (0.0, 0.5),
        "walk_speed": (0.0, 2.0),
        "camera_height": (0.1, 3.0),
        "camera_pitch_deg": (-60.0, 60.0),
        "camera_roll_deg": (-45.0, 45.0),
        "drops": (0, 20),
        "together_every": (0, 100),
    }
    for key, value in changes.items():
        if key in limits and not limits[key][0] <= value <= limits[key][1]:
            lo, hi = limits[key]
            raise InputError(f"{where}: {key}={value} is outside [{lo}, {hi}]")
    return replace(spec, **changes)


# ----------------------------------------------------------------------------- world


@dataclass
class Camera:
    """Camera pose in the world (x right, y up, z forward)."""

    height: float
    pitch: float  # radians, positive looks down
    roll: float = 0.0  # radians about the optical axis (a camera not quite level)

    @property
    def rotation(self) -> np.ndarray:
        c, s = math.cos(self.pitch), math.sin(self.pitch)
        # world -> camera: flip y, then pitch about x, then roll about the optical axis
        pitched = np.array([[1.0, 0.0, 0.0], [0.0, -c, -s], [0.0, -s, c]])
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        return np.array([[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]]) @ pitched

    @property
    def centre(self) -> np.ndarray:
        return np.array([0.0, self.height, 0.0])

    def to_camera(self, p_world: np.ndarray) -> np.ndarray:
        return (np.asarray(p_world) - self.centre) @ self.rotation.T

    def to_world(self, p_cam: np.ndarray) -> np.ndarray:
        return np.asarray(p_cam) @ self.rotation + self.centre


@dataclass
class WorldState:
    """Ground truth at one instant (world frame)."""

    t: float
    balls: np.ndarray  # (n, 3)
    held_by: np.ndarray  # (n,) hand index or -1
    phases: list[str]
    hands: np.ndarray  # (2, 3)
    joints: np.ndarray | None  # body joints, None when nobody is there
    yaw: float


@dataclass
class World:
    spec: ScenarioSpec
    seed: int
    duration: float
    camera: Camera
    body: Body | None
    bps: float
    n_balls: int
    ball_colours: list[tuple[int, int, int]]
    hand_paths: list[HandPath]
    ball_paths: list[BallPath]
    events: list[dict]
    throws: list[ThrowEvent]
    origin_fn: object
    yaw_fn: object
    stride: float
    hand_offset: np.ndarray

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, spec: ScenarioSpec, seed: int, duration: float) -> World:
        rng = np.random.default_rng([seed, 7])
        body = Body.sample(rng) if spec.person != "none" else None
        camera = Camera(
            spec.camera_height,
            math.radians(spec.camera_pitch_deg),
            math.radians(spec.camera_roll_deg),
        )
        z0 = spec.distance
        x0 = spec.lateral * min(1.0, z0 / 2.0)
        sway_p = rng.uniform(4.0, 11.0, size=3)
        sway_ph = rng.uniform(0, 2 * np.pi, size=3)
        stride = 0.0
        walk = spec.walk_speed
        person = spec.person
        span = min(duration, 4.0)
        walk_start = float(rng.uniform(0.05, 0.2)) * span
        enter_t = (walk_start, walk_start + float(rng.uniform(0.5, 0.75)) * span)
        side = float(rng.choice([-1.0, 1.0]))
        off_x = side * (z0 * 0.75 + 0.8)

        def origin_fn(t: float) -> np.ndarray:
            s = spec.sway
            x = x0 + s * math.sin(2 * math.pi * t / sway_p[0] + sway_ph[0])
            z = z0 + 0.7 * s * math.sin(2 * math.pi * t / sway_p[1] + sway_ph[1])
            if walk > 0:
                amp = max(min(0.55, 0.5 * (z0 - 1.3)), 0.05)
                period = 4 * amp / walk
                z = z0 - amp + amp * math.cos(2 * math.pi * t / period)
            if person in ("enter", "leave"):
                a, b = enter_t
                u = min(max((t - a) / (b - a), 0.0), 1.0)
                if person == "leave":
                    u = 1.0 - u
                x = off_x + (x - off_x) * u
            return np.array([x, 0.0, z])

        def yaw_fn(t: float) -> float:
            base = 0.08 * math.sin(2 * math.pi * t / sway_p[2] + sway_ph[2])
            if person in ("enter", "leave"):
                a, b = enter_t
                if a - 0.3 < t < b + 0.3:
                    turn = -side * 1.1 if person == "enter" else side * 1.1
                    k = min(t - (a - 0.3), (b + 0.3) - t, 0.3) / 0.3
                    return base + turn * k
            return base

        if walk > 0 or person in ("enter", "leave"):
            stride = 0.18 if walk > 0 else 0.3
        hand_offset = np.array([0.0, spec.ball_radius * 0.9, 0.0])
        world = cls(
            spec=spec,
            seed=seed,
            duration=duration,
            camera=camera,
            body=body,
            bps=2.0,
            n_balls=0,
            ball_colours=[],
            hand_paths=[],
            ball_paths=[],
            events=[],
            throws=[],
            origin_fn=origin_fn,
            yaw_fn=yaw_fn,
            stride=stride,
            hand_offset=hand_offset,
        )
        world._build_motion(rng)
        return world

    def _local_to_world(self, p_local: np.ndarray, t: float) -> np.ndarray:
        return self.origin_fn(t) + yaw_matrix(self.yaw_fn(t)) @ p_local

    def hand_world(self, hand: int, t: float) -> np.ndarray:
        return self._local_to_world(self.hand_paths[hand].at(t), t)

    def _build_motion(self, rng: np.random.Generator) -> None:
        spec, body = self.spec, self.body
        self._pick_ball_looks(np.random.default_rng([self.seed, 13]))
        if body is None:
            self.hand_paths = [HandPath.build([], np.zeros(3), 0, 0) for _ in range(2)]
            return
        hy = body.hand_y + spec.hand_raise
        hz = -0.30 * body.height / 1.75
        rests = [
            np.array([side * (body.shoulder_half + 0.05), 0.49 * body.height, -0.02])
            for side in (-1.0, 1.0)
        ]
        if not spec.pattern:
            self.hand_paths = self._background_hands(rng, rests, hy, hz)
            return
        values, throw_fn, _ = parse_pattern(spec.pattern)
        if spec.columns:
            throw_fn = _columns_throws()
            values = (4,)
        bps = ph.beats_per_second(values) / math.sqrt(spec.height_scale)
        self.bps = bps
        h = max(max(values), 5)
        first = -2 * h - 4
        last = int(math.ceil(self.duration * bps)) + h + 2
        if spec.flash_every_s > 0:
            seq: dict[int, int] = {}
            step = max(int(spec.flash_every_s * bps), 8)
            for start in range(int(rng.integers(3, 8)), last, step):
                for k, v in enumerate((5, 5, 5, 0, 0)):
                    seq[start + k] = v
            throw_fn = ph.sequence_throws(seq, throw_fn)
        events, n = ph.link_balls(throw_fn, first, last, bps, ph.DWELL_BEATS)
        self.n_balls = n if spec.balls_real else 0
        # timing: jitter, catch times from the next throw of the same ball
        beat = 1.0 / bps
        for ev in events:
            ev.t = ev.beat * beat + float(rng.normal(0, spec.jitter_beats)) * beat
        by_ball: dict[int, list[ThrowEvent]] = {}
        for ev in events:
            by_ball.setdefault(ev.ball, []).append(ev)
        for evs in by_ball.values():
            for a, b in zip(evs, evs[1:], strict=False):
                d = ph.dwell_for(a.value) * (1 + float(rng.normal(0, spec.jitter_beats)))
                a.t_catch = b.t - d * beat
            evs[-1].t_catch = evs[-1].t + (evs[-1].value - ph.dwell_for(evs[-1].value)) * beat
        if spec.together_every > 0:
            # a throw leaves with the other hand's throw one beat earlier
            beats_thrown = {(ev.beat, ev.hand) for ev in events}
            previous = {}
            for evs in by_ball.values():
                for a, b in zip(evs, evs[1:], strict=False):
                    previous[id(b)] = a
            k = 0
            for ev in events:
                if ev.beat > 0 and (ev.beat - 1, 1 - ev.hand) in beats_thrown:
                    k += 1
                    if k % spec.together_every == 0:
                        ev.t -= beat
                        prev = previous.get(id(ev))
                        if prev is not None:
                            prev.t_catch = min(prev.t_catch, ev.t - 0.2 * beat)
        for ev in events:
            ev.t_catch = max(ev.t_catch, ev.t + 0.12)
        if spec.mirror:
            for ev in events:
                ev.hand, ev.catch_hand = 1 - ev.hand, 1 - ev.catch_hand
        # geometry
        inner, outer = 0.10 * spec.width_scale, 0.30 * spec.width_scale
        if spec.reverse:
            inner, outer = outer, inner
        for ev in events:
            sh, sc = (-1.0 if ev.hand == RIGHT else 1.0), (-1.0 if ev.catch_hand == RIGHT else 1.0)
            if spec.columns:
                centre = (ev.beat // 2) % 2 == 0
                x = 0.0 if centre else sh * 0.2 * spec.width_scale
                tx, cx = x, x
            else:
                tx = sh * inner
                cx = sc * (0.5 * (inner + outer) if ev.value == 1 else outer)
            jz = rng.normal(0, 0.015, size=2)
            jx = rng.normal(0, 0.01, size=2)
            ev.throw_local = np.array([tx + jx[0], hy, hz + jz[0]])
            ev.catch_local = np.array([cx + jx[1], hy, hz + jz[1]])
        # drops
        real = [e for e in events if e.t > 0.5 and e.t_catch < self.duration - 0.6]
        drop_events: list[ThrowEvent] = []
        if spec.drops and spec.balls_real and real:
            horizon = min(self.duration, 12.0)
            pool = [e for e in real if 0.3 * horizon < e.t < 0.7 * horizon] or real
            for ev in rng.choice(len(pool), size=min(spec.drops, len(pool)), replace=False):
                drop_events.append(pool[int(ev)])
        stop_t = math.inf
        for de in drop_events:
            de.dropped = True
            for e in by_ball[de.ball]:
                if e.t > de.t:
                    e.ball = -1
            if spec.stop_after_drop:
                stop_t = min(stop_t, de.t_catch + 0.5)
        if not spec.balls_real:
            for ev in events:
                ev.ball = -1
        events = [e for e in events if e.t < stop_t]
        # hands
        keys: list[list[tuple[float, str, np.ndarray]]] = [[], []]
        for ev in events:
            keys[ev.hand].append((ev.t, "throw", ev.throw_local))
            if ev.t_catch < stop_t:
                keys[ev.catch_hand].append((ev.t_catch, "catch", ev.catch_local))
        dip = 0.08 * body.height / 1.75
        self.hand_paths = [HandPath.build(keys[i], rests[i], dip, 0.03) for i in range(2)]
        # balls
        self.throws = events
        self._pending = sorted((e for e in events if e.ball >= 0), key=lambda e: e.t)
        self._next = 0
        self._until = -math.inf
        self._all_events: list[dict] = []
        self._drop_rng = np.random.default_rng([self.seed, 9])
        self._started = [False] * self.n_balls
        self.ball_paths = [BallPath(b) for b in range(self.n_balls)]
        self.ensure(0.0)
        self._pick_ball_looks(rng)

    def _pick_ball_looks(self, rng: np.random.Generator) -> None:
        """Ball colours (drawn, or ``spec.ball_colours``) and which balls are shiny."""
        n = max(self.n_balls, 1)
        names = list(BALL_COLOURS)
        idx = rng.permutation(len(names))
        self.ball_colours = [BALL_COLOURS[names[idx[i % len(names)]]] for i in range(n)]
        if self.spec.ball_colours:
            wanted = parse_colours(self.spec.ball_colours)
            self.ball_colours = [wanted[i % len(wanted)] for i in range(n)]
        # shiny balls: the IR return saturates and the middle of the ball reads no depth
        shiny = rng.random(n) < 0.75
        shiny[int(rng.integers(n))] = True
        if not self.spec.shiny_balls:
            shiny[:] = False
        self.ball_shiny = [bool(x) for x in shiny]
        self.ball_hole = [float(x) for x in rng.uniform(0.55, 0.95, n)]

    def ensure(self, t: float) -> None:
        """Make the ball paths and events valid up to time ``t`` (built in 30 s chunks).

        Endless sources would otherwise pay for an hour of physics up front.
        """
        if not self.ball_paths or t + 5.0 <= self._until:
            return
        until = min(t + 30.0, self.duration + 5.0)
        if until <= self._until:
            return
        rng = self._drop_rng
        paths, started = self.ball_paths, self._started
        off = self.hand_offset
        pending = self._pending
        while self._next < len(pending) and pending[self._next].t <= until:
            ev = pending[self._next]
            self._next += 1
            path = paths[ev.ball]
            if not started[ev.ball]:
                path.add_held(-1e9, ev.hand)
                started[ev.ball] = True
            p0 = self.hand_world(ev.hand, ev.t) + off
            p1 = self.hand_world(ev.catch_hand, ev.t_catch) + off
            flight = ev.t_catch - ev.t
            v0 = ph.flight_velocity(p0, p1, flight)
            ev.p0, ev.v0 = p0, v0
            path.add_ballistic(ev.t, p0, v0, ph.GRAVITY, "flight")
            apex_dt = v0[1] / ph.G
            hand = ph.HAND_NAMES[ev.hand]
            self._all_events.append(
                _event(ev.t, "throw", ev.ball, hand, float(p0[1]), value=ev.value)
            )
            if 0 < apex_dt < flight or ev.dropped and apex_dt > 0:
                pa = p0 + v0 * apex_dt + 0.5 * ph.GRAVITY * apex_dt**2
                self._all_events.append(
                    _event(
                        ev.t + apex_dt,
                        "peak",
                        ev.ball,
                        None,
                        float(v0[1] ** 2 / (2 * ph.G)),
                        y_m=float(pa[1]),
                    )
                )
            if ev.dropped:
                v1 = v0 + ph.GRAVITY * flight
                v1 = v1 + np.array([rng.uniform(-0.8, 0.8), 0.0, rng.uniform(-0.9, 0.2)])
                t_hit = ph.drop_segments(path, ev.t_catch, p1, v1, rng, self.spec.ball_radius)
                self._all_events.append(
                    _event(
                        t_hit,
                        "drop",
                        ev.ball,
                        ph.HAND_NAMES[ev.catch_hand],
                        0.0,
                        missed_catch_t=ev.t_catch,
                    )
                )
            else:
                path.add_held(ev.t_catch, ev.catch_hand)
                self._all_events.append(
                    _event(
                        ev.t_catch,
                        "catch",
                        ev.ball,
                        ph.HAND_NAMES[ev.catch_hand],
                        float(p1[1]),
                    )
                )
        self._until = until
        known = min(until, self.duration)
        self.events[:] = sorted(
            (e for e in self._all_events if 0.0 <= e["t_s"] <= known), key=lambda e: e["t_s"]
        )

    def throw_times(self, t0: float, t1: float) -> list[float]:
        """Every scheduled throw between t0 and t1, also before 0 or after the
        recording, which the truth's events leave out (evaluation at its edges)."""
        self.ensure(t1)
        return sorted(
            e["t_s"] for e in self._all_events if e["type"] == "throw" and t0 <= e["t_s"] <= t1
        )

    def _background_hands(self, rng, rests, hy, hz) -> list[HandPath]:  # noqa: ANN001
        body = self.body
        assert body is not None
        if self.spec.person == "stand":
            return self._fidget_hands(rng, rests)
        if self.spec.person != "reach":
            keys = [[(0.0, "pose", rests[i])] for i in range(2)]
            return [HandPath.build(keys[i], rests[i], 0, 0, max_gap=1e9) for i in range(2)]
        keys = [[], []]
        t = float(rng.uniform(0.2, 1.0))
        while t < self.duration + 3:
            both = rng.random() < 0.4
            hands = [0, 1] if both else [int(rng.integers(2))]
            reach_t = float(rng.uniform(0.5, 0.9))
            hold = float(rng.uniform(0.3, 1.0))
            for i in hands:
                side = -1.0 if i == 0 else 1.0
                target = np.array(
                    [
                        side * rng.uniform(0.0, 0.15),
                        rng.uniform(0.68, 0.8) * body.height,
                        -rng.uniform(0.55, 0.68) * body.height / 1.75,
                    ]
                )
                keys[i] += [
                    (t, "pose", rests[i]),
                    (t + reach_t, "pose", target),
                    (t + reach_t + hold, "pose", target),
                    (t + 2 * reach_t + hold, "pose", rests[i]),
                ]
            t += 2 * reach_t + hold + float(rng.uniform(0.3, 1.5))
        return [HandPath.build(keys[i], rests[i], 0, 0, max_gap=1e9) for i in range(2)]

    def _fidget_hands(self, rng: np.random.Generator, rests: list[np.ndarray]) -> list[HandPath]:
        """Someone standing still still moves: hands to the hips, together, to the face."""
        body = self.body
        assert body is not None
        h = body.height
        keys: list[list[tuple[float, str, np.ndarray]]] = [[(0.0, "pose", r)] for r in rests]
        t = float(rng.uniform(0.3, 2.0))
        while t < self.duration + 3:
            kind = int(rng.integers(4))
            move, hold = float(rng.uniform(0.5, 0.9)), float(rng.uniform(0.5, 3.0))
            hands = [0, 1] if kind in (0, 1) else [int(rng.integers(2))]
            for i in hands:
                side = -1.0 if i == 0 else 1.0
                if kind == 0:  # hands on the hips
                    target = np.array([side * (body.hip_half + 0.06), 0.55 * h, 0.0])
                elif kind == 1:  # hands together in front
                    target = np.array([side * 0.04, 0.52 * h, -0.2 * h / 1.75])
                elif kind == 2:  # touch the face
                    target = np.array([side * 0.05, 0.88 * h, -0.13 * h / 1.75])
                else:  # a small gesture
                    target = rests[i] + np.array([side * 0.05, 0.25 * h, -0.25]) * rng.random()
                keys[i] += [
                    (t, "pose", rests[i]),
                    (t + move, "pose", target),
                    (t + move + hold, "pose", target),
                    (t + 2 * move + hold, "pose", rests[i]),
                ]
            t += 2 * move + hold + float(rng.uniform(1.0, 4.0))
        return [HandPath.build(keys[i], rests[i], 0, 0, max_gap=1e9) for i in range(2)]

    # ------------------------------------------------------------------ query
    def state(self, t: float) -> WorldState:
        self.ensure(t)
        hands = np.array([self.hand_world(0, t), self.hand_world(1, t)])
        n = self.n_balls
        balls = np.zeros((n, 3))
        held = np.full(n, -1, dtype=int)
        phases: list[str] = []

        def hand_pos(i: int, tt: float) -> np.ndarray:
            return hands[i] if tt == t else self.hand_world(i, tt)

        for b, path in enumerate(self.ball_paths):
            p, hb, phase = path.state(t, hand_pos, self.hand_offset)
            balls[b], held[b] = p, hb
            phases.append(phase)
        joints = None
        yaw = self.yaw_fn(t)
        if self.body is not None:
            origin = self.origin_fn(t)
            step_phase = 0.0
            if self.stride > 0:
                step_phase = 2 * math.pi * 0.9 * t
                origin = origin + np.array([0.0, 0.012 * abs(math.sin(step_phase)), 0.0])
            moving = self.stride > 0 and (self.spec.walk_speed > 0 or self._walking_sideways(t))
            if moving and not self.spec.pattern:
                # arms swing against the legs while walking in or out
                fwd = yaw_matrix(yaw) @ np.array([0.0, 0.0, -0.14 * math.sin(step_phase)])
                hands = hands + np.array([fwd, -fwd])
            joints = pose(self.body, origin, yaw, hands, step_phase, self.stride if moving else 0.0)
        return WorldState(t, balls, held, phases, hands, joints, yaw)

    def _walking_sideways(self, t: float) -> bool:
        o0, o1 = self.origin_fn(t - 0.05), self.origin_fn(t + 0.05)
        return float(np.linalg.norm(o1 - o0)) > 0.02


def _event(t: float, kind: str, ball: int, hand: str | None, height: float, **extra) -> dict:
    d = {"t_s": float(t), "type": kind, "ball": int(ball), "hand": hand, "height_m": height}
    d.update(extra)
    return d


def _columns_throws() -> ph.ThrowFn:
    """Three-ball columns: the middle ball from the right hand, then both outside balls."""

    def fn(j: int) -> list[tuple[int, int, int]]:
        if j % 2:
            return []
        if (j // 2) % 2 == 0:
            return [(RIGHT, 4, RIGHT)]
        return [(RIGHT, 4, RIGHT), (LEFT, 4, LEFT)]

    return fn
