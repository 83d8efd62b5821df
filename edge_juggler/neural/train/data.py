"""Training data: synthetic clips from the simulator, and users' own recorded clips.

Synthetic: every class is rendered with its own seeds per split (train, val and
test seed ranges are disjoint, so a test clip shares no juggler, camera or
pattern draw with any training clip), with a camera profile, a view (the whole
frame, or the juggler's box as the tracker would give it) and a clip length of
``RENDER_SECONDS``; the network trains on ``frames``-long windows of it. Frames go
through the runtime's own ``frame_to_input`` and are cached on disk as int8.

Synthetic clips also carry where the balls and hands are in every frame (a coarse
grid, ``AUX_GRID`` cells across): an auxiliary target that tells the per-frame
encoder what to look at, so the small network learns from far fewer clips. The
runtime never sees it.

Recorded: ``DATASET/<class>/<clip>/`` folders written by ``edge-juggler record``
(TUM layout), read with ``open_source`` and resampled by timestamp like the runtime.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edge_juggler.errors import InputError
from edge_juggler.neural.preprocess import frame_to_input

CACHE_VERSION = "v2"  # v2: ball/hand maps stored with each clip
SPLIT_OFFSETS = {"train": 0, "val": 1_000_000, "test": 2_000_000, "calib": 3_000_000}
PROFILES = (
    "azure_nfov",
    "azure_nfov_binned",
    "azure_wfov",
    "azure_wfov_unbinned",
    "kinect_v1",
    "webcam",
)
RENDER_SECONDS = 3.2
RENDER_WIDTH = 160  # pixels across the tracking stream after the sim's scale
RGB_SCALE, DEPTH_SCALE = 127.0, 80.0  # int8 codes per unit of network input
# classes whose tell-tale moment happens once: windows must contain it
EVENT_OF = {"drop": "drop", "flash": "flash"}
AUX_GRID = 8  # ball/hand map cells across (the per-frame encoder's output grid at 64 px)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "edge_juggler" / "clips"


def encode(x: np.ndarray) -> np.ndarray:
    """Float network input (..., 4, S, S) -> compact int8 codes."""
    q = np.empty(x.shape, np.int8)
    q[..., :3, :, :] = np.clip(np.rint(x[..., :3, :, :] * RGB_SCALE), -127, 127)
    q[..., 3, :, :] = np.clip(np.rint(x[..., 3, :, :] * DEPTH_SCALE), -127, 127)
    return q


def decode(q: np.ndarray) -> np.ndarray:
    x = q.astype(np.float32)
    x[..., :3, :, :] /= RGB_SCALE
    x[..., 3, :, :] /= DEPTH_SCALE
    return x


@dataclass
class ClipSet:
    """Variable-length encoded clips with labels and the time of their key event."""

    labels: list[str]
    clips: list[np.ndarray] = field(default_factory=list)  # (F, C, S, S) int8 each
    y: list[int] = field(default_factory=list)
    event_frame: list[int] = field(default_factory=list)  # -1: no key event
    meta: list[dict] = field(default_factory=list)
    aux: list[np.ndarray | None] = field(default_factory=list)  # (F, 2, G, G) uint8 or None

    def __len__(self) -> int:
        return len(self.y)

    def add(
        self,
        clip: np.ndarray,
        y: int,
        event_frame: int = -1,
        meta: dict | None = None,
        aux: np.ndarray | None = None,
    ):
        self.clips.append(clip)
        self.y.append(int(y))
        self.event_frame.append(int(event_frame))
        self.meta.append(meta or {})
        self.aux.append(aux)

    def window_start(self, i: int, frames: int, rng: np.random.Generator | None) -> int:
        """Start of a ``frames`` window: random when training, fixed for evaluation.

        Clips with a key event (a drop, a flash) always get a window containing it.
        """
        n = len(self.clips[i])
        hi = max(0, n - frames)
        ev = self.event_frame[i]
        lo_s, hi_s = 0, hi
        if ev >= 0:
            lo_s = min(hi, max(0, ev - frames + 4))
            hi_s = max(lo_s, min(hi, ev - 3))
        if rng is None:
            return (lo_s + hi_s) // 2
        return int(rng.integers(lo_s, hi_s + 1))

    def window(self, i: int, frames: int, rng: np.random.Generator | None = None) -> np.ndarray:
        return self.window_with_aux(i, frames, rng)[0]

    def window_with_aux(
        self, i: int, frames: int, rng: np.random.Generator | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The clip window and its ball/hand maps (None for clips without them)."""
        c, a = self.clips[i], self.aux[i] if i < len(self.aux) else None
        if len(c) < frames:  # short recording: repeat the last frame
            c = np.concatenate([c, np.repeat(c[-1:], frames - len(c), axis=0)])
            if a is not None:
                a = np.concatenate([a, np.repeat(a[-1:], frames - len(a), axis=0)])
        s = self.window_start(i, frames, rng)
        return c[s : s + frames], None if a is None else a[s : s + frames]

    def eval_arrays(self, frames: int) -> tuple[np.ndarray, np.ndarray]:
        """Fixed evaluation windows (N, T, C, S, S) float32 and labels (N,)."""
        xs = np.stack([decode(self.window(i, frames)) for i in range(len(self))])
        return xs, np.array(self.y, dtype=np.int64)

    def save(self, path: Path) -> None:
        lengths = np.array([len(c) for c in self.clips])
        np.savez(
            path,
            clips=np.concatenate(self.clips) if self.clips else np.zeros((0,), np.int8),
            lengths=lengths,
            y=np.array(self.y),
            event_frame=np.array(self.event_frame),
            has_aux=np.array([a is not None for a in self.aux], dtype=bool),
            aux=np.concatenate([a for a in self.aux if a is not None])
            if any(a is not None for a in self.aux)
            else np.zeros((0,), np.uint8),
            labels=np.array(self.labels),
            meta=np.array(json.dumps(self.meta)),
        )

    @classmethod
    def load(cls, path: Path) -> ClipSet:
        d = np.load(path)
        out = cls(labels=[str(s) for s in d["labels"]])
        starts = np.concatenate([[0], np.cumsum(d["lengths"])])
        for k in range(len(d["y"])):
            out.clips.append(d["clips"][starts[k] : starts[k + 1]])
        out.y = [int(v) for v in d["y"]]
        out.event_frame = [int(v) for v in d["event_frame"]]
        out.meta = json.loads(str(d["meta"]))
        out.aux = [None] * len(out.y)
        if "has_aux" in d:
            k = 0
            for i, (has, n) in enumerate(zip(d["has_aux"], d["lengths"], strict=True)):
                if has:
                    out.aux[i] = d["aux"][k : k + n]
                    k += n
        return out

    def extend(self, other: ClipSet) -> None:
        assert other.labels == self.labels
        self.clips += other.clips
        self.y += other.y
        self.event_frame += other.event_frame
        self.meta += other.meta
        self.aux += other.aux


