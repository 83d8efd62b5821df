"""Camera profiles (calibration/profiles/*.json): fallback intrinsics and ranges.

A source uses a profile when its file carries no intrinsics; the simulator
renders through one so synthetic frames look like that camera.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from edge_juggler.errors import InputError
from edge_juggler.frames import Intrinsics
from edge_juggler.resources import calibration_dir


@dataclass(frozen=True)
class CameraProfile:
    name: str
    description: str
    fps: float
    color: Intrinsics | None
    depth: Intrinsics | None
    depth_range_m: tuple[float, float] | None
    depth_mask: str | None  # "nfov_hexagon" for Azure Kinect NFOV modes, else None

    @property
    def tracking_intrinsics(self) -> Intrinsics:
        """Intrinsics of the stream the tracker uses (depth when there is one)."""
        intr = self.depth or self.color
        assert intr is not None
        return intr


def profile_names() -> list[str]:
    return sorted(p.stem for p in (calibration_dir() / "profiles").glob("*.json"))


@lru_cache(maxsize=32)
def load_profile(name: str) -> CameraProfile:
    """Load ``calibration/profiles/<name>.json``; InputError naming the choices if absent."""
    path = calibration_dir() / "profiles" / f"{name}.json"
    if not path.exists():
        raise InputError(f"camera profile {name!r} not found; choose one of {profile_names()}")
    try:
        d = json.loads(path.read_text())
        rng = d.get("depth_range_m")
        return CameraProfile(
            name=name,
            description=d.get("description", ""),
            fps=float(d["fps"]),
            color=Intrinsics.from_dict(d["color"]) if d.get("color") else None,
            depth=Intrinsics.from_dict(d["depth"]) if d.get("depth") else None,
            depth_range_m=(float(rng[0]), float(rng[1])) if rng else None,
            depth_mask=d.get("depth_mask"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path}: not a valid camera profile ({exc})") from None
