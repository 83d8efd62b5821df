"""The coach session end to end (synthetic source, headless) and its pieces."""

from __future__ import annotations

import json

import pygame
import pytest

from edge_juggler import catalogue
from edge_juggler.cli import main
from edge_juggler.coach.evaluator import LessonEvaluator
from edge_juggler.coach.lessons import LADDER, lesson_at
from edge_juggler.coach.progress import load_progress, save_progress
from edge_juggler.coach.session import CoachOptions, CoachSession, ladder_text
from edge_juggler.coach.view import draw_coach_strip

from .helpers import state


def test_coach_runs_headless_on_the_lessons_synthetic_demo(tmp_path, capsys):
    path = tmp_path / "data" / "progress.json"
    code = main(
        [
            "coach",
            "--headless",
            "--seconds",
            "3",
            "--no-classifier",
            "--lesson",
            "2",
            "--progress",
            str(path),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Lesson 2/5: Two-ball exchange"
    assert f"  source: {LADDER[1].demo_spec}" in lines
    feedback = [ln for ln in lines if ln.startswith("t ")]
    assert len(feedback) >= 3  # one line per second of source time
    assert all("balls" in ln and "throws" in ln for ln in feedback)
    assert lines[-1] == f"progress saved to {path}"
    assert "your turn: edge-juggler coach webcam:0 --lesson 2 (or kinect:0)" in lines
    # the synthetic juggler performed: a demo session, not the learner's practice
    rec = load_progress(path).lessons["exchange"]
    assert rec.demo_sessions == 1 and rec.sessions == 0 and not rec.passed
    data = json.loads(path.read_text())
    assert list(data["lessons"]) == ["exchange"]


def test_bad_lesson_number_exits_2(tmp_path, capsys):
    assert main(["coach", "--lesson", "9", "--progress", str(tmp_path / "p.json")]) == 2
    assert "--lesson 9" in capsys.readouterr().err
    assert not (tmp_path / "p.json").exists()


def test_finish_records_a_pass_and_names_the_next_lesson(tmp_path, capsys):
    path = tmp_path / "progress.json"
    opts = CoachOptions(progress_path=path, lesson=5, source="kinect:0")
    session = CoachSession(opts)
    assert session.lesson.id == "first_trick"
    for i in range(40):
        session.evaluator.update(state(i / 30, balls=3, trick="flash", conf=0.9))
    assert session.evaluator.passed
    assert session.finish() == 0
    out = capsys.readouterr().out
    assert "lesson passed: First trick (first time)" in out
    assert "next: lesson 1: One-ball toss" in out  # earlier lessons are still open
    rec = load_progress(path).lessons["first_trick"]
    assert rec.passed and rec.passed_at and rec.sessions == 1


def test_finish_without_pass_names_the_mistake_to_work_on(tmp_path, capsys):
    path = tmp_path / "progress.json"
    prev = load_progress(path)
    prev.record("toss").best_run = 30
    save_progress(path, prev)
    session = CoachSession(CoachOptions(progress_path=path))
    assert session.lesson.id == "toss"  # the first lesson not passed
    assert session.spec == LADDER[0].demo_spec and session.is_demo
    session = CoachSession(CoachOptions(progress_path=path, source="webcam:0"))
    assert not session.is_demo
    for i in range(8):
        session.evaluator.update(
            state(0.5 * i, balls=1, pattern="toss", mistakes=("too_high",), throws_seen=i)
        )
    session.finish()
    out = capsys.readouterr().out
    assert "not yet" in out and catalogue.MISTAKES["too_high"] in out
    rec = load_progress(path).lessons["toss"]
    assert not rec.passed
    assert rec.best_run == 30  # the best run never shrinks
    assert rec.mistakes == {"too_high": 1}


def test_ladder_text_marks_passed_and_current(tmp_path):
    prog = load_progress(tmp_path / "none.json")
    for lesson in LADDER[:2]:
        prog.record(lesson.id).passed = True
    text = ladder_text(prog).splitlines()
    assert text[0].startswith("[x] 1.") and text[1].startswith("[x] 2.")
    assert text[2].startswith("[>] 3.")
    assert text[-1] == f"2/{len(LADDER)} lessons passed"


@pytest.mark.parametrize("tip", [None, "too_low"])
def test_coach_strip_draws_on_an_offscreen_surface(tip):
    from edge_juggler.app.hud import Hud

    pygame.font.init()
    surface = pygame.Surface((800, 480))
    surface.fill((0, 0, 0))
    hud = Hud()
    lesson = lesson_at(4)
    ev = LessonEvaluator(lesson)
    fb = ev.update(state(1.0, balls=3, pattern="cascade", mistakes=(tip,) if tip else ()))
    rect = draw_coach_strip(hud, surface, lesson, fb, 520)
    assert rect.bottom == 480 and rect.width == 520 and rect.height > 60
    inside = pygame.surfarray.array3d(surface)[: rect.width, rect.top :]
    outside = pygame.surfarray.array3d(surface)[rect.width + 5 :, :]
    assert inside.any() and not outside.any()


def test_coach_headless_video_has_the_lesson_strip(tmp_path, capsys):
    out_dir = tmp_path / "out"
    path = tmp_path / "progress.json"
    spec = "synthetic:3?seed=1&scale=0.5"
    argv = ["coach", spec, "--headless", "--seconds", "1", "--no-classifier"]
    argv += ["--progress", str(path), "--out", str(out_dir), "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"source: {spec}" in out
    assert (out_dir / "demo.mp4").stat().st_size > 0
    img = pygame.image.load(str(out_dir / "last.png"))
    assert img.get_size() == (1024, 576)
    assert load_progress(path).lessons["toss"].demo_sessions == 1  # default: the first lesson


def test_sigterm_ends_the_session_and_saves_progress(tmp_path):
    """A coach killed politely (SIGTERM, as a service manager does) still saves the record."""
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path / "progress.json"
    cmd = [sys.executable, "-m", "edge_juggler", "coach", "synthetic:3?seed=1&scale=0.5"]
    cmd += ["--headless", "--seconds", "120", "--no-classifier", "--progress", str(path)]
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        seen = 0
        for line in proc.stdout:
            if line.startswith("t "):
                seen += 1
                if seen == 2:
                    break
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "stopped (interrupted)" in out
    assert f"progress saved to {path}" in out
    assert load_progress(path).lessons["toss"].demo_sessions == 1


def test_camera_dropping_out_keeps_the_practice_and_exits_2(tmp_path, monkeypatch, capsys):
    """A source that fails mid-stream: one-line error (exit 2), the session still recorded."""
    from edge_juggler.capture import spec as spec_mod
    from edge_juggler.capture.base import Source

    real = spec_mod.open_source("synthetic:3?seed=1&scale=0.25")

    class Flaky(Source):
        name = "flaky:0"

        def __iter__(self):
            for frame in real:
                if frame.t_s > 1.0:
                    raise RuntimeError("USB reset")
                yield frame

        @property
        def intrinsics(self):
            return real.intrinsics

        @property
        def fps(self):
            return real.fps

        @property
        def modality(self):
            return real.modality

        def close(self):
            real.close()

    monkeypatch.setattr(spec_mod, "open_source", lambda s: Flaky())
    path = tmp_path / "progress.json"
    argv = ["coach", "flaky:0", "--headless", "--no-classifier", "--progress", str(path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "flaky:0: source stopped delivering frames (RuntimeError: USB reset)" in err
    rec = load_progress(path).lessons["toss"]
    assert rec.sessions == 1 and 0.9 <= rec.practice_s <= 1.0


class _Frame:
    def __init__(self, t: float) -> None:
        self.t_s = t
        self.index = int(round(t * 30))
        self.color = None


class _Step:
    def __init__(self, st) -> None:
        self.state, self.track, self.frame = st, None, _Frame(st.t_s)


def _trick_steps(seconds: float):
    return (_Step(state(i / 30, balls=3, trick="shower")) for i in range(int(seconds * 30)))


@pytest.mark.parametrize("keep_going", [False, True])
def test_text_loop_stops_a_second_after_the_pass(tmp_path, capsys, keep_going):
    opts = CoachOptions(progress_path=tmp_path / "p.json", lesson=5, keep_going=keep_going)
    session = CoachSession(opts)
    session._text_loop(_trick_steps(5.0))
    out = capsys.readouterr().out.splitlines()
    assert "PASSED at t 1.0s: First trick" in out
    feedback = [ln for ln in out if ln.startswith("t ")]
    last_t = session.evaluator.last_t
    if keep_going:
        assert last_t == pytest.approx(5.0 - 1 / 30)
    else:
        assert 2.0 <= last_t <= 2.1  # one second after the pass at 1.0 s
    assert feedback[-1].endswith("PASSED") and feedback[-1].startswith(f"t {last_t:6.1f}s")


def test_window_loop_runs_offscreen(tmp_path, capsys, monkeypatch):
    """The window path (pygame's dummy video driver) draws the HUD and the lesson strip."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    opts = CoachOptions(
        progress_path=tmp_path / "p.json",
        lesson=1,
        source="synthetic:3?seed=1&scale=0.25",
        seconds=0.5,
        headless=False,
        classifier=False,
        size=(640, 360),
    )
    assert CoachSession(opts).run() == 0
    out = capsys.readouterr().out
    assert out.count("\nt ") >= 1 and "progress saved" in out
    assert load_progress(tmp_path / "p.json").lessons["toss"].demo_sessions == 1


def test_a_demo_pass_does_not_pass_the_learner(tmp_path, capsys):
    path = tmp_path / "progress.json"
    session = CoachSession(CoachOptions(progress_path=path, lesson=5))
    assert session.spec == LADDER[4].demo_spec
    for i in range(40):
        session.evaluator.update(state(i / 30, balls=3, trick="shower", conf=0.9))
    assert session.evaluator.passed
    session.finish()
    out = capsys.readouterr().out
    assert "the demo juggler passed lesson 5: First trick" in out
    prog = load_progress(path)
    rec = prog.lessons["first_trick"]
    assert rec.demo_passed and rec.demo_sessions == 1
    assert not rec.passed and rec.sessions == 0 and rec.mistakes == {}
    assert prog.current_lesson().id == "toss"
    line = ladder_text(prog).splitlines()[4]
    assert line.startswith("[ ] 5. First trick") and "(the demo juggler passed)" in line
