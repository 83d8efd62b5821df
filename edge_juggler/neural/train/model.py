"""JuggleNet: a small MobileNet-style (2+1)D video network for colour + depth clips.

Input ``clip``: (B, T, C, S, S) float32, C = 4 (R, G, B, relative depth; a missing
modality is all zeros, so one network serves colour, depth and RGB-D). Layout
B, T, C, H, W lets the runtime stack frames as they arrive.

Shape by measurement (benchmarks/bench_neural.py, MODEL_CARD.md): the early layers
are per-frame 2-D convs (shared across time; dense rather than depthwise, since
PyTorch trains depthwise 2-D convs slowly on a CPU); temporal mixing happens at
low spatial resolution with depthwise (3, 3, 3) convs, which OpenVINO runs faster
than separate (1, 3, 3) + (3, 1, 1) pairs on this CPU.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ModelConfig:
    """Everything the runtime needs to feed the network (saved next to the IR)."""

    frames: int = 16  # T: clip length
    size: int = 64  # S: square input side in pixels
    channels: int = 4  # R, G, B, relative depth
    fps: float = 10.0  # clip sampling rate (frames are picked by timestamp)
    width: float = 1.0  # channel multiplier
    num_classes: int = 27
    motion: bool = False  # also feed frame-to-frame differences (computed inside the graph)

    def to_dict(self) -> dict:
        return asdict(self)


def _ch(c: int, width: float) -> int:
    return max(8, int(round(c * width / 8)) * 8)


class _ConvBN(nn.Sequential):
    def __init__(self, cin, cout, k, s=1, groups=1, act=True, three_d=False):
        conv = nn.Conv3d if three_d else nn.Conv2d
        bn = nn.BatchNorm3d if three_d else nn.BatchNorm2d
        pad = tuple(x // 2 for x in k) if isinstance(k, tuple) else k // 2
        layers: list[nn.Module] = [conv(cin, cout, k, s, pad, groups=groups, bias=False), bn(cout)]
        if act:
            layers.append(nn.ReLU6(inplace=True))
        super().__init__(*layers)


class _Block2d(nn.Module):
    """Inverted residual on single frames (MobileNetV2)."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        mid = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.body = nn.Sequential(
            _ConvBN(cin, mid, 1) if expand != 1 else nn.Identity(),
            _ConvBN(mid, mid, 3, stride, groups=mid),
            _ConvBN(mid, cout, 1, act=False),
        )

    def forward(self, x):
        y = self.body(x)
        return x + y if self.use_res else y


class _Block3d(nn.Module):
    """Inverted residual with a depthwise (3, 3, 3) conv: mixes space and time."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        mid = cin * expand
        self.use_res = stride == (1, 1, 1) and cin == cout
        self.body = nn.Sequential(
            _ConvBN(cin, mid, (1, 1, 1), three_d=True),
            _ConvBN(mid, mid, (3, 3, 3), stride, groups=mid, three_d=True),
            _ConvBN(mid, cout, (1, 1, 1), act=False, three_d=True),
        )

    def forward(self, x):
        y = self.body(x)
        return x + y if self.use_res else y


class JuggleNet(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        c1, c2, c3, c4, c5 = (_ch(c, w) for c in (16, 24, 40, 64, 96))
        # per-frame 2-D encoder: S -> S/8 (dense early convs: cheap to train on CPU)
        self.frame_encoder = nn.Sequential(
            _ConvBN(cfg.channels * (2 if cfg.motion else 1), c1, 3, 2),
            _ConvBN(c1, c2, 3, 2),
            _Block2d(c2, c2, 1, 2),
            _ConvBN(c2, c3, 3, 2),
        )
        # spatio-temporal part: S/8 -> S/16, T -> T/4
        self.temporal = nn.Sequential(
            _Block3d(c3, c3, (1, 1, 1), 2),
            _Block3d(c3, c4, (2, 2, 2), 3),
            _Block3d(c4, c4, (1, 1, 1), 3),
            _Block3d(c4, c5, (2, 1, 1), 3),
            _ConvBN(c5, _ch(192, w), (1, 1, 1), three_d=True),
        )
        self.dropout = nn.Dropout(0.2)
        self.classifier = nn.Linear(_ch(192, w), cfg.num_classes)
        # training-only head: where the balls and hands are in each frame (not exported)
        self.aux_head = nn.Conv2d(c3, 2, 1)
        # channels-last weights and inputs train the 2-D part 2-3x faster on CPU
        # (mixing layouts is slower than either); export is unaffected
        self.frame_encoder.to(memory_format=torch.channels_last)

    def features(self, clip: torch.Tensor) -> torch.Tensor:
        return self._features(clip)[0]

    def _features(self, clip: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(clip features (B, F), per-frame encoder maps (B*T, C, S/8, S/8))."""
        if self.cfg.motion:
            # differences show what moved at full resolution (a ball is a pixel or two);
            # the per-frame convs would otherwise have to find motion at 1/8 resolution
            diff = clip[:, 1:] - clip[:, :-1]
            clip = torch.cat([clip, torch.cat([torch.zeros_like(clip[:, :1]), diff], 1)], 2)
        b, t, c, h, wd = clip.shape
        x = clip.reshape(b * t, c, h, wd).contiguous(memory_format=torch.channels_last)
        fmap = self.frame_encoder(x)
        _, c2, h2, w2 = fmap.shape
        x = fmap.reshape(b, t, c2, h2, w2).transpose(1, 2)  # B, C, T, H, W
        x = self.temporal(x)
        return x.mean(dim=(2, 3, 4)), fmap

    def forward_with_aux(self, clip: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Class logits and ball/hand map logits (B, T, 2, S/8, S/8) for training."""
        feats, fmap = self._features(clip)
        maps = self.aux_head(fmap)
        b, t = clip.shape[:2]
        return self.classifier(self.dropout(feats)), maps.reshape(b, t, *maps.shape[1:])

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        """Logits (B, num_classes); the exported graph appends a softmax."""
        return self.classifier(self.dropout(self.features(clip)))


class WithSoftmax(nn.Module):
    """Export wrapper: the IR outputs probabilities, so the runtime needs no maths."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.net = net

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(clip), dim=1)


def count_macs(cfg: ModelConfig) -> int:
    """Multiply-accumulates of one clip (conv + linear), for the model card."""
    net = JuggleNet(cfg).eval()
    total = 0

    def hook(mod, inp, out):
        nonlocal total
        if isinstance(mod, (nn.Conv2d, nn.Conv3d)):
            k = 1
            for v in mod.kernel_size:
                k *= v
            total += out.numel() * (mod.in_channels // mod.groups) * k
        elif isinstance(mod, nn.Linear):
            total += mod.in_features * mod.out_features

    hs = [m.register_forward_hook(hook) for m in net.modules()]
    with torch.no_grad():
        net(torch.zeros(1, cfg.frames, cfg.channels, cfg.size, cfg.size))
    for h in hs:
        h.remove()
    return total
