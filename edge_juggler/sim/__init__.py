"""The synthetic juggling world: siteswap physics, a juggler, a depth/colour camera model.

Entry points: ``open_synthetic`` (the ``synthetic:`` source), ``SyntheticSource``,
``render_clip`` (fast training clips) and ``read_groundtruth``. Ground truth lives
beside the frames, never inside them; nothing here imports tracking.
"""

from edge_juggler.sim.clips import render_clip
from edge_juggler.sim.source import SyntheticSource, open_synthetic
from edge_juggler.sim.truth import GroundTruth, read_groundtruth

__all__ = ["GroundTruth", "SyntheticSource", "open_synthetic", "read_groundtruth", "render_clip"]
