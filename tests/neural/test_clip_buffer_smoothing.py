"""Clip buffer (timestamp sampling, stride, gaps) and label smoothing."""

from __future__ import annotations

import numpy as np
import pytest

from edge_juggler.neural.clip_buffer import ClipBuffer
from edge_juggler.neural.smoothing import LabelSmoother


def _feed(buf: ClipBuffer, times: list[float]) -> tuple[list[float], list[float]]:
    kept, ready = [], []
    for t in times:
        if buf.wants(t):
            kept.append(t)
        if buf.push(t, np.full((1,), t, np.float32)):
            ready.append(t)
    return kept, ready


def test_buffer_resamples_30fps_to_model_rate_and_emits_every_stride():
    buf = ClipBuffer(frames=4, fps=10.0, stride=2)
    times = [i / 30.0 for i in range(60)]
    kept, ready = _feed(buf, times)
    gaps = np.diff(kept)
    assert np.allclose(gaps, 0.1, atol=0.02)  # every third camera frame
    assert len(kept) == 20
    # first clip when 4 frames are in, then one every 2 kept frames
    assert ready[0] == pytest.approx(kept[3])
    assert np.allclose(np.diff(ready), 0.2, atol=0.02)
    clip = buf.clip()
    assert clip.shape == (1, 4, 1)
    assert np.all(np.diff(clip[0, :, 0]) > 0)  # oldest first


def test_buffer_keeps_average_rate_for_15fps_input():
    buf = ClipBuffer(frames=4, fps=10.0, stride=1)
    kept, _ = _feed(buf, [i / 15.0 for i in range(150)])
    rate = (len(kept) - 1) / (kept[-1] - kept[0])
    assert 9.0 < rate < 11.0


def test_buffer_restarts_schedule_after_a_gap():
    buf = ClipBuffer(frames=3, fps=10.0, stride=1)
    kept, _ = _feed(buf, [0.0, 0.1, 0.2, 5.0, 5.1, 5.2])
    assert kept == [0.0, 0.1, 0.2, 5.0, 5.1, 5.2]


def test_buffer_rejects_bad_parameters():
    with pytest.raises(ValueError):
        ClipBuffer(frames=0, fps=10)


def _onehot(i: int, n: int = 4, p: float = 0.9) -> np.ndarray:
    v = np.full(n, (1 - p) / (n - 1), np.float32)
    v[i] = p
    return v


def test_one_noisy_prediction_does_not_flip_the_label():
    sm = LabelSmoother(["a", "b", "c", "d"], alpha=0.6, hold=2)
    for _ in range(5):
        label, _, _ = sm.update(_onehot(0))
    assert label == "a"
    label, _, _ = sm.update(_onehot(2))  # one outlier
    assert label == "a"
    label, conf, probs = sm.update(_onehot(0))
    assert label == "a" and conf > 0.5
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_a_lasting_change_flips_the_label():
    sm = LabelSmoother(["a", "b", "c", "d"], alpha=0.6, hold=2)
    for _ in range(4):
        sm.update(_onehot(0))
    labels = [sm.update(_onehot(3))[0] for _ in range(4)]
    assert labels[0] == "a"
    assert labels[-1] == "d"


def test_per_class_threshold_blocks_unsure_switches():
    sm = LabelSmoother(["a", "b", "c", "d"], thresholds={"b": 0.95}, alpha=1.0, hold=1)
    sm.update(_onehot(0))
    unsure_b = np.array([0.42, 0.5, 0.04, 0.04], np.float32)  # a still above its 0.4
    for _ in range(5):
        label, _, _ = sm.update(unsure_b)
    assert label == "a"  # b never clears its 0.95 threshold
    label, _, _ = sm.update(_onehot(1, p=0.97))
    assert label == "b"


def test_a_stale_unsure_label_yields_to_the_class_on_top():
    sm = LabelSmoother(["a", "b", "c", "d"], alpha=0.6, hold=2)
    sm.update(np.array([0.35, 0.3, 0.2, 0.15], np.float32))  # an unsure first guess
    labels = [sm.update(np.array([0.1, 0.38, 0.3, 0.22], np.float32))[0] for _ in range(4)]
    assert labels[0] == "a"  # one clip is not enough (hold)
    assert labels[-1] == "b"  # b never clears 0.4, but a fell below it long ago
