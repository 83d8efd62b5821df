"""The synthetic: source spec, determinism, and the simulate command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edge_juggler import cli
from edge_juggler.capture.spec import open_source
from edge_juggler.errors import InputError
from edge_juggler.sim.source import open_synthetic
from edge_juggler.sim.truth import read_groundtruth


@pytest.mark.parametrize("bad", ["54", "432", "3b_cascade_nonsense", "(4,3)"])
def test_invalid_patterns_are_one_line_input_errors(bad: str) -> None:
    with pytest.raises(InputError) as err:
        open_source(f"synthetic:{bad}")
    msg = str(err.value)
    assert "\n" not in msg and bad in msg


def test_bad_parameters_are_input_errors() -> None:
    for spec in (
        "3?seed=x",
        "3?profile=nope",
        "3?wobble=1",
        "3?modality=ir",
        "3?seconds=-1",
        "3?height_scale=0",
        "3?distance=abc",
    ):
        with pytest.raises(InputError):
            open_synthetic(spec)


def test_spec_parameters_and_defaults() -> None:
    src = open_source("synthetic:3b_cascade_too_high?seed=7&profile=azure_nfov&seconds=2")
    assert src.frame_count == 60 and src.fps == 30 and src.modality == "rgbd"
    assert src.intrinsics.width == 640 and src.intrinsics.height == 576
    assert src.truth.label == "3b_cascade_too_high" and src.seed == 7
    endless = open_synthetic("3")
    assert endless.frame_count is None and endless.seed == 0
    assert endless.profile.name == "azure_nfov"
    web = open_synthetic("531?profile=webcam&seconds=0.2&scale=0.5")
    frame = next(iter(web))
    assert frame.depth is None and frame.color.shape == (240, 320, 3)
    assert web.truth.siteswap == "531" and web.truth.ball_count == 3
    over = open_synthetic("3?seconds=1&distance=1.4&shiny_balls=1")
    assert over.spec.distance == 1.4 and over.spec.shiny_balls


def test_same_seed_same_frames_other_seed_other_frames() -> None:
    def first(spec: str, n: int = 5):
        src = open_synthetic(spec)
        frames = [f for _, f in zip(range(n), src, strict=False)]
        return frames, src.truth

    a, ta = first("3?seconds=1&seed=2&scale=0.5")
    b, tb = first("3?seconds=1&seed=2&scale=0.5")
    c, _ = first("3?seconds=1&seed=3&scale=0.5")
    assert all(
        np.array_equal(x.depth, y.depth) and np.array_equal(x.color, y.color)
        for x, y in zip(a, b, strict=True)
    )
    assert not np.array_equal(a[-1].depth, c[-1].depth)
    assert np.allclose(ta.frames[-1].balls_m, tb.frames[-1].balls_m)
    assert [f.timestamp_us for f in a] == [0, 33333, 66667, 100000, 133333]


def test_truth_pixels_match_the_rendered_balls() -> None:
    src = open_synthetic("3?seconds=2&seed=1&shiny_balls=0&distance=2.0")
    frames = list(src)
    hits = 0
    for frame, ft in zip(frames, src.truth.frames, strict=True):
        for b in np.flatnonzero(ft.ball_visible):
            u, v = np.round(ft.balls_px[b]).astype(int)
            z = frame.depth[v, u]
            if z:
                hits += 1
                # the depth camera sees the ball's front surface at its truth distance
                assert abs(z / 1000 - ft.balls_m[b, 2]) < 0.08
    assert hits > 50


def test_simulate_then_info(tmp_path, capsys) -> None:
    out = tmp_path / "rec"
    assert cli.main(["simulate", "531", "--seconds", "1", "--quiet", "--no-fsync", str(out)]) == 0
    truth = read_groundtruth(out)
    assert truth == json.loads((out / "groundtruth.json").read_text())
    assert truth["siteswap"] == "531" and truth["ball_count"] == 3
    assert len(truth["frames"]) == 30 and truth["events"]
    assert cli.main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "30 frames" in text
    with open_source(str(out)) as rec:
        frame = next(iter(rec))
        assert frame.depth is not None and frame.color is not None


def test_simulate_rejects_invalid_siteswap(tmp_path, capsys) -> None:
    assert cli.main(["simulate", "54", "--seconds", "1", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "54" in err and "invalid" in err and err.count("\n") == 1


def test_ball_colours_and_shiny_holes() -> None:
    src = open_synthetic("3?seconds=1&seed=2&ball_colours=red,00ff00&shiny_balls=1&distance=1.8")
    assert src.truth.ball_colours == [(220, 30, 30), (0, 255, 0), (220, 30, 30)]
    assert any(src.truth.ball_shiny)
    frames = list(src)
    holes = 0
    for frame, ft in zip(frames, src.truth.frames, strict=True):
        for b in np.flatnonzero(ft.ball_visible & np.array(src.truth.ball_shiny)):
            u, v = np.round(ft.balls_px[b]).astype(int)
            holes += int(frame.depth[v, u] == 0)
    assert holes > 10  # shiny balls read as no depth in their middle
    with pytest.raises(InputError):
        open_synthetic("3?ball_colours=mauve")


def test_read_groundtruth_rejects_other_files(tmp_path) -> None:
    (tmp_path / "groundtruth.json").write_text("{}")
    with pytest.raises(InputError, match="not an edge_juggler ground-truth"):
        read_groundtruth(tmp_path)
    with pytest.raises(InputError, match="cannot read"):
        read_groundtruth(tmp_path / "nope.json")


def test_visibility_agrees_between_depth_and_colour_only_rendering() -> None:
    spec = "3?seconds=2&seed=5&shiny_balls=1&fps=15"
    rgbd, color = open_synthetic(spec), open_synthetic(spec + "&modality=color")
    list(rgbd), list(color)
    a = np.array([f.ball_visible for f in rgbd.truth.frames])
    b = np.array([f.ball_visible for f in color.truth.frames])
    assert a.mean() > 0.7 and (a == b).mean() > 0.95
    shiny = np.array(rgbd.truth.ball_shiny)
    in_depth = np.array([f.ball_in_depth for f in rgbd.truth.frames])
    assert not in_depth[:, shiny].any()
    assert not np.array([f.ball_in_depth for f in color.truth.frames]).any()
