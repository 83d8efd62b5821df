"""The demo's main loop: a pygame window, or headless files when there is no display.

Window keys: q / Esc quit, space pause, d toggles the depth and colour view.
Headless (no ``DISPLAY``/``WAYLAND_DISPLAY`` on Linux, or ``--headless``): the
same HUD is drawn on an offscreen surface and written as MP4, PNG snapshots and
a text line per second. Ctrl-C stops either cleanly, files finished; a camera
that drops out ends the run with a one-line error (``DeviceError``, exit 2).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from edge_juggler.capture.base import Source
from edge_juggler.errors import InputError

LIVE_SCHEMES = ("kinect:", "webcam:")
CAMERA_SPECS = ("kinect:0", "webcam:0")
DEFAULT_SPEC = "synthetic:3"
HEADLESS_DEFAULT_SECONDS = 10.0
GIL_SWITCH_S = 0.001


@dataclass
class DemoOptions:
    """Everything ``edge-juggler demo`` can be told (see ``commands/demo.py``)."""

    source: str | None = None
    camera: bool = False
    headless: bool | None = None  # None: decide from the environment
    seconds: float | None = None
    frames: int | None = None
    out: Path = Path("out/demo")
    video: bool = True
    png_every_s: float = 5.0
    size: tuple[int, int] = (1024, 576)
    view: str = "auto"  # "auto" | "depth" | "color"
    tracker: bool = True
    classifier: bool = True
    models_dir: str | None = None
    precision: str = "int8"
    threads: int = 1
    realtime: bool | None = None  # None: real time in a window for files/synthetic
    quiet: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def has_display() -> bool:
    """Whether a window can open: not under the dummy/offscreen SDL drivers, and on Linux
    only with an X11 or Wayland display."""
    if os.environ.get("SDL_VIDEODRIVER", "").lower() in ("dummy", "offscreen"):
        return False
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def is_live(spec: str) -> bool:
    return spec.startswith(LIVE_SCHEMES)


def open_demo_source(opts: DemoOptions, notices: Any) -> tuple[Source, str]:
    """Open the source the user asked for; with ``--camera`` the first camera that answers,
    the synthetic juggler when none does."""
    from edge_juggler.capture.spec import open_source  # noqa: PLC0415

    if opts.camera and not opts.source:
        import cv2  # noqa: PLC0415

        reasons = []
        old_level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)  # absent webcams warn
        try:
            for spec in CAMERA_SPECS:
                try:
                    return open_source(spec), spec
                except (InputError, ImportError, OSError, RuntimeError) as exc:
                    reasons.append(f"{spec}: {' '.join(str(exc).split())}")
        finally:
            cv2.utils.logging.setLogLevel(old_level)
        notices.add("no camera found (" + "; ".join(reasons) + "); showing synthetic:3")
        return open_source(DEFAULT_SPEC), DEFAULT_SPEC
    spec = opts.source or DEFAULT_SPEC
    return open_source(spec), spec


def run_demo(opts: DemoOptions) -> int:
    """Run the live demo; returns the exit code (errors raise InputError/DeviceError)."""
    headless = (not has_display()) if opts.headless is None else opts.headless
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    # SDL would turn SIGINT/SIGTERM into a QUIT event that a headless loop never reads:
    # keep our own handlers (_stop_on_signals) so Ctrl-C stops the loop and files finish
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    import pygame  # noqa: PLC0415 - heavy, and must see SDL_VIDEODRIVER first

    from .hud import Hud  # noqa: PLC0415
    from .pipeline import AUTO, Notices, Pipeline, build_classifier  # noqa: PLC0415
    from .timing import StageTimer  # noqa: PLC0415

    w, h = opts.size
    if w < 320 or h < 240:
        raise InputError(f"--size {w}x{h}: too small (at least 320x240)")
    notices = Notices(echo=True)
    source, spec = open_demo_source(opts, notices)
    screen = None
    if not headless:
        screen = _open_window(pygame, (w, h), spec, notices, opts.out)
        headless = screen is None
    seconds = opts.seconds
    if headless and seconds is None and opts.frames is None:
        seconds = HEADLESS_DEFAULT_SECONDS
    realtime = opts.realtime
    if realtime is None:
        realtime = not headless and not is_live(spec)
    timer = StageTimer(window=300)
    pipeline: Pipeline | None = None
    writer = None
    interrupted = False
    pygame.display.init()
    pygame.font.init()
    old_term = _stop_on_signals()
    # the classifier's feeder thread holds the GIL in numpy stretches; with the default
    # 5 ms switch interval the camera loop could wait that long for it
    old_switch = sys.getswitchinterval()
    sys.setswitchinterval(GIL_SWITCH_S)
    try:
        pipeline = Pipeline(
            source,
            tracker=AUTO if opts.tracker else None,
            classifier=AUTO if opts.classifier else None,
            timer=timer,
            notices=notices,
            realtime=realtime,
            classifier_factory=lambda: build_classifier(
                opts.models_dir, opts.precision, opts.threads
            ),
        )
        hud = Hud(source_name=spec)
        steps = pipeline.steps(max_frames=opts.frames, max_seconds=seconds)
        if headless:
            from .headless import HeadlessWriter  # noqa: PLC0415

            fps = source.fps or 30.0
            writer = HeadlessWriter(
                opts.out,
                (w, h),
                fps,
                video=opts.video,
                png_every_s=opts.png_every_s,
                echo=None if opts.quiet else sys.stdout,
            )
            surface = pygame.Surface((w, h))
            try:
                _headless_loop(steps, hud, surface, writer, pipeline, opts.view, timer)
            except KeyboardInterrupt:
                interrupted = True
        else:
            try:
                _window_loop(steps, hud, pipeline, opts.view, timer, screen)
            except KeyboardInterrupt:
                interrupted = True
    finally:
        outputs = writer.close() if writer is not None else None
        if pipeline is not None:
            pipeline.close()
        source.close()
        pygame.quit()
        _restore_signals(old_term)
        sys.setswitchinterval(old_switch)
    if interrupted:
        print("edge-juggler: stopped (interrupted), files finished", file=sys.stderr)
    frames = pipeline.frames if pipeline is not None else 0
    if outputs is not None and not opts.quiet:
        wrote = [p for p in (outputs["video"], outputs["summary"]) if p]
        if outputs["pngs"]:
            wrote.append(f"{len(outputs['pngs'])} PNG in {opts.out}")
        print(f"demo: {frames} frames, wrote " + ", ".join(str(p) for p in wrote))
    return 0


_STOP = threading.Event()


def _request_stop(signum: int, frame: Any) -> None:
    """Ctrl-C / SIGTERM: stop at the next frame; a second one interrupts at once.

    An exception raised wherever the signal lands (inside a lock, the encoder or a
    queue) can leave them half-done and hang the clean-up; a flag checked between
    frames cannot.
    """
    if _STOP.is_set():
        raise KeyboardInterrupt
    _STOP.set()


def _check_stop() -> None:
    if _STOP.is_set():
        raise KeyboardInterrupt


def _stop_on_signals() -> Any:
    """SIGINT and SIGTERM stop the demo with files finished; returns the old handlers."""
    import signal  # noqa: PLC0415

    if threading.current_thread() is not threading.main_thread():
        return None
    _STOP.clear()
    return (
        signal.signal(signal.SIGINT, _request_stop),
        signal.signal(signal.SIGTERM, _request_stop),
    )


def _restore_signals(old: Any) -> None:
    import signal  # noqa: PLC0415

    if old is not None:
        signal.signal(signal.SIGINT, old[0])
        signal.signal(signal.SIGTERM, old[1])


def _view_for(frame: Any, requested: str) -> str:
    if requested in ("depth", "color"):
        return requested
    if frame.color is not None:
        return "color"  # what people recognise; d shows the depth
    return "depth" if frame.depth is not None else "tracks"


def handle_keys(
    pygame: Any, pipeline: Any, paused: bool, *, started: bool
) -> tuple[bool, bool, bool]:
    """Window keys shared by the demo and the coach: q/Esc/close quit, space pauses
    (resyncing the pipeline clock on resume), d toggles depth/colour.

    Returns ``(quit, paused, toggle_view)``.
    """
    toggle = False
    for ev in pygame.event.get():
        if ev.type == pygame.QUIT:
            return True, paused, toggle
        if ev.type != pygame.KEYDOWN:
            continue
        if ev.key in (pygame.K_q, pygame.K_ESCAPE):
            return True, paused, toggle
        if ev.key == pygame.K_SPACE and started:
            paused = not paused
            if not paused:
                pipeline.resync()
        if ev.key == pygame.K_d and started:
            toggle = not toggle
    return False, paused, toggle


def _draw_timed(hud, target, step, view, timer, pipeline, present) -> None:
    """Render the HUD for one step, present it (flip or write), and time both stages."""
    t0 = time.perf_counter()
    hud.render(
        target,
        step,
        view=view,
        timer=timer,
        notices=pipeline.notices,
        classifier_on=pipeline.classifier_enabled,
    )
    t1 = time.perf_counter()
    present()
    t2 = time.perf_counter()
    timer.add("draw", (t1 - t0) * 1e3)
    timer.add("output", (t2 - t1) * 1e3)
    timer.add("loop", sum(step.times_ms.values()) + (t2 - t0) * 1e3)


def _headless_loop(steps, hud, surface, writer, pipeline, view, timer) -> None:
    current = None
    for step in steps:
        _check_stop()
        hud.observe(step)
        if current is None:
            current = _view_for(step.frame, view)
        _draw_timed(
            hud,
            surface,
            step,
            current,
            timer,
            pipeline,
            partial(writer.write, surface, step, timer),
        )


def _open_window(pygame: Any, size: tuple[int, int], spec: str, notices: Any, out: Path):
    """The display surface, or None (and headless from then on) when no window can open."""
    try:
        pygame.display.init()
        screen = pygame.display.set_mode(size)
    except pygame.error as exc:
        notices.add(f"cannot open a window ({exc}); writing headless output to {out}")
        pygame.display.quit()
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        return None
    pygame.display.set_caption(f"edge_juggler demo - {spec}")
    return screen


def _window_loop(steps, hud, pipeline, view, timer, screen) -> None:
    import pygame  # noqa: PLC0415

    current: str | None = None
    paused = False
    step = None
    clock = pygame.time.Clock()
    while True:
        _check_stop()
        quit_, paused, toggle = handle_keys(pygame, pipeline, paused, started=step is not None)
        if quit_:
            return
        if toggle:
            current = "color" if current == "depth" else "depth"
        if paused:
            hud.render(
                screen,
                step,
                view=current,
                timer=timer,
                notices=pipeline.notices,
                paused=True,
                classifier_on=pipeline.classifier_enabled,
            )
            pygame.display.flip()
            clock.tick(30)
            continue
        step = next(steps, None)
        if step is None:
            return
        hud.observe(step)
        if current is None:
            current = _view_for(step.frame, view)
        _draw_timed(hud, screen, step, current, timer, pipeline, pygame.display.flip)
