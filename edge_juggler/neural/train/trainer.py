"""Training loop, evaluation and the confusion-matrix picture (PyTorch on the CPU)."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from edge_juggler.neural.train.data import ClipSet, decode
from edge_juggler.neural.train.model import JuggleNet

AUX_WEIGHT = 1.0  # weight of the ball/hand map loss next to the class loss
AUX_POS_WEIGHT = 5.0  # a ball fills one cell of 64: count its cells more


def augment(
    x: np.ndarray, rng: np.random.Generator, aux: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Clip-level augmentation (T, C, S, S): what varies between cameras and rooms.

    ``aux`` (T, 2, G, G) ball/hand maps are mirrored with the clip.
    """
    x = x.copy()
    r = rng.random()
    if r < 0.15:
        x[:, :3] = 0.0  # depth-only camera
    elif r < 0.3:
        x[:, 3] = 0.0  # colour-only camera (webcam, phone)
    if r >= 0.15:
        rgb = x[:, :3]
        inside = rgb[:, :1] != 0  # letterbox padding stays 0
        shift = rng.uniform(-0.25, 0.25) + rng.uniform(-0.1, 0.1, size=(1, 3, 1, 1))
        rgb *= np.float32(rng.uniform(0.7, 1.3))
        rgb += shift.astype(np.float32)
        np.clip(rgb, -1.0, 1.0, out=rgb)
        rgb *= inside
    if (r < 0.15 or r >= 0.3) and rng.random() < 0.5:
        holes = rng.random(x[:, 3].shape, dtype=np.float32) < rng.uniform(0.0, 0.08)
        x[:, 3][holes] = 0.0
    if rng.random() < 0.5:
        x = x[..., ::-1]
        if aux is not None:
            aux = aux[..., ::-1]
    dy, dx = (int(v) for v in rng.integers(-3, 4, size=2))
    if dy or dx:  # under half a map cell: the maps stay put
        x = np.roll(x, (dy, dx), axis=(2, 3))
    return np.ascontiguousarray(x), None if aux is None else np.ascontiguousarray(aux)


class WindowDataset(torch.utils.data.Dataset):
    def __init__(self, clips: ClipSet, frames: int, train: bool, seed: int = 0):
        self.clips, self.frames, self.train = clips, frames, train
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int):
        rng = self.rng if self.train else None
        q, aux = self.clips.window_with_aux(i, self.frames, rng)
        x = decode(q)
        if self.train:
            x, aux = augment(x, self.rng, aux)
        has = aux is not None
        if aux is None:
            aux = np.zeros((self.frames, 2, 1, 1), np.uint8)
        return torch.from_numpy(x), self.clips.y[i], torch.from_numpy(aux.astype(np.float32)), has


