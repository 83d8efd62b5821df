"""Classical tracking: segmentation, association, flights, events, siteswap.

``Tracker`` is imported lazily so ``edge_juggler.tracking.types`` stays light.
"""

from __future__ import annotations

__all__ = ["Tracker", "TrackerConfig", "Analysis"]


def __getattr__(name: str):
    if name in ("Tracker", "TrackerConfig"):
        from edge_juggler.tracking import tracker

        return getattr(tracker, name)
    if name == "Analysis":
        from edge_juggler.tracking.analysis import Analysis

        return Analysis
    raise AttributeError(name)
