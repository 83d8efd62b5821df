"""Frame and Intrinsics: the contract every stage of the pipeline speaks.

Units (DESIGN.md): depth is uint16 millimetres with 0 = no reading, colour is
H x W x 3 uint8 RGB, time is ``timestamp_us`` from the device or file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics of one camera stream, in pixels."""

    fx: float
    fy: float
    cx: float
    cy: float
    width: int
    height: int

    def scaled(self, width: int, height: int) -> Intrinsics:
        """The same camera resampled to another resolution (e.g. binned modes)."""
        sx, sy = width / self.width, height / self.height
        return Intrinsics(
            fx=self.fx * sx,
            fy=self.fy * sy,
            cx=(self.cx + 0.5) * sx - 0.5,
            cy=(self.cy + 0.5) * sy - 0.5,
            width=width,
            height=height,
        )

    def project(self, points_m: np.ndarray) -> np.ndarray:
        """Camera-frame points (..., 3) in metres (z forward) -> pixels (..., 2)."""
        p = np.asarray(points_m, dtype=np.float64)
        z = p[..., 2]
        u = self.fx * p[..., 0] / z + self.cx
        v = self.fy * p[..., 1] / z + self.cy
        return np.stack([u, v], axis=-1)

    def deproject(self, u: np.ndarray, v: np.ndarray, z_m: np.ndarray) -> np.ndarray:
        """Pixels plus depth in metres -> camera-frame points (..., 3) in metres."""
        z = np.asarray(z_m, dtype=np.float64)
        x = (np.asarray(u, dtype=np.float64) - self.cx) * z / self.fx
        y = (np.asarray(v, dtype=np.float64) - self.cy) * z / self.fy
        return np.stack([x, y, z], axis=-1)

    def metres_to_pixels(self, size_m: float, z_m: float) -> float:
        """How many pixels an object of ``size_m`` spans at distance ``z_m``."""
        return size_m * 0.5 * (self.fx + self.fy) / max(z_m, 1e-6)

    def to_dict(self) -> dict[str, float | int]:
        return {
            "fx": self.fx,
            "fy": self.fy,
            "cx": self.cx,
            "cy": self.cy,
            "width": self.width,
            "height": self.height,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Intrinsics:
        return cls(
            fx=float(d["fx"]),
            fy=float(d["fy"]),
            cx=float(d["cx"]),
            cy=float(d["cy"]),
            width=int(d["width"]),
            height=int(d["height"]),
        )


@dataclass(frozen=True, eq=False)
class Frame:
    """One capture: colour and/or depth with a device timestamp.

    ``intrinsics`` belong to the stream the tracker uses (depth when present,
    otherwise colour); ``color_intrinsics`` is set when colour differs from it.
    Arrays are not copied; treat them as read-only.
    """

    index: int
    timestamp_us: int
    color: np.ndarray | None = None
    depth: np.ndarray | None = None
    intrinsics: Intrinsics | None = None
    source: str = ""
    color_intrinsics: Intrinsics | None = None
    extras: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.color is None and self.depth is None and not self.extras:
            raise ValueError("a Frame needs colour, depth or extras")
        if self.depth is not None and (self.depth.dtype != np.uint16 or self.depth.ndim != 2):
            d = self.depth
            raise ValueError(f"depth must be HxW uint16 mm, got {d.dtype} {d.shape}")
        if self.color is not None and (
            self.color.dtype != np.uint8 or self.color.ndim != 3 or self.color.shape[2] != 3
        ):
            c = self.color
            raise ValueError(f"colour must be HxWx3 uint8 RGB, got {c.dtype} {c.shape}")

    @property
    def t_s(self) -> float:
        """Timestamp in seconds (the only clock stages may use)."""
        return self.timestamp_us * 1e-6

    @property
    def modality(self) -> str:
        if self.color is not None and self.depth is not None:
            return "rgbd"
        if self.depth is not None:
            return "depth"
        if self.color is not None:
            return "color"
        return "tracks"

    def with_index(self, index: int) -> Frame:
        return replace(self, index=index)