# ---------------------------------------------------------------- synthetic


def job_for(label: str, seed: int) -> dict:
    """Deterministic variation of one synthetic clip (profile, view, colour/depth)."""
    h = int(hashlib.sha1(f"{label}/{seed}".encode()).hexdigest()[:8], 16)
    rng = np.random.default_rng([h, seed])
    profile = PROFILES[int(rng.integers(len(PROFILES)))]
    p_roi = 0.0 if label == "bg_empty" else 0.3 if label.startswith("bg_") else 0.5
    view = "roi" if rng.random() < p_roi else "full"
    return {"label": label, "seed": int(seed), "profile": profile, "view": view}


def _render(job: dict, fps: float, seconds: float):
    """(frames, truth) from the simulator's fast clip API (the source as a fallback)."""
    from edge_juggler.capture.profiles import load_profile

    prof = load_profile(job["profile"])
    scale = min(1.0, RENDER_WIDTH / prof.tracking_intrinsics.width)
    modality = "rgbd" if prof.depth is not None else "color"
    try:
        from edge_juggler.sim.clips import render_clip
    except ImportError:
        render_clip = None
    if render_clip is not None:
        return render_clip(
            job["label"],
            job["seed"],
            seconds=seconds,
            fps=fps,
            profile=job["profile"],
            scale=scale,
            modality=modality,
        )
    from edge_juggler.sim.source import SyntheticSource

    src = SyntheticSource(
        job["label"],
        seed=job["seed"],
        profile=job["profile"],
        seconds=seconds,
        fps=fps,
        scale=scale,
        modality=modality,
    )
    return list(src), src.truth


