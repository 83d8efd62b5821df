"""One coaching session: the app's pipeline, a lesson evaluator on its fused stream, progress.

A thin adapter over ``edge_juggler.app.pipeline.Pipeline`` (source -> tracker ->
classifier -> fusion, timed per stage): each ``Step`` goes to the
``LessonEvaluator``; the learner sees the goal, a feedback line per second of
source time (and the app's HUD with a coach strip when a window is open), the
moment the lesson passes, and what comes next. Progress is saved once at the
end, also after Ctrl-C or SIGTERM; a corrupt progress file stops the session
before any camera is opened.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from edge_juggler.errors import DeviceError, InputError

from .evaluator import Feedback, LessonEvaluator
from .lessons import LADDER, Lesson, lesson_at, lesson_number
from .progress import Progress, load_progress, now_iso, save_progress

#: source seconds a headless session runs when neither --seconds nor a pass ends it
HEADLESS_DEFAULT_SECONDS = 30.0
#: source seconds shown after the pass before a session stops
AFTER_PASS_S = 1.0
#: sources that are the synthetic juggler (a demonstration, not the learner)
DEMO_SCHEME = "synthetic:"


@dataclass
class CoachOptions:
    """What ``edge-juggler coach`` can be told (see ``commands/coach.py``)."""

    progress_path: Path
    lesson: int | None = None  # 1-based; None: the learner's current lesson
    source: str | None = None  # None: the lesson's synthetic demo
    seconds: float | None = None
    headless: bool | None = None  # None: decide from the environment
    tracker: bool = True
    classifier: bool = True
    models_dir: str | None = None
    precision: str = "int8"
    keep_going: bool = False  # keep watching after the lesson passed
    quiet: bool = False  # no per-second feedback lines
    size: tuple[int, int] = (1024, 576)
    out: Path | None = None  # headless: also write the HUD video with the coach strip here


def ladder_text(progress: Progress) -> str:
    """The ladder with the learner's record, one lesson a line (``coach --status``)."""
    current = progress.current_lesson()
    lines = []
    for i, lesson in enumerate(LADDER, 1):
        rec = progress.lessons.get(lesson.id)
        if rec is not None and rec.passed:
            mark = "[x]"
        elif lesson.id == current.id:
            mark = "[>]"
        else:
            mark = "[ ]"
        detail = ""
        if rec is not None and rec.sessions:
            detail = (
                f"  sessions {rec.sessions}, practice {rec.practice_s:.0f} s, "
                f"best run {rec.best_run} throws"
            )
            if rec.passed and rec.passed_at:
                detail += f", passed {rec.passed_at}"
            if rec.mistakes:
                top = sorted(rec.mistakes.items(), key=lambda kv: -kv[1])[:2]
                detail += ", most seen: " + ", ".join(f"{k} x{v}" for k, v in top)
        if rec is not None and rec.demo_sessions:
            detail += "  " if not detail else "; "
            detail += f"demo watched {rec.demo_sessions}x" + (
                " (the demo juggler passed)" if rec.demo_passed else ""
            )
        lines.append(f"{mark} {i}. {lesson.title}{detail}")
    done = sum(1 for lesson in LADDER if progress.is_passed(lesson.id))
    lines.append(f"{done}/{len(LADDER)} lessons passed")
    return "\n".join(lines)


def lesson_header(lesson: Lesson) -> str:
    n = lesson_number(lesson.id)
    text = f"Lesson {n}/{len(LADDER)}: {lesson.title}\n  goal: {lesson.goal}"
    if lesson.hint:
        text += f"\n  hint: {lesson.hint}"
    return text


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


