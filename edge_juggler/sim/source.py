"""The ``synthetic:`` source: a simulated juggler seen by a simulated depth/colour camera.

Spec: ``synthetic:<siteswap or class>[?key=value&...]``, e.g. ``synthetic:3``,
``synthetic:531``, ``synthetic:(4,4)``,
``synthetic:3b_cascade_too_high?seed=7&profile=azure_nfov&seconds=10&modality=rgbd``.

Keys: ``seed`` (0), ``profile`` (azure_nfov), ``seconds`` (none = endless: the
world is simulated for one hour, which is what the live demo uses),
``modality`` (rgbd where the profile has depth, else color), ``fps`` (the
profile's), ``scale`` (1.0; 0.25 renders a quarter-size camera); any field of
``ScenarioSpec`` (``distance``, ``height_scale``, ``shiny_balls``...) overrides
the drawn scenario. Ground truth is on ``.truth``, never in the frames (an
endless source keeps the last ~10 minutes of per-frame truth, all events).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from edge_juggler import catalogue
from edge_juggler.capture.base import Source
from edge_juggler.capture.profiles import load_profile
from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics
from edge_juggler.sim.scenarios import World, apply_overrides, scenario_for
from edge_juggler.sim.truth import FrameTruth, GroundTruth, spec_params

ENDLESS_S = 3600.0
SOURCE_KEYS = ("seed", "profile", "seconds", "modality", "fps", "scale")
#: per-frame truth an endless source keeps (about 10 minutes at 30 fps)
KEEP_FRAMES_ENDLESS = 18000


class SyntheticSource(Source):
    """Frames of one simulated scenario; iterating again replays it identically."""

    def __init__(
        self,
        pattern: str = "3",
        *,
        seed: int = 0,
        profile: str = "azure_nfov",
        seconds: float | None = None,
        modality: str | None = None,
        fps: float | None = None,
        scale: float = 1.0,
        overrides: dict[str, str] | None = None,
        name: str | None = None,
    ) -> None:
        import numpy as np

        self.name = name or f"synthetic:{pattern}"
        self.pattern = pattern
        self.seed = int(seed)
        self.profile = load_profile(profile)
        if seconds is not None and not seconds > 0:
            raise InputError(f"{self.name}: seconds must be > 0")
        self.seconds = seconds
        if scale <= 0 or scale > 4:
            raise InputError(f"{self.name}: scale must be in (0, 4]")
        self.scale = float(scale)
        has_depth = self.profile.depth is not None
        self._modality = modality or ("rgbd" if has_depth else "color")
        if self._modality not in ("rgbd", "depth", "color"):
            raise InputError(f"{self.name}: modality must be rgbd, depth or color")
        if self._modality in ("rgbd", "depth") and not has_depth:
            raise InputError(f"{self.name}: profile {profile!r} has no depth stream")
        self._fps = float(fps or self.profile.fps)
        if not 0 < self._fps <= 1000:
            raise InputError(f"{self.name}: fps must be in (0, 1000]")
        rng = np.random.default_rng([self.seed, 1])
        spec = scenario_for(pattern, rng)
        self.spec = apply_overrides(spec, overrides or {}, self.name)
        self.world = World.build(self.spec, self.seed, seconds or ENDLESS_S)
        self.truth = self._new_truth()
        self._renderer = None

    def _new_truth(self) -> GroundTruth:
        w = self.world
        label = self.spec.label
        ss = self.spec.pattern or None
        if label is not None:
            info = catalogue.parse_class(label)
            # no single siteswap: nobody juggles, columns are not vanilla, flashes interrupt
            if info.kind in ("background", "pretend") or info.detail in ("columns", "flash"):
                ss = None
        return GroundTruth(
            label=label,
            siteswap=ss,
            ball_count=w.n_balls,
            seed=self.seed,
            fps=self._fps,
            duration_s=self.seconds,
            profile=self.profile.name,
            bps=w.bps,
            events=w.events,  # the live list: endless worlds extend it as they run
            params=spec_params(self.spec),
            ball_colours=list(w.ball_colours[: w.n_balls]),
            ball_shiny=list(w.ball_shiny[: w.n_balls]),
        )

    def _make_renderer(self):  # noqa: ANN202
        from edge_juggler.sim.render import Renderer

        return Renderer(
            self.world,
            self.profile,
            scale=self.scale,
            depth=self._modality in ("rgbd", "depth"),
            color=self._modality in ("rgbd", "color"),
        )

    @property
    def intrinsics(self) -> Intrinsics:
        base = self.profile.depth or self.profile.color
        assert base is not None
        if self.scale != 1.0:
            base = base.scaled(
                max(8, round(base.width * self.scale)), max(8, round(base.height * self.scale))
            )
        return base

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def frame_count(self) -> int | None:
        return None if self.seconds is None else max(1, int(round(self.seconds * self._fps)))

    @property
    def modality(self) -> str:
        return self._modality

    def describe(self) -> dict[str, Any]:
        d = super().describe()
        d.update(
            {
                "label": self.spec.label,
                "siteswap": self.truth.siteswap,
                "balls": self.world.n_balls,
                "seed": self.seed,
                "profile": self.profile.name,
                "duration_s": self.seconds,
            }
        )
        return d

    def __iter__(self) -> Iterator[Frame]:
        renderer = self._make_renderer()
        self._renderer = renderer
        self.truth = self._new_truth()
        n = self.frame_count
        limit = n if n is not None else int(ENDLESS_S * self._fps)
        intr = renderer.intr
        want_d = self._modality in ("rgbd", "depth")
        want_c = self._modality in ("rgbd", "color")
        for i in range(limit):
            t = i / self._fps
            state = self.world.state(t)
            r = renderer.render(state)
            if n is None and len(self.truth.frames) >= KEEP_FRAMES_ENDLESS:
                # endless runs keep the recent truth only (indices stay absolute)
                del self.truth.frames[: KEEP_FRAMES_ENDLESS // 2]
            self.truth.frames.append(
                FrameTruth(
                    index=i,
                    t_s=t,
                    balls_m=r.ball_cam,
                    balls_px=r.ball_px,
                    ball_visible=r.ball_visible,
                    ball_in_depth=r.ball_in_depth,
                    held_by=[None if h < 0 else ("right", "left")[h] for h in state.held_by],
                    ball_phase=state.phases,
                    hands_m=r.hand_cam,
                    hands_px=r.hand_px,
                    person=state.joints is not None,
                )
            )
            yield Frame(
                index=i,
                timestamp_us=int(round(t * 1e6)),
                color=r.color if want_c else None,
                depth=r.depth if want_d else None,
                intrinsics=intr,
                source=self.name,
            )


def parse_spec(rest: str) -> tuple[str, dict[str, str]]:
    """Split ``531?seed=3&profile=azure_wfov`` into the pattern and its parameters."""
    pattern, _, query = rest.partition("?")
    pattern = pattern.strip() or "3"
    try:
        params = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    except ValueError:
        raise InputError(f"synthetic:{rest}: cannot read parameters {query!r}") from None
    return pattern, params


def open_synthetic(rest: str) -> SyntheticSource:
    """``synthetic:<rest>`` -> SyntheticSource (InputError for bad patterns or parameters)."""
    name = f"synthetic:{rest}"
    pattern, params = parse_spec(rest)
    kwargs: dict[str, Any] = {}
    try:
        if "seed" in params:
            kwargs["seed"] = int(params.pop("seed"))
        if "seconds" in params:
            kwargs["seconds"] = float(params.pop("seconds"))
        if "fps" in params:
            kwargs["fps"] = float(params.pop("fps"))
        if "scale" in params:
            kwargs["scale"] = float(params.pop("scale"))
    except ValueError as exc:
        raise InputError(f"{name}: bad number ({exc})") from None
    if "profile" in params:
        kwargs["profile"] = params.pop("profile")
    if "modality" in params:
        kwargs["modality"] = params.pop("modality")
    return SyntheticSource(pattern, overrides=params, name=name, **kwargs)