@torch.no_grad()
def predict(net: nn.Module, xs: np.ndarray, batch: int = 64) -> np.ndarray:
    net.eval()
    out = []
    for k in range(0, len(xs), batch):
        out.append(torch.softmax(net(torch.from_numpy(xs[k : k + batch])), 1).numpy())
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def train_model(
    net: JuggleNet,
    train_set: ClipSet,
    val_set: ClipSet | None,
    epochs: int,
    lr: float = 3e-3,
    batch: int = 32,
    freeze: tuple[str, ...] = (),
    progress: bool = True,
    log: Callable[[str], None] = print,
    time_budget_s: float | None = None,
    start_is_candidate: bool = False,
) -> dict:
    """Train in place; keeps the weights of the best validation epoch. Returns history.

    ``start_is_candidate``: a continued run also scores the weights it starts from, so
    it never ends worse on validation than it began.
    """
    from tqdm import tqdm

    frames = net.cfg.frames
    for name, p in net.named_parameters():
        p.requires_grad = not any(name.startswith(f) for f in freeze)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=1e-4)
    loader = torch.utils.data.DataLoader(
        WindowDataset(train_set, frames, train=True),
        batch_size=batch,
        shuffle=True,
        drop_last=False,
    )
    steps = max(1, epochs * len(loader))
    warm = 0.06

    def lr_at(frac: float) -> float:
        """Linear warm-up, then cosine to zero; ``frac`` counts steps or time, whichever
        is further, so a run cut short by its time budget still ends with a low LR."""
        if frac < warm:
            return lr * (0.1 + 0.9 * frac / warm)
        return lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (frac - warm) / (1 - warm))))

    loss_fn = nn.CrossEntropyLoss()
    aux_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(AUX_POS_WEIGHT))

    def batch_loss(xb, yb, ab, hb) -> torch.Tensor:
        if not bool(hb.any()):
            return loss_fn(net(xb), yb)
        logits, maps = net.forward_with_aux(xb)
        loss = loss_fn(logits, yb)
        if maps.shape[-2:] != ab.shape[-2:]:  # input size other than 64: match the grid
            b, t = maps.shape[:2]
            maps = nn.functional.interpolate(
                maps.flatten(0, 1), size=ab.shape[-2:], mode="bilinear", align_corners=False
            ).reshape(b, t, 2, *ab.shape[-2:])
        return loss + AUX_WEIGHT * aux_fn(maps[hb], ab[hb])

    val_x = val_y = None
    if val_set is not None and len(val_set):
        val_x, val_y = val_set.eval_arrays(frames)
    best = (-1.0, None)
    history: list[dict] = []
    if start_is_candidate and val_x is not None:
        acc = float((predict(net, val_x).argmax(1) == val_y).mean())
        best = (acc, copy.deepcopy(net.state_dict()))
        history.append({"epoch": 0, "loss": None, "val_top1": acc, "elapsed_s": 0.0})
        log(f"starting weights: val top-1 {acc:.3f}")
    t_start = time.monotonic()
    step, done_frac = 0, 0.0
    for g in opt.param_groups:
        g["lr"] = lr_at(0.0)
    for epoch in range(epochs):
        net.train()
        for mod in net.modules():  # frozen layers keep their BatchNorm statistics
            if isinstance(mod, (nn.BatchNorm2d, nn.BatchNorm3d)) and not any(
                p.requires_grad for p in mod.parameters()
            ):
                mod.eval()
        total, n = 0.0, 0
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", disable=not progress, leave=False)
        for xb, yb, ab, hb in bar:
            loss = batch_loss(xb, yb, ab, hb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            done_frac = step / steps
            if time_budget_s:
                done_frac = max(done_frac, (time.monotonic() - t_start) / time_budget_s)
            for g in opt.param_groups:
                g["lr"] = lr_at(done_frac)
            total += float(loss.detach()) * len(yb)
            n += len(yb)
            bar.set_postfix(loss=f"{total / n:.3f}")
        rec = {"epoch": epoch + 1, "loss": total / max(n, 1)}
        if val_x is not None:
            acc = float((predict(net, val_x).argmax(1) == val_y).mean())
            rec["val_top1"] = acc
            if acc >= best[0]:
                best = (acc, copy.deepcopy(net.state_dict()))
        rec["elapsed_s"] = round(time.monotonic() - t_start, 1)
        history.append(rec)
        log(
            f"epoch {epoch + 1}/{epochs}: loss {rec['loss']:.3f}"
            + (f", val top-1 {rec['val_top1']:.3f}" if "val_top1" in rec else "")
            + f" ({rec['elapsed_s']:.0f} s)"
        )
        if done_frac >= 1.0 and epoch + 1 < epochs:
            log(f"time budget of {time_budget_s:.0f} s used up; stopping after this epoch")
            break
    if best[1] is not None:
        net.load_state_dict(best[1])
    for p in net.parameters():
        p.requires_grad = True
    return {"history": history, "best_val_top1": best[0] if best[1] is not None else None}


def confusion(y: np.ndarray, pred: np.ndarray, n: int) -> np.ndarray:
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (y, pred), 1)
    return cm


def per_class_accuracy(cm: np.ndarray) -> np.ndarray:
    return cm.diagonal() / np.maximum(cm.sum(1), 1)


def save_confusion_png(cm: np.ndarray, labels: list[str], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(labels)
    side = max(5.0, 0.38 * n + 2.5)
    fig, ax = plt.subplots(figsize=(side, side * 0.92))
    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(n), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    for i in range(n):
        for j in range(n):
            if cm[i, j]:
                ax.text(
                    j,
                    i,
                    str(cm[i, j]),
                    ha="center",
                    va="center",
                    fontsize=5,
                    color="white" if norm[i, j] > 0.5 else "black",
                )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
