"""Training loop: a continued run never ends worse on validation than it started."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from edge_juggler.neural.train import data as D  # noqa: E402
from edge_juggler.neural.train.model import JuggleNet, ModelConfig  # noqa: E402
from edge_juggler.neural.train.trainer import predict, train_model  # noqa: E402


def _two_class_set(n: int = 8) -> D.ClipSet:
    """Class 0: a dark clip, class 1: a bright one (trivially separable)."""
    rng = np.random.default_rng(2)
    cs = D.ClipSet(labels=["dark", "bright"])
    for k in range(n):
        q = rng.integers(-20, 20, (8, 4, 64, 64)).astype(np.int8)
        q += np.int8(-60 if k % 2 == 0 else 60)
        cs.add(q, k % 2)
    return cs


def _val_acc(net, cs) -> float:
    x, y = cs.eval_arrays(net.cfg.frames)
    return float((predict(net, x).argmax(1) == y).mean())


def test_continued_run_keeps_its_starting_weights_when_training_only_hurts():
    torch.manual_seed(0)
    cs = _two_class_set()
    net = JuggleNet(ModelConfig(frames=8, num_classes=2))
    quiet = dict(progress=False, log=lambda m: None, batch=2)
    train_model(net, cs, cs, epochs=15, lr=3e-3, **quiet)
    start = _val_acc(net, cs)
    assert start == 1.0
    # a learning rate this large wrecks the weights in one epoch
    hist = train_model(net, cs, cs, epochs=1, lr=50.0, start_is_candidate=True, **quiet)
    assert hist["history"][0]["epoch"] == 0 and hist["history"][0]["val_top1"] == start
    assert _val_acc(net, cs) == start
