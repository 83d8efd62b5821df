"""The coach in a window: the app's HUD, with a lesson strip over the bottom of the picture.

Only drawing lives here (the app's ``Hud`` draws the frame, trails and fused
state; this adds the goal, the checks, the tip and a progress bar), so the
same ``draw_coach_strip`` works on any pygame surface, offscreen included.
Keys: q / Esc quit, space pause.
"""

from __future__ import annotations

from typing import Any

import pygame

from edge_juggler.app.hud import BAD, DIM, FG, WARN, Hud
from edge_juggler.app.runner import handle_keys

from .evaluator import Feedback
from .lessons import LADDER, Lesson, lesson_number

OK = (120, 235, 120)
STRIP_BG = (12, 14, 18)


def draw_coach_strip(
    hud: Hud, surface: pygame.Surface, lesson: Lesson, fb: Feedback | None, view_w: int
) -> pygame.Rect:
    """Draw the lesson panel along the bottom of the picture area; returns its rectangle."""
    w, h = surface.get_size()
    view_w = max(160, min(view_w, w))
    inner = view_w - 24
    goal_lines = hud.wrap(lesson.goal, 18, inner)[:2]
    height = 30 + 17 * len(goal_lines) + 24 + 20 + 10
    rect = pygame.Rect(0, h - height, view_w, height)
    strip = pygame.Surface(rect.size, pygame.SRCALPHA)
    strip.fill((*STRIP_BG, 215))
    surface.blit(strip, rect.topleft)
    x, y = 12, rect.top + 6
    n = lesson_number(lesson.id)
    hud.blit_text(surface, f"Lesson {n}/{len(LADDER)}: {lesson.title}", (x, y), 24, FG)
    y += 24
    for ln in goal_lines:
        hud.blit_text(surface, ln, (x, y), 18, DIM)
        y += 17
    y += 3
    if fb is not None:
        cx = x
        for check in fb.checks:
            col = OK if check.ok else DIM if check.ok is None else BAD
            if cx + hud.font(18).size(check.text)[0] > view_w - 8:
                break  # no room left on the line: the text feedback has every check
            cx += hud.blit_text(surface, check.text, (cx, y), 18, col) + 14
        y += 20
        bar = pygame.Rect(x, y, inner, 8)
        pygame.draw.rect(surface, (60, 63, 72), bar)
        fill = bar.copy()
        fill.width = int(bar.width * fb.progress)
        pygame.draw.rect(surface, OK if fb.passed else WARN, fill)
        y += 12
        if fb.passed:
            hud.blit_text(surface, "PASSED - well done!", (x, y), 20, OK)
        elif fb.tip:
            hud.blit_text(surface, hud.wrap("tip: " + fb.tip, 18, inner)[0], (x, y), 18, WARN)
    return rect


def window_loop(session: Any, steps: Any, pipeline: Any, timer: Any) -> None:
    """Show the lesson live; falls back to the text loop when no window can open."""
    w, h = session.opts.size
    pygame.display.init()
    pygame.font.init()
    try:
        screen = pygame.display.set_mode((w, h))
    except pygame.error as exc:
        pipeline.notices.add(f"cannot open a window ({exc}); coaching in text")
        pygame.display.quit()
        session._text_loop(steps)
        return
    pygame.display.set_caption(f"edge_juggler coach - {session.lesson.title}")
    hud = Hud(source_name=session.spec)
    panel_w = min(hud.panel_width, max(160, w // 3))
    fb: Feedback | None = None
    step = None
    paused = False
    last_line: float | None = None
    clock = pygame.time.Clock()
    try:
        while True:
            quit_, paused, _ = handle_keys(pygame, pipeline, paused, started=step is not None)
            if quit_:
                return
            if not paused:
                step = next(steps, None)
                if step is None:
                    return
                hud.observe(step)
                fb = session.observe(step)
                t = step.frame.t_s
                if not session.opts.quiet and (last_line is None or t - last_line >= 1.0):
                    last_line = t
                    session.say(fb.line())
            view = "color" if step.frame.color is not None else "depth"
            hud.render(
                screen,
                step,
                view=view,
                timer=timer,
                notices=pipeline.notices,
                paused=paused,
                classifier_on=pipeline.classifier_enabled,
            )
            draw_coach_strip(hud, screen, session.lesson, fb, w - panel_w)
            pygame.display.flip()
            if paused:
                clock.tick(30)
            elif fb is not None and session.should_stop(fb):
                return
    finally:
        pygame.display.quit()


def video_loop(session: Any, steps: Any, pipeline: Any, timer: Any, out_dir: Any) -> dict:
    """Headless with pictures: the HUD plus the coach strip into the app's ``HeadlessWriter``
    (``OUT/demo.mp4``, ``last.png``, ``summary.txt``); feedback lines still go to stdout."""
    from edge_juggler.app.headless import HeadlessWriter  # noqa: PLC0415

    w, h = session.opts.size
    pygame.font.init()
    fps = getattr(pipeline.source, "fps", None) or 30.0
    writer = HeadlessWriter(out_dir, (w, h), fps, png_every_s=0.0, echo=None)
    surface = pygame.Surface((w, h))
    hud = Hud(source_name=session.spec)
    panel_w = min(hud.panel_width, max(160, w // 3))
    last_line: float | None = None
    try:
        for step in steps:
            hud.observe(step)
            fb = session.observe(step)
            t = step.frame.t_s
            if not session.opts.quiet and (last_line is None or t - last_line >= 1.0 - 1e-6):
                last_line = t
                session.say(fb.line())
            view = "color" if step.frame.color is not None else "depth"
            hud.render(
                surface,
                step,
                view=view,
                timer=timer,
                notices=pipeline.notices,
                classifier_on=pipeline.classifier_enabled,
            )
            draw_coach_strip(hud, surface, session.lesson, fb, w - panel_w)
            writer.write(surface, step, timer)
            if session.should_stop(fb):
                break
    finally:
        outputs = writer.close()
    return outputs
