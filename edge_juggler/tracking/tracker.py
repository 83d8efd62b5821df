"""The classical tracker: frames in, balls/hands/events out; no learning, no neural net.

Per frame it segments (depth, colour, or ready-made MOT tracks), associates
detections to ball tracks, and every second re-analyses the recent window to
publish events and running metrics. ``finish()`` analyses the whole recording
(flights, events, siteswap, metrics) for the report.
"""

from __future__ import annotations

import bisect
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edge_juggler.errors import InputError
from edge_juggler.frames import Frame, Intrinsics
from edge_juggler.tracking.analysis import (
    Analysis,
    Scale,
    analyse_flights,
    clean_flights,
    count_from_air,
    dedupe_flights,
    drop_scoops,
)
from edge_juggler.tracking.association import (
    BALL_RADIUS_M,
    Associator,
    Detection,
    StaticFilter,
    window_gravity,
)
from edge_juggler.tracking.color import (
    ColorConfig,
    ColorLearner,
    ColorModel,
    ColorSegmenter,
)
from edge_juggler.tracking.depth import DepthConfig, DepthSegmenter
from edge_juggler.tracking.flights import (
    Flight,
    TrackSamples,
    at_reference_depth,
    attach_metric_arcs,
    drop_top_edge,
    estimate_gravity_px,
    extract_flights,
    mark_fell_out,
    stitch_hidden_apexes,
)
from edge_juggler.tracking.release import WINDOW_S, release_rows
from edge_juggler.tracking.types import Ball, Event, Hand, TrackState

MODALITIES = ("depth", "color", "rgbd", "tracks", "points")
# frames of colour detections kept for associating again at the end (20 min at 30 fps)
REPLAY_MAX_FRAMES = 36000
# samples per flank stretch for image gravity when 7-sample stretches find none
WINDOW_SHORT = 5
# with depth, image arcs may move the measured gravity this much either way (see _scale)
DEPTH_G_REFINE = 1.1


@dataclass
class TrackerConfig:
    depth: DepthConfig = field(default_factory=DepthConfig)
    color: ColorConfig = field(default_factory=ColorConfig)
    color_model: ColorModel | None = None  # a calibrate profile; learned when None
    learn_seconds: float = 3.0  # colour learning window
    # learning goes on this long; ball colours first seen later (a ball thrown out
    # of the picture at first) join the model at the re-learn points
    relearn_until_s: float = 8.0
    relearn_every_s: float = 2.5
    # a re-learn (0.1-0.3 s of CPU) runs in a worker thread, not on the tracking loop; its
    # colours are used from the first frame this long after it began (waiting for
    # the worker there only if it is not done): a fixed point in frame time, so
    # analysing a file gives the same result on every run, however threads run
    relearn_apply_after_s: float = 0.5
    # re-learning sees every frame, on that worker too; when it falls this many frames
    # behind (a slow machine, a file read faster than real time) tracking waits for
    # it rather than queue frames without end, so every frame is learned from
    learn_behind_frames: int = 8
    learn_min_frames: int = 20
    live_window_s: float = 6.0  # running metrics look back this far
    live_every_s: float = 1.0
    # that analysis (30-40 ms) runs on a worker thread, but for the image gravity
    # (~5 ms), which the association needs at once; its results are used from the
    # first frame this long after its own (waiting for it only if not done): the loop
    # never stalls for it, and a file gives the same results on every run
    live_apply_after_s: float = 0.3