class CoachSession:
    """Runs one lesson on one source; ``run()`` returns the exit code."""

    def __init__(self, opts: CoachOptions, out: TextIO | None = None) -> None:
        self.opts = opts
        self.out = out or sys.stdout
        # read the record first: a corrupt file must stop us before a camera opens
        self.progress = load_progress(opts.progress_path)
        self.lesson = lesson_at(opts.lesson) if opts.lesson else self.progress.current_lesson()
        self.spec = opts.source or self.lesson.demo_spec
        self.evaluator = LessonEvaluator(self.lesson)
        self.interrupted = False

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _headless(self) -> bool:
        if self.opts.headless is not None:
            return self.opts.headless
        from edge_juggler.app.runner import has_display  # noqa: PLC0415

        return not has_display()

    def run(self) -> int:
        from edge_juggler.app.pipeline import AUTO, Notices, Pipeline, build_classifier  # noqa: PLC0415
        from edge_juggler.app.runner import is_live  # noqa: PLC0415
        from edge_juggler.app.timing import StageTimer  # noqa: PLC0415
        from edge_juggler.capture.spec import open_source  # noqa: PLC0415

        opts = self.opts
        headless = self._headless()
        if opts.seconds is not None and opts.seconds <= 0:
            raise InputError(f"--seconds {opts.seconds}: must be positive")
        seconds = opts.seconds
        if headless and seconds is None and not is_live(self.spec):
            seconds = HEADLESS_DEFAULT_SECONDS
        self.say(lesson_header(self.lesson))
        self.say(f"  source: {self.spec}")
        source = open_source(self.spec)
        notices = Notices(echo=True)
        timer = StageTimer(window=300)
        pipeline = None
        old_term = None
        if threading.current_thread() is threading.main_thread():
            old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            pipeline = Pipeline(
                source,
                tracker=AUTO if opts.tracker else None,
                classifier=AUTO if opts.classifier else None,
                timer=timer,
                notices=notices,
                realtime=not headless and not is_live(self.spec),
                classifier_factory=lambda: build_classifier(opts.models_dir, opts.precision, 1),
            )
            steps = pipeline.steps(max_seconds=seconds)
            try:
                if headless and opts.out is not None:
                    os.environ["SDL_VIDEODRIVER"] = "dummy"  # offscreen drawing only
                    from .view import video_loop  # noqa: PLC0415

                    outputs = video_loop(self, steps, pipeline, timer, opts.out)
                    self.say(f"wrote {outputs['video']} and {outputs['summary']}")
                elif headless:
                    self._text_loop(steps)
                else:
                    from .view import window_loop  # noqa: PLC0415

                    window_loop(self, steps, pipeline, timer)
            except KeyboardInterrupt:
                self.interrupted = True
            except DeviceError:
                # the camera dropped out: keep what was practised, then report it (exit 2)
                if self.evaluator.first_t is not None:
                    self.finish()
                raise
        finally:
            if pipeline is not None:
                pipeline.close()
            source.close()
            if old_term is not None:
                signal.signal(signal.SIGTERM, old_term)
        if self.interrupted:
            self.say("stopped (interrupted)")
        return self.finish()

    def observe(self, step: Any) -> Feedback:
        """Feed one pipeline step to the evaluator; announce the pass."""
        fb = self.evaluator.update(step.state, step.track)
        if fb.just_passed:
            self.say(f"PASSED at t {fb.t_s:.1f}s: {self.lesson.title}")
        return fb

    def should_stop(self, fb: Feedback) -> bool:
        at = self.evaluator.passed_at_s
        return not self.opts.keep_going and at is not None and fb.t_s - at >= AFTER_PASS_S

    def _text_loop(self, steps) -> None:
        last_line: float | None = None
        fb = None
        for step in steps:
            fb = self.observe(step)
            t = step.frame.t_s
            if not self.opts.quiet and (last_line is None or t - last_line >= 1.0 - 1e-6):
                last_line = t
                self.say(fb.line())
            if self.should_stop(fb):
                break
        if fb is not None and not self.opts.quiet and last_line != fb.t_s:
            self.say(fb.line())

    @property
    def is_demo(self) -> bool:
        """The synthetic juggler is performing, not the learner."""
        return self.spec.startswith(DEMO_SCHEME)

    def finish(self) -> int:
        """Update and save the record, say what is next.

        A session on the synthetic juggler is a demonstration: it is counted as
        such (``demo_sessions``, ``demo_passed``) but never passes a lesson for
        the learner, so trying the coach without a camera does not skip rungs.
        """
        ev = self.evaluator
        rec = self.progress.record(self.lesson.id)
        n = lesson_number(self.lesson.id)
        if self.is_demo:
            rec.demo_sessions += 1
            rec.demo_passed = rec.demo_passed or ev.passed
            path = save_progress(self.opts.progress_path, self.progress)
            if ev.passed:
                self.say(f"the demo juggler passed lesson {n}: {self.lesson.title}")
            else:
                self.say(
                    f"the demo juggler has not passed lesson {n} yet "
                    f"(best run {ev.best_run} throws in {ev.practice_s:.0f} s)"
                )
            self.say(f"your turn: edge-juggler coach webcam:0 --lesson {n} (or kinect:0)")
            if n < len(LADDER):
                self.say(f"next demo: edge-juggler coach --lesson {n + 1}")
            self.say(f"progress saved to {path}")
            return 0
        rec.sessions += 1
        rec.practice_s += ev.practice_s
        rec.best_run = max(rec.best_run, ev.best_run)
        for key, count in ev.mistake_onsets.items():
            rec.mistakes[key] = rec.mistakes.get(key, 0) + count
        rec.last_session = now_iso()
        newly = ev.passed and not rec.passed
        if newly:
            rec.passed = True
            rec.passed_at = rec.last_session
        path = save_progress(self.opts.progress_path, self.progress)
        if ev.passed:
            self.say(f"lesson passed: {self.lesson.title}" + (" (first time)" if newly else ""))
            # the next open lesson up the ladder, else the first open one below it
            nxt = self.progress.next_after(self.lesson)
            if nxt is None and not self.progress.is_passed(self.progress.current_lesson().id):
                nxt = self.progress.current_lesson()
            if nxt is not None:
                self.say(f"next: lesson {lesson_number(nxt.id)}: {nxt.title}: {nxt.goal}")
            else:
                self.say("next: every lesson passed - keep juggling, try 4 balls!")
        else:
            self.say(
                f"not yet: best run {ev.best_run} throws in {ev.practice_s:.0f} s; "
                f"lesson {n} again next time"
            )
            top = sorted(ev.mistake_onsets.items(), key=lambda kv: -kv[1])
            if top:
                from edge_juggler.catalogue import MISTAKES  # noqa: PLC0415

                self.say(f"work on: {MISTAKES[top[0][0]]}")
        self.say(f"progress saved to {path}")
        return 0


def run_coach(opts: CoachOptions, out: TextIO | None = None) -> int:
    """Entry point used by the CLI."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    # keep Python's SIGINT/SIGTERM handling (SDL would swallow them into a QUIT event),
    # so Ctrl-C and SIGTERM end the session with the progress saved
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    return CoachSession(opts, out).run()
