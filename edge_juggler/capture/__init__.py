"""Sources of frames: cameras, recordings, track files, and the recorder."""

from edge_juggler.capture.base import Source
from edge_juggler.capture.spec import open_source

__all__ = ["Source", "open_source"]
