"""The HUD draws a real picture: frame, overlays, state, latencies."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from edge_juggler.app.headless import surface_rgb
from edge_juggler.app.hud import BALL, Hud
from edge_juggler.app.imaging import FrameImager, fit_size
from edge_juggler.app.pipeline import Notices, Pipeline
from edge_juggler.app.timing import StageTimer
from tests.app.fakes import ParabolaSource, ScriptedAsyncClassifier, ScriptedTracker


@pytest.fixture(scope="module")
def steps():
    timer = StageTimer()
    pipe = Pipeline(
        ParabolaSource(20),
        tracker=ScriptedTracker(),
        classifier=ScriptedAsyncClassifier(),
        timer=timer,
        notices=Notices(echo=False),
    )
    out = list(pipe.steps())
    pipe.close()
    return out, timer


@pytest.mark.parametrize("size", [(800, 450), (1024, 576)])
@pytest.mark.parametrize("view", ["depth", "color"])
def test_hud_renders_into_surface(steps, size, view):
    out, timer = steps
    hud = Hud(source_name="parabola:test")
    surface = pygame.Surface(size)
    for step in out:
        hud.observe(step)
    img = hud.render(surface, out[-1], view=view, timer=timer, notices=["a notice"])
    assert surface.get_size() == size
    assert img.view == view
    rgb = surface_rgb(surface)
    assert rgb.shape == (size[1], size[0], 3)
    assert rgb.std() > 20  # not a blank fill
    packed = (
        (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    )
    assert len(np.unique(packed)) > 50  # text, bars, picture
    # the flying ball's ring is drawn where the tracker put it
    ball = out[-1].track.balls[0]
    vw = size[0] - min(hud.panel_width, max(160, size[0] // 3))
    iw, ih = img.size
    ox, oy = (vw - iw) // 2, (size[1] - ih) // 2
    x, y = img.to_view(ball.x_px, ball.y_px)
    cx, cy = int(ox + x), int(oy + y)
    patch = rgb[max(cy - 12, 0) : cy + 12, max(cx - 12, 0) : cx + 12].reshape(-1, 3)
    assert (np.abs(patch.astype(int) - BALL).sum(axis=1) < 30).any()


def test_hud_without_tracker_or_scores(steps):
    out, _ = steps
    bare = out[0].__class__(out[0].frame, None, None, out[0].state)
    surface = pygame.Surface((640, 360))
    Hud().render(surface, bare, view="depth", timer=None, paused=True)
    assert surface_rgb(surface).std() > 10


def test_depth_colours_near_warm_far_cool_missing_black():
    depth = np.zeros((40, 60), np.uint16)
    depth[:, 20:40] = 1000
    depth[:, 40:] = 3000
    rgb = FrameImager(depth_range_mm=(800.0, 3200.0)).depth_rgb(depth, (60, 40))
    assert rgb.shape == (40, 60, 3) and rgb.dtype == np.uint8
    assert (rgb[:, :20] == 0).all()
    near, far = rgb[20, 30].astype(int), rgb[20, 50].astype(int)
    assert near[0] > near[2] and far[2] > far[0]  # red-ish near, blue-ish far


def test_fit_size_keeps_aspect():
    assert fit_size(640, 576, 704, 576) == (640, 576)
    w, h = fit_size(1280, 720, 704, 576)
    assert w == 704 and abs(h - 396) <= 1


def test_overlays_map_into_a_colour_camera_with_other_intrinsics():
    from edge_juggler.frames import Frame, Intrinsics

    d_intr = Intrinsics(fx=100.0, fy=100.0, cx=80.0, cy=60.0, width=160, height=120)
    c_intr = Intrinsics(fx=200.0, fy=200.0, cx=160.0, cy=90.0, width=320, height=180)
    frame = Frame(
        0,
        0,
        color=np.zeros((180, 320, 3), np.uint8),
        depth=np.ones((120, 160), np.uint16),
        intrinsics=d_intr,
        color_intrinsics=c_intr,
    )
    img = FrameImager().render(frame, "color", (320, 180))
    assert img.size == (320, 180)
    # the principal point maps to the principal point; 3-D points project directly
    assert img.to_view(80.0, 60.0) == pytest.approx((160.0, 90.0))
    assert img.to_view(90.0, 60.0) == pytest.approx((180.0, 90.0))
    assert img.to_view(0.0, 0.0, (0.1, 0.0, 1.0)) == pytest.approx((180.0, 90.0))
    depth_view = FrameImager().render(frame, "depth", (320, 240))
    assert depth_view.to_view(80.0, 60.0) == pytest.approx((160.0, 120.0))


def test_frames_without_pictures_draw_their_tracks():
    from edge_juggler.app.pipeline import Step
    from edge_juggler.frames import Frame
    from edge_juggler.fusion import fuse

    tracks = np.array([[1, 100.0, 200.0], [2, 600.0, 900.0]])
    frame = Frame(0, 0, extras={"tracks": tracks})
    surface = pygame.Surface((800, 450))
    img = Hud().render(surface, Step(frame, None, None, fuse(None, None)), view="depth")
    assert img.view == "tracks"
    x, y = img.to_view(600.0, 900.0)
    assert img.rgb[int(y), int(x)].min() > 150  # the dot of ball 2 is on the canvas


@pytest.mark.parametrize("depth", [24, 32])
def test_surface_pixels_match_pygame(depth):
    from edge_juggler.app.headless import surface_bgr

    s = pygame.Surface((333, 200), depth=depth)
    s.fill((10, 20, 30))
    s.set_at((5, 7), (200, 100, 50))
    ref = np.frombuffer(pygame.image.tobytes(s, "RGB"), np.uint8).reshape(200, 333, 3)
    assert (surface_rgb(s) == ref).all()
    assert (surface_bgr(s) == ref[..., ::-1]).all()
    pygame.draw.circle(s, (1, 2, 3), (10, 10), 3)  # the surface is unlocked again