def synth_clip(job: dict, size: int, fps: float, seconds: float = RENDER_SECONDS):
    """Render and preprocess one clip.

    Returns (int8 clip (F, C, S, S), key-event frame or -1, ball/hand maps (F, 2, G, G)).
    """
    from edge_juggler.neural.train import simtruth

    frames, truth = _render(job, fps, seconds)
    roi = None
    if job["view"] == "roi":
        rng = np.random.default_rng(job["seed"] + 17)
        roi = simtruth.clip_box(truth, frames, rng)
    x = np.stack([frame_to_input(f, size, roi) for f in frames])
    ev = simtruth.key_event_frame(truth, job["label"], frames, EVENT_OF)
    aux = simtruth.object_maps(truth, frames, roi, AUX_GRID)
    return encode(x), ev, aux


def _synth_worker(args):
    job, size, fps = args
    import cv2

    cv2.setNumThreads(1)
    clip, ev, aux = synth_clip(job, size, fps)
    return job, clip, ev, aux


def split_jobs(split: str, per_class: int, labels: list[str]) -> list[dict]:
    """The clips of a split: seeds from the split's own range, so splits never overlap."""
    return [job_for(label, SPLIT_OFFSETS[split] + k) for label in labels for k in range(per_class)]


def build_synthetic(
    split: str,
    per_class: int,
    labels: list[str],
    size: int,
    fps: float,
    cache_dir: Path | None = None,
    workers: int = 2,
    progress: bool = True,
    jobs: list[dict] | None = None,
) -> ClipSet:
    """Render (or load from the cache) ``per_class`` clips of every class for a split.

    ``jobs`` (e.g. the calibration manifest) replaces the split's own list.
    """
    from tqdm import tqdm

    cache = Path(cache_dir or default_cache_dir()) / f"{CACHE_VERSION}_s{size}_f{fps:g}"
    cache.mkdir(parents=True, exist_ok=True)
    out = ClipSet(labels=list(labels))
    todo = [(labels.index(j["label"]), j) for j in (jobs or split_jobs(split, per_class, labels))]
    missing = [(ci, j) for ci, j in todo if not _cache_file(cache, j).exists()]
    if missing:
        bar = tqdm(total=len(missing), desc=f"rendering {split} clips", disable=not progress)
        args = [(j, size, fps) for _, j in missing]
        if workers > 1:
            import multiprocessing as mp

            with mp.get_context("fork").Pool(workers) as pool:
                for job, clip, ev, aux in pool.imap_unordered(_synth_worker, args, chunksize=2):
                    np.savez(_cache_file(cache, job), clip=clip, ev=ev, aux=aux)
                    bar.update()
        else:
            for a in args:
                job, clip, ev, aux = _synth_worker(a)
                np.savez(_cache_file(cache, job), clip=clip, ev=ev, aux=aux)
                bar.update()
        bar.close()
    for ci, job in tqdm(todo, desc=f"loading {split}", disable=not progress, leave=False):
        d = np.load(_cache_file(cache, job))
        out.add(d["clip"], ci, int(d["ev"]), job, d["aux"] if "aux" in d else None)
    return out


def _cache_file(cache: Path, job: dict) -> Path:
    return cache / f"{job['label']}_{job['seed']}_{job['profile']}_{job['view']}.npz"


# ---------------------------------------------------------------- recorded


def load_folder_dataset(root: str | Path, size: int, fps: float, progress: bool = True) -> ClipSet:
    """``root/<class>/<clip>/`` record folders -> a ClipSet (classes sorted by name)."""
    from tqdm import tqdm

    from edge_juggler.capture.spec import open_source
    from edge_juggler.neural.clip_buffer import ClipBuffer

    root = Path(root)
    if not root.is_dir():
        raise InputError(f"{root}: dataset folder not found")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise InputError(f"{root}: need at least two class folders (DATASET/<class>/<clip>/)")
    clips = [(ci, c) for ci, cls in enumerate(classes) for c in sorted((root / cls).iterdir())]
    clips = [(ci, c) for ci, c in clips if c.is_dir()]
    out = ClipSet(labels=classes)
    for ci, path in tqdm(clips, desc="reading clips", disable=not progress):
        buf = ClipBuffer(frames=10_000, fps=fps, stride=1)
        xs = []
        with open_source(str(path)) as src:
            for frame in src:
                if buf.wants(frame.t_s):
                    buf.push(frame.t_s, np.zeros(1))
                    xs.append(frame_to_input(frame, size, None))
        if not xs:
            raise InputError(f"{path}: no readable frames")
        out.add(encode(np.stack(xs)), ci, -1, {"path": str(path)})
    missing = [c for ci, c in enumerate(classes) if ci not in set(out.y)]
    if missing:
        raise InputError(f"{root}: class folders without clips: {', '.join(missing)}")
    return out
