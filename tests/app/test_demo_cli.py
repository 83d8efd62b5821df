"""``edge-juggler demo`` end to end: headless files, limits, bad sources, disconnects, keys."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import cv2
import pygame
import pytest

from edge_juggler.app import runner
from edge_juggler.capture import spec
from edge_juggler.cli import main
from tests.app.fakes import ParabolaSource


@pytest.fixture(autouse=True)
def parabola_scheme(monkeypatch):
    """``parabola:N`` opens the test source through the normal SOURCE spec path."""
    monkeypatch.setitem(spec.SCHEMES, "parabola", "tests.app.fakes:open_parabola")


def _args(tmp_path, *extra):
    return ["demo", "--headless", "--out", str(tmp_path), "--size", "480x270", *extra]


def _video_frames(path) -> tuple[int, tuple[int, int]]:
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened()
    n, shape = 0, None
    while True:
        ok, img = cap.read()
        if not ok:
            break
        n, shape = n + 1, img.shape[:2]
    cap.release()
    return n, shape


def test_headless_run_writes_readable_mp4(tmp_path, capsys):
    rc = main(
        _args(tmp_path, "parabola:100", "--frames", "24", "--no-classifier", "--png-every", "0.5")
    )
    assert rc == 0
    n, shape = _video_frames(tmp_path / "demo.mp4")
    assert n == 24 and shape == (270, 480)
    out = capsys.readouterr().out
    summary = (tmp_path / "summary.txt").read_text().splitlines()
    assert len(summary) == 1 and summary[0] in out  # one line per second of source time
    assert summary[0].startswith("t ")
    assert (tmp_path / "last.png").exists()
    assert len(list(tmp_path.glob("frame_*.png"))) == 2  # t = 0 and 0.5 s
    png = pygame.image.load(str(tmp_path / "last.png"))
    assert png.get_size() == (480, 270)


def test_seconds_limit_uses_source_time(tmp_path):
    rc = main(_args(tmp_path, "parabola:200", "--seconds", "1.5", "--no-video", "--quiet"))
    assert rc == 0
    assert not (tmp_path / "demo.mp4").exists()
    lines = (tmp_path / "summary.txt").read_text().splitlines()
    assert [ln.split("|")[1].split()[1] for ln in lines] == ["0", "30"]  # frames 0 and 30


def test_bad_source_exits_2_with_one_line(tmp_path, capsys):
    rc = main(_args(tmp_path, str(tmp_path / "nope.mkv")))
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("edge-juggler: error:") and "nope.mkv" in err
    assert "\n" not in err and "Traceback" not in err


def test_bad_options_exit_2(tmp_path, capsys):
    assert main(_args(tmp_path, "parabola:5", "--frames", "0")) == 2
    assert "--frames" in capsys.readouterr().err


def test_camera_disconnect_mid_run(tmp_path, capsys):
    rc = main(_args(tmp_path, "parabola:100?fail=12", "--no-classifier", "--quiet"))
    assert rc == 2
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("edge-juggler: error:")]
    assert len(lines) == 1 and "disconnected" in lines[0] and "Traceback" not in err
    n, _ = _video_frames(tmp_path / "demo.mp4")  # finished up to the last frame
    assert n == 12


def test_ctrl_c_stops_cleanly(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        "tests.app.fakes.open_parabola",
        lambda rest: ParabolaSource(100, fail_after=9, error=KeyboardInterrupt),
    )
    rc = main(_args(tmp_path, "parabola:100", "--no-classifier", "--quiet"))
    assert rc == 0
    assert "stopped (interrupted)" in capsys.readouterr().err
    assert _video_frames(tmp_path / "demo.mp4")[0] == 9


def test_camera_flag_falls_back_to_synthetic(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "CAMERA_SPECS", ("nocam:0",))
    monkeypatch.setattr(runner, "DEFAULT_SPEC", "parabola:10")
    rc = main(_args(tmp_path, "--camera", "--no-classifier", "--quiet"))
    assert rc == 0
    assert "no camera found (nocam:0:" in capsys.readouterr().err
    assert _video_frames(tmp_path / "demo.mp4")[0] == 10


def test_window_keys_toggle_view_and_quit(monkeypatch):
    """Under SDL's dummy driver the window loop runs; keys arrive as pygame events."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    views = []

    class KeySource(ParabolaSource):
        def __iter__(self):
            for frame in super().__iter__():
                if frame.index == 3:
                    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_d))
                if frame.index == 6:
                    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q))
                yield frame

    from edge_juggler.app import hud as hud_mod

    real_render = hud_mod.Hud.render

    def spy(self, surface, step, **kw):
        views.append(kw.get("view"))
        return real_render(self, surface, step, **kw)

    monkeypatch.setattr(hud_mod.Hud, "render", spy)
    monkeypatch.setattr(
        "tests.app.fakes.open_parabola", lambda rest: KeySource(100, name="parabola:keys")
    )
    opts = runner.DemoOptions(
        source="parabola:keys", headless=False, classifier=False, size=(480, 270), realtime=False
    )
    assert runner.run_demo(opts) == 0
    assert views[0] == "color" and "depth" in views
    assert len(views) <= 8  # q ended the loop right after frame 6


@pytest.mark.skipif(
    importlib.util.find_spec("edge_juggler.sim.source") is None, reason="simulator not built yet"
)
def test_default_synthetic_demo_in_a_subprocess(tmp_path):
    """What a newcomer runs: no SOURCE, no display -> headless files, exit 0."""
    env = {
        k: v for k, v in __import__("os").environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    env.pop("SDL_VIDEODRIVER", None)
    proc = subprocess.run(
        [sys.executable, "-m", "edge_juggler", "demo", "--frames", "15", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert _video_frames(tmp_path / "demo.mp4")[0] == 15


def test_window_that_cannot_open_falls_back_to_headless(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "no_such_driver")
    opts = runner.DemoOptions(
        source="parabola:8", headless=False, classifier=False, size=(480, 270), out=tmp_path
    )
    assert runner.run_demo(opts) == 0
    assert "cannot open a window" in capsys.readouterr().err
    assert _video_frames(tmp_path / "demo.mp4")[0] == 8


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_real_signal_stops_a_headless_run_with_files_finished(tmp_path, sig):
    """SDL must not swallow Ctrl-C: the loop stops, the MP4 is finished, exit 0."""
    import os
    import signal
    import time

    code = (
        "import sys; from edge_juggler.capture import spec; "
        "spec.SCHEMES['parabola'] = 'tests.app.fakes:open_parabola'; "
        "from edge_juggler.cli import main; "
        f"sys.exit(main(['demo', 'parabola:', '--headless', '--no-classifier', '--out', "
        f"{str(tmp_path)!r}, '--size', '480x270', '--realtime', '--seconds', '600']))"
    )
    from tests.app import fakes

    fakes_dir = os.path.dirname(os.path.dirname(os.path.dirname(fakes.__file__)))
    env = dict(os.environ, PYTHONPATH=fakes_dir)
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    summary = tmp_path / "summary.txt"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        summary.exists() and len(summary.read_text().splitlines()) >= 2
    ):
        time.sleep(0.1)
    proc.send_signal(getattr(signal, sig))
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert b"stopped (interrupted)" in err and b"Traceback" not in err
    assert _video_frames(tmp_path / "demo.mp4")[0] >= 30
