"""The heads-up display: the frame with ball trails and hands, the fused state, the latencies.

One renderer for the window and the headless writer: it draws into any pygame
``Surface`` (the display, or an offscreen one under ``SDL_VIDEODRIVER=dummy``),
so the video a headless run writes is exactly what the window would show.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable

import numpy as np
import pygame

from edge_juggler.fusion import Claim, JugglingState
from edge_juggler.tracking.types import TrackState

from .imaging import FrameImager, ViewImage
from .pipeline import Step
from .timing import BUDGET_MS, StageTimer

#: colour of each claim source, so the viewer sees who says what
SOURCE_COLOURS: dict[str, tuple[int, int, int]] = {
    "tracker": (90, 200, 255),
    "classifier": (240, 130, 240),
    "both": (120, 235, 120),
    "none": (130, 130, 130),
}
BG = (18, 20, 26)
PANEL = (28, 31, 40)
FG = (230, 232, 238)
DIM = (150, 154, 165)
WARN = (255, 200, 70)
BAD = (255, 95, 80)
BALL = (255, 220, 60)
HELD = (255, 255, 255)
HAND = (80, 255, 170)
TRAIL_LEN = 24
LATENCY_ROWS = ("source", "track", "classify", "prep", "model", "fuse", "draw", "output", "loop")
KEYS_HELP = "q/Esc quit   space pause   d depth/colour"


def _ensure_font() -> None:
    if not pygame.font.get_init():
        pygame.font.init()


class Hud:
    """Draws one ``Step`` onto a surface; remembers trails and a latency snapshot between calls."""

    def __init__(self, panel_width: int = 330, source_name: str = "") -> None:
        _ensure_font()
        self.panel_width = panel_width
        self.source_name = source_name
        self.imager = FrameImager()
        self._fonts: dict[int, pygame.font.Font] = {}
        self._text_cache: dict[tuple[str, int, tuple[int, int, int]], pygame.Surface] = {}
        self.trails: dict[int, deque] = {}
        self._last_seen: dict[int, int] = {}
        self._stats: dict[str, dict[str, float]] = {}
        self._stats_wall = 0.0
        self._fps_times: deque[float] = deque(maxlen=30)
        self._last_drop: tuple[float, float, float] | None = None  # (t_s, x, y)
        self.frames_drawn = 0
        self._classifier_on = True

    # ------------------------------------------------------------------ text
    def font(self, size: int) -> pygame.font.Font:
        f = self._fonts.get(size)
        if f is None:
            f = self._fonts[size] = pygame.font.Font(None, size)
        return f

    def text(self, text: str, size: int = 20, colour: tuple[int, int, int] = FG) -> pygame.Surface:
        key = (text, size, colour)
        surf = self._text_cache.get(key)
        if surf is None:
            if len(self._text_cache) > 600:
                self._text_cache.clear()
            surf = self._text_cache[key] = self.font(size).render(text, True, colour)
        return surf

    def blit_text(
        self,
        surface: pygame.Surface,
        text: str,
        pos: tuple[int, int],
        size: int = 20,
        colour: tuple[int, int, int] = FG,
    ) -> int:
        """Draw ``text`` at ``pos``; returns its width."""
        surf = self.text(text, size, colour)
        surface.blit(surf, pos)
        return surf.get_width()

    def wrap(self, text: str, size: int, width: int) -> list[str]:
        font = self.font(size)
        lines: list[str] = []
        line = ""
        for word in text.split():
            cand = f"{line} {word}".strip()
            if font.size(cand)[0] <= width or not line:
                line = cand
            else:
                lines.append(line)
                line = word
        if line:
            lines.append(line)
        return lines

    # ------------------------------------------------------------------ state
    def observe(self, step: Step) -> None:
        """Remember ball positions for the trails (call once per processed frame)."""
        now = time.perf_counter()
        self._fps_times.append(now)
        track = step.track
        if track is None:
            return
        idx = step.frame.index
        for ball in track.balls:
            dq = self.trails.get(ball.id)
            if dq is None:
                dq = self.trails[ball.id] = deque(maxlen=TRAIL_LEN)
            dq.append((ball.x_px, ball.y_px, ball.position_m))
            self._last_seen[ball.id] = idx
        for bid in [b for b, last in self._last_seen.items() if idx - last > 15]:
            self.trails.pop(bid, None)
            self._last_seen.pop(bid, None)
        for ev in track.events:
            if ev.type == "drop":
                ball = next((b for b in track.balls if b.id == ev.ball), None)
                x, y = (ball.x_px, ball.y_px) if ball else (float("nan"), float("nan"))
                self._last_drop = (ev.t_s, x, y)

    @property
    def fps(self) -> float | None:
        if len(self._fps_times) < 2:
            return None
        span = self._fps_times[-1] - self._fps_times[0]
        return (len(self._fps_times) - 1) / span if span > 0 else None

    # ------------------------------------------------------------------ drawing
    def render(
        self,
        surface: pygame.Surface,
        step: Step,
        *,
        view: str = "depth",
        timer: StageTimer | None = None,
        notices: Iterable[str] = (),
        paused: bool = False,
        status: str = "",
        classifier_on: bool = True,
    ) -> ViewImage:
        """Draw the whole HUD for ``step``; returns the picture that was shown."""
        w, h = surface.get_size()
        panel_w = min(self.panel_width, max(160, w // 3))
        view_w = max(1, w - panel_w)
        surface.fill(BG)
        img = self.imager.render(step.frame, view, (view_w, h))
        iw, ih = img.size
        ox, oy = (view_w - iw) // 2, (h - ih) // 2
        surface.blit(pygame.image.frombuffer(img.rgb, (iw, ih), "RGB"), (ox, oy))
        self._draw_overlays(surface, step.track, img, ox, oy)
        if step.roi is not None:
            self._draw_roi(surface, step.roi, img, ox, oy)
        self._draw_view_labels(surface, step, img, paused, view_w, h)
        self._classifier_on = classifier_on
        self._draw_panel(surface, step, timer, notices, status, view_w, panel_w, h)
        self.frames_drawn += 1
        return img

    def _draw_roi(
        self,
        surface: pygame.Surface,
        roi: tuple[int, int, int, int],
        img: ViewImage,
        ox: int,
        oy: int,
    ) -> None:
        """Thin corners of the box the classifier looks at, in the classifier's colour."""
        x0, y0 = img.to_view(roi[0], roi[1])
        x1, y1 = img.to_view(roi[2], roi[3])
        x0, x1 = ox + max(0.0, x0), ox + min(float(img.size[0] - 1), x1)
        y0, y1 = oy + max(0.0, y0), oy + min(float(img.size[1] - 1), y1)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return
        col = SOURCE_COLOURS["classifier"]
        arm = 0.15 * min(x1 - x0, y1 - y0)
        for cx, cy, dx, dy in ((x0, y0, 1, 1), (x1, y0, -1, 1), (x0, y1, 1, -1), (x1, y1, -1, -1)):
            pygame.draw.line(surface, col, (cx, cy), (cx + dx * arm, cy), 2)
            pygame.draw.line(surface, col, (cx, cy), (cx, cy + dy * arm), 2)

    def _draw_overlays(
        self, surface: pygame.Surface, track: TrackState | None, img: ViewImage, ox: int, oy: int
    ) -> None:
        scale = max(0.6, min(2.0, img.size[1] / 480))
        for _bid, trail in self.trails.items():
            pts = [img.to_view(x, y, p) for x, y, p in trail]
            n = len(pts)
            for i in range(1, n):
                a = 60 + int(195 * i / n)
                col = (a, int(a * 0.75), 40)
                p0 = (ox + pts[i - 1][0], oy + pts[i - 1][1])
                p1 = (ox + pts[i][0], oy + pts[i][1])
                pygame.draw.line(surface, col, p0, p1, max(1, int(2 * scale)))
        if track is None:
            return
        for hand in track.hands:
            x, y = img.to_view(hand.x_px, hand.y_px, hand.position_m)
            r = int(14 * scale)
            rect = pygame.Rect(int(ox + x) - r, int(oy + y) - r, 2 * r, 2 * r)
            pygame.draw.rect(surface, HAND, rect, 2)
            label = "L" if hand.side == "left" else "R" if hand.side == "right" else "?"
            self.blit_text(surface, label, (rect.right + 2, rect.top - 2), 18, HAND)
        for ball in track.balls:
            x, y = img.to_view(ball.x_px, ball.y_px, ball.position_m)
            c = (int(ox + x), int(oy + y))
            if ball.in_flight:
                pygame.draw.circle(surface, BALL, c, int(8 * scale), 2)
            else:
                pygame.draw.circle(surface, HELD, c, int(5 * scale))
            self.blit_text(surface, str(ball.id), (c[0] + 8, c[1] - 16), 16, BALL)

    def _draw_view_labels(
        self, surface: pygame.Surface, step: Step, img: ViewImage, paused: bool, vw: int, h: int
    ) -> None:
        label = {"depth": "DEPTH", "color": "COLOUR"}.get(img.view, "TRACKS")
        f = step.frame
        txt = self.text(f"{label}   frame {f.index}   t {f.t_s:7.2f} s", 20, FG)
        surface.fill(BG, pygame.Rect(0, 0, txt.get_width() + 20, txt.get_height() + 12))
        surface.blit(txt, (10, 6))
        st = step.state
        if self._last_drop is not None and 0 <= st.t_s - self._last_drop[0] < 1.5:
            self.blit_text(surface, "DROP!", (10, h - 40), 36, BAD)
        if paused:
            txt = self.text("PAUSED", 64, WARN)
            surface.blit(txt, ((vw - txt.get_width()) // 2, (h - txt.get_height()) // 2))

    def _claim_row(
        self, surface: pygame.Surface, x: int, y: int, name: str, claim: Claim, value: str
    ) -> int:
        self.blit_text(surface, name, (x, y), 20, DIM)
        colour = SOURCE_COLOURS.get(claim.source, FG) if claim.known else DIM
        self.blit_text(surface, value if claim.known else "-", (x + 92, y), 22, FG)
        if claim.known:
            tag = f"{claim.source} {claim.confidence * 100:3.0f}%"
            self.blit_text(surface, tag, (x + 200, y + 2), 18, colour)
        return y + 22

    def _draw_panel(
        self,
        surface: pygame.Surface,
        step: Step,
        timer: StageTimer | None,
        notices: Iterable[str],
        status: str,
        x0: int,
        pw: int,
        h: int,
    ) -> None:
        pygame.draw.rect(surface, PANEL, pygame.Rect(x0, 0, pw, h))
        x, y = x0 + 12, 8
        inner = pw - 24
        self.blit_text(surface, "edge_juggler", (x, y), 28, FG)
        fps = self.fps
        if fps is not None:
            self.blit_text(surface, f"{fps:5.1f} fps", (x0 + pw - 80, y + 6), 18, DIM)
        y += 26
        name = self.source_name or step.frame.source
        if len(name) > 40:
            name = "..." + name[-37:]
        self.blit_text(surface, f"{name}  [{step.frame.modality}]", (x, y), 17, DIM)
        y += 22
        y = self._state_rows(surface, step.state, x, y, inner)
        y = self._score_rows(surface, step, x, y + 4, inner)
        y = self._latency_rows(surface, timer, x, y + 6, inner)
        # notices and key help at the bottom
        lines: list[tuple[str, tuple[int, int, int]]] = []
        for note in notices:
            lines += [(ln, WARN) for ln in self.wrap(note, 16, inner)]
        if status:
            lines.append((status, DIM))
        yb = h - 20 - 15 * len(lines)
        yb = max(yb, y + 4)
        for ln, col in lines:
            if yb > h - 34:
                break
            self.blit_text(surface, ln, (x, yb), 16, col)
            yb += 15
        self.blit_text(surface, KEYS_HELP, (x, h - 18), 16, DIM)

    def _state_rows(
        self, surface: pygame.Surface, st: JugglingState, x: int, y: int, inner: int
    ) -> int:
        bc = st.ball_count
        y = self._claim_row(surface, x, y, "balls", bc, str(bc.value))
        y = self._claim_row(surface, x, y, "pattern", st.pattern, str(st.pattern.value))
        y = self._claim_row(surface, x, y, "siteswap", st.siteswap, str(st.siteswap.value))
        stable = "steady" if st.stable.value else "unsteady"
        y = self._claim_row(surface, x, y, "rhythm", st.stable, stable)
        tps = f"{st.throws_per_second:.2f} /s" if st.throws_per_second is not None else "-"
        self.blit_text(surface, "throws", (x, y), 20, DIM)
        self.blit_text(surface, f"{tps}   ({st.throws_seen} seen)", (x + 92, y), 20, FG)
        y += 24
        if st.juggling.known and st.juggling.value is False:
            col = SOURCE_COLOURS.get(st.juggling.source, FG)
            self.blit_text(surface, f"not juggling ({st.juggling.source})", (x, y), 18, col)
            y += 17
        if st.agree is False:
            self.blit_text(
                surface, "tracker and classifier disagree on the count", (x, y), 16, WARN
            )
            y += 16
        if st.advice:
            for adv in st.advice[:3]:
                col = SOURCE_COLOURS.get(adv.source, FG)
                prefix = "fix: " if adv.kind == "mistake" else "trick: "
                for i, ln in enumerate(self.wrap(prefix + adv.text, 18, inner)[:2]):
                    self.blit_text(surface, ln, (x + (0 if i == 0 else 12), y), 18, col)
                    y += 17
        elif st.juggling.value and st.stable.value:
            self.blit_text(surface, "looks good: keep going", (x, y), 18, SOURCE_COLOURS["both"])
            y += 17
        return y + 2

    def _score_rows(self, surface: pygame.Surface, step: Step, x: int, y: int, inner: int) -> int:
        self.blit_text(surface, "classifier", (x, y), 18, DIM)
        y += 17
        scores = step.scores
        if scores is None:
            note = "(warming up)" if self._classifier_on else "(off)"
            self.blit_text(surface, note, (x + 8, y), 16, DIM)
            return y + 16
        from edge_juggler.catalogue import CLASSES  # noqa: PLC0415 - tiny module

        probs = np.asarray(scores.probs, dtype=np.float64)
        top = np.argsort(probs)[::-1][:3]
        for i in top:
            p = float(probs[i])
            bw = int((inner - 8) * p)
            pygame.draw.rect(surface, (70, 50, 80), pygame.Rect(x + 8, y + 1, max(bw, 1), 14))
            name = CLASSES[i] if i < len(CLASSES) else str(i)
            self.blit_text(surface, f"{name} {p * 100:.0f}%", (x + 10, y), 16, FG)
            y += 16
        return y

    def _latency_rows(
        self, surface: pygame.Surface, timer: StageTimer | None, x: int, y: int, inner: int
    ) -> int:
        if timer is None:
            return y
        now = time.perf_counter()
        if now - self._stats_wall > 0.25 or not self._stats:
            self._stats = timer.percentiles((50, 95, 99))
            self._stats_wall = now
        cols = (x + 132, x + 192, x + 252)  # right edges of the p50/p95/p99 columns

        def right(txt: str, edge: int, yy: int, colour: tuple[int, int, int]) -> None:
            surf = self.text(txt, 17, colour)
            surface.blit(surf, (edge - surf.get_width(), yy))

        self.blit_text(surface, "latency ms", (x, y), 17, DIM)
        for label, edge in zip(("p50", "p95", "p99"), cols, strict=True):
            right(label, edge, y, DIM)
        y += 17
        full = 20.0  # ms at full bar width
        for stage in LATENCY_ROWS:
            row = self._stats.get(stage)
            if row is None:
                continue
            budget = BUDGET_MS.get(stage)
            over = budget is not None and row["p95"] > budget
            bar_w = int((inner - 4) * min(1.0, row["p95"] / full))
            col = (110, 60, 50) if over else (45, 85, 60)
            pygame.draw.rect(surface, col, pygame.Rect(x, y + 1, max(bar_w, 1), 14))
            if budget is not None:
                bx = x + int((inner - 4) * min(1.0, budget / full))
                pygame.draw.line(surface, DIM, (bx, y), (bx, y + 15))
            colour = BAD if over else FG
            self.blit_text(surface, stage, (x + 2, y), 17, colour)
            for key, edge in zip(("p50", "p95", "p99"), cols, strict=True):
                right(f"{row[key]:.2f}", edge, y, colour)
            y += 16
        return y