def load_calibration(path: str | Path) -> tuple[ColorModel | None, dict]:
    """A ``calibrate`` profile: (colour model or None, the whole JSON)."""
    import json

    p = Path(path)
    try:
        d = json.loads(p.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{p}: cannot read calibration profile ({exc})") from None
    if not isinstance(d, dict):
        raise InputError(f"{p}: calibration profile must be a JSON object")
    cm = ColorModel.from_dict(d["color"]) if d.get("color") else None
    return cm, d


@dataclass
class _Relearn:
    """A re-learn from the frames up to frame time ``t``, due at ``due``."""

    t: float
    due: float
    learner: ColorLearner
    # on the worker once the frame's own work is done, after that frame's add():
    # the worker takes jobs in order, so the model sees exactly the frames up to t
    job: Future[ColorModel] | None = None


@dataclass
class _Live:
    """The live analysis of the window up to frame time ``t``, used from ``due`` on."""

    t: float
    due: float
    quiet: bool  # over 3 s tracked: no flights then means no balls, not "not yet"
    job: Future[tuple[tuple[dict, list[Event]] | None, float]]
    ms: float  # the part on the tracking thread


def _ball_associator() -> Associator:
    """The tracker's association: unmatched tracks and detections allowed (at the
    gate's half-way cost), and a re-found ball may leave upward at a throw's speed."""
    return Associator(miss_cost=0.5, launch_cone=True)


class Tracker:
    """``update(frame) -> TrackState`` per frame, ``finish() -> Analysis`` at the end."""

    def __init__(
        self, intrinsics: Intrinsics | None, modality: str, config: TrackerConfig | None = None
    ) -> None:
        if modality not in MODALITIES:
            raise InputError(f"tracker: unknown modality {modality!r}; use one of {MODALITIES}")
        self.cfg = config or TrackerConfig()
        self.intr = intrinsics
        self.frame_height: int | None = None  # image rows (drops fall out of the bottom)
        self.modality = modality
        self.assoc = _ball_associator()
        self.static: StaticFilter | None = None
        self.depth_seg: DepthSegmenter | None = None
        self.points_intr: Intrinsics | None = None  # a virtual camera looking at 3-D points
        self.color_seg: ColorSegmenter | None = None
        self.learner: ColorLearner | None = None
        self._pending: list[Frame] = []
        self._learn_t0: float | None = None
        self._to_learn: list[tuple[ColorLearner, np.ndarray, float]] = []  # for the worker
        self._learning: deque[Future[None]] = deque()  # add() jobs handed over, oldest first
        self._next_relearn = 0.0
        self._colours_complete_t: float | None = None  # a ball colour was learned late
        # while colours may still be learned late: each frame's colour detections, as
        # associated (time, index, detections), and the colours that came late (from
        # when, their ids in the model): at the end their balls' moving blobs the
        # learner saw before join and the frames are associated again (_replay_late)
        self._color_log: list[tuple[float, int, list[Detection]]] | None = None
        self._late: list[tuple[float, list[int]]] = []  # (from when, colour ids)
        self._learn_cands: list | None = None
        self._relearns: list[_Relearn] = []  # under way, oldest first
        self._worker: ThreadPoolExecutor | None = None
        if self.cfg.color_model is not None:
            self.color_seg = ColorSegmenter(self.cfg.color_model, self.cfg.color)
        self.mot: dict[int, list[tuple[float, float, float, int]]] = {}
        self.hands_log: list[tuple[float, tuple[Hand, ...]]] = []
        self.body_z: list[float] = []
        self.frames = 0
        self.t_first: float | None = None
        self.t_last: float | None = None
        self.latency: dict[str, list[float]] = {"track": [], "analysis": []}
        self._next_live = 0.0
        self._emitted: set[tuple] = set()
        self._live_metrics: dict = {}
        self._live_count: int | None = None
        self._live: _Live | None = None
        self._live_worker: ThreadPoolExecutor | None = None

    # ---------------------------------------------------------------- per frame
    def update(self, frame: Frame) -> TrackState:
        t0 = time.perf_counter()
        t = frame.t_s
        if self.t_first is None:
            self.t_first = t
        self.t_last = t
        self.frames += 1
        if self.frame_height is None:
            # the picture the balls are found in (an RGB-D frame's colour may differ)
            uses_depth = frame.depth is not None and self.modality in ("depth", "rgbd")
            img = frame.depth if uses_depth else frame.color
            if img is not None:
                self.frame_height = int(img.shape[0])
        hands: tuple[Hand, ...] = ()
        seen = []
        mod = self.modality
        if mod == "tracks" or (frame.extras and "tracks" in frame.extras):
            self._update_mot(frame)
        elif frame.extras and "points" in frame.extras:
            seen = self._update_points(frame)
        elif frame.depth is not None and mod in ("depth", "rgbd"):
            if self.depth_seg is None:
                intr = frame.intrinsics or self.intr
                if intr is None:
                    raise InputError(f"{frame.source or 'frame'}: depth without intrinsics")
                self.depth_seg = DepthSegmenter(intr, self.cfg.depth)
            dets, hl, zb = self.depth_seg.process(frame.depth)
            hands = tuple(hl)
            if zb is not None:
                self.body_z.append(zb)
            seen = self.assoc.step(t, frame.index, self._unclutter(dets))
        elif frame.color is not None:
            seen = self._update_color(frame)
        if hands:
            self.hands_log.append((t, hands))
        track_ms = (time.perf_counter() - t0) * 1000.0
        self.latency["track"].append(track_ms)
        events = self._apply_live(t)
        if t >= self._next_live:
            self._start_live(t)
            self._next_live = t + self.cfg.live_every_s
        self._start_relearns()
        balls = tuple(self._ball(tr) for tr in seen)
        return TrackState(
            frame_index=frame.index,
            t_s=t,
            balls=balls,
            hands=hands,
            events=events,
            ball_count=self._live_count,
            metrics=dict(self._live_metrics),
            latency_ms=track_ms,
        )

    def _ball(self, tr) -> Ball:
        """The per-frame view of one track (pure Python: this runs for every ball)."""
        pos = None
        z = tr.z[-1] if tr.z else float("nan")
        intr = self._metric_intr()
        x, y = float(tr.x[-1]), float(tr.y[-1])
        if intr is not None and z == z:  # not NaN
            pos = ((x - intr.cx) * z / intr.fx, (y - intr.cy) * z / intr.fy, float(z))
        g = self.assoc.g_px
        in_flight = False
        if g and len(tr.t) >= 3 and tr.t[-1] - tr.t[-3] < 0.2:
            t1, t2, t3 = tr.t[-3:]
            y1, y2, y3 = tr.y[-3:]
            if t3 > t2 > t1:
                acc = 2 * ((y3 - y2) / (t3 - t2) - (y2 - y1) / (t2 - t1)) / (t3 - t1)
                in_flight = 0.5 * g < acc < 1.6 * g
        return Ball(tr.id, x, y, in_flight, pos, None)

    def _update_points(self, frame: Frame) -> list:
        """3-D ball points seen by a (virtual) camera: detections with depth, no clutter."""
        intr = frame.intrinsics or self.intr
        if intr is None:
            raise InputError(f"{frame.source or 'frame'}: points without intrinsics")
        self.points_intr = intr
        pts = np.asarray(frame.extras["points"], dtype=np.float64).reshape(-1, 3)
        dets = [
            Detection(float(x), float(y), BALL_RADIUS_M * intr.fy / float(z), z_m=float(z))
            for x, y, z in pts
            if z > 0
        ]
        return self.assoc.step(frame.t_s, frame.index, dets)

    def _metric_intr(self) -> Intrinsics | None:
        """The camera whose pixels come with distances (depth, or 3-D points)."""
        return self.depth_seg.full if self.depth_seg is not None else self.points_intr

    def _fy(self) -> float | None:
        """The metric camera's focal length (pixels), when distances are measured."""
        intr = self._metric_intr()
        return intr.fy if intr is not None else None

    def _update_mot(self, frame: Frame) -> None:
        arr = np.asarray(frame.extras.get("tracks", []), dtype=np.float64).reshape(-1, 3)
        for i, x, y in arr:
            self.mot.setdefault(int(i), []).append((frame.t_s, float(x), float(y), frame.index))

    def _update_color(self, frame: Frame) -> list:
        if self.color_seg is None:
            if self.learner is None:
                self.learner = ColorLearner(self.cfg.color.work_long_side)
                if self.cfg.color_model is None:
                    self._learn_cands = self.learner.cands
                    self._color_log = []
            self.learner.add(frame.color, frame.t_s)
            self._pending.append(frame)
            span = frame.t_s - self._pending[0].t_s
            if span < self.cfg.learn_seconds or len(self._pending) < self.cfg.learn_min_frames:
                return []
            model = self.learner.model()
            self.color_seg = ColorSegmenter(model, self.cfg.color)
            self._learn_t0 = self._pending[0].t_s
            self._next_relearn = frame.t_s + self.cfg.relearn_every_s
            seen = []
            for f in self._pending:  # catch up on the learning window
                seen = self._step_logged(f, self._unclutter(self.color_seg.process(f.color)))
            self._pending = []
            return seen
        if self.learner is not None and self.cfg.color_model is None:
            self._relearn(frame)
        self._apply_relearned(frame.t_s)
        dets = self._unclutter(self.color_seg.process(frame.color))
        return self._step_logged(frame, dets)

    def _step_logged(self, frame: Frame, dets: list[Detection]) -> list:
        """Associate one frame's colour detections, logged for ``_replay_late``."""
        log = self._color_log
        if log is not None:
            if len(log) >= REPLAY_MAX_FRAMES or (
                self.learner is None and not self._relearns and not self._late
            ):
                self._color_log = None  # learning is over and every colour came in time
            else:
                log.append((frame.t_s, frame.index, dets))
        return self.assoc.step(frame.t_s, frame.index, dets)

    def _replay_late(self, flights: list[Flight]) -> bool:
        """Associate the clip again with the balls of late colours seen from the start.

        A colour first learned at a re-learn (a ball thrown high out of the picture
        from close by, too fast to learn at first) is detected only from then on:
        633 webcam s6349's 6-balls came at 6 s, too late to read them. The learner
        saw their moving blobs all along; those of a late colour, in the frames
        before it came, join the detections, and the whole clip is associated anew
        (with the image gravity measured by now). Only colours whose balls flew
        (``flights``, as associated live) after they came: a hand's or a sleeve's
        colour the learner took for a ball's (300 webcam s1129: skin at 6 s) adds
        no flight of its own, and its earlier blobs would have added false ones.
        Only where something was logged (the log stops when learning ends with no
        late colour, and after ``REPLAY_MAX_FRAMES``). True when it associated anew.
        """
        if not self._late or not self._color_log or not self._learn_cands:
            return False
        model = self.color_seg.model if self.color_seg is not None else None
        if model is None:
            return False
        flew = set()  # (colour id, throw time)
        for f in flights:
            tr = self.assoc.all.get(f.ball)
            if tr is not None:
                flew.add((tr.color_id, f.t_throw))
        late = [
            (t0, cid)
            for t0, ids in self._late
            for cid in ids
            if cid < len(model.ranges) and any(c == cid and t >= t0 for c, t in flew)
        ]
        if not late:
            return False
        r_ball = model.ball_radius_px
        extra: dict[float, list[Detection]] = {}
        for c in self._learn_cands:
            if c.edge:
                continue
            for t0, cid in late:
                if c.t < t0 and model.ranges[cid].holds(c.hue, c.sat, c.val):
                    r = r_ball if r_ball else c.r
                    extra.setdefault(c.t, []).append(Detection(c.x, c.y, r))
                    break
        if not extra:
            return False
        assoc = _ball_associator()
        assoc.g_px = self.assoc.g_px
        for t, index, dets in self._color_log:
            more = [
                e
                for e in extra.get(t, [])
                if all(np.hypot(e.x - d.x, e.y - d.y) > max(e.radius_px, d.radius_px) for d in dets)
            ]
            assoc.step(t, index, dets + more)
        self.assoc = assoc
        return True

    def _relearn(self, frame: Frame) -> None:
        """Keep learning for a while; add ball colours that were not seen at first."""
        t0 = self._learn_t0 if self._learn_t0 is not None else frame.t_s
        if frame.t_s - t0 > self.cfg.relearn_until_s:
            self.learner = None  # re-learns still under way are applied when due
            return
        # every frame, on the worker: a ball thrown high from close by shows two or
        # three blobs on its way up and down (633 webcam 6s), every other frame
        # one or none
        self._to_learn.append((self.learner, frame.color, frame.t_s))
        if frame.t_s < self._next_relearn:
            return
        self._next_relearn = frame.t_s + self.cfg.relearn_every_s
        due = frame.t_s + self.cfg.relearn_apply_after_s
        self._relearns.append(_Relearn(frame.t_s, due, self.learner))

    def _start_relearns(self) -> None:
        """Hand new frames and re-learns to the worker once this frame's work is done.

        Both threads share one interpreter lock: started earlier, the worker would
        slow the rest of this frame (and its live analysis); now it mostly runs
        while the loop waits for the next frame. The one worker runs its jobs in
        the order given, so nothing else touches the learner meanwhile.
        """
        if not self._to_learn and all(r.job is not None for r in self._relearns):
            return
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="relearn")
        for learner, rgb, t in self._to_learn:
            self._learning.append(self._worker.submit(learner.add, rgb, t))
        self._to_learn = []
        for r in self._relearns:
            if r.job is None:
                r.job = self._worker.submit(r.learner.model)
        while self._learning and (
            self._learning[0].done() or len(self._learning) > self.cfg.learn_behind_frames
        ):
            self._learning.popleft().result()  # (waits if behind; raises what add() raised)

    def _apply_relearned(self, now: float | None) -> None:
        """Re-learned colours join the model at their due frame (``now`` None: all, at the end).

        ``result()`` waits only when the worker is not done by then. A new colour
        counts as known from when its re-learn began: it had flown by then, and the
        pattern is read from the flights after that (see ``complete_from``). Those
        in the delay may lack a part of one of its flights; leaving them out of the
        reading too cost two of 78 colour tuning clips their reading (a 633 then
        read from 13 flights as 3; 5 s18 one throw more).
        """
        while self._relearns and (now is None or now >= self._relearns[0].due):
            if self._relearns[0].job is None:  # due in the frame it began (applied after 0 s)
                self._start_relearns()
            r = self._relearns.pop(0)
            learned = r.job.result()
            model = self.color_seg.model
            # (a size measured on flights replaces one from the hue histogram of
            # moving blobs, the fallback without flights: 71 webcam s5469 took 5 px
            # from shirt specks at first, and every ball of 20 px was "too big")
            guessed = all(c.n == 0 for c in model.ranges) and any(c.n > 0 for c in learned.ranges)
            if model.ball_radius_px is None or (guessed and learned.ball_radius_px):
                model.ball_radius_px = learned.ball_radius_px
            n_before = len(model.ranges)
            model.add_new(learned.ranges)
            if len(model.ranges) > n_before:  # a new colour: its balls were unseen so far
                self._colours_complete_t = r.t
                self._late.append((r.due, list(range(n_before, len(model.ranges)))))
        if self.learner is None or now is None:
            self._end_worker()

    def _end_worker(self) -> None:
        """Let the worker thread end once nothing is left for it (made anew if needed)."""
        if self._worker is not None and not self._relearns:
            # frames handed over after the last re-learn: no model will use them
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker = None
            self._learning.clear()
            self._to_learn = []

    def _unclutter(self, dets: list) -> list:
        if self.static is None:
            if not dets:
                return dets
            r = float(np.median([d.radius_px for d in dets]))
            self.static = StaticFilter(cell_px=2.0 * r)
        return self.static(dets)

    # ---------------------------------------------------------------- analysis
    def samples(self, since: float | None = None) -> list[TrackSamples]:
        """Every ball track as time-ordered samples (optionally only recent ones)."""
        out = []
        if self.mot:
            items = [
                (
                    i,
                    np.array([s[0] for s in v]),
                    np.array([[s[1], s[2]] for s in v]),
                    np.array([s[3] for s in v]),
                    None,
                )
                for i, v in self.mot.items()
            ]
        else:
            items = [
                (
                    tr.id,
                    np.asarray(tr.t),
                    np.stack([tr.x, tr.y], axis=1),
                    np.asarray(tr.frame),
                    np.asarray(tr.z),
                )
                for tr in self.assoc.all.values()
            ]
        for i, t, xy, fr, z in items:
            if len(t) == 0:
                continue
            if since is not None:
                m = t >= since
                t, xy, fr = t[m], xy[m], fr[m]
                z = z[m] if z is not None else None
            if len(t) >= 3:
                o = np.argsort(t, kind="stable")
                out.append(TrackSamples(i, t[o], xy[o], fr[o], None if z is None else z[o]))
        return out

    def _gravity_prior(self) -> float | None:
        """Expected image gravity: from depth (fy / z), else from the ball's size in pixels."""
        if self.depth_seg is not None and self.body_z:
            z = max(0.3, float(np.median(self.body_z[-300:])) - 0.3)
            return 9.81 * self.depth_seg.full.fy / z
        if self.color_seg is not None and self.color_seg.model.ball_radius_px:
            return 9.81 * self.color_seg.model.ball_radius_px / BALL_RADIUS_M
        return None

    def _scale(self, tracks: list[TrackSamples], prior: float | None) -> Scale:
        """Image gravity (px/s^2) and the depth camera's fy.

        With depth the balls' distance is measured, so gravity in the image is
        9.81 m/s^2 * fy / z of the balls themselves; arcs fitted in the image
        refine it by at most ``DEPTH_G_REFINE`` either way. (They were allowed 25 %:
        in 71 nfov depth s3 the arcs in the picture, high throws close to the
        camera that move in depth on the way, curved 1.1-1.25 times harder, the
        clip took 1.19 g, no 7's halves agreed on an apex at it and it read no
        ball. Without refining at all, clips whose arcs said 3-7 % less, the
        ball's front surface and its way in depth, lost throws.) Without depth
        the prior is the ball's size and only bounds the estimate.
        """
        fy = self._fy()
        g_depth = self._depth_gravity(tracks) if fy else None
        if g_depth is not None:
            g = estimate_gravity_px(tracks, prior=g_depth, prior_factor=DEPTH_G_REFINE)
            if g is None:
                g = window_gravity(tracks, prior=g_depth, factor=DEPTH_G_REFINE)
            return Scale(g if g is not None else g_depth, fy)
        g = estimate_gravity_px(tracks, prior=prior)
        if g is None:  # no apex in the picture: the curvature of the arcs' flanks
            g = window_gravity(tracks, prior=prior)
        if g is None:  # a close camera: each flank crosses the picture in a few frames
            g = window_gravity(tracks, prior=prior, window=WINDOW_SHORT)
        return Scale(g, fy)

    def _depth_gravity(self, tracks: list[TrackSamples]) -> float | None:
        """9.81 m/s^2 in pixels at the balls' median depth (tracks with depth only)."""
        zs = [tr.z[np.isfinite(tr.z)] for tr in tracks if tr.z is not None and len(tr) >= 5]
        z = np.concatenate(zs) if zs else np.array([])
        if z.size < 10:
            return None
        fy = self._fy()
        return None if fy is None else 9.81 * fy / max(0.3, float(np.median(z)))

    def _scaled(
        self, tracks: list[TrackSamples], prior: float | None
    ) -> tuple[list[TrackSamples], Scale]:
        """The samples flights are fitted to, and their scale (image gravity)."""
        if prior is not None and self.color_seg is not None and self.depth_seg is None:
            # a colour blob cut by the top edge keeps its centre a radius inside while
            # the ball flies on (g in px is the metre scale); depth balls there mostly
            # leave the sensor's valid area at once, and dropping them cost more high
            # throws than it saved on tuning clips
            tracks = drop_top_edge(tracks, BALL_RADIUS_M * prior / 9.81)
        return tracks, self._scale(tracks, prior)

    def _flights(
        self, tracks: list[TrackSamples], scale: Scale, t_end: float | None
    ) -> list[Flight]:
        """Flights of ``_scaled`` tracks; reads no state that changes while tracking.

        (The live analysis runs it on a worker thread, with the last frame time
        taken on the tracking thread.)
        """
        if scale.g_px is None:
            return []
        metric = self._metric_intr()
        # heights in metres, and arcs that move in depth, at one reference depth
        ref_tracks, z_ref = (
            at_reference_depth(tracks, (metric.cx, metric.cy))
            if metric is not None
            else (tracks, None)
        )
        refs: list[tuple[TrackSamples, float, tuple[float, float]] | None] = [None] * len(tracks)
        halves_ref = None
        if metric is not None and z_ref is not None:
            centre = (metric.cx, metric.cy)
            # (a track without depth readings comes back as itself: no reference arc)
            refs = [
                (r, z_ref, centre) if r is not tr else None
                for tr, r in zip(tracks, ref_tracks, strict=True)
            ]
            halves_ref = (ref_tracks, z_ref, centre)
        flights = [
            f
            for tr, ref in zip(tracks, refs, strict=True)
            for f in extract_flights(tr, scale.g_px, t_end=t_end, ref=ref)
        ]
        flights += stitch_hidden_apexes(tracks, flights, scale.g_px, t_end=t_end, ref=halves_ref)
        flights = drop_scoops(dedupe_flights(clean_flights(flights, scale), scale), scale)
        if self.frame_height is not None:
            mark_fell_out(tracks, flights, scale.g_px, self.frame_height)
        if metric is not None and z_ref is not None:
            attach_metric_arcs(flights, ref_tracks, z_ref, metric.fy, metric.cy)
        return flights

    def _hands_since(self, since: float | None) -> list[tuple[float, tuple[Hand, ...]]]:
        """The depth hands seen from ``since`` on (the log is in time order)."""
        log = self.hands_log
        return log if since is None else log[bisect.bisect_left(log, since, key=lambda e: e[0]) :]

    @staticmethod
    def _set_releases(
        flights: list[Flight], scale: Scale, log: list[tuple[float, tuple[Hand, ...]]]
    ) -> None:
        """Where each throw left the hand, when the depth hands can tell (``release``)."""
        rows = release_rows(flights, log, scale)  # None: no hands, or not trusted
        if rows is not None:
            for f, row in zip(flights, rows, strict=True):
                f.release_y = row

    def _start_live(self, now: float) -> None:
        """Hand the last ``live_window_s`` to the live worker (copies: tracking goes on)."""
        if self._live is not None:  # (not due yet: live_apply_after_s >= live_every_s)
            return
        since = now - self.cfg.live_window_s
        t0 = time.perf_counter()
        tracks = self.samples(since=since)
        if not tracks:
            return
        # the image gravity here and now: the association predicts falls with it
        # from the next frame on (a few frames later broke 5 of 527 tuning clips)
        tracks, scale = self._scaled(tracks, self._gravity_prior())
        if scale.g_px is not None:
            self.assoc.g_px = scale.g_px
        if self._live_worker is None:
            self._live_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="live")
        job = self._live_worker.submit(
            self._live_analysis,
            tracks,
            scale,
            self.t_last,
            list(self._hands_since(since - WINDOW_S)),
            min(self.cfg.live_window_s, now - (self.t_first or now)),
        )
        t_first = self.t_first if self.t_first is not None else now
        ms = (time.perf_counter() - t0) * 1000.0
        self._live = _Live(now, now + self.cfg.live_apply_after_s, now - t_first > 3, job, ms)

    def _live_analysis(
        self,
        tracks: list[TrackSamples],
        scale: Scale,
        t_end: float | None,
        hands: list[tuple[float, tuple[Hand, ...]]],
        duration_s: float,
    ) -> tuple[tuple[dict, list[Event]] | None, float]:
        """(summary and events, or None without flights; ms): on the worker."""
        t0 = time.perf_counter()
        flights = self._flights(tracks, scale, t_end)
        out = None
        if flights:
            self._set_releases(flights, scale, hands)
            # (a window of fewer than six throws reads no pattern: the balls in the air count)
            out = analyse_flights(
                flights,
                scale,
                duration_s=duration_s,
                fallback_ball_count=self._fallback_count(flights),
            )
        return out, (time.perf_counter() - t0) * 1000.0

    def _apply_live(self, now: float | None) -> tuple[Event, ...]:
        """The live analysis joins at its due frame (``now`` None: the end, drop it)."""
        live = self._live
        if now is None:
            if live is not None:
                live.job.cancel()
            self._live = None
            self._end_live_worker()
            return ()
        if live is None or now < live.due:
            return ()
        self._live = None
        result, ms = live.job.result()
        self.latency["analysis"].append(live.ms + ms)
        if result is None:
            self._live_count = 0 if live.quiet else None
            return ()
        summary, events = result
        now = live.t
        self._live_count = summary.get("ball_count")
        # over the last live_window_s: what fusion and the HUD read
        self._live_metrics = {
            k: summary.get(k)
            for k in (
                "throws_per_second",
                "siteswap",
                "mean_apex_height_m",
                "period_cv",
                "throws",
                "catches",
                "drops",
                "hand_separation_m",
                "hand_height_difference_m",
                "drift_m",
                "beat_period_s",
            )
        }
        new = []
        for e in events:
            key = (e.type, e.ball, round(e.t_s, 1))
            if key in self._emitted or e.t_s < now - self.cfg.live_window_s + 1.0:
                continue
            self._emitted.add(key)
            new.append(e)
        return tuple(new)

    def _end_live_worker(self) -> None:
        if self._live_worker is not None:
            self._live_worker.shutdown(wait=False, cancel_futures=True)
            self._live_worker = None

    def _fallback_count(self, flights) -> int | None:
        """Balls in the air plus held, when no siteswap explains the flights."""
        if not flights:
            return 0
        balls = {f.ball for f in flights}
        if self.mot:
            return len(balls)
        return count_from_air(flights)

    def finish(self) -> Analysis:
        """Analyse the whole recording: flights, events, siteswap, summary, tracks."""
        if self._pending and self.color_seg is None and self.learner is not None:
            self.color_seg = ColorSegmenter(self.learner.model(), self.cfg.color)
            for f in self._pending:
                self.assoc.step(f.t_s, f.index, self.color_seg.process(f.color))
            self._pending = []
        # a re-learn not due before the last frame: it still counts for the ball
        # size (the gravity prior) and the colours found, as it did when re-learning
        # was synchronous; waiting here is deterministic, and ends the worker
        self._apply_relearned(None)
        self._apply_live(None)  # a live analysis not due yet: the whole clip's follows
        tracks = self.samples()
        fit_tracks, scale = self._scaled(tracks, self._gravity_prior())
        if scale.g_px is not None:
            self.assoc.g_px = scale.g_px
        flights = self._flights(fit_tracks, scale, self.t_last)
        if self._replay_late(flights):
            tracks = self.samples()
            fit_tracks, scale = self._scaled(tracks, self._gravity_prior())
            flights = self._flights(fit_tracks, scale, self.t_last)
        self._set_releases(flights, scale, self.hands_log)
        duration = (self.t_last - self.t_first) if self.t_first is not None else 0.0
        summary, events = analyse_flights(
            flights,
            scale,
            duration_s=duration,
            fallback_ball_count=self._fallback_count(flights),
            identities=bool(self.mot),
            span=(self.t_first, self.t_last) if self.t_first is not None else None,
            complete_from=self._colours_complete_t,
        )
        flying = {f.ball for f in flights}
        out_tracks = []
        for tr in tracks:
            if tr.id not in flying:
                continue
            out_tracks.append(
                {
                    "id": int(tr.id),
                    "samples": [
                        [int(f), round(float(x), 1), round(float(y), 1)]
                        for f, (x, y) in zip(tr.frame, tr.xy, strict=True)
                    ],
                }
            )
        summary["frames"] = self.frames
        summary["modality"] = self.modality
        summary["scale_source"] = (
            "depth"
            if scale.fy and any(f.z_m for f in flights)
            else ("gravity" if scale.g_px else None)
        )
        if self.color_seg is not None:
            summary["ball_colors"] = len(self.color_seg.model.ranges)
        if self.hands_log:
            summary.update(self._hand_summary())
        if self.body_z:
            summary["body_depth_m"] = round(float(np.median(self.body_z)), 3)
        return Analysis(summary=summary, events=events, tracks=out_tracks, flights=flights)

    def _hand_summary(self) -> dict:
        """Hand separation and height from the depth hands (metres, camera frame)."""
        seps, heights = [], []
        for _t, hs in self.hands_log:
            if len(hs) == 2 and hs[0].position_m and hs[1].position_m:
                a, b = np.array(hs[0].position_m), np.array(hs[1].position_m)
                seps.append(float(abs(a[0] - b[0])))
                heights.append(float(-(a[1] + b[1]) / 2))
        if not seps:
            return {}
        return {
            "depth_hand_separation_m": round(float(np.median(seps)), 4),
            "depth_hand_height_m": round(float(np.median(heights)), 4),
        }

    def latency_summary(self) -> dict:
        out = {}
        for k, v in self.latency.items():
            if v:
                a = np.asarray(v)
                out[k] = {
                    "p50": round(float(np.percentile(a, 50)), 3),
                    "p95": round(float(np.percentile(a, 95)), 3),
                    "p99": round(float(np.percentile(a, 99)), 3),
                    "n": len(v),
                }
        return out
