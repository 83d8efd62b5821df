"""The one small interface every frame source implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from edge_juggler.frames import Frame, Intrinsics


class Source(ABC):
    """Iterate frames, know intrinsics and fps, close cleanly.

    Use as a context manager so devices and files are released even on errors::

        with open_source("recording.mkv") as src:
            for frame in src:
                ...
    """

    #: the spec or path this source was opened from (goes into reports)
    name: str = ""

    @abstractmethod
    def __iter__(self) -> Iterator[Frame]:
        """Yield frames in order; timestamps come from the device or file."""

    @property
    @abstractmethod
    def intrinsics(self) -> Intrinsics | None:
        """Intrinsics of the stream the tracker uses, or None when unknown."""

    @property
    @abstractmethod
    def fps(self) -> float | None:
        """Nominal frame rate, or None when unknown (timestamps rule anyway)."""

    @property
    def frame_count(self) -> int | None:
        """Number of frames when known up front (files), else None (live)."""
        return None

    @property
    def modality(self) -> str:
        """'depth', 'color', 'rgbd' or 'tracks'."""
        return "color"

    def describe(self) -> dict[str, Any]:
        """What ``edge-juggler info`` prints: streams, sizes, fps, intrinsics."""
        intr = self.intrinsics
        return {
            "source": self.name,
            "kind": type(self).__name__,
            "modality": self.modality,
            "fps": self.fps,
            "frames": self.frame_count,
            "intrinsics": intr.to_dict() if intr else None,
        }

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or devices; safe to call twice."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
