"""Fast clip generation for training the classifier (many short low-resolution clips)."""

from __future__ import annotations

from edge_juggler.frames import Frame
from edge_juggler.sim.source import SyntheticSource
from edge_juggler.sim.truth import GroundTruth


def clip_source(
    label: str,
    seed: int,
    *,
    seconds: float,
    fps: float = 30.0,
    profile: str = "azure_nfov",
    scale: float = 1.0,
    modality: str = "rgbd",
    **overrides: object,
) -> SyntheticSource:
    """The source ``render_clip`` renders (its world also knows what lies outside
    the clip)."""
    return SyntheticSource(
        label,
        seed=seed,
        profile=profile,
        seconds=seconds,
        modality=modality,
        fps=fps,
        scale=scale,
        overrides={k: str(v) for k, v in overrides.items()},
        name=f"synthetic:{label}?seed={seed}",
    )


def render_clip(
    label: str,
    seed: int,
    *,
    seconds: float,
    fps: float = 30.0,
    profile: str = "azure_nfov",
    scale: float = 1.0,
    modality: str = "rgbd",
    **overrides: object,
) -> tuple[list[Frame], GroundTruth]:
    """Render one clip of a catalogue class (or siteswap) and its ground truth.

    ``scale=0.25`` renders a 160x144 Azure NFOV camera directly (no resizing),
    which is what makes thousands of training clips cheap. Keyword overrides set
    scenario fields (e.g. ``distance=1.5``).
    """
    src = clip_source(
        label,
        seed,
        seconds=seconds,
        fps=fps,
        profile=profile,
        scale=scale,
        modality=modality,
        **overrides,
    )
    frames = list(src)
    return frames, src.truth
