"""Training-only ball/hand maps: aligned with the network input, stored, mirrored, learned."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from edge_juggler.frames import Frame  # noqa: E402
from edge_juggler.neural.preprocess import frame_to_input  # noqa: E402
from edge_juggler.neural.train import data as D  # noqa: E402
from edge_juggler.neural.train.model import JuggleNet, ModelConfig  # noqa: E402
from edge_juggler.neural.train.simtruth import object_maps  # noqa: E402
from edge_juggler.neural.train.trainer import augment, train_model  # noqa: E402


def _scene(ball_xy, hands_xy, roi=None):
    """A 100x80 depth frame: wall at 2 m, one ball 0.5 m closer; its truth."""
    depth = np.full((80, 100), 2000, np.uint16)
    x, y = ball_xy
    depth[y - 1 : y + 2, x - 1 : x + 2] = 1500
    frame = Frame(index=0, timestamp_us=0, depth=depth)
    ft = SimpleNamespace(
        balls_px=np.array([ball_xy], float),
        ball_visible=np.array([True]),
        hands_px=np.array(hands_xy, float),
        person=True,
    )
    return frame, SimpleNamespace(frames=[ft])


@pytest.mark.parametrize("roi", [None, (30, 10, 90, 70)])
def test_ball_cell_is_where_the_input_shows_the_ball(roi):
    frame, truth = _scene((62, 33), [(40, 60), (75, 60)], roi)
    maps = object_maps(truth, [frame], roi, grid=8)
    assert maps.shape == (1, 2, 8, 8)
    assert maps[0, 0].sum() == 1 and maps[0, 1].sum() == 2
    x = frame_to_input(frame, 64, roi)[3]  # relative depth: the ball is the peak
    py, px = np.unravel_index(np.argmax(x), x.shape)
    cy, cx = np.argwhere(maps[0, 0])[0]
    assert (py // 8, px // 8) == (cy, cx)


def test_hidden_ball_and_nobody_leave_the_maps_empty():
    frame, truth = _scene((62, 33), [(40, 60), (75, 60)])
    truth.frames[0].ball_visible = np.array([False])
    truth.frames[0].person = False
    assert object_maps(truth, [frame], None, grid=8).sum() == 0


def test_clipset_keeps_maps_through_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    cs = D.ClipSet(labels=["a", "b"])
    with_maps = rng.integers(0, 2, (5, 2, 8, 8)).astype(np.uint8)
    cs.add(rng.integers(-9, 9, (5, 4, 64, 64)).astype(np.int8), 0, aux=with_maps)
    cs.add(rng.integers(-9, 9, (3, 4, 64, 64)).astype(np.int8), 1)  # a recorded clip
    cs.save(tmp_path / "c.npz")
    back = D.ClipSet.load(tmp_path / "c.npz")
    assert np.array_equal(back.aux[0], with_maps) and back.aux[1] is None
    clip, maps = back.window_with_aux(0, 4, None)
    assert clip.shape[0] == 4 and np.array_equal(maps, with_maps[0:4])
    clip, maps = back.window_with_aux(1, 4, None)  # short clip is padded, has no maps
    assert clip.shape[0] == 4 and maps is None


def test_mirroring_moves_the_maps_with_the_clip():
    rng = np.random.default_rng(3)
    x = np.zeros((2, 4, 64, 64), np.float32)
    x[:, :, 19:22, 4:7] = 0.9  # a ball near the left edge, in colour and depth
    aux = np.zeros((2, 2, 8, 8), np.uint8)
    aux[:, 0, 2, 0] = 1
    for _ in range(40):
        xa, aa = augment(x, rng, aux)
        energy = np.abs(xa[0]).sum(axis=(0, 1))
        left = energy[:32].sum() > energy[32:].sum()
        assert bool(aa[0, 0, 2, 0]) == left and bool(aa[0, 0, 2, 7]) == (not left)


def test_training_with_maps_teaches_the_encoder_where_the_ball_is():
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    frames, n = 8, 8
    cs = D.ClipSet(labels=["a", "b"])
    for k in range(n):
        aux = np.zeros((frames, 2, 8, 8), np.uint8)
        q = np.zeros((frames, 4, 64, 64), np.int8)
        for t in range(frames):  # a bright ball jumping over the frame, its cell marked
            cy, cx = rng.integers(0, 8, 2)
            q[t, :, cy * 8 + 3 : cy * 8 + 5, cx * 8 + 3 : cx * 8 + 5] = 80
            aux[t, 0, cy, cx] = 1
        cs.add(q, k % 2, aux=aux)
    net = JuggleNet(ModelConfig(frames=frames, num_classes=2, motion=True))
    xb = torch.from_numpy(np.stack([D.decode(c) for c in cs.clips]))
    truth_cell = np.stack(cs.aux)[:, :, 0].reshape(n, frames, 64).argmax(-1)

    def hit_rate() -> float:  # frames whose most ball-like cell is the ball's (chance 1/64)
        net.eval()
        with torch.no_grad():
            maps = net.forward_with_aux(xb)[1][:, :, 0].flatten(2)
        return float((maps.argmax(-1).numpy() == truth_cell).mean())

    before = hit_rate()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # same arithmetic on every machine
    try:
        train_model(net, cs, None, epochs=20, lr=3e-3, batch=2, progress=False, log=lambda m: None)
    finally:
        torch.set_num_threads(threads)
    assert before < 0.1 and hit_rate() > 0.25
