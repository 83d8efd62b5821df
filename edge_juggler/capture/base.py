"""The one small interface every frame source implements."""

from __future__ import annotations

import logging
import sys
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

    @property
    def color_intrinsics(self) -> Intrinsics | None:
        """Intrinsics of the colour stream when it differs from ``intrinsics``."""
        return None

    @property
    def duration_s(self) -> float | None:
        """Length of a file source in seconds when known up front."""
        return None

    def streams(self) -> dict[str, dict[str, Any]]:
        """Per stream ('depth', 'color', 'ir', 'tracks'): size, format, mode when known."""
        return {}

    def extra_info(self) -> dict[str, Any]:
        """Source-specific facts for ``info`` (device, depth range, mode, ...)."""
        return {}

    def describe(self) -> dict[str, Any]:
        """What ``edge-juggler info`` prints: streams, sizes, fps, intrinsics."""
        intr = self.intrinsics
        cintr = self.color_intrinsics
        d: dict[str, Any] = {
            "source": self.name,
            "kind": type(self).__name__,
            "modality": self.modality,
            "fps": self.fps,
            "frames": self.frame_count,
            "duration_s": self.duration_s,
            "streams": self.streams(),
            "intrinsics": intr.to_dict() if intr else None,
            "color_intrinsics": cintr.to_dict() if cintr else None,
        }
        d.update(self.extra_info())
        return d

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or devices; safe to call twice."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at emit time (pytest's capsys swaps it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("edge-juggler: warning: %(message)s"))

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def warnings_to_stderr() -> None:
    """Show the 'edge_juggler' logger's warnings (skipped frames, truncation) on stderr, once."""
    log = logging.getLogger("edge_juggler")
    if not any(isinstance(h, _StderrHandler) for h in log.handlers):
        handler = _StderrHandler()
        handler.setLevel(logging.WARNING)
        log.addHandler(handler)
