"""The README picture tool."""

from __future__ import annotations

import cv2
import numpy as np

from edge_juggler.sim.preview import depth_to_rgb, main


def test_depth_colour_map_marks_missing_depth_black() -> None:
    depth = np.array([[0, 500], [2000, 4000]], np.uint16)
    rgb = depth_to_rgb(depth)
    assert rgb.shape == (2, 2, 3) and rgb.dtype == np.uint8
    assert not rgb[0, 0].any() and rgb[0, 1].any() and rgb[1, 1].any()


def test_preview_writes_depth_and_colour_side_by_side(tmp_path) -> None:
    out = tmp_path / "frame.png"
    assert main(["3?seed=1&scale=0.5", str(out), "--time", "0.2"]) == 0
    img = cv2.imread(str(out))
    assert img.shape == (288, 640, 3)  # two 320x288 panels
