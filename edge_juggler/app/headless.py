"""Headless output: the HUD frames as an MP4 and PNG snapshots, plus a line of text per second.

Used when there is no display (a server, CI, a container) so ``edge-juggler
demo`` still shows what it saw: the same pictures the window would draw.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np
import pygame

from edge_juggler.errors import InputError

from .pipeline import Step
from .timing import StageTimer


def _claim_text(claim, fmt: str = "{}") -> str:
    if not claim.known:
        return "-"
    return f"{fmt.format(claim.value)} ({claim.source} {claim.confidence * 100:.0f}%)"


def summary_line(step: Step, timer: StageTimer | None = None) -> str:
    """One line that says what the demo sees now (for logs and the headless summary)."""
    st = step.state
    parts = [
        f"t {step.frame.t_s:6.1f}s",
        f"frame {step.frame.index:5d}",
        f"balls {_claim_text(st.ball_count)}",
        f"pattern {_claim_text(st.pattern)}",
        f"siteswap {st.siteswap.value if st.siteswap.known else '-'}",
        "rhythm "
        + (
            "-"
            if not st.stable.known
            else ("steady" if st.stable.value else "unsteady") + f" ({st.stable.source})"
        ),
    ]
    if st.throws_per_second is not None:
        parts.append(f"{st.throws_per_second:.2f} throws/s")
    if timer is not None:
        loop = timer.percentiles((50, 99)).get("loop")
        if loop:
            parts.append(f"loop p50 {loop['p50']:.1f} ms p99 {loop['p99']:.1f} ms")
    if st.advice:
        parts.append("advice " + ", ".join(a.key for a in st.advice))
    return " | ".join(parts)


_XRGB = (0xFF0000, 0xFF00, 0xFF, 0)


def _surface_copy(surface: pygame.Surface, code: int, fmt: str) -> np.ndarray:
    w, h = surface.get_size()
    if surface.get_bitsize() == 32 and tuple(surface.get_masks()[:3]) == _XRGB[:3]:
        # zero-copy view of the 32-bit pixels (bytes B, G, R, X), one cv2 pass: ~0.3 ms
        view = surface.get_view("0")
        try:
            px = np.frombuffer(view, np.uint8).reshape(h, surface.get_pitch() // 4, 4)[:, :w]
            return cv2.cvtColor(px, code)
        finally:
            del view  # releases the surface lock
    rgb = np.frombuffer(pygame.image.tobytes(surface, "RGB"), dtype=np.uint8).reshape(h, w, 3)
    return rgb.copy() if fmt == "RGB" else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def surface_rgb(surface: pygame.Surface) -> np.ndarray:
    """The surface's pixels as an H x W x 3 uint8 RGB array (a copy)."""
    return _surface_copy(surface, cv2.COLOR_BGRA2RGB, "RGB")


def surface_bgr(surface: pygame.Surface) -> np.ndarray:
    """The same in OpenCV's BGR order (what VideoWriter wants)."""
    return _surface_copy(surface, cv2.COLOR_BGRA2BGR, "BGR")


class HeadlessWriter:
    """Writes ``demo.mp4``, periodic PNG snapshots and ``summary.txt`` into ``out_dir``."""

    def __init__(
        self,
        out_dir: Path,
        size: tuple[int, int],
        fps: float,
        *,
        video: bool = True,
        png_every_s: float = 0.0,
        summary_every_s: float = 1.0,
        echo: TextIO | None = sys.stdout,
    ) -> None:
        self.out_dir = Path(out_dir)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{out_dir}: cannot create output folder ({exc.strerror})") from None
        self.size = (int(size[0]), int(size[1]))
        self.fps = float(fps) if fps and fps > 0 else 30.0
        self.png_every_s = png_every_s
        self.summary_every_s = summary_every_s
        self.echo = echo
        self.video_path: Path | None = None
        self.pngs: list[Path] = []
        self.frames = 0
        self._writer: cv2.VideoWriter | None = None
        if video:
            self.video_path = self.out_dir / "demo.mp4"
            fourcc = cv2.VideoWriter_fourcc(*"mp4v")
            writer = cv2.VideoWriter(str(self.video_path), fourcc, self.fps, self.size)
            if not writer.isOpened():
                raise InputError(f"{self.video_path}: cannot open an MP4 writer (mp4v)")
            self._writer = writer
        self.summary_path = self.out_dir / "summary.txt"
        self._summary = self.summary_path.open("w", encoding="utf-8")
        self._last_summary_t: float | None = None
        self._last_png_t: float | None = None
        self._last_surface: pygame.Surface | None = None
        self._last_step: Step | None = None
        self.lines = 0

    def write(self, surface: pygame.Surface, step: Step, timer: StageTimer | None = None) -> None:
        if self._writer is not None:
            self._writer.write(surface_bgr(surface))
        t = step.frame.t_s
        if self.png_every_s > 0 and (
            self._last_png_t is None or t - self._last_png_t >= self.png_every_s - 1e-6
        ):
            self._last_png_t = t
            self._save_png(surface, f"frame_{step.frame.index:06d}.png")
        if self._last_summary_t is None or t - self._last_summary_t >= self.summary_every_s - 1e-6:
            self._last_summary_t = t
            self.log(summary_line(step, timer))
        self._last_surface = surface
        self._last_step = step
        self.frames += 1

    def log(self, line: str) -> None:
        self._summary.write(line + "\n")
        self._summary.flush()
        self.lines += 1
        if self.echo is not None:
            print(line, file=self.echo, flush=True)

    def _save_png(self, surface: pygame.Surface, name: str) -> Path:
        path = self.out_dir / name
        pygame.image.save(surface, str(path))
        self.pngs.append(path)
        return path

    def close(self) -> dict[str, object]:
        """Finish the files (safe to call twice); returns what was written."""
        if self._last_surface is not None:
            self._save_png(self._last_surface, "last.png")
            self._last_surface = None
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        if not self._summary.closed:
            self._summary.close()
        return {
            "video": str(self.video_path) if self.video_path else None,
            "pngs": [str(p) for p in self.pngs],
            "summary": str(self.summary_path),
            "frames": self.frames,
        }
